import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DeleteObjectCommand } from '@aws-sdk/client-s3';
import { describe, expect, it } from '@jest/globals';
import { virtualClock } from '@allthrive/toolkit';
import {
  MANIFEST_NAME,
  compareKeys,
  deleteStale,
  directS3,
  listPrefix,
  listingRanges,
  planSync,
  publishHtml,
  uploadAssets,
} from '@allthrive/s3-sync-frontend';
import { memoryLogger } from '@allthrive/toolkit';
import { useMoto } from '../harness/moto.js';
import {
  BUCKET,
  SITE_V1,
  createBucket,
  deploy,
  head,
  listKeys,
  makeSite,
  options,
  put,
  recordingClient,
  text,
  touchAll,
} from './helpers.js';

// verify-bucket: `manifest` (the default) trusts a complete manifest of the last deploy as the record
// of the bucket: a redeploy reads it, writes what differs and lists nothing; a no-op sends that one
// GetObject and nothing else. It lists when no complete record exists (first deploy, an unreadable or
// older manifest, a deploy that stopped part-way, another `exclude`, a rollback to stale objects).
// `always` lists the bucket on every deploy (drift repair).
const moto = useMoto();
const DAY = 86_400_000;
const TRUSTED = 'Bucket matches the manifest of the last deploy: nothing to do (1 request; verify-bucket: always lists the bucket)';
const PLANNED = 'Planned from the manifest of the last deploy, without listing the bucket (verify-bucket: always lists it)';
const ops = (requests: { op: string }[]) => requests.map((r) => r.op);

async function deployedSite(over: Parameters<typeof deploy>[2] = {}) {
  await createBucket(moto);
  const root = makeSite(SITE_V1);
  await deploy(root, recordingClient(moto).s3, over);
  touchAll(path.join(root, 'dist')); // a fresh checkout and build: every mtime new
  return root;
}

