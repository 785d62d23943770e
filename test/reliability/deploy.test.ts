import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { rmSync } from 'node:fs';
import { useMoto } from '../harness/moto.js';
import { startFaultProxy, type FaultProxy, type FaultRule } from '../harness/fault-proxy.js';
import { expectedObjects, readBucket } from './lib/bucket.js';
import { describeFaults, faultMix, jsonBody, faultLevels } from './lib/faults.js';
import { excerpt, useResults } from './lib/results.js';
import { cancelledRun, describeRun, runChecked, type CheckedResult, testNoSecretLeaks } from './lib/run.js';
import { FIXTURE, IMAGE_REPO, seedCloudFront, seedEcs, seedBuilds, seedSlowService, viteSite } from './lib/seed.js';

/**
 * The root action (the whole deploy in one step) under AWS faults, against moto started with
 * MOTO_ECS_SERVICE_RUNNING=1 so ECS rollouts complete: frontend assets, backend services,
 * HTML, invalidation. Whatever the faults: either everything is live (bucket byte-identical to the
 * new build, one UpdateService per service) or the step fails with the old HTML still live —
 * never new HTML over a backend that did not deploy.
 */

const NAME = 'deploy';
const moto = useMoto({ serverEnv: { MOTO_ECS_SERVICE_RUNNING: '1' } });
const results = useResults(NAME);
const scanned: CheckedResult[] = [];
const V1 = viteSite('v1', 4);
const V2 = viteSite('v2', 4);
let workspace: string;
let proxy: FaultProxy | undefined;

beforeEach(async () => {
  workspace = await seedBuilds(moto, 'reliability-deploy-', V1, V2);
  await seedEcs(moto);
  await seedCloudFront(moto);
  const first = await deploy('v1');
  expect({ exit: first.exitCode, details: describeRun(first) }).toMatchObject({ exit: 0 });
});
afterEach(async () => {
  await proxy?.close();
  proxy = undefined;
  rmSync(workspace, { recursive: true, force: true });
});

async function deploy(
  source: string,
  rules?: FaultRule[],
  seed = 1,
  extra: {
    inputs?: Record<string, string>;
    onStart?: Parameters<typeof runChecked>[1] extends infer O ? (O extends { onStart?: infer S } ? S : never) : never;
  } = {},
): Promise<CheckedResult> {
  let endpoint = moto.endpoint;
  if (rules) {
    await proxy?.close();
    proxy = await startFaultProxy({ upstream: moto.endpoint, seed, rules });
    endpoint = proxy.endpoint;
  }
  const run = await runChecked(NAME, {
    inputs: {
      source,
      bucket: FIXTURE.bucket,
      delete: 'true',
      'delete-grace': '0',
      cluster: FIXTURE.cluster,
      services: FIXTURE.services.join(','),
      image: `${IMAGE_REPO}:v2`,
      'deploy-timeout': '30s',
      'poll-interval': '1s',
      'stack-name': FIXTURE.stack,
      'invalidation-wait': 'false',
      ...extra.inputs,
    },
    env: { ...moto.env, AWS_ENDPOINT_URL: endpoint },
    workspace,
    timeoutMs: 90_000,
    onStart: extra.onStart,
  });
  run.cleanup();
  scanned.push(run);
  return run;
}

function updatesPerService(requests: FaultProxy['requests']): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of requests.filter((x) => x.operation === 'UpdateService' && x.forwarded)) {
    const service = String(jsonBody(r).service ?? '?')
      .split('/')
      .pop()!;
    counts[service] = (counts[service] ?? 0) + 1;
  }
  return counts;
}

