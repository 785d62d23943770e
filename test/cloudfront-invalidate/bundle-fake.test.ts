import { afterEach, describe, expect, it } from '@jest/globals';
import type { ChildProcess } from 'node:child_process';
import { runBundle, type BundleResult } from '../harness/bundle.js';
import { TEST_CREDENTIALS } from '../harness/moto.js';
import { startFakeCloudFront, type FakeCloudFront } from './fake-cloudfront.js';

// moto completes invalidations at once and never answers TooManyInvalidationsInProgress, so these
// bundle runs talk to a scripted CloudFront endpoint instead.
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function fake(script: Parameters<typeof startFakeCloudFront>[0]): Promise<FakeCloudFront> {
  const server = await startFakeCloudFront(script);
  cleanups.push(() => server.close());
  return server;
}

async function run(
  server: FakeCloudFront,
  inputs: Record<string, string>,
  onStart?: (child: ChildProcess) => void,
  env: Record<string, string | undefined> = {},
): Promise<BundleResult> {
  const result = await runBundle('cloudfront-invalidate', {
    inputs,
    env: { ...TEST_CREDENTIALS, AWS_ENDPOINT_URL: server.endpoint, ...env },
    onStart,
  });
  cleanups.push(() => result.cleanup());
  return result;
}

const DIST = 'E2QWRUHAPOMQZL';

