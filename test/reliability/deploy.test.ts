import { describe, expect, test } from '@jest/globals';
import { useMoto } from '../harness/moto.js';
import type { FaultProxy } from '../harness/fault-proxy.js';
import { readBucket } from './lib/bucket.js';
import { jsonBody, faultLevels } from './lib/faults.js';
import { excerpt, useResults } from './lib/results.js';
import { cancelledRun, describeRun, expectFailedWithOneError, testNoSecretLeaks } from './lib/run.js';
import { FIXTURE, IMAGE_REPO, seedCloudFront, seedEcs, seedSlowService, viteSite } from './lib/seed.js';
import { useSiteDeploys } from './lib/site-deploys.js';

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
const V1 = viteSite('v1', 4);
const V2 = viteSite('v2', 4);
const { deploy, underMixedFaults, faults, scanned } = useSiteDeploys(NAME, moto, {
  prefix: 'reliability-deploy-',
  builds: { v1: V1, v2: V2 },
  inputs: {
    delete: 'true',
    'delete-grace': '0',
    cluster: FIXTURE.cluster,
    services: FIXTURE.services.join(','),
    image: `${IMAGE_REPO}:v2`,
    'deploy-timeout': '30s',
    'poll-interval': '1s',
    'stack-name': FIXTURE.stack,
    'invalidation-wait': 'false',
  },
  timeoutMs: 90_000,
  seed: async () => {
    await seedEcs(moto);
    await seedCloudFront(moto);
  },
});

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
      let updates: Record<string, number> = {};
      const { run, v2Live, metrics } = await underMixedFaults(percent, seed, (requests, details) => {
        updates = updatesPerService(requests);
        expect({ atMostOncePerService: Object.values(updates).every((n) => n === 1), updates, details }).toEqual({
          atMostOncePerService: true,
          updates,
          details,
        });
      });
      if (v2Live) expect(updates).toEqual(Object.fromEntries(FIXTURE.services.map((s) => [s, 1])));
      const outcome = v2Live
        ? 'exit 0; bucket byte-identical to v2, one UpdateService per service'
        : `exit 1 with the old index.html live (${excerpt(run.errors[0].message, 90)})`;
      results.record({
        action: NAME,
        category,
        case: `${percent}% mixed faults on every request (seed ${seed})`,
        outcome: `${outcome}; re-run completes`,
        metrics,
      });
    },
    90_000,
  );

  test('the backend deploy fails (every UpdateService answered 500): the new HTML is never put live', async () => {
    const run = await deploy('v2', [{ fault: 'internal', operation: 'UpdateService' }]);
    expectFailedWithOneError(run, describeRun(run));
    const bucket = await readBucket(moto, FIXTURE.bucket);
    expect(bucket['index.html'].body).toBe(V1['index.html']);
    expect(faults.proxy.requests.filter((r) => (r.operation === 'DeleteObjects' || r.operation === 'DeleteObject') && r.forwarded)).toEqual(
      [],
    );
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
      (faults.started?.count('UpdateService') ?? 0) >= 1 &&
      (faults.started?.requests.filter((r) => r.operation === 'DescribeServices').length ?? 0) >= 3;
    const cancelled = await cancelledRun(ready, (onStart) =>
      deploy('v2', [], { inputs: { services: 'slow', 'deploy-timeout': '5m' }, onStart }),
    );
    const { run } = cancelled;
    expect(`${run.errors[0].message}\n${run.log}`).toMatch(/cancel/i);
    expect((await readBucket(moto, FIXTURE.bucket))['index.html'].body).toBe(V1['index.html']);
    expect(faults.proxy.requests.filter((r) => (r.operation === 'DeleteObjects' || r.operation === 'DeleteObject') && r.forwarded)).toEqual(
      [],
    );
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
