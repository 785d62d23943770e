import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, jest } from '@jest/globals';
import * as core from '@actions/core';
import * as protocol from '../../packages/toolkit/src/runner-protocol.js';

// The toolkit writes the runner's protocol itself (to keep @actions/core's OIDC and exec
// dependencies out of every bundle): what it writes must be what @actions/core writes.
const awkward = ['plain', 'a % b', 'line 1\nline 2\r\n', '::set-output name=x::y', 'ü ✓', ''];
const properties = [
  undefined,
  {},
  { title: 'bucket' },
  { title: 'a: b, c%\n', file: 'src/x.ts', startLine: 3, endLine: 4, startColumn: 2, endColumn: 9 },
];

function capture(run: () => void): string {
  let text = '';
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    text += String(chunk);
    return true;
  });
  try {
    run();
  } finally {
    spy.mockRestore();
  }
  return text;
}

const saved = { output: process.env.GITHUB_OUTPUT, summary: process.env.GITHUB_STEP_SUMMARY };
afterEach(() => {
  for (const [name, value] of [
    ['GITHUB_OUTPUT', saved.output],
    ['GITHUB_STEP_SUMMARY', saved.summary],
  ] as const) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
});

describe('runner protocol: the same bytes as @actions/core', () => {
  it.each(awkward)('log lines, debug lines and masks of %j', (message) => {
    for (const name of ['info', 'debug', 'setSecret'] as const) {
      expect(capture(() => protocol[name](message))).toBe(capture(() => core[name](message)));
    }
  });

  it.each(properties.map((p) => [JSON.stringify(p), p] as const))('annotations with properties %s', (_label, props) => {
    for (const name of ['notice', 'warning', 'error'] as const) {
      for (const message of awkward) {
        expect(capture(() => protocol[name](message, props))).toBe(capture(() => core[name](message, props)));
      }
    }
  });

  it('groups, also when the function throws', async () => {
    const run = async (impl: typeof protocol.group) => {
      let text = '';
      const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
        text += String(chunk);
        return true;
      });
      try {
        const value = await impl('Plan: a\nb', async () => 42);
        const failed = await impl('fails', async () => {
          throw new Error('boom');
        }).catch((e: unknown) => (e as Error).message);
        return { text, value, failed };
      } finally {
        spy.mockRestore();
      }
    };
    expect(await run(protocol.group)).toEqual(await run(core.group));
  });

  it('outputs: the same heredoc in GITHUB_OUTPUT (up to its random delimiter), and the legacy command without it', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'protocol-'));
    const write = (impl: typeof protocol.setOutput) => {
      const file = path.join(dir, `output-${impl === protocol.setOutput ? 'toolkit' : 'core'}`);
      writeFileSync(file, '');
      process.env.GITHUB_OUTPUT = file;
      for (const [name, value] of [
        ['changed-paths', '["/a","/b"]'],
        ['multi', 'line 1\nline 2'],
        ['count', 3],
        ['empty', ''],
      ] as const)
        impl(name, value);
      return readFileSync(file, 'utf8').replace(/ghadelimiter_[0-9a-f-]{36}/g, 'ghadelimiter_X');
    };
    expect(write(protocol.setOutput)).toBe(write(core.setOutput));
    expect(write(protocol.setOutput)).toContain('multi<<ghadelimiter_X\nline 1\nline 2\nghadelimiter_X\n');
    delete process.env.GITHUB_OUTPUT;
    expect(capture(() => protocol.setOutput('n', 'v\n2'))).toBe(capture(() => core.setOutput('n', 'v\n2')));
  });

  it('the job summary is appended as summary.addRaw(text).write() appends it', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'protocol-'));
    const append = async (toolkit: boolean) => {
      const file = path.join(dir, `summary-${toolkit}`);
      writeFileSync(file, 'before\n');
      process.env.GITHUB_STEP_SUMMARY = file;
      const text = '<h3>Deployed</h3>\n<table><tr><td>a</td></tr></table>\n';
      if (toolkit) await protocol.appendSummary(text);
      else await core.summary.emptyBuffer().addRaw(text).write();
      return readFileSync(file, 'utf8');
    };
    expect(await append(true)).toBe(await append(false));
    delete process.env.GITHUB_STEP_SUMMARY;
    await expect(protocol.appendSummary('x')).rejects.toThrow(/GITHUB_STEP_SUMMARY/);
  });
});