describe('cloudfront-invalidate bundle against a scripted CloudFront', () => {
  it('retries TooManyInvalidationsInProgress (which the SDK does not) and stops promptly on SIGINT, saying the invalidation keeps running', async () => {
    const server = await fake({
      createErrors: [
        {
          code: 'TooManyInvalidationsInProgress',
          status: 400,
          message: 'Processing your request will cause you to exceed the maximum number of in-progress wildcard invalidations.',
        },
      ],
    });
    const result = await run(server, { 'distribution-id': DIST, paths: '/*' }, (child) => {
      let seen = '';
      let sent = false;
      child.stdout?.on('data', (chunk) => {
        seen += chunk;
        if (!sent && seen.includes('Created invalidation IFAKE1')) {
          sent = true;
          child.kill('SIGINT');
        }
      });
    });
    expect(server.creates()).toBe(2);
    expect(result.log).toMatch(/TooManyInvalidationsInProgress while creating the invalidation \(attempt 1\); retrying in \d/);
    expect(result.exitCode).toBe(1);
    expect(result.errors).toHaveLength(1);
    expect(result.errors[0].message).toMatch(
      /^The run was cancelled while invalidation IFAKE1 on distribution E2QWRUHAPOMQZL was InProgress: CloudFront cannot cancel an invalidation, so it keeps running and completes on its own\. Re-running the job starts a new run attempt/,
    );
    // Both create attempts carried the same caller reference, so a retry can never duplicate.
    const references = server.requests
      .filter((r) => r.method === 'POST')
      .map((r) => /<CallerReference>(.*?)<\/CallerReference>/.exec(r.body)?.[1]);
    expect(references[0]).toMatch(/^gha-1000-1-[0-9a-f]{8}-[0-9a-f]{16}$/);
    expect(references[1]).toBe(references[0]);
  });

  it('two steps with the same paths in one job (two default /* steps, matrix legs) create two invalidations', async () => {
    const server = await fake({ status: 'Completed' });
    const job = { GITHUB_RUN_ID: '1', GITHUB_RUN_ATTEMPT: '1', GITHUB_JOB: 'deploy' }; // act gives every run id 1
    const first = await run(server, { 'distribution-id': DIST, paths: '/*' }, undefined, job);
    const second = await run(server, { 'distribution-id': DIST, paths: '/*' }, undefined, job);
    expect([first.exitCode, second.exitCode]).toEqual([0, 0]);
    expect(server.creates()).toBe(2);
    expect(first.outputs['invalidation-id']).toBe('IFAKE1');
    expect(second.outputs['invalidation-id']).toBe('IFAKE2');
    const references = server.requests.filter((r) => r.method === 'POST').map((r) => /<CallerReference>(.*?)</.exec(r.body)?.[1]);
    expect(references[0]).toMatch(/^gha-1-1-deploy-[0-9a-f]{8}-[0-9a-f]{16}$/);
    expect(references[1]).not.toBe(references[0]);
    expect(second.annotations.filter((a) => a.level === 'warning')).toEqual([]);
  });

  it('says so when CloudFront answers with an invalidation created before the step (a reused caller-reference)', async () => {
    const server = await fake({ status: 'Completed' });
    const inputs = { 'distribution-id': DIST, paths: '/index.html', 'caller-reference': 'release-42' };
    const first = await run(server, inputs);
    expect(first.annotations.filter((a) => a.level === 'warning')).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 6000)); // beyond the 5 s allowed for clock skew
    const second = await run(server, inputs);
    expect(second.exitCode).toBe(0);
    expect(second.outputs['invalidation-id']).toBe('IFAKE1');
    const warnings = second.annotations.filter((a) => a.level === 'warning');
    expect(warnings.map((w) => w.properties.title)).toEqual(['caller-reference']);
    expect(warnings[0].message).toMatch(
      /^CloudFront returned invalidation IFAKE1, created at .*, before this step started: caller reference 'release-42' was already used with these paths, so CloudFront did not create a new invalidation and nothing was invalidated now\./,
    );
  }, 30_000);

  it('warns and succeeds with status InProgress when wait-timeout runs out', async () => {
    const server = await fake({});
    const result = await run(server, { 'distribution-id': DIST, paths: '/index.html', 'wait-timeout': '1s' });
    expect(result.exitCode).toBe(0);
    expect(result.outputs).toMatchObject({ status: 'InProgress', 'invalidation-id': 'IFAKE1' });
    expect(result.annotations.filter((a) => a.level === 'warning').map((a) => [a.properties.title, a.message])).toEqual([
      [
        'wait-timeout',
        "Invalidation IFAKE1 on distribution E2QWRUHAPOMQZL is still InProgress after wait-timeout (1s). It keeps running on CloudFront and completes on its own; raise 'wait-timeout' to wait longer.",
      ],
    ]);
    expect(server.gets()).toBeGreaterThanOrEqual(1);
  });

  it('ends at wait-timeout even when GetInvalidation never answers', async () => {
    const server = await fake({ holdGets: true });
    const result = await run(server, { 'distribution-id': DIST, paths: '/index.html', 'wait-timeout': '2s' });
    expect(result.signal).toBeNull();
    expect(result.exitCode).toBe(0);
    expect(result.outputs).toMatchObject({ status: 'InProgress', 'invalidation-id': 'IFAKE1' });
    expect(server.gets()).toBeGreaterThanOrEqual(1);
    expect(result.annotations.filter((a) => a.level === 'warning').map((a) => a.properties.title)).toEqual(['wait-timeout']);
  });

  it('fails at wait-timeout with fail-on-wait-timeout, still setting the outputs', async () => {
    const server = await fake({});
    const result = await run(server, {
      'distribution-id': DIST,
      paths: '/index.html',
      'wait-timeout': '1s',
      'fail-on-wait-timeout': 'true',
    });
    expect(result.exitCode).toBe(1);
    expect(result.errors.map((e) => e.message)).toEqual([
      expect.stringMatching(/^Invalidation IFAKE1 .* is still InProgress after wait-timeout \(1s\)/),
    ]);
    expect(result.outputs).toMatchObject({ status: 'InProgress', 'invalidation-id': 'IFAKE1', 'distribution-id': DIST });
  });

  it('needs no region for CloudFront alone, but asks for one to read a stack', async () => {
    const server = await fake({ status: 'Completed' });
    const noRegion = { AWS_REGION: undefined, AWS_DEFAULT_REGION: undefined };
    const ok = await run(server, { 'distribution-id': DIST, paths: '/index.html' }, undefined, noRegion);
    expect(ok.exitCode).toBe(0);
    expect(ok.outputs.status).toBe('Completed');
    expect(server.creates()).toBe(1);
    const missing = await run(server, { 'stack-name': 'production-allthrive', paths: '/index.html' }, undefined, noRegion);
    expect(missing.exitCode).toBe(1);
    expect(missing.errors.map((e) => [e.properties.title, e.message])).toEqual([
      [
        'aws-region',
        "No AWS region is set: give the 'aws-region' input, or set AWS_REGION (aws-actions/configure-aws-credentials does this).",
      ],
    ]);
    expect(server.requests).toHaveLength(2); // the first run's GetDistributionConfig and CreateInvalidation only
  });

  it('does not wait with wait: false', async () => {
    const server = await fake({});
    const result = await run(server, { 'distribution-id': DIST, paths: '/index.html', wait: 'false' });
    expect(result.exitCode).toBe(0);
    expect(result.outputs.status).toBe('InProgress');
    expect(server.gets()).toBe(0);
  });
});

