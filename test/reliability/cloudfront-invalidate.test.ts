import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { CloudFormationClient, CreateStackCommand } from '@aws-sdk/client-cloudformation';
import { useMoto } from '../harness/moto.js';
import { startFaultProxy, type FaultProxy, type FaultRule } from '../harness/fault-proxy.js';
import { startFakeCloudFront, type FakeCloudFront } from './lib/fake-cloudfront.js';
import { describeFaults, faultMix, faultLevels } from './lib/faults.js';
import { useResults } from './lib/results.js';
import { cancelledRun, describeRun, runChecked, type CheckedResult, testNoSecretLeaks } from './lib/run.js';

/**
 * cloudfront-invalidate under faults. The distribution id comes from a CloudFormation stack in
 * moto (through one fault proxy); CloudFront is a scripted fake that keeps invalidations
 * `InProgress` until described and honours CallerReference as CloudFront does (moto creates a
 * new invalidation for a repeated reference, so it cannot show idempotence), behind a second
 * fault proxy. Whatever the faults, at most one invalidation may exist per batch.
 */

const NAME = 'cloudfront-invalidate';
const DISTRIBUTION = 'EFAKEDIST1234';
const STACK = 'production-allthrive';
const moto = useMoto();
const results = useResults(NAME);
const scanned: CheckedResult[] = [];
let cloudfront: FakeCloudFront;
let cfnProxy: FaultProxy | undefined;
let cfProxy: FaultProxy | undefined;

const PATHS = ['/index.html', '/about/index.html', '/robots.txt', '/assets/app.js'];

beforeEach(async () => {
  await new CloudFormationClient(moto.clientConfig).send(
    new CreateStackCommand({
      StackName: STACK,
      TemplateBody: JSON.stringify({
        Parameters: { DistId: { Type: 'String' } },
        Resources: { Dummy: { Type: 'AWS::CloudFormation::WaitConditionHandle' } },
        Outputs: { DistributionId: { Value: { Ref: 'DistId' } } },
      }),
      Parameters: [{ ParameterKey: 'DistId', ParameterValue: DISTRIBUTION }],
    }),
  );
  cloudfront = await startFakeCloudFront({ distributionId: DISTRIBUTION, completeAfter: 1 });
});
afterEach(async () => {
  await cfnProxy?.close();
  await cfProxy?.close();
  cfnProxy = cfProxy = undefined;
  await cloudfront.close();
});

async function invalidate(
  rules: FaultRule[],
  seed: number,
  inputs: Record<string, string> = {},
  onStart?: Parameters<typeof runChecked>[1] extends infer O ? (O extends { onStart?: infer S } ? S : never) : never,
): Promise<CheckedResult> {
  cfnProxy = await startFaultProxy({ upstream: moto.endpoint, seed, rules });
  cfProxy = await startFaultProxy({ upstream: cloudfront.endpoint, seed: seed + 1, rules });
  const run = await runChecked(NAME, {
    inputs: { 'stack-name': STACK, paths: PATHS.join('\n'), 'wait-timeout': '60s', ...inputs },
    env: { ...moto.env, AWS_ENDPOINT_URL: cfnProxy.endpoint, AWS_ENDPOINT_URL_CLOUDFRONT: cfProxy.endpoint },
    timeoutMs: 90_000,
    onStart,
  });
  run.cleanup();
  scanned.push(run);
  return run;
}

/** CallerReferences of the CreateInvalidation requests that reached CloudFront. */
function callerReferences(): string[] {
  return cfProxy!.requests
    .filter((r) => r.operation === 'CreateInvalidation' && r.forwarded)
    .map((r) => /<CallerReference>([^<]*)<\/CallerReference>/.exec(r.body ?? '')?.[1] ?? '?');
}