describe('deploy (root action) under faults', () => {
  test.each(faultLevels(91, 93))(
    '%d%% faults on every AWS request (%s, seed %d): all live, or failed with the old HTML live; re-run completes',
    async (percent, category, seed) => {
      const run = await deploy('v2', faultMix(percent / 100), seed);
      const requests = proxy!.requests;
      const details = `${describeFaults(requests)}\n${describeRun(run)}`;
      const bucket = await readBucket(moto, FIXTURE.bucket);
      const updates = updatesPerService(requests);
      expect({ atMostOncePerService: Object.values(updates).every((n) => n === 1), updates, details }).toEqual({
        atMostOncePerService: true,
        updates,
        details,
      });
      let outcome: string;
      if (run.exitCode === 0) {
        expect(bucket).toEqual(expectedObjects(V2));
        expect(updates).toEqual(Object.fromEntries(FIXTURE.services.map((s) => [s, 1])));
        outcome = 'exit 0; bucket byte-identical to v2, one UpdateService per service';
      } else {
        expect({ exit: run.exitCode, errors: run.errors.length, details }).toEqual({ exit: 1, errors: 1, details });
        expect(bucket['index.html'].body).toBe(V1['index.html']);
        outcome = `exit 1 with the old index.html live (${excerpt(run.errors[0].message, 90)})`;
      }
      const rerun = await deploy('v2');
      expect({ exit: rerun.exitCode, details: describeRun(rerun) }).toMatchObject({ exit: 0 });
      expect(await readBucket(moto, FIXTURE.bucket)).toEqual(expectedObjects(V2));
      results.record({
        action: NAME,
        category,
        case: `${percent}% mixed faults on every request (seed ${seed})`,
        outcome: `${outcome}; re-run completes`,
        metrics: { requests: requests.length, faulted: proxy!.faults().length },
      });
    },
    90_000,
  );

  test('the backend deploy fails (every UpdateService answered 500): the new HTML is never put live', async () => {
    const run = await deploy('v2', [{ fault: 'internal', operation: 'UpdateService' }]);
    const details = describeRun(run);
    expect({ exit: run.exitCode, errors: run.errors.length, details }).toEqual({ exit: 1, errors: 1, details });
    const bucket = await readBucket(moto, FIXTURE.bucket);
    expect(bucket['index.html'].body).toBe(V1['index.html']);
    expect(proxy!.requests.filter((r) => (r.operation === 'DeleteObjects' || r.operation === 'DeleteObject') && r.forwarded)).toEqual([]);
    results.record({
      action: NAME,
      category: 'faults-30',
      case: 'every UpdateService answered 500',
      outcome: `exit 1, old index.html live, nothing deleted: ${excerpt(run.errors[0].message, 110)}`,
    });
  }, 90_000);
});

describe('deploy (root action) cancellation', () => {
  test('SIGINT then SIGTERM during the backend wait: exits promptly, old HTML live, nothing deleted', async () => {
    await seedSlowService(moto);
    const ready = () =>
      (proxy?.count('UpdateService') ?? 0) >= 1 && (proxy?.requests.filter((r) => r.operation === 'DescribeServices').length ?? 0) >= 3;
    const cancelled = await cancelledRun(ready, (onStart) =>
      deploy('v2', [], 1, { inputs: { services: 'slow', 'deploy-timeout': '5m' }, onStart }),
    );
    const { run } = cancelled;
    expect(`${run.errors[0].message}\n${run.log}`).toMatch(/cancel/i);
    expect((await readBucket(moto, FIXTURE.bucket))['index.html'].body).toBe(V1['index.html']);
    expect(proxy!.requests.filter((r) => (r.operation === 'DeleteObjects' || r.operation === 'DeleteObject') && r.forwarded)).toEqual([]);
    results.record(
      cancelled.outcome(NAME, 'during the backend wait (rollout IN_PROGRESS)', {
        max: 150,
        after: '; old HTML live, nothing deleted',
      }),
    );
  }, 90_000);
});

testNoSecretLeaks(NAME, scanned, results, {
  case: 'AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, presigned URLs (fault runs)',
  places: 'stdout, stderr, outputs, summary or files',
});