describe('verify-bucket', () => {
  it('manifest (the default): a no-op redeploy sends exactly one request, the manifest read, and says so; always lists the bucket', async () => {
    const root = await deployedSite({ delete: true });
    const { s3, requests } = recordingClient(moto);
    const { result, logger } = await deploy(root, s3, { delete: true });
    expect(requests).toEqual([{ op: 'GetObject', key: MANIFEST_NAME }]);
    expect(result).toMatchObject({ uploaded: 0, reheadered: 0, unchanged: 9, deleted: 0, kept: 0, changedPaths: [], plannedPaths: [] });
    expect(logger.text()).toContain(TRUSTED);
    expect(logger.text()).not.toMatch(/Listed s3:/);

    const always = recordingClient(moto);
    const listed = await deploy(root, always.s3, { delete: true, verifyBucket: 'always' });
    expect(ops(always.requests).sort()).toEqual(['GetObject', 'ListObjectsV2']);
    expect(listed.result).toMatchObject({ uploaded: 0, reheadered: 0, unchanged: 9, deleted: 0, changedPaths: [] });
    expect(listed.logger.text()).toMatch(/Listed s3:\/\/site\/: 9 objects/);
    expect(listed.logger.text()).not.toContain('Bucket matches the manifest');
  });

  it('always repairs drift: objects deleted or overwritten behind the action are restored (the default trusts the manifest until then)', async () => {
    const root = await deployedSite({ delete: true });
    const seed = recordingClient(moto).s3;
    await seed.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: 'robots.txt' }));
    await put(seed, 'favicon.ico', 'ICX'); // same size, other content, no headers
    await put(seed, 'intruder.html', '<p>not ours</p>');

    // the trade-off of the default: a no-op build does not look at the bucket
    const trusting = recordingClient(moto);
    const trusted = await deploy(root, trusting.s3, { delete: true });
    expect(ops(trusting.requests)).toEqual(['GetObject']);
    expect(trusted.result).toMatchObject({ uploaded: 0, deleted: 0 });
    expect((await listKeys(seed)).has('robots.txt')).toBe(false);

    const { s3, requests } = recordingClient(moto);
    const { result } = await deploy(root, s3, { delete: true, verifyBucket: 'always' });
    expect(result).toMatchObject({ uploaded: 2, unchanged: 7, deleted: 1 });
    expect(
      requests
        .filter((r) => r.op === 'PutObject' && r.key !== MANIFEST_NAME)
        .map((r) => r.key)
        .sort(),
    ).toEqual(['favicon.ico', 'robots.txt']);
    expect(await text(s3, 'robots.txt')).toBe(SITE_V1['robots.txt']);
    expect(await text(s3, 'favicon.ico')).toBe(SITE_V1['favicon.ico']);
    expect((await head(s3, 'favicon.ico')).CacheControl).toBe('public, max-age=3600');
    expect((await listKeys(s3)).has('intruder.html')).toBe(false);
    expect(result.changedPaths).toEqual(['/favicon.ico', '/intruder.html']);

    // repaired and recorded: the next default deploy trusts the manifest again
    const next = recordingClient(moto);
    await deploy(root, next.s3, { delete: true });
    expect(ops(next.requests)).toEqual(['GetObject']);
  });

  describe('manifest (the default) acts on every difference from the manifest without listing the bucket', () => {
    it('a changed header rule re-headers in place', async () => {
      const root = await deployedSite();
      const { s3, requests } = recordingClient(moto);
      const { result, logger } = await deploy(root, s3, { cacheControl: [{ glob: 'robots.txt', value: 'public, max-age=60' }] });
      expect(ops(requests)).toEqual(['GetObject', 'CopyObject', 'PutObject']);
      expect(result).toMatchObject({ uploaded: 0, reheadered: 1, unchanged: 8, changedPaths: ['/robots.txt'] });
      expect((await head(s3, 'robots.txt')).CacheControl).toBe('public, max-age=60');
      expect(logger.text()).not.toContain('Bucket matches the manifest');
    });

    it('a changed Content-Type rule re-headers in place', async () => {
      const root = await deployedSite();
      const { s3 } = recordingClient(moto);
      const { result } = await deploy(root, s3, { contentType: [{ glob: '*.ico', value: 'image/vnd.microsoft.icon' }] });
      expect(result).toMatchObject({ reheadered: 1, changedPaths: ['/favicon.ico'] });
      expect((await head(s3, 'favicon.ico')).ContentType).toBe('image/vnd.microsoft.icon');
    });

    it('changed content of the same size is uploaded', async () => {
      const root = await deployedSite();
      writeFileSync(path.join(root, 'dist', 'robots.txt'), SITE_V1['robots.txt'].replace('Allow', 'Allaw'));
      const { s3, requests } = recordingClient(moto);
      const { result, logger } = await deploy(root, s3);
      // a key the manifest records: no interim manifest is needed before overwriting it
      expect(requests).toEqual([
        { op: 'GetObject', key: MANIFEST_NAME },
        { op: 'PutObject', key: 'robots.txt' },
        { op: 'PutObject', key: MANIFEST_NAME },
      ]);
      expect(logger.text()).toContain(PLANNED);
      expect(result).toMatchObject({ uploaded: 1, unchanged: 8, changedPaths: ['/robots.txt'] });
      expect(await text(s3, 'robots.txt')).toContain('Allaw');
    });

    it('a removed local file is deleted, and a new one uploaded', async () => {
      const root = await deployedSite({ delete: true });
      rmSync(path.join(root, 'dist', 'docs', 'page.html'));
      const { s3, requests } = recordingClient(moto);
      const removed = await deploy(root, s3, { delete: true });
      // HeadObject: the manifest is still this deploy's before anything is deleted (two deploys at once, below)
      expect(ops(requests)).toEqual(['GetObject', 'HeadObject', 'DeleteObjects', 'PutObject']);
      expect(removed.result).toMatchObject({ uploaded: 0, deleted: 1, changedPaths: ['/docs/page.html'] });
      expect((await listKeys(s3)).has('docs/page.html')).toBe(false);

      // a key no manifest records: the manifest is first marked incomplete (with this attempt's
      // record), so that a deploy stopping after the upload leaves no object the record misses
      writeFileSync(path.join(root, 'dist', 'new.txt'), 'new');
      const adding = recordingClient(moto);
      const added = await deploy(root, adding.s3, { delete: true });
      expect(adding.requests).toEqual([
        { op: 'GetObject', key: MANIFEST_NAME },
        { op: 'PutObject', key: MANIFEST_NAME },
        { op: 'PutObject', key: 'new.txt' },
        { op: 'PutObject', key: MANIFEST_NAME },
      ]);
      expect(added.result).toMatchObject({ uploaded: 1, deleted: 0, changedPaths: [] });
      expect(await text(s3, 'new.txt')).toBe('new');
      const next = recordingClient(moto);
      expect((await deploy(root, next.s3, { delete: true })).result).toMatchObject({ uploaded: 0, unchanged: 9 });
      expect(ops(next.requests)).toEqual(['GetObject']);
    });

    it('a missing or unreadable manifest lists the bucket; the manifest the deploy writes is trusted next time', async () => {
      const root = await deployedSite();
      const seed = recordingClient(moto).s3;
      await put(seed, MANIFEST_NAME, '{"format":"s3-sync-frontend/0"}');
      const { s3, requests } = recordingClient(moto);
      const { result, logger } = await deploy(root, s3);
      expect(ops(requests)).toContain('ListObjectsV2');
      expect(logger.text()).toMatch(/Ignoring the deploy manifest/);
      expect(result).toMatchObject({ uploaded: 0, reheadered: 0, unchanged: 9 }); // compared by HeadObject instead
      expect(ops(requests).filter((op) => op === 'HeadObject')).toHaveLength(9);
      await seed.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: MANIFEST_NAME }));
      const missing = recordingClient(moto);
      await deploy(root, missing.s3);
      expect(ops(missing.requests)).toContain('ListObjectsV2');
      const next = recordingClient(moto);
      expect((await deploy(root, next.s3)).result).toMatchObject({ unchanged: 9 });
      expect(ops(next.requests)).toEqual(['GetObject']);
    });

    it('another prefix has no manifest yet: lists and uploads everything', async () => {
      const root = await deployedSite();
      const { s3, requests } = recordingClient(moto);
      const { result } = await deploy(root, s3, { prefix: 'v2/' });
      expect(ops(requests)).toContain('ListObjectsV2');
      expect(result).toMatchObject({ uploaded: 9 });
    });
  });

  it('stale content-hashed objects within their grace period keep the no-op; once it is over they are deleted, still without a listing', async () => {
    await createBucket(moto);
    const root = makeSite(SITE_V1);
    const start = Date.now();
    await deploy(root, recordingClient(moto).s3, { delete: true }, { clock: virtualClock(start) });
    rmSync(path.join(root, 'dist', 'assets', 'chunk-Ab12Cd34.js'));
    await deploy(root, recordingClient(moto).s3, { delete: true }, { clock: virtualClock(start + DAY) });

    const within = recordingClient(moto);
    const kept = await deploy(root, within.s3, { delete: true }, { clock: virtualClock(start + 7 * DAY) });
    expect(ops(within.requests)).toEqual(['GetObject']);
    expect(kept.result).toMatchObject({ deleted: 0, kept: 1, unchanged: 8 });

    const after = recordingClient(moto);
    const over = await deploy(root, after.s3, { delete: true }, { clock: virtualClock(start + 8 * DAY) });
    expect(ops(after.requests)).toEqual(['GetObject', 'HeadObject', 'DeleteObjects', 'PutObject']);
    expect(over.result).toMatchObject({ deleted: 1, kept: 0 });
    expect((await listKeys(after.s3)).has('assets/chunk-Ab12Cd34.js')).toBe(false);
  });

  it("turning delete on deletes the stale objects kept by delete: false, from the manifest's record", async () => {
    await createBucket(moto);
    const root = makeSite(SITE_V1);
    await deploy(root, recordingClient(moto).s3);
    rmSync(path.join(root, 'dist', 'docs', 'page.html'));
    await deploy(root, recordingClient(moto).s3); // delete off: kept, recorded as stale
    const off = recordingClient(moto);
    expect((await deploy(root, off.s3)).result).toMatchObject({ kept: 1, deleted: 0 });
    expect(ops(off.requests)).toEqual(['GetObject']);
    const on = recordingClient(moto);
    expect((await deploy(root, on.s3, { delete: true })).result).toMatchObject({ kept: 0, deleted: 1, changedPaths: ['/docs/page.html'] });
    expect(ops(on.requests)).toEqual(['GetObject', 'HeadObject', 'DeleteObjects', 'PutObject']);
  });

  it('re-runs: a later attempt with nothing to do sends one request and still emits what earlier attempts of the run changed', async () => {
    const root = await deployedSite();
    writeFileSync(path.join(root, 'dist', 'robots.txt'), 'Disallow: /x\n');
    const first = await deploy(root, recordingClient(moto).s3, {}, { run: { id: '31', attempt: '1' } });
    expect(first.result.changedPaths).toEqual(['/robots.txt']);
    const retry = recordingClient(moto);
    const second = await deploy(root, retry.s3, {}, { run: { id: '31', attempt: '2' } });
    expect(ops(retry.requests)).toEqual(['GetObject']);
    expect(second.result).toMatchObject({ uploaded: 0, changedPaths: ['/robots.txt'] });
    expect(second.logger.text()).toMatch(/1 path\(s\) changed by earlier attempts of run 31 are included in changed-paths/);
    const other = recordingClient(moto);
    const next = await deploy(root, other.s3, {}, { run: { id: '32', attempt: '1' } });
    expect(ops(other.requests)).toEqual(['GetObject']);
    expect(next.result.changedPaths).toEqual([]);
  });

  it('a dry run of a no-op redeploy also reads only the manifest', async () => {
    const root = await deployedSite();
    const { s3, requests } = recordingClient(moto);
    const { result } = await deploy(root, s3, { dryRun: true });
    expect(ops(requests)).toEqual(['GetObject']);
    expect(result).toMatchObject({ dryRun: true, uploaded: 0, unchanged: 9, changedPaths: [], plannedPaths: [] });
  });
});

