import { describe, expect, test } from '@jest/globals';
import { useMoto } from '../harness/moto.js';
import type { FaultRule, RecordedRequest } from '../harness/fault-proxy.js';
import { expectedObjects, readBucket } from './lib/bucket.js';
import { describeFaults, faultRuns } from './lib/faults.js';
import { expectRerunCompletes } from './lib/frontend-outcome.js';
import { excerpt, useResults } from './lib/results.js';
import { cancelledRun, describeRun, expectFailedWithOneError, testNoSecretLeaks } from './lib/run.js';
import { FIXTURE, viteSite } from './lib/seed.js';
import { useSiteDeploys } from './lib/site-deploys.js';

/**
 * s3-sync-frontend under S3 faults. v1 of a small Vite build is deployed without faults, then
 * v2 through the fault proxy: either the bucket ends byte-identical to v2 with the right headers,
 * or the step fails with v1's index.html still live; no stale object is deleted before the new
 * HTML is live; and a re-run without faults completes the deploy.
 */

const NAME = 's3-sync-frontend';
const moto = useMoto();
const results = useResults(NAME);
const V1 = viteSite('v1', 12);
const V2 = viteSite('v2', 12);
const {
  deploy: sync,
  underMixedFaults,
  faults,
  scanned,
} = useSiteDeploys(NAME, moto, {
  prefix: 'reliability-s3-',
  builds: { v1: V1, v2: V2 },
  inputs: { delete: 'true', 'delete-grace': '0', concurrency: '4' },
  timeoutMs: 60_000,
});

const isIndexPut = (r: RecordedRequest) => r.operation === 'PutObject' && r.path.endsWith('/index.html');
const isDelete = (r: RecordedRequest) => r.operation === 'DeleteObjects' || r.operation === 'DeleteObject';

/** The order invariant: no delete reached S3 before every index.html upload had succeeded. */
function deletesAfterHtml(requests: RecordedRequest[]): { ok: boolean; detail: string } {
  const firstDelete = requests.findIndex((r) => isDelete(r) && r.forwarded);
  if (firstDelete < 0) return { ok: true, detail: 'no delete' };
  const htmlDone = requests.filter((r) => isIndexPut(r) && r.forwarded && r.status === 200);
  const lastHtml = Math.max(...htmlDone.map((r) => requests.indexOf(r)));
  const ok =
    htmlDone.length > 0 && lastHtml < firstDelete && requests.slice(firstDelete).every((r) => !(isIndexPut(r) && r.status === 200));
  return { ok, detail: `first delete #${firstDelete}, last successful index.html PUT #${lastHtml}` };
}