describe('cloudfront-invalidate under faults', () => {
  test.each(faultLevels(41, 43))(
    '%d%% faults on CloudFormation and CloudFront: one invalidation for the batch, Completed',
    async (percent, category, seed) => {
      const run = await invalidate(faultMix(percent / 100), seed);
      const details = `${describeFaults([...cfnProxy!.requests, ...cfProxy!.requests])}\n${describeRun(run)}`;
      expect({ exit: run.exitCode, status: run.outputs.status, details }).toEqual({ exit: 0, status: 'Completed', details });
      expect(cloudfront.invalidations).toHaveLength(1);
      expect(new Set(callerReferences()).size).toBe(1);
      expect(run.outputs['invalidation-id']).toBe(cloudfront.invalidations[0].id);
      expect(JSON.parse(run.outputs.paths)).toEqual(expect.arrayContaining(PATHS));
      results.record({
        action: NAME,
        category,
        case: `${percent}% mixed faults (seed ${seed})`,
        outcome: 'exit 0, status=Completed; one invalidation, one CallerReference across retries',
        metrics: {
          requests: cfnProxy!.requests.length + cfProxy!.requests.length,
          faulted: cfnProxy!.faults().length + cfProxy!.faults().length,
          createSent: callerReferences().length,
        },
      });
    },
  );

  test('the CreateInvalidation response is lost twice (reset after CloudFront created it): still one invalidation', async () => {
    const run = await invalidate([{ fault: 'reset-after', operation: 'CreateInvalidation', times: 2 }], 1);
    const details = describeRun(run);
    expect({ exit: run.exitCode, details }).toMatchObject({ exit: 0 });
    expect(callerReferences().length).toBe(3);
    expect(new Set(callerReferences()).size).toBe(1);
    expect(cloudfront.invalidations).toHaveLength(1);
    results.record({
      action: NAME,
      category: 'connection',
      case: 'CreateInvalidation response lost twice',
      outcome: 'exit 0; 3 CreateInvalidation sent with one CallerReference → one invalidation',
    });
  });

  test('GetInvalidation answers truncated or reset while waiting: the wait carries on to Completed', async () => {
    cloudfront.completeAfter = 2;
    const run = await invalidate(
      [
        { fault: 'truncate', operation: 'GetInvalidation', times: 1 },
        { fault: 'reset-before', operation: 'GetInvalidation', times: 1 },
      ],
      2,
    );
    expect({ exit: run.exitCode, status: run.outputs.status, details: describeRun(run) }).toMatchObject({ exit: 0, status: 'Completed' });
    results.record({
      action: NAME,
      category: 'connection',
      case: 'GetInvalidation truncated, then reset',
      outcome: 'exit 0, status=Completed',
    });
  }, 60_000);
});

describe('cloudfront-invalidate: a hung request against wait-timeout', () => {
  test('GetInvalidation held 60 s with wait-timeout 8s: the step still ends at its timeout', async () => {
    cloudfront.completeAfter = Infinity;
    // The delay rule matches only CloudFront's GetInvalidation, so the CloudFormation proxy passes all through.
    const hang: FaultRule[] = [{ fault: 'delay', operation: 'GetInvalidation', delayMs: 40_000 }];
    const cancelled = await cancelledRun(
      () => cfProxy?.requests.some((r) => r.operation === 'GetInvalidation') ?? false,
      (onStart) => invalidate(hang, 1, { paths: '/index.html', 'wait-timeout': '5m' }, onStart),
    );
    const { run } = cancelled;
    const said = `${run.errors[0].message}\n${run.log}`;
    expect(said).toMatch(/cancel/i);
    expect(said).toContain(cloudfront.invalidations[0].id);
    expect(cloudfront.invalidations).toHaveLength(1);
    results.record(cancelled.outcome(NAME, 'during the invalidation wait (InProgress)', { max: 160 }));
  }, 60_000);
});

describe('cloudfront-invalidate: cancelled while a request hangs', () => {
  test('SIGINT then SIGTERM while a GetInvalidation answer is held: exits promptly, names the invalidation', async () => {
    cloudfront.completeAfter = Infinity;
    cfnProxy = await startFaultProxy({ upstream: moto.endpoint });
    cfProxy = await startFaultProxy({
      upstream: cloudfront.endpoint,
      rules: [{ fault: 'delay', operation: 'GetInvalidation', delayMs: 40_000 }],
    });
    const endpoints = { AWS_ENDPOINT_URL: cfnProxy.endpoint, AWS_ENDPOINT_URL_CLOUDFRONT: cfProxy.endpoint };
    const cancelled = await cancelledRun(
      () => cfProxy?.requests.some((r) => r.operation === 'GetInvalidation') ?? false,
      async (onStart) => {
        const run = await runChecked(NAME, {
          inputs: { 'stack-name': STACK, paths: '/index.html', 'wait-timeout': '5m' },
          env: { ...moto.env, ...endpoints },
          timeoutMs: 60_000,
          onStart,
        });
        run.cleanup();
        scanned.push(run);
        return run;
      },
    );
    const { run } = cancelled;
    expect(run.errors[0].message).toMatch(/cancel/i);
    expect(run.errors[0].message).toContain(cloudfront.invalidations[0].id);
    results.record(cancelled.outcome(NAME, 'while a GetInvalidation answer is held (40 s)'));
  }, 45_000);
});

testNoSecretLeaks(NAME, scanned, results);
