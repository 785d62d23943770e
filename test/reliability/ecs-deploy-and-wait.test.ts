import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import type { BundleOptions } from '../harness/bundle.js';
import { useMoto } from '../harness/moto.js';
import { startFaultProxy, type FaultProxy, type FaultRule } from '../harness/fault-proxy.js';
import { describeFaults, faultMix, jsonBody, faultLevels } from './lib/faults.js';
import { useResults } from './lib/results.js';
import { cancelledRun, describeRun, runChecked, type CheckedResult, testNoSecretLeaks } from './lib/run.js';
import { FIXTURE, IMAGE_REPO, seedEcs, seedSlowService } from './lib/seed.js';

/**
 * ecs-deploy-and-wait under AWS faults: the proxy in front of moto throttles, fails, resets and
 * truncates ECS/ECR requests. moto is started with MOTO_ECS_SERVICE_RUNNING=1 so its (single)
 * deployment reports COMPLETED: without faults the verdict is `success`, and it must stay that
 * with faults, with exactly one UpdateService per service reaching ECS.
 */

const NAME = 'ecs-deploy-and-wait';
const moto = useMoto({ serverEnv: { MOTO_ECS_SERVICE_RUNNING: '1' } });
const results = useResults(NAME);
let proxy: FaultProxy;
const scanned: CheckedResult[] = [];

beforeEach(async () => {
  await seedEcs(moto);
  proxy = await startFaultProxy({ upstream: moto.endpoint, seed: 2026 });
});
afterEach(async () => {
  await proxy.close();
});

const INPUTS = {
  cluster: FIXTURE.cluster,
  services: FIXTURE.services.join(','),
  image: `${IMAGE_REPO}:v2`,
  timeout: '30s',
  'poll-interval': '1s',
};

async function deploy(
  rules: FaultRule[],
  seed = 2026,
  inputs: Record<string, string> = {},
  timeoutMs = 60_000,
  onStart?: BundleOptions['onStart'],
): Promise<CheckedResult> {
  await proxy.close();
  proxy = await startFaultProxy({ upstream: moto.endpoint, seed, rules });
  const run = await runChecked(NAME, {
    inputs: { ...INPUTS, ...inputs },
    env: { ...moto.env, AWS_ENDPOINT_URL: proxy.endpoint },
    timeoutMs,
    onStart,
  });
  run.cleanup();
  scanned.push(run);
  return run;
}

/** UpdateService requests that reached ECS, per service. */
function updatesPerService(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of proxy.requests.filter((x) => x.operation === 'UpdateService' && x.forwarded)) {
    const service = String(jsonBody(r).service ?? '?')
      .split('/')
      .pop()!;
    counts[service] = (counts[service] ?? 0) + 1;
  }
  return counts;
}

const ONE_EACH = Object.fromEntries(FIXTURE.services.map((s) => [s, 1]));

describe('ecs-deploy-and-wait under faults', () => {
  test('baseline without faults: success, one UpdateService per service', async () => {
    const run = await deploy([]);
    expect({ exit: run.exitCode, result: run.outputs.result, details: describeRun(run) }).toMatchObject({ exit: 0, result: 'success' });
    expect(updatesPerService()).toEqual(ONE_EACH);
    expect(run.leaks).toEqual([]);
    results.record({
      action: NAME,
      category: 'faults-10',
      case: 'no faults (baseline)',
      outcome: `exit 0, result=success, UpdateService ${JSON.stringify(updatesPerService())}`,
      metrics: { requests: proxy.requests.length },
    });
  });

  test.each(faultLevels([101, 102, 103, 104], [301, 302, 303, 304]))(
    '%d%% faults on every ECS/ECR request (4 seeds): verdict unchanged, exactly one UpdateService per service',
    async (percent, category, seeds) => {
      const rules = faultMix(percent / 100);
      let requests = 0;
      let faulted = 0;
      for (const seed of seeds) {
        const run = await deploy(rules, seed);
        const details = `seed ${seed}: ${describeFaults(proxy.requests)}\n${describeRun(run)}`;
        expect({ exit: run.exitCode, result: run.outputs.result, details }).toMatchObject({ exit: 0, result: 'success' });
        expect({ updates: updatesPerService(), details }).toEqual({ updates: ONE_EACH, details });
        expect(run.leaks).toEqual([]);
        requests += proxy.requests.length;
        faulted += proxy.faults().length;
      }
      results.record({
        action: NAME,
        category,
        case: `${percent}% mixed faults, ${seeds.length} runs (seeds ${seeds.join(', ')})`,
        outcome: `every run exit 0, result=success (unchanged); UpdateService once per service`,
        metrics: { requests, faulted },
      });
    },
    60_000,
  );

  test('throttling storm on DescribeServices (60%) never fails the deploy', async () => {
    const run = await deploy([{ fault: 'throttle', operation: 'DescribeServices', rate: 0.6 }], 7);
    expect({ exit: run.exitCode, result: run.outputs.result, details: describeRun(run) }).toMatchObject({ exit: 0, result: 'success' });
    results.record({
      action: NAME,
      category: 'faults-30',
      case: 'throttling storm: 60% of DescribeServices',
      outcome: 'exit 0, result=success',
      metrics: { throttled: proxy.faults().length, describes: proxy.count('DescribeServices', { all: true }) },
    });
  });
});