describe('s3-sync-frontend under faults', () => {
  test.each(faultRuns([[11], [12]], [[31], [32]]))(
    '%d%% S3 faults: the bucket is v2 exactly, or v1 HTML is still live; re-run completes',
    async (percent, category, seed) => {
      const { run, v2Live, metrics } = await underMixedFaults(percent, seed, (requests, details) => {
        const order = deletesAfterHtml(requests);
        expect({ order: order.ok, detail: order.detail, details }).toEqual({ order: true, detail: order.detail, details });
      });
      const outcome = v2Live
        ? 'exit 0; bucket byte-identical to v2 with the right headers'
        : `exit 1 with v1 index.html still live (${excerpt(run.errors[0].message, 80)})`;
      results.record({
        action: NAME,
        category,
        case: `${percent}% mixed faults on every S3 request (seed ${seed})`,
        outcome: `${outcome}; deletes only after the new HTML; re-run completes`,
        metrics,
      });
    },
  );

  test('every upload of a content-hashed asset fails: v1 stays live, nothing is deleted; a re-run deploys v2', async () => {
    const run = await sync('v2', [{ fault: 'internal', operation: 'PutObject', path: /\/assets\/index-/ }]);
    expectFailedWithOneError(run, describeRun(run));
    const requests = faults.proxy.requests;
    expect(requests.filter((r) => isIndexPut(r) && r.forwarded)).toEqual([]);
    expect(requests.filter((r) => isDelete(r) && r.forwarded)).toEqual([]);
    expect((await readBucket(moto, FIXTURE.bucket))['index.html'].body).toBe(V1['index.html']);
    await expectRerunCompletes(moto, await sync('v2'), V2);
    results.record({
      action: NAME,
      category: 'faults-30',
      case: 'phase 1 (hashed assets) fails on every attempt',
      outcome: `exit 1 (${excerpt(run.errors[0].message, 90)}); no HTML uploaded, nothing deleted; re-run completes`,
    });
  });

  test('responses lost after S3 stored the object (reset after forwarding): the deploy still ends exact', async () => {
    const run = await sync('v2', [{ fault: 'reset-after', mutating: true, rate: 0.3 }], { seed: 5 });
    const details = `${describeFaults(faults.proxy.requests)}\n${describeRun(run)}`;
    expect({ exit: run.exitCode, details }).toMatchObject({ exit: 0 });
    expect(await readBucket(moto, FIXTURE.bucket)).toEqual(expectedObjects(V2));
    expect(deletesAfterHtml(faults.proxy.requests).ok).toBe(true);
    results.record({
      action: NAME,
      category: 'connection',
      case: '30% of writes: response lost after S3 applied them',
      outcome: 'exit 0; bucket byte-identical to v2 (retried PUTs and deletes are idempotent)',
      metrics: { lost: faults.proxy.faults().length },
    });
  });

  test('truncated listing and truncated responses are retried, never mistaken for an empty bucket', async () => {
    const run = await sync('v2', [{ fault: 'truncate', operation: 'ListObjectsV2', times: 2 }], { seed: 3 });
    const details = describeRun(run);
    expect({ exit: run.exitCode, details }).toMatchObject({ exit: 0 });
    expect(await readBucket(moto, FIXTURE.bucket)).toEqual(expectedObjects(V2));
    results.record({
      action: NAME,
      category: 'connection',
      case: 'ListObjectsV2 body truncated twice',
      outcome: 'exit 0; bucket byte-identical to v2',
    });
  });
});

describe('s3-sync-frontend cancellation', () => {
  test('SIGINT then SIGTERM while uploads hang: exits promptly, v1 still live, nothing deleted, re-run completes', async () => {
    const rules: FaultRule[] = [{ fault: 'delay', operation: 'PutObject', delayMs: 30_000 }];
    const cancelled = await cancelledRun(
      () => faults.started?.requests.some((r) => r.operation === 'PutObject') ?? false,
      (onStart) => sync('v2', rules, { onStart }),
    );
    const { run } = cancelled;
    const said = `${run.errors[0].message}\n${run.log}`;
    expect(said).toMatch(/cancel/i);
    expect(said).toMatch(/re-?run/i);
    expect(faults.proxy.requests.filter((r) => isDelete(r) && r.forwarded)).toEqual([]);
    expect((await readBucket(moto, FIXTURE.bucket))['index.html'].body).toBe(V1['index.html']);
    await expectRerunCompletes(moto, await sync('v2'), V2);
    results.record(
      cancelled.outcome(NAME, 'during phase 1 uploads (PUTs held 30 s)', { after: '; v1 live, nothing deleted; re-run completes' }),
    );
  }, 60_000);
});

describe('s3-sync-frontend cancellation in the HTML phase', () => {
  test('SIGINT then SIGTERM while index.html uploads hang: exits promptly, nothing deleted, re-run completes', async () => {
    const rules: FaultRule[] = [{ fault: 'delay', operation: 'PutObject', path: /index\.html$/, delayMs: 30_000 }];
    const cancelled = await cancelledRun(
      () => faults.started?.requests.some((r) => isIndexPut(r)) ?? false,
      (onStart) => sync('v2', rules, { onStart }),
    );
    const { run } = cancelled;
    expect(run.errors[0].message).toMatch(/cancel/i);
    expect(faults.proxy.requests.filter((r) => isDelete(r) && r.forwarded)).toEqual([]);
    // Every hashed asset v2 needs is already there, whichever index.html is live.
    const bucket = await readBucket(moto, FIXTURE.bucket);
    for (const key of Object.keys(V2).filter((k) => k.startsWith('assets/'))) expect(bucket[key]?.body).toBe(V2[key]);
    await expectRerunCompletes(moto, await sync('v2'), V2);
    results.record(
      cancelled.outcome(NAME, 'during phase 3 (index.html PUTs held 30 s)', {
        after: '; v2 assets all present, nothing deleted; re-run completes',
      }),
    );
  }, 60_000);
});

testNoSecretLeaks(NAME, scanned, results);
