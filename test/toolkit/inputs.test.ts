import { describe, expect, it } from '@jest/globals';
import { Inputs, mapInputSource, runnerInputSource } from '@allthrive/toolkit';
import { thrownInputError } from '../harness/input-error.js';

const inputs = (values: Record<string, string>) => new Inputs(mapInputSource(values));

describe('Inputs readers', () => {
  it('reads the runner variables with its name mangling (spaces to _, upper case, hyphens kept)', () => {
    const source = runnerInputSource({ 'INPUT_DELETE-GRACE': ' 7d ', INPUT_MY_INPUT: 'x' });
    expect(new Inputs(source).string('delete-grace')).toBe('7d');
    expect(new Inputs(source).string('my input')).toBe('x');
  });

  it('string: required, default and absent', () => {
    expect(inputs({ bucket: 'site' }).string('bucket', { required: true })).toBe('site');
    expect(inputs({}).string('prefix', { default: 'app' })).toBe('app');
    expect(inputs({}).string('prefix')).toBe('');
    const error = thrownInputError(() => inputs({ bucket: '  ' }).string('bucket', { required: true, accepted: 'a bucket name' }));
    expect(error.input).toBe('bucket');
    expect(error.message).toBe("Input 'bucket' is required but was not given: expected a bucket name.");
  });

  it.each([
    ['true', true],
    ['TRUE', true],
    ['False', false],
    ['false', false],
  ])('boolean accepts %s', (value, expected) => {
    expect(inputs({ wait: value }).boolean('wait', false)).toBe(expected);
  });

  it.each(['yes', 'no', '1', '0', 'on', 'y', 'tru'])('boolean rejects %s naming input, value and accepted values', (value) => {
    const error = thrownInputError(() => inputs({ wait: value }).boolean('wait', true));
    expect(error.input).toBe('wait');
    expect(error.message).toBe(`Input 'wait' has the value '${value}', which is not accepted: expected \`true\` or \`false\`.`);
  });

  it('boolean falls back to its default when absent and is required without one', () => {
    expect(inputs({}).boolean('wait', true)).toBe(true);
    expect(thrownInputError(() => inputs({}).boolean('wait')).message).toContain("Input 'wait' is required");
  });

  it('list splits on commas and newlines and drops blanks', () => {
    expect(inputs({ services: 'web, celery\ncelery-beat\n\n,' }).list('services')).toEqual(['web', 'celery', 'celery-beat']);
    expect(inputs({}).list('services')).toEqual([]);
    expect(thrownInputError(() => inputs({ services: ' , \n' }).list('services', { required: true })).input).toBe('services');
  });

  it('lines keeps commas inside a line and skips comments', () => {
    expect(inputs({ rules: '*.html: no-cache\n# note\nassets/**: public, max-age=60\n' }).lines('rules')).toEqual([
      '*.html: no-cache',
      'assets/**: public, max-age=60',
    ]);
  });

  it.each([
    ['30s', 30_000],
    ['15m', 900_000],
    ['1h30m', 5_400_000],
    ['7d', 604_800_000],
    ['250ms', 250],
    ['1m30s', 90_000],
    ['45', 45_000],
  ])('duration %s', (value, ms) => {
    expect(inputs({ timeout: value }).duration('timeout', { default: '15m' })).toBe(ms);
  });

  it('a bare duration number uses the unit the input name says', () => {
    expect(inputs({ 'timeout-minutes': '5' }).duration('timeout-minutes', { bareUnit: 'm' })).toBe(300_000);
  });

  it.each(['15 minutes', '-5m', '1.5h', '30s15m', '5m5m', 'm', '1x', 'soon'])('duration rejects %s', (value) => {
    const error = thrownInputError(() => inputs({ timeout: value }).duration('timeout', { default: '15m' }));
    expect(error.input).toBe('timeout');
    expect(error.message).toMatch(
      new RegExp(
        `^Input 'timeout' has the value '${value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}', which is not accepted: expected a duration such as 30s, 15m or 1h30m`,
      ),
    );
  });

  it('duration enforces a minimum', () => {
    const error = thrownInputError(() => inputs({ 'poll-interval': '500ms' }).duration('poll-interval', { default: '10s', minMs: 1000 }));
    expect(error.message).toContain('at least 1s');
  });

  it('integer within bounds', () => {
    expect(inputs({ concurrency: '16' }).integer('concurrency', { default: 8, min: 1, max: 64 })).toBe(16);
    expect(inputs({}).integer('concurrency', { default: 8, min: 1, max: 64 })).toBe(8);
    for (const bad of ['0', '65', '1.5', 'ten', '1e3', '']) {
      if (!bad) continue;
      const error = thrownInputError(() => inputs({ concurrency: bad }).integer('concurrency', { default: 8, min: 1, max: 64 }));
      expect(error.message).toBe(
        `Input 'concurrency' has the value '${bad}', which is not accepted: expected a whole number from 1 to 64.`,
      );
    }
  });

  it('enumeration is case-insensitive and lists the choices', () => {
    expect(inputs({ mode: 'RUN-TASK' }).enumeration('mode', ['exec', 'run-task'] as const, 'exec')).toBe('run-task');
    expect(inputs({}).enumeration('mode', ['exec', 'run-task'] as const, 'exec')).toBe('exec');
    expect(thrownInputError(() => inputs({ mode: 'ssh' }).enumeration('mode', ['exec', 'run-task'] as const, 'exec')).message).toBe(
      "Input 'mode' has the value 'ssh', which is not accepted: expected one of `exec`, `run-task`.",
    );
  });

  it('json parses or names the parse error', () => {
    expect(inputs({ paths: '["/a","/b"]' }).json('paths')).toEqual(['/a', '/b']);
    expect(inputs({}).json('paths')).toBeUndefined();
    const error = thrownInputError(() => inputs({ paths: '["/a",' }).json('paths', { accepted: 'a JSON array of paths' }));
    expect(error.input).toBe('paths');
    expect(error.message).toMatch(/^Input 'paths' has the value '\["\/a",', which is not accepted: expected a JSON array of paths \(/);
  });

  it('exclusive rejects two mutually exclusive inputs given together', () => {
    expect(() => inputs({ url: 'http://x' }).exclusive('url', 'directory')).not.toThrow();
    const error = thrownInputError(() => inputs({ url: 'http://x', directory: 'site' }).exclusive('url', 'directory'));
    expect(error.message).toBe("Inputs 'url' and 'directory' cannot be used together: give only one of 'url', 'directory'.");
  });

  it('shows long or multi-line values on one line, shortened', () => {
    const error = thrownInputError(() => inputs({ wait: 'a\nb' }).boolean('wait', true));
    expect(error.message).toContain("'a\\nb'");
    const long = thrownInputError(() => inputs({ wait: 'x'.repeat(200) }).boolean('wait', true));
    expect(long.message.split('\n')).toHaveLength(1);
    expect(long.message.length).toBeLessThan(200);
  });

  it('remembers every input name read', () => {
    const reader = inputs({ a: '1' });
    reader.string('a');
    reader.boolean('b', false);
    expect([...reader.read]).toEqual(['a', 'b']);
  });
});