describe('ecs-deploy-and-wait: lost and hung answers', () => {
  test('the UpdateService response is lost (reset after ECS applied it): the update is not sent again', async () => {
    // The SDK retries a reset connection; for UpdateService a repeat starts a second deployment.
    const run = await deploy([{ fault: 'reset-after', operation: 'UpdateService', times: 1 }]);
    const details = describeRun(run);
    expect({ updates: updatesPerService(), details }).toEqual({ updates: ONE_EACH, details });
    expect(run.exitCode === 0 ? run.outputs.result : 'failed-clearly').toMatch(/^(success|failed-clearly)$/);
    results.record({
      action: NAME,
      category: 'connection',
      case: 'UpdateService response lost (reset after forwarding)',
      outcome: `exit ${run.exitCode}; UpdateService once per service`,
    });
  });

  test('a DescribeServices answer held for 40 s: the action still ends by its own timeout (5s)', async () => {
    const run = await deploy([{ fault: 'delay', operation: 'DescribeServices', delayMs: 40_000, after: 1 }], 1, { timeout: '5s' }, 20_000);
    // Not a timing assertion: the generous 20 s kill timer did not fire and the step said why it stopped.
    expect({ signal: run.signal, exit: run.exitCode, details: describeRun(run) }).toMatchObject({ signal: null, exit: 1 });
    expect(run.errors).toHaveLength(1);
    results.record({
      action: NAME,
      category: 'connection',
      case: 'DescribeServices held 40 s (timeout 5s)',
      outcome: `exit 1: ${run.errors[0].message.slice(0, 120)}`,
      metrics: { elapsedMs: run.elapsedMs },
    });
  }, 45_000);
});

describe('ecs-deploy-and-wait cancellation', () => {
  test('SIGINT then SIGTERM during the ECS wait: exits promptly, says what it left and what a re-run does', async () => {
    await seedSlowService(moto);
    const ready = () => proxy.count('UpdateService') >= 1 && proxy.requests.filter((r) => r.operation === 'DescribeServices').length >= 3;
    const cancelled = await cancelledRun(ready, (onStart) => deploy([], 2026, { services: 'slow', timeout: '5m' }, 90_000, onStart));
    const { run } = cancelled;
    const said = `${run.errors[0].message}\n${run.log}`;
    expect(said).toMatch(/cancel/i);
    expect(said).toMatch(/re-?run/i);
    results.record(cancelled.outcome(NAME, 'during the ECS wait (deployment IN_PROGRESS)', { max: 160 }));
  }, 60_000);
});

describe('ecs-deploy-and-wait: cancelled while a request hangs', () => {
  test('SIGINT then SIGTERM while a DescribeServices answer is held: exits promptly', async () => {
    const hang: FaultRule[] = [{ fault: 'delay', operation: 'DescribeServices', delayMs: 40_000, after: 1 }];
    const cancelled = await cancelledRun(
      () => proxy.requests.filter((r) => r.operation === 'DescribeServices').length >= 2,
      (onStart) => deploy(hang, 2026, { timeout: '5m' }, 60_000, onStart),
    );
    const { run } = cancelled;
    expect(run.errors[0].message).toMatch(/cancel/i);
    results.record(cancelled.outcome(NAME, 'while a DescribeServices answer is held (40 s)'));
  }, 45_000);
});

testNoSecretLeaks(NAME, scanned, results);