describe('cloudfront-invalidate bundle: every bad input fails before any AWS call', () => {
  const valid = { 'distribution-id': DIST, paths: '/index.html' };
  const cases: [string, Record<string, string>, RegExp][] = [
    [
      'distribution-id',
      { 'distribution-id': 'e2qwruhapomqzl' },
      /^Input 'distribution-id' has the value 'e2qwruhapomqzl', which is not accepted: expected a CloudFront distribution id/,
    ],
    ['distribution-id', { 'distribution-id': '' }, /^Neither 'distribution-id' nor 'stack-name' was given/],
    [
      'stack-name',
      { 'distribution-id': '', 'stack-name': 'prod stack' },
      /^Input 'stack-name' has the value 'prod stack', which is not accepted: expected a CloudFormation stack name/,
    ],
    ['stack-name', { 'stack-name': 'prod' }, /^Inputs 'distribution-id' and 'stack-name' cannot be used together/],
    [
      'stack-output',
      { 'distribution-id': '', 'stack-name': 'prod', 'stack-output': 'Distribution Id' },
      /^Input 'stack-output' has the value 'Distribution Id'/,
    ],
    [
      'paths',
      { paths: '/assets/*.js' },
      /^Input 'paths' has the path '\/assets\/\*\.js', which is not accepted: CloudFront allows '\*' only as the last character/,
    ],
    ['paths', { paths: '["/index.html",' }, /^Input 'paths' looks like a JSON array but is not valid JSON/],
    ['paths', { paths: '{"a":1}' }, /^Input 'paths' is JSON but not an array of strings/],
    [
      'paths',
      { paths: 'https://www.allthrive.ai/index.html' },
      /^Input 'paths' has the path 'https:\/\/www\.allthrive\.ai\/index\.html', which is a URL/,
    ],
    ['paths', { paths: `/${'x'.repeat(4001)}` }, /once encoded: CloudFront accepts at most 4000\.$/],
    [
      'max-paths',
      { 'max-paths': '0' },
      /^Input 'max-paths' has the value '0', which is not accepted: expected a whole number from 1 to 10000\.$/,
    ],
    ['max-paths', { 'max-paths': 'fifteen' }, /^Input 'max-paths' has the value 'fifteen'/],
    ['wait', { wait: 'yes' }, /^Input 'wait' has the value 'yes', which is not accepted: expected `true` or `false`\.$/],
    [
      'wait-timeout',
      { 'wait-timeout': 'soon' },
      /^Input 'wait-timeout' has the value 'soon', which is not accepted: expected a duration such as 30s, 15m or 1h30m/,
    ],
    ['wait-timeout', { 'wait-timeout': '0s' }, /^Input 'wait-timeout' has the value '0s'.*at least 1s\.$/],
    ['fail-on-wait-timeout', { 'fail-on-wait-timeout': 'maybe' }, /^Input 'fail-on-wait-timeout' has the value 'maybe'/],
    ['caller-reference', { 'caller-reference': 'my ref' }, /^Input 'caller-reference' has the value 'my ref', which is not accepted/],
    [
      'aws-region',
      { 'aws-region': 'Ireland' },
      /^Input 'aws-region' has the value 'Ireland', which is not accepted: expected a region code such as eu-west-1\.$/,
    ],
    [
      'endpoint-url',
      { 'endpoint-url': 'localhost:5000' },
      /^Input 'endpoint-url' has the value 'localhost:5000', which is not accepted: expected an http:\/\/ or https:\/\/ URL/,
    ],
    ['summary', { summary: 'on' }, /^Input 'summary' has the value 'on', which is not accepted: expected `true` or `false`\.$/],
  ];

  const label = (bad: Record<string, string>) => JSON.stringify(bad).replace(/x{20,}/, (run) => `x…(${run.length})`);
  it.each(cases.map(([input, bad, message]) => [input, label(bad), bad, message] as const))(
    '%s: %s',
    async (input, _label, bad, message) => {
      const server = await fake({ status: 'Completed' });
      const result = await run(server, { ...valid, ...bad });
      expect(result.exitCode).toBe(1);
      expect(result.errors.map((e) => [e.properties.title, e.message])).toEqual([[input, expect.stringMatching(message)]]);
      expect(server.requests).toEqual([]);
      expect(result.outputs).toEqual({});
    },
  );
});