describe('manifest (the default) lists the bucket whenever the manifest is not a complete record of it', () => {
  it('a deploy that stopped part-way: the next deploy lists, and removes what the stopped one left behind', async () => {
    const root = await deployedSite({ delete: true });
    writeFileSync(path.join(root, 'dist', 'extra.txt'), 'written by a deploy that then failed');
    writeFileSync(path.join(root, 'dist', 'index.html'), SITE_V1['index.html'].replace('v1', 'v2'));
    const failing = recordingClient(moto, (op, input) =>
      op === 'PutObject' && input.Key === 'index.html' ? Promise.reject(new Error('connection reset')) : undefined,
    );
    await expect(deploy(root, failing.s3, { delete: true })).rejects.toThrow(/index\.html/);
    expect(ops(failing.requests)).toContain('PutObject');
    expect(await text(failing.s3, 'extra.txt')).toContain('failed');

    // the build goes back to v1: extra.txt is in no build and no complete record any more
    const v1 = makeSite(SITE_V1, root);
    touchAll(path.join(v1, 'dist'));
    const { s3, requests } = recordingClient(moto);
    const { result, logger } = await deploy(root, s3, { delete: true });
    expect(ops(requests)).toContain('ListObjectsV2');
    expect(logger.text()).toMatch(/Listing the bucket: the manifest of the last deploy is incomplete \(that deploy stopped part-way\)/);
    expect(result).toMatchObject({ uploaded: 0, deleted: 1, changedPaths: ['/extra.txt'] });
    expect((await listKeys(s3)).has('extra.txt')).toBe(false);

    const next = recordingClient(moto);
    await deploy(root, next.s3, { delete: true });
    expect(ops(next.requests)).toEqual(['GetObject']);
  });

  it('another exclude than the last deploy had: lists, so that objects excluded until now are seen', async () => {
    await createBucket(moto);
    const root = makeSite(SITE_V1);
    const seed = recordingClient(moto).s3;
    await put(seed, 'media/upload.png', 'PNG');
    await deploy(root, seed, { delete: true, exclude: ['media/**'] });
    expect((await listKeys(seed)).has('media/upload.png')).toBe(true);

    const { s3, requests } = recordingClient(moto);
    const { result, logger } = await deploy(root, s3, { delete: true });
    expect(ops(requests)).toContain('ListObjectsV2');
    expect(logger.text()).toMatch(/Listing the bucket: the last deploy excluded other paths/);
    expect(result).toMatchObject({ deleted: 1, changedPaths: ['/media/upload.png'] });
  });

  it('a manifest written before completeness was recorded: lists once, then trusts the one it writes', async () => {
    const root = await deployedSite();
    const seed = recordingClient(moto).s3;
    const written = JSON.parse(await text(seed, MANIFEST_NAME)) as Record<string, unknown>;
    expect(written).toMatchObject({ complete: true, exclude: [] });
    delete written.complete;
    delete written.exclude;
    await put(seed, MANIFEST_NAME, JSON.stringify(written));
    writeFileSync(path.join(root, 'dist', 'robots.txt'), 'Disallow: /old\n');
    const { s3, requests } = recordingClient(moto);
    expect((await deploy(root, s3)).result).toMatchObject({ uploaded: 1, changedPaths: ['/robots.txt'] });
    expect(ops(requests)).toContain('ListObjectsV2');
    const next = recordingClient(moto);
    await deploy(root, next.s3);
    expect(ops(next.requests)).toEqual(['GetObject']);
  });

  it('records each object with the XXH3-128 it compares by; a manifest of an earlier version (no XXH3-128) still gives a no-op, by SHA-256', async () => {
    const root = await deployedSite();
    const seed = recordingClient(moto).s3;
    const written = JSON.parse(await text(seed, MANIFEST_NAME)) as { objects: Record<string, unknown[]> };
    expect(Object.values(written.objects).every((entry) => entry.length === 4 && /^[0-9a-f]{32}$/.test(String(entry[3])))).toBe(true);
    for (const entry of Object.values(written.objects)) entry.length = 3; // as the version before wrote it
    await put(seed, MANIFEST_NAME, JSON.stringify(written));

    const { s3, requests } = recordingClient(moto);
    const { result, logger } = await deploy(root, s3);
    expect(result).toMatchObject({ uploaded: 0, reheadered: 0, unchanged: 9, changedPaths: [] });
    expect(logger.text()).toContain(
      'Bucket matches the manifest of the last deploy, written by an earlier version: nothing to upload; the manifest is written again once',
    );
    // nothing was uploaded, and the manifest is rewritten once with the digests the next deploy compares by
    expect(requests).toEqual([
      { op: 'GetObject', key: MANIFEST_NAME },
      { op: 'PutObject', key: MANIFEST_NAME },
    ]);
    const rewritten = JSON.parse(await text(seed, MANIFEST_NAME)) as { objects: Record<string, unknown[]> };
    expect(Object.values(rewritten.objects).every((entry) => entry.length === 4)).toBe(true);
    const next = recordingClient(moto);
    const again = await deploy(root, next.s3);
    expect(again.result).toMatchObject({ uploaded: 0, unchanged: 9 });
    expect(again.logger.text()).toContain(TRUSTED);
    expect(next.requests).toEqual([{ op: 'GetObject', key: MANIFEST_NAME }]);
  });

  it('a record whose XXH3-128 is not the file’s (another content) never vouches for it: the file is uploaded', async () => {
    const root = await deployedSite();
    const seed = recordingClient(moto).s3;
    const written = JSON.parse(await text(seed, MANIFEST_NAME)) as { objects: Record<string, unknown[]> };
    written.objects['robots.txt'][3] = '0'.repeat(32);
    await put(seed, MANIFEST_NAME, JSON.stringify(written));
    writeFileSync(path.join(root, 'dist', 'robots.txt'), SITE_V1['robots.txt'].replace('Allow', 'Allaw'));
    const { s3 } = recordingClient(moto);
    const { result } = await deploy(root, s3);
    expect(result).toMatchObject({ uploaded: 1, changedPaths: ['/robots.txt'] });
    expect(await text(s3, 'robots.txt')).toContain('Allaw');
  });

  it('a rollback to a build whose files the manifest records only as stale: lists, and finds them unchanged', async () => {
    await createBucket(moto);
    const root = makeSite(SITE_V1);
    await deploy(root, recordingClient(moto).s3, { delete: true });
    const v2: Record<string, string> = {
      ...SITE_V1,
      'index.html': SITE_V1['index.html'].replace('v1', 'v2'),
      'assets/chunk-Zz99Yy88.js': 'export const chunk = 2;',
    };
    delete v2['assets/chunk-Ab12Cd34.js'];
    await deploy(makeSite(v2, root), recordingClient(moto).s3, { delete: true });
    makeSite(SITE_V1, root);
    const { s3, requests } = recordingClient(moto);
    const { result, logger } = await deploy(root, s3, { delete: true });
    expect(ops(requests)).toContain('ListObjectsV2');
    expect(logger.text()).toMatch(/Listing the bucket: this build ships 1 path\(s\) the last deploy left as stale/);
    expect(requests.filter((r) => r.op === 'PutObject').map((r) => r.key)).not.toContain('assets/chunk-Ab12Cd34.js');
    expect(result).toMatchObject({ uploaded: 1, kept: 1 }); // index.html; chunk-Zz99Yy88 within its grace period
  });

  it('a dry run of a change reads only the manifest and plans what a real run would write', async () => {
    const root = await deployedSite();
    writeFileSync(path.join(root, 'dist', 'robots.txt'), 'Disallow: /dry\n');
    const { s3, requests } = recordingClient(moto);
    const { result } = await deploy(root, s3, { dryRun: true });
    expect(ops(requests)).toEqual(['GetObject']);
    expect(result).toMatchObject({ dryRun: true, uploaded: 1, changedPaths: [], plannedPaths: ['/robots.txt'] });
  });
});

// The slow deploy's own requests go through the SDK, or direct (direct-s3.ts) as the action sends
// them: a direct conditional write that is refused hands over to the SDK, which decides as before.
describe.each([
  ['through the SDK', false],
  ['with direct requests', true],
])('two deploys of one prefix at once, %s (every manifest write is conditional on the manifest this deploy read)', (_how, withDirect) => {
  // S3 conditional writes: PutObject with If-Match fails with 412 PreconditionFailed when the
  // object's ETag is another (https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-writes.html).
  async function planned(root: string, over: Parameters<typeof options>[0] = {}) {
    const { s3, requests } = recordingClient(moto);
    const logger = memoryLogger();
    const direct = withDirect
      ? directS3(BUCKET, { env: moto.env }, { configFile: path.join(tmpdir(), 'no-such-aws-config'), logger })
      : undefined;
    const deps = { s3, logger, root, direct };
    return { plan: await planSync(options(over), deps), deps, requests };
  }

  it('the later one stops before its first write when the manifest changed since it read it: nothing of it is written', async () => {
    const root = await deployedSite({ delete: true });
    const late = makeSite({ ...SITE_V1, 'late.txt': 'from the late deploy' });
    const slow = await planned(late, { delete: true });
    // meanwhile another deploy of the prefix finishes
    const other = makeSite({ ...SITE_V1, 'other.txt': 'from the other deploy' }, root);
    await deploy(other, recordingClient(moto).s3, { delete: true });

    await expect(uploadAssets(slow.plan, slow.deps)).rejects.toThrow(
      /Another deploy wrote the deploy manifest s3:\/\/site\/\.s3-sync-frontend\.json since this one read it.*Nothing was changed/s,
    );
    expect(slow.requests.filter((r) => r.op === 'PutObject').map((r) => r.key)).toEqual([MANIFEST_NAME]);
    // direct: S3 refused the conditional write (412) and the SDK sent it again, and was refused too
    expect(slow.deps.logger.text()).toMatch(
      withDirect ? /Direct S3 request not usable \(PutObject \.s3-sync-frontend\.json: HTTP 412\)/ : /^(?![\s\S]*Direct S3)/,
    );
    const keys = await listKeys(slow.deps.s3);
    expect(keys.has('late.txt')).toBe(false);
    expect(keys.has('other.txt')).toBe(true);
    // the other deploy's record stands: the next deploy of that build trusts it
    const next = recordingClient(moto);
    await deploy(other, next.s3, { delete: true });
    expect(ops(next.requests)).toEqual(['GetObject']);
  });

  it('a deploy that would delete checks first that the manifest is still its own: it deletes nothing the other deploy may serve', async () => {
    const root = await deployedSite({ delete: true });
    const mine: Record<string, string> = { ...SITE_V1, 'robots.txt': 'User-agent: *\nDisallow: /mine\n' };
    delete mine['docs/page.html']; // this build would delete docs/page.html
    const slow = await planned(makeSite(mine), { delete: true });
    const other = makeSite({ ...SITE_V1, 'other.txt': 'from the other deploy' }, root); // still ships docs/page.html
    await deploy(other, recordingClient(moto).s3, { delete: true });

    await uploadAssets(slow.plan, slow.deps);
    await publishHtml(slow.plan, slow.deps);
    await expect(deleteStale(slow.plan, slow.deps)).rejects.toThrow(
      /Another deploy wrote the deploy manifest .* while this one ran.*No stale object was deleted/s,
    );
    expect(ops(slow.requests)).not.toContain('DeleteObjects');
    expect(await text(slow.deps.s3, 'docs/page.html')).toBe(SITE_V1['docs/page.html']);
    expect((JSON.parse(await text(slow.deps.s3, MANIFEST_NAME)) as { complete: boolean }).complete).toBe(false);
  });

  it('when the other one wrote the manifest while this one ran, this one records it as incomplete and fails saying so; the next deploy lists and reconciles', async () => {
    const root = await deployedSite({ delete: true });
    const mine = makeSite({ ...SITE_V1, 'robots.txt': 'User-agent: *\nDisallow: /mine\n' });
    const slow = await planned(mine, { delete: true }); // overwrites a recorded key: no interim manifest
    const other = makeSite({ ...SITE_V1, 'other.txt': 'from the other deploy' }, root);
    await deploy(other, recordingClient(moto).s3, { delete: true });

    await uploadAssets(slow.plan, slow.deps);
    await publishHtml(slow.plan, slow.deps);
    await expect(deleteStale(slow.plan, slow.deps)).rejects.toThrow(/Another deploy wrote the deploy manifest .* while this one ran/s);
    expect(await text(slow.deps.s3, 'robots.txt')).toContain('/mine');
    const written = JSON.parse(await text(slow.deps.s3, MANIFEST_NAME)) as { complete: boolean };
    expect(written.complete).toBe(false);

    // the next deploy (of this build) lists, and deletes what the other build left
    const { s3, requests } = recordingClient(moto);
    const { result } = await deploy(mine, s3, { delete: true });
    expect(ops(requests)).toContain('ListObjectsV2');
    expect(result).toMatchObject({ deleted: 1, changedPaths: ['/other.txt'] });
  });
});

describe('listing in ranges cut at the keys the manifest records', () => {
  // UTF-8 byte order differs from JavaScript's string order above U+FFFF: '\u{1F600}' (F0 9F..)
  // sorts after '\uFF5E' (EF BD..) for S3, before it for `<`.
  const recorded = ['a.txt', 'b.txt', 'c/\uFF5E.txt', 'c/\u{1F600}.txt', 'd.txt', 'e.txt', 'f.txt', 'g.txt'].map((k) => `app/${k}`);

  it('cuts in S3 key order, at most a page per range', () => {
    const ranges = listingRanges(recorded, 3);
    expect(ranges).toEqual([
      { after: undefined, last: 'app/b.txt', size: 2 },
      { after: 'app/b.txt', last: 'app/d.txt', size: 3 },
      { after: 'app/d.txt', last: undefined, size: 3 },
    ]);
    // cut between the two: JavaScript's order would end the first range at the U+FF5E key
    expect(listingRanges(recorded, 4)[0]).toMatchObject({ last: 'app/c/\u{1F600}.txt', size: 4 });
    expect(compareKeys('\u{1F600}', '\uFF5E')).toBeGreaterThan(0);
    expect(listingRanges(recorded, 8)).toEqual([]);
  });

  it('lists exactly what a page-by-page listing lists, in as many requests when nothing drifted, and finds what did', async () => {
    const seed = await createBucket(moto);
    for (const key of [...recorded, 'other/x.txt']) await put(seed, key, 'x');
    const sequential = async () => {
      const { s3, requests } = recordingClient(moto);
      const listed = await listPrefix(s3, BUCKET, 'app/');
      return { keys: [...listed.keys()].sort(), requests: requests.length };
    };
    const ranged = async () => {
      const { s3, requests } = recordingClient(moto);
      const listed = await listPrefix(s3, BUCKET, 'app/', undefined, listingRanges(recorded, 3));
      return { keys: [...listed.keys()].sort(), requests: requests.length, listed };
    };
    const before = await ranged();
    expect(before.keys).toEqual([...recorded].sort());
    expect(before.requests).toBe(3);
    expect(before.listed.get('app/a.txt')).toMatchObject({ size: 1, etag: expect.stringMatching(/^[0-9a-f]{32}$/) });

    // drift behind the manifest's back: keys added inside and around the ranges, one deleted
    for (const key of ['app/0.txt', 'app/b2.txt', 'app/c/z.txt', 'app/d1.txt', 'app/d2.txt', 'app/zz.txt']) await put(seed, key, 'y');
    await seed.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: 'app/e.txt' }));
    const after = await ranged();
    expect(after.keys).toEqual((await sequential()).keys);
    expect(after.keys).toContain('app/zz.txt');
    expect(after.keys).not.toContain('app/e.txt');
  });
});
