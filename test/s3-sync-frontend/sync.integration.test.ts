import { createHash } from 'node:crypto';
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
  type PutObjectCommandInput,
} from '@aws-sdk/client-s3';
import { describe, expect, it } from '@jest/globals';
import { ActionError, CancelledError, InputError, virtualClock } from '@allthrive/toolkit';
import {
  MANIFEST_NAME,
  MULTIPART_THRESHOLD,
  PART_QUEUE,
  PART_SIZE,
  SHA256_METADATA,
  hashFile,
  parseManifest,
  scanSource,
  planSync,
  publishHtml,
  uploadAssets,
  uploadUnreferenced,
  deleteStale,
  syncResult,
  anyMatcher,
} from '@allthrive/s3-sync-frontend';
import { prestartScan } from '@allthrive/s3-sync-frontend/start';
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

// Small multipart parts, so a multipart object can be made from a few bytes.
const moto = useMoto({ serverEnv: { S3_UPLOAD_PART_MIN_SIZE: '16' } });
const DAY = 86_400_000;

/** A fresh bucket with the site v1 deployed to it; returns the site's root, to rebuild for the next deploy. */
async function v1Deployed(): Promise<string> {
  await createBucket(moto);
  const root = makeSite(SITE_V1);
  await deploy(root, recordingClient(moto).s3);
  return root;
}

/** The next build over the site at `root`: v1 without `removed`, with `changed` files set. Returns its files. */
function rebuild(root: string, removed: string[], changed: Record<string, string> = {}): Record<string, string> {
  const next: Record<string, string> = { ...SITE_V1, ...changed };
  for (const key of removed) delete next[key];
  makeSite(next, root);
  return next;
}

const writes = (requests: { op: string; key?: string }[]) =>
  requests.filter((r) => ['PutObject', 'CopyObject', 'DeleteObjects'].includes(r.op) && r.key !== MANIFEST_NAME);

describe('s3-sync-frontend against moto', () => {
  it('first deploy: uploads everything, hashed assets first, other files, then HTML with index.html last, with the right headers', async () => {
    await createBucket(moto);
    const root = makeSite(SITE_V1);
    const { s3, requests } = recordingClient(moto);
    const { result, logger } = await deploy(root, s3);

    expect(result).toMatchObject({ uploaded: 9, reheadered: 0, unchanged: 0, deleted: 0, kept: 0, changedPaths: [] });
    expect(result.bytesUploaded).toBe(Object.values(SITE_V1).reduce((sum, c) => sum + Buffer.byteLength(c), 0));
    const order = requests.filter((r) => r.op === 'PutObject').map((r) => r.key);
    const at = (key: string) => order.indexOf(key);
    for (const hashed of [
      'assets/index-BxY3k9_a.js',
      'assets/chunk-Ab12Cd34.js',
      'assets/index-Dk3j2ab1.css',
      'assets/logo-a1B2c3D4.svg',
    ]) {
      expect(at(hashed)).toBeLessThan(at('favicon.ico'));
      expect(at(hashed)).toBeLessThan(at('robots.txt'));
    }
    expect(at('robots.txt')).toBeLessThan(at('docs/page.html'));
    expect(at('docs/page.html')).toBeLessThan(at('docs/index.html'));
    expect(at('docs/index.html')).toBeLessThan(at('index.html'));
    expect(order[order.length - 1]).toBe(MANIFEST_NAME);

    const index = await head(s3, 'index.html');
    expect(index.CacheControl).toBe('no-cache');
    expect(index.ContentType).toBe('text/html; charset=utf-8');
    const js = await head(s3, 'assets/index-BxY3k9_a.js');
    expect(js.CacheControl).toBe('public, max-age=31536000, immutable');
    expect(js.ContentType).toBe('text/javascript; charset=utf-8');
    expect(js.Metadata?.[SHA256_METADATA]).toBe((await hashFile(path.join(root, 'dist/assets/index-BxY3k9_a.js'))).sha256);
    expect((await head(s3, 'favicon.ico')).CacheControl).toBe('public, max-age=3600');
    expect((await head(s3, 'assets/logo-a1B2c3D4.svg')).ContentType).toBe('image/svg+xml; charset=utf-8');
    expect(logger.text()).toMatch(/Phase 1\/4 content-hashed files: uploaded 4 \(/);
    expect(logger.text()).toMatch(/Phase 3\/4 HTML: uploaded 3 /);
  });

  it('no-op redeploy after a fresh checkout (every mtime new): uploads nothing and needs no HeadObject', async () => {
    const root = await v1Deployed();
    touchAll(path.join(root, 'dist'));
    const { s3, requests } = recordingClient(moto);
    const { result } = await deploy(root, s3);
    expect(result).toMatchObject({ uploaded: 0, reheadered: 0, unchanged: 9, deleted: 0, bytesUploaded: 0, changedPaths: [] });
    expect(writes(requests)).toEqual([]);
    expect(requests.filter((r) => r.op === 'HeadObject')).toEqual([]);
    // Nothing changed, so the manifest already says what the bucket holds: it is not rewritten
    // (one request less on every no-op deploy), and the next deploy still trusts it.
    expect(requests.filter((r) => r.op === 'PutObject')).toEqual([]);
    const again = recordingClient(moto);
    expect((await deploy(root, again.s3)).result).toMatchObject({ uploaded: 0, reheadered: 0, unchanged: 9 });
    expect(again.requests.filter((r) => r.op !== 'ListObjectsV2' && r.op !== 'GetObject')).toEqual([]);
  });

  it('rebuild where every mtime changed but only some contents did: uploads exactly those, lists what caches hold', async () => {
    const root = await v1Deployed();
    const v2 = rebuild(root, ['assets/index-BxY3k9_a.js'], {
      'assets/index-Qq7Rr8Ss.js': 'import "./chunk-Ab12Cd34.js"; console.log("v2");',
      'index.html': SITE_V1['index.html'].replace('BxY3k9_a', 'Qq7Rr8Ss').replace('v1', 'v2'),
      'robots.txt': SITE_V1['robots.txt'].replace('Allow', 'Allaw'), // same size, other content
    });
    touchAll(path.join(root, 'dist'));
    const { s3, requests } = recordingClient(moto);
    const { result } = await deploy(root, s3);
    expect(
      writes(requests)
        .map((r) => r.key)
        .sort(),
    ).toEqual(['assets/index-Qq7Rr8Ss.js', 'index.html', 'robots.txt']);
    expect(result).toMatchObject({ uploaded: 3, unchanged: 6, deleted: 0, kept: 1 });
    // the new hashed file is not listed; the old one stays (delete is off)
    expect(result.changedPaths).toEqual(['/', '/index.html', '/robots.txt']);
    expect(await text(s3, 'robots.txt')).toBe(v2['robots.txt']);
    expect((await listKeys(s3)).has('assets/index-BxY3k9_a.js')).toBe(true);
  });

  it('re-applies changed headers to unchanged content with a copy in place, not an upload', async () => {
    const root = await v1Deployed();
    const { s3, requests } = recordingClient(moto);
    const { result } = await deploy(root, s3, {
      cacheControl: [{ glob: 'robots.txt', value: 'public, max-age=60' }],
      contentType: [{ glob: '*.ico', value: 'image/vnd.microsoft.icon' }],
    });
    expect(result).toMatchObject({ uploaded: 0, reheadered: 2, unchanged: 7, bytesUploaded: 0 });
    expect(writes(requests).map((r) => [r.op, r.key])).toEqual(
      expect.arrayContaining([
        ['CopyObject', 'robots.txt'],
        ['CopyObject', 'favicon.ico'],
      ]),
    );
    expect(writes(requests)).toHaveLength(2);
    expect((await head(s3, 'robots.txt')).CacheControl).toBe('public, max-age=60');
    expect((await head(s3, 'favicon.ico')).ContentType).toBe('image/vnd.microsoft.icon');
    expect(result.changedPaths).toEqual(['/favicon.ico', '/robots.txt']);
    // and the next run sees them as unchanged
    const again = await deploy(root, s3, {
      cacheControl: [{ glob: 'robots.txt', value: 'public, max-age=60' }],
      contentType: [{ glob: '*.ico', value: 'image/vnd.microsoft.icon' }],
    });
    expect(again.result).toMatchObject({ uploaded: 0, reheadered: 0, unchanged: 9 });
  });

  it('adopts a bucket filled by aws s3 sync: same content gets the new headers in place, other content is uploaded', async () => {
    const seed = await createBucket(moto);
    for (const [key, body] of Object.entries(SITE_V1)) await put(seed, key, key === 'robots.txt' ? 'other content' : body);
    const root = makeSite(SITE_V1);
    const { s3, requests } = recordingClient(moto);
    const { result } = await deploy(root, s3);
    expect(result).toMatchObject({ uploaded: 1, reheadered: 8, unchanged: 0 });
    expect(writes(requests).filter((r) => r.op === 'PutObject')).toEqual([{ op: 'PutObject', key: 'robots.txt' }]);
    expect((await head(s3, 'assets/index-BxY3k9_a.js')).CacheControl).toBe('public, max-age=31536000, immutable');
  });

  it('delete: non-hashed stale objects go after the HTML; hashed ones are kept for the grace period, counted from when they went stale', async () => {
    await createBucket(moto);
    const root = makeSite(SITE_V1);
    const start = Date.now();
    await deploy(root, recordingClient(moto).s3, { delete: true }, { clock: virtualClock(start) });
    rebuild(root, ['docs/page.html', 'assets/chunk-Ab12Cd34.js']);

    const { s3, requests } = recordingClient(moto);
    const second = await deploy(root, s3, { delete: true }, { clock: virtualClock(start + DAY) });
    expect(second.result).toMatchObject({ deleted: 1, kept: 1 });
    expect(second.result.changedPaths).toEqual(['/docs/page.html']);
    const ops = requests.map((r) => r.op);
    expect(ops.lastIndexOf('DeleteObjects')).toBeGreaterThan(ops.lastIndexOf('HeadObject'));
    let keys = await listKeys(s3);
    expect(keys.has('docs/page.html')).toBe(false);
    expect(keys.has('assets/chunk-Ab12Cd34.js')).toBe(true);
    const manifest = parseManifest(await text(s3, MANIFEST_NAME));
    expect(manifest.staleSince.get('assets/chunk-Ab12Cd34.js')).toBe(start + DAY);

    // 6 days after it went stale: still kept; 7 days after: deleted
    const third = await deploy(root, s3, { delete: true }, { clock: virtualClock(start + 7 * DAY) });
    expect(third.result).toMatchObject({ deleted: 0, kept: 1 });
    const fourth = await deploy(root, s3, { delete: true }, { clock: virtualClock(start + 8 * DAY) });
    expect(fourth.result).toMatchObject({ deleted: 1, kept: 0, changedPaths: [] }); // a deleted content-hashed file is referenced by no live page
    keys = await listKeys(s3);
    expect(keys.has('assets/chunk-Ab12Cd34.js')).toBe(false);
    expect(keys.has(MANIFEST_NAME)).toBe(true);
  });

  it('delete with a grace of 0 removes stale hashed objects at once; delete off keeps everything', async () => {
    const root = await v1Deployed();
    const v2 = rebuild(root, ['docs/page.html', 'assets/chunk-Ab12Cd34.js']);
    const { s3 } = recordingClient(moto);
    const off = await deploy(root, s3, { delete: false });
    expect(off.result).toMatchObject({ deleted: 0, kept: 2 });
    const now = await deploy(root, s3, { delete: true, deleteGraceMs: 0 });
    expect(now.result).toMatchObject({ deleted: 2, kept: 0 });
    expect(now.result.changedPaths).toEqual(['/docs/page.html']);
    const keys = await listKeys(s3);
    expect([...keys.keys()].sort()).toEqual([MANIFEST_NAME, ...Object.keys(v2)].sort());
  });

  it('compares multipart objects by the stored SHA-256, and re-uploads one without it as a single PUT', async () => {
    const seed = await createBucket(moto);
    const big = 'x'.repeat(40) + 'y'.repeat(40);
    const root = makeSite({ 'index.html': '<p>hi</p>', 'data/big.bin': big, 'data/other.bin': big.toUpperCase() });
    const sha = (await hashFile(path.join(root, 'dist/data/big.bin'))).sha256;
    const multipart = async (key: string, body: string, metadata?: Record<string, string>) => {
      const { UploadId } = await seed.send(
        new CreateMultipartUploadCommand({
          Bucket: BUCKET,
          Key: key,
          Metadata: metadata,
          CacheControl: 'public, max-age=3600',
          ContentType: 'application/octet-stream',
        }),
      );
      const parts = [];
      for (const [i, chunk] of [body.slice(0, 40), body.slice(40)].entries()) {
        const part = await seed.send(new UploadPartCommand({ Bucket: BUCKET, Key: key, UploadId, PartNumber: i + 1, Body: chunk }));
        parts.push({ ETag: part.ETag, PartNumber: i + 1 });
      }
      await seed.send(new CompleteMultipartUploadCommand({ Bucket: BUCKET, Key: key, UploadId, MultipartUpload: { Parts: parts } }));
    };
    await multipart('data/big.bin', big, { [SHA256_METADATA]: sha });
    await multipart('data/other.bin', big.toUpperCase());
    expect((await listKeys(seed)).get('data/big.bin')?.etag).toMatch(/-2$/);

    const { s3, requests } = recordingClient(moto);
    const { result } = await deploy(root, s3);
    expect(requests.filter((r) => r.op === 'HeadObject').map((r) => r.key)).toEqual(
      expect.arrayContaining(['data/big.bin', 'data/other.bin']),
    );
    expect(writes(requests).map((r) => r.key)).toEqual(['data/other.bin', 'index.html']);
    expect(result).toMatchObject({ uploaded: 2, unchanged: 1 });
    expect((await listKeys(s3)).get('data/other.bin')?.etag).toMatch(/^[0-9a-f]{32}$/);
  });

  it('dry run: computes and prints the full plan and writes nothing', async () => {
    const seed = await createBucket(moto);
    await put(seed, 'stale.html', 'old');
    await put(seed, 'robots.txt', SITE_V1['robots.txt']);
    const root = makeSite(SITE_V1);
    const before = await listKeys(seed);
    const { s3, requests } = recordingClient(moto);
    const { result, logger } = await deploy(root, s3, { dryRun: true, delete: true });
    expect(writes(requests)).toEqual([]);
    expect(requests.some((r) => r.op === 'PutObject')).toBe(false);
    expect(await listKeys(seed)).toEqual(before);
    // nothing was written, so nothing is stale in any cache: a chained invalidation must get []
    expect(result).toMatchObject({
      dryRun: true,
      uploaded: 8,
      reheadered: 1,
      deleted: 1,
      changedPaths: [],
      plannedPaths: ['/robots.txt', '/stale.html'],
    });
    const log = logger.text();
    expect(log).toMatch(/Dry run: a real run would invalidate 2 path\(s\): \/robots\.txt \/stale\.html \(changed-paths is \[\]/);
    expect(log).toMatch(/upload {3}assets\/index-BxY3k9_a\.js \(new; .*Cache-Control: public, max-age=31536000, immutable/);
    expect(log).toMatch(/re-header robots.txt \(headers changed/);
    expect(log).toMatch(/delete {4}stale.html \(no longer in the source\)/);
    expect(log).toMatch(/Dry run, nothing changed/);
  });

  it('a failed upload in phase 1 stops the deploy: the old index.html stays live and nothing is deleted', async () => {
    const root = await v1Deployed();
    rebuild(root, ['docs/page.html'], {
      'assets/index-Qq7Rr8Ss.js': 'console.log("v2")',
      'assets/other-Zz9Yy8Xx.js': 'console.log("other")',
      'index.html': '<p>v2</p>',
      'robots.txt': 'changed',
    });
    // the other phase-1 file is uploaded (through a plain client) before the failing one fails, so
    // the re-run below has something of this attempt to skip
    const plain = new S3Client(moto.clientConfig);
    let otherUploaded!: () => void;
    const other = new Promise<void>((resolve) => (otherUploaded = resolve));
    const failing = recordingClient(moto, (op, input) => {
      if (op !== 'PutObject') return undefined;
      if (input.Key === 'assets/other-Zz9Yy8Xx.js') {
        return plain.send(new PutObjectCommand(input as unknown as PutObjectCommandInput)).finally(otherUploaded);
      }
      if (input.Key !== 'assets/index-Qq7Rr8Ss.js') return undefined;
      return other.then(() =>
        Promise.reject(
          Object.assign(new Error('We encountered an internal error.'), { name: 'InternalError', $metadata: { httpStatusCode: 500 } }),
        ),
      );
    });
    const error = await deploy(root, failing.s3, { delete: true, deleteGraceMs: 0 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ActionError);
    expect((error as Error).message).toMatch(/Phase 1\/4 \(content-hashed files\) failed: 1 write\(s\) failed/);
    expect((error as Error).message).toMatch(/s3:\/\/site\/assets\/index-Qq7Rr8Ss\.js failed: InternalError \(HTTP 500\)/);
    expect((error as Error).message).toMatch(/old HTML is still live and nothing was deleted/);
    expect(writes(failing.requests).map((r) => r.key)).not.toContain('robots.txt');
    expect(failing.requests.some((r) => r.op === 'DeleteObjects')).toBe(false);
    expect(await text(failing.s3, 'index.html')).toBe(SITE_V1['index.html']);
    expect((await listKeys(failing.s3)).has('docs/page.html')).toBe(true);

    // a re-run completes the deploy, skipping what was already uploaded
    const { s3, requests } = recordingClient(moto);
    const rerun = await deploy(root, s3, { delete: true, deleteGraceMs: 0 });
    expect(rerun.result.deleted).toBe(1);
    expect(
      writes(requests)
        .filter((r) => r.op === 'PutObject')
        .map((r) => r.key),
    ).not.toContain('assets/other-Zz9Yy8Xx.js');
    expect(await text(s3, 'index.html')).toBe('<p>v2</p>');
  });

  it('cancellation during uploads stops promptly and says what state is left', async () => {
    await createBucket(moto);
    const files: Record<string, string> = { 'index.html': '<p>x</p>' };
    for (let i = 0; i < 40; i++) files[`assets/f${i}-Ab12Cd3${i % 10}.js`] = `console.log(${i})`;
    const root = makeSite(files);
    const controller = new AbortController();
    let puts = 0;
    const { s3, requests } = recordingClient(moto, (op) => {
      if (op === 'PutObject' && ++puts === 3) controller.abort(new CancelledError('the run was cancelled (SIGINT)'));
      return undefined;
    });
    // 16 at once, so that writes are still queued when the run is cancelled
    const error = await deploy(root, s3, { concurrency: 16 }, { signal: controller.signal }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CancelledError);
    expect((error as Error).message).toMatch(/cancelled during phase 1\/4 \(content-hashed files\) after \d+ of 40 writes/);
    expect((error as Error).message).toMatch(/old HTML is still live and nothing was deleted.*Re-running the step completes the deploy/);
    expect(requests.filter((r) => r.op === 'PutObject').length).toBeLessThan(40);
    expect((await listKeys(s3)).has('index.html')).toBe(false);
  });

  it('bad input touches nothing: missing source, empty source, missing bucket, a symlink out of the source', async () => {
    await createBucket(moto);
    const { s3, requests } = recordingClient(moto);
    const empty = mkdtempSync(path.join(tmpdir(), 's3sync-'));
    mkdirSync(path.join(empty, 'dist'));

    const missing = await deploy(empty, s3, { source: 'build' }).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(InputError);
    expect((missing as InputError).input).toBe('source');
    expect((missing as Error).message).toMatch(/Input 'source' points to .*\/build, which does not exist/);

    const none = await deploy(empty, s3).catch((e: unknown) => e);
    expect((none as Error).message).toMatch(/which is empty: nothing to deploy/);

    const root = makeSite(SITE_V1);
    const noBucket = await deploy(root, s3, { bucket: 'no-such-bucket' }).catch((e: unknown) => e);
    expect(noBucket).toBeInstanceOf(InputError);
    expect((noBucket as InputError).input).toBe('bucket');
    expect((noBucket as Error).message).toMatch(/'no-such-bucket', but that bucket does not exist/);

    const secret = path.join(mkdtempSync(path.join(tmpdir(), 's3sync-secret-')), 'id_rsa');
    writeFileSync(secret, 'PRIVATE');
    symlinkSync(secret, path.join(root, 'dist', 'key.txt'));
    const link = await deploy(root, s3).catch((e: unknown) => e);
    expect((link as Error).message).toMatch(
      /Refusing to deploy 'key.txt': it is a symbolic link to .*id_rsa, outside the source directory/,
    );

    expect(writes(requests)).toEqual([]);
    expect((await listKeys(s3)).size).toBe(0);
  });

  it('follows symlinks inside the source, deploys under a prefix, and neither uploads nor deletes excluded paths', async () => {
    const seed = await createBucket(moto);
    await put(seed, 'app/keep/uploaded-by-cms.json', '{}');
    await put(seed, 'app/old.txt', 'old');
    await put(seed, 'other/index.html', 'another site');
    const root = makeSite({ ...SITE_V1, 'assets/index-BxY3k9_a.js.map': '{}', 'keep/local.json': '{}' });
    symlinkSync(path.join(root, 'dist', 'robots.txt'), path.join(root, 'dist', 'robots-copy.txt'));
    const { s3 } = recordingClient(moto);
    const { result } = await deploy(root, s3, { prefix: 'app/', delete: true, exclude: ['*.map', 'keep/'] });
    expect(result).toMatchObject({ uploaded: 10, deleted: 1, excluded: 3 });
    expect(result.changedPaths).toEqual(['/app/old.txt']);
    const keys = await listKeys(s3);
    expect(keys.has('app/assets/index-BxY3k9_a.js.map')).toBe(false);
    expect(keys.has('app/keep/uploaded-by-cms.json')).toBe(true);
    expect(keys.has('app/keep/local.json')).toBe(false);
    expect(keys.has('app/robots-copy.txt')).toBe(true);
    expect(keys.has('other/index.html')).toBe(true);
    expect(keys.has(`app/${MANIFEST_NAME}`)).toBe(true);
  });

  it('a symlinked sibling directory (latest -> v1) does not hide v1: both are uploaded and nothing under v1 is deleted', async () => {
    const seed = await createBucket(moto);
    await put(seed, 'v1/data.json', '{"v":1}');
    await put(seed, 'v1/index.html', '<p>v1</p>');
    const root = makeSite({ 'index.html': '<p>home</p>', 'v1/data.json': '{"v":1}', 'v1/index.html': '<p>v1</p>' });
    // 'latest' sorts before 'v1', so a walk with one global set of visited directories meets v1 first through the link
    symlinkSync('v1', path.join(root, 'dist', 'latest'));
    // a real cycle is still cut: v1/loop -> .. would otherwise recurse forever
    symlinkSync('..', path.join(root, 'dist', 'v1', 'loop'));
    const { s3 } = recordingClient(moto);
    const { result } = await deploy(root, s3, { delete: true });
    const keys = await listKeys(s3);
    expect([...keys.keys()].filter((k) => k !== MANIFEST_NAME).sort()).toEqual([
      'index.html',
      'latest/data.json',
      'latest/index.html',
      'v1/data.json',
      'v1/index.html',
    ]);
    expect(result.deleted).toBe(0);
  });

  it('never deletes a key whose file exists in the source, even when the walk did not list it', async () => {
    const seed = await createBucket(moto);
    await put(seed, 'hidden/page.html', '<p>kept</p>');
    const root = makeSite({ 'index.html': '<p>home</p>', 'hidden/page.html': '<p>kept</p>' });
    const { s3 } = recordingClient(moto);
    const logger = memoryLogger();
    // a scan that misses a directory (as the old walk did for a link's target) must not turn into a delete
    const plan = await planSync(options({ delete: true }), {
      s3,
      logger,
      root,
      scan: async (dir, o) => {
        const scan = await scanSource(dir, o);
        return { ...scan, files: scan.files.filter((f) => !f.path.startsWith('hidden/')) };
      },
    });
    expect(plan.stale.find((s) => s.key === 'hidden/page.html')?.action).toBe('keep');
    expect(logger.text()).toMatch(/Not deleting hidden\/page\.html: the file exists in the source/);
  });

  it("with Vite's manifest in the build, exactly the files it lists are immutable; public files named like hashes are not", async () => {
    await createBucket(moto);
    const root = makeSite({
      'index.html': '<script type="module" src="/assets/index-BxY3k9_a.js"></script>',
      'assets/index-BxY3k9_a.js': 'console.log(1)',
      'assets/icon-Zz.svg': '<svg/>',
      'img/banner-a1B2c3D4.png': 'PNG', // from public/: replaced under the same name next quarter
      '.vite/manifest.json': JSON.stringify({
        'index.html': { file: 'assets/index-BxY3k9_a.js', isEntry: true, assets: ['assets/icon-Zz.svg'] },
      }),
    });
    const { s3 } = recordingClient(moto);
    const { logger } = await deploy(root, s3);
    expect((await head(s3, 'assets/index-BxY3k9_a.js')).CacheControl).toBe('public, max-age=31536000, immutable');
    expect((await head(s3, 'assets/icon-Zz.svg')).CacheControl).toBe('public, max-age=31536000, immutable');
    expect((await head(s3, 'img/banner-a1B2c3D4.png')).CacheControl).toBe('public, max-age=3600');
    expect(logger.text()).toContain("Content-hashed files: the 2 listed in Vite's manifest .vite/manifest.json");
  });

  it('without a manifest, the file-name rule does not take img/banner-Q3Promo24.png for a hashed file', async () => {
    await createBucket(moto);
    const root = makeSite({ 'index.html': '<p>x</p>', 'img/banner-Q3Promo24.png': 'PNG', 'assets/index-BxY3k9_a.js': '1' });
    const { s3 } = recordingClient(moto);
    const { logger } = await deploy(root, s3);
    expect((await head(s3, 'img/banner-Q3Promo24.png')).CacheControl).toBe('public, max-age=3600');
    expect((await head(s3, 'assets/index-BxY3k9_a.js')).CacheControl).toBe('public, max-age=31536000, immutable');
    expect(logger.text()).toContain('Content-hashed files: by file name (no .vite/manifest.json in the build;');
  });

  it('deletes in batches of at most 1000 and fails the step on per-key errors', async () => {
    const seed = await createBucket(moto);
    const keys = Array.from({ length: 1003 }, (_, i) => `old/page-${i}.txt`);
    for (let i = 0; i < keys.length; i += 50) await Promise.all(keys.slice(i, i + 50).map((key) => put(seed, key, 'x')));
    const root = makeSite({ 'index.html': '<p>new</p>' });
    const batches: number[] = [];
    const { s3 } = recordingClient(moto, (op, input) => {
      if (op !== 'DeleteObjects') return undefined;
      const objects = (input.Delete as { Objects: { Key: string }[] }).Objects;
      batches.push(objects.length);
      // S3 answers per-key errors inside a 200 response; moto never does, so the answer is scripted here
      if (batches.length === 2)
        return Promise.resolve({ Errors: [{ Key: objects[0].Key, Code: 'AccessDenied', Message: 'Access Denied' }], $metadata: {} });
      return undefined;
    });
    const error = await deploy(root, s3, { delete: true }).catch((e: unknown) => e);
    expect(batches).toEqual([1000, 3]);
    expect(error).toBeInstanceOf(ActionError);
    expect((error as Error).message).toMatch(
      /1 of 1003 object\(s\) could not be deleted: old\/page-\d+\.txt \(AccessDenied: Access Denied\)/,
    );
    expect((error as Error).message).toMatch(/new site is fully live/);
    expect(await text(s3, 'index.html')).toBe('<p>new</p>');
    const manifest = parseManifest(await text(s3, MANIFEST_NAME));
    expect(manifest.staleSince.size).toBe(1);
  }, 60_000);

  it('uploads a file with exotic characters under a key with / separators and lists its encoded URL when overwritten', async () => {
    const seed = await createBucket(moto);
    await seed.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'docs/über uns.html', Body: 'old' }));
    const root = makeSite({ 'index.html': '<p>x</p>', 'docs/über uns.html': '<p>neu</p>' });
    const { result } = await deploy(root, recordingClient(moto).s3 as S3Client);
    expect(result.changedPaths).toEqual(['/docs/%C3%BCber%20uns.html']);
    expect(await text(seed, 'docs/über uns.html')).toBe('<p>neu</p>');
  });

  it('runs as separate phases for the root action: only new content-hashed files before the backend, the rest with the HTML', async () => {
    const seed = await createBucket(moto);
    await put(seed, 'gone.txt', 'old');
    await put(seed, 'robots.txt', 'User-agent: *\nDisallow: /\n');
    await put(seed, 'sw.js', 'self.precache(["/index.html"]) // old');
    const root = makeSite({ ...SITE_V1, 'sw.js': 'self.precache(["/index.html"]) // new' });
    const { s3 } = recordingClient(moto);
    const deps = { s3, logger: memoryLogger(), root };
    const plan = await planSync(options({ delete: true }), deps);
    expect((await listKeys(seed)).size).toBe(3); // planning writes nothing
    await expect(publishHtml(plan, deps)).rejects.toThrow(/before uploadAssets finished/);
    await uploadUnreferenced(plan, deps);
    const before = await listKeys(seed);
    expect(before.has('assets/index-BxY3k9_a.js')).toBe(true);
    // no public, non-hashed file is live before the backend: a new service worker, robots.txt and favicon wait
    expect(await text(seed, 'sw.js')).toBe('self.precache(["/index.html"]) // old');
    expect(await text(seed, 'robots.txt')).toBe('User-agent: *\nDisallow: /\n');
    expect(before.has('favicon.ico')).toBe(false);
    await uploadAssets(plan, deps); // phase 2 goes with the HTML
    const between = await listKeys(seed);
    expect(await text(seed, 'sw.js')).toBe('self.precache(["/index.html"]) // new');
    expect(between.has('index.html')).toBe(false);
    await expect(deleteStale(plan, deps)).rejects.toThrow(/before publishHtml finished/);
    await publishHtml(plan, deps);
    await deleteStale(plan, deps);
    expect(syncResult(plan)).toMatchObject({ uploaded: 10, deleted: 1, changedPaths: ['/gone.txt', '/robots.txt', '/sw.js'] });
    expect((await listKeys(seed)).has('gone.txt')).toBe(false);
  });

  describe('re-runs: changed-paths is the union of what every attempt of the run changed (per GITHUB_RUN_ID)', () => {
    const v2 = () => ({ ...SITE_V1, 'index.html': '<p>v2</p>', 'docs/page.html': '<p>page v2</p>', 'robots.txt': 'Disallow: /x\n' });
    const EXPECTED = ['/', '/docs/page.html', '/index.html', '/robots.txt'];

    it('the invalidation failed after a successful sync: attempt 2 finds nothing to upload and still emits what attempt 1 changed', async () => {
      const root = await v1Deployed();
      makeSite(v2(), root);
      const first = await deploy(root, recordingClient(moto).s3, {}, { run: { id: '4242', attempt: '1' } });
      expect(first.result.changedPaths).toEqual(EXPECTED);
      // the chained invalidation failed; the job is re-run: same run id, next attempt
      const second = await deploy(root, recordingClient(moto).s3, {}, { run: { id: '4242', attempt: '2' } });
      expect(second.result).toMatchObject({ uploaded: 0, changedPaths: EXPECTED });
      expect(second.logger.text()).toMatch(/4 path\(s\) changed by earlier attempts of run 4242 are included in changed-paths/);
      // another run (a new push) starts from what is in the bucket
      const other = await deploy(root, recordingClient(moto).s3, {}, { run: { id: '4243', attempt: '1' } });
      expect(other.result.changedPaths).toEqual([]);
      // outside Actions (no run id) nothing is recorded or added
      const local = await deploy(root, recordingClient(moto).s3);
      expect(local.result.changedPaths).toEqual([]);
    });

    it('when the run cannot be recorded, the deploy stops before anything a viewer sees is written', async () => {
      const root = await v1Deployed();
      makeSite(v2(), root);
      const failing = recordingClient(moto, (op, input) =>
        op === 'PutObject' && input.Key === MANIFEST_NAME
          ? Promise.reject(Object.assign(new Error('Access Denied'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } }))
          : undefined,
      );
      const error = await deploy(root, failing.s3, {}, { run: { id: '88', attempt: '1' } }).catch((e: unknown) => e);
      expect((error as Error).message).toMatch(/The deploy stopped before its first visible write/);
      expect(writes(failing.requests)).toEqual([]); // neither robots.txt nor any page was written
      expect(await text(failing.s3, 'robots.txt')).toBe(SITE_V1['robots.txt']);
    });

    it('the sync failed in its HTML phase: attempt 2 emits the pages attempt 1 published too', async () => {
      const root = await v1Deployed();
      makeSite(v2(), root);
      const failing = recordingClient(moto, (op, input) =>
        op === 'PutObject' && input.Key === 'index.html'
          ? Promise.reject(Object.assign(new Error('Access Denied'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } }))
          : undefined,
      );
      const error = await deploy(root, failing.s3, {}, { run: { id: '77', attempt: '1' } }).catch((e: unknown) => e);
      expect((error as Error).message).toMatch(/Phase 3\/4 \(HTML\) failed/);
      expect(await text(failing.s3, 'docs/page.html')).toBe('<p>page v2</p>'); // live, but never invalidated
      const second = await deploy(root, recordingClient(moto).s3, {}, { run: { id: '77', attempt: '2' } });
      expect(second.result.uploaded).toBe(1); // only index.html was left
      expect(second.result.changedPaths).toEqual(EXPECTED);
    });
  });

  it('uploads a file above the multipart threshold in parts streamed from disk, verified by SHA-256; a redeploy finds it unchanged', async () => {
    await createBucket(moto);
    const big = Buffer.alloc(MULTIPART_THRESHOLD + 3 * 1024 * 1024 + 17);
    for (let i = 0; i < big.length; i += 4096) big.writeUInt32LE(i, i);
    const root = makeSite({ 'index.html': '<p>x</p>', 'media/video.mp4': big });
    const { s3, requests } = recordingClient(moto);
    const { result } = await deploy(root, s3);
    expect(result.uploaded).toBe(2);
    expect(result.bytesUploaded).toBe(big.length + 8);
    const ops = requests.filter((r) => r.key === 'media/video.mp4').map((r) => r.op);
    expect(ops).toContain('CreateMultipartUpload');
    expect(ops.filter((op) => op === 'UploadPart').length).toBeGreaterThanOrEqual(3);
    expect(ops).toContain('CompleteMultipartUpload');
    expect(ops).not.toContain('PutObject');
    const stored = await head(s3, 'media/video.mp4');
    expect(stored.ContentLength).toBe(big.length);
    expect(stored.ETag).toMatch(/-\d+"$/);
    expect(stored.Metadata?.[SHA256_METADATA]).toBe(createHash('sha256').update(big).digest('hex'));
    expect(stored.ContentType).toBe('video/mp4');
    const again = await deploy(root, recordingClient(moto).s3);
    expect(again.result).toMatchObject({ uploaded: 0, unchanged: 2 });
  }, 60_000);

  it('a large file that changes while it is uploaded is refused: the multipart upload is aborted and nothing is published', async () => {
    await createBucket(moto);
    const root = makeSite({ 'index.html': '<p>x</p>', 'media/video.mp4': Buffer.alloc(MULTIPART_THRESHOLD + 1024, 7) });
    const { s3, requests } = recordingClient(moto, (op, input) => {
      // the build overwrites the file once its upload has started
      if (op === 'CreateMultipartUpload' && input.Key === 'media/video.mp4')
        writeFileSync(path.join(root, 'dist', 'media/video.mp4'), Buffer.alloc(MULTIPART_THRESHOLD + 1024, 9));
      return undefined;
    });
    const error = await deploy(root, s3).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/media\/video\.mp4 changed after it was hashed/);
    expect(requests.map((r) => r.op)).toContain('AbortMultipartUpload');
    expect(requests.map((r) => r.op)).not.toContain('CompleteMultipartUpload');
    const keys = await listKeys(s3);
    expect(keys.has('media/video.mp4')).toBe(false);
    expect(keys.has('index.html')).toBe(false);
  }, 60_000);

  it('a part that fails for good stops its file: no later part is sent, the upload is aborted and the failure names the file', async () => {
    await createBucket(moto);
    // 10 parts of PART_SIZE; part 2 is refused for good (injected before the SDK's retries)
    const big = Buffer.alloc(10 * PART_SIZE, 5);
    const root = makeSite({ 'index.html': '<p>x</p>', 'media/video.mp4': big });
    const { s3, requests } = recordingClient(moto, (op, input) =>
      op === 'UploadPart' && input.PartNumber === 2
        ? Promise.reject(Object.assign(new Error('We encountered an internal error. Please try again.'), { name: 'InternalError' }))
        : undefined,
    );
    const error = await deploy(root, s3).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/multipart upload on s3:\/\/site\/media\/video\.mp4 failed: We encountered an internal error/);
    const ops = requests.filter((r) => r.key === 'media/video.mp4').map((r) => r.op);
    expect(ops.filter((op) => op === 'UploadPart').length).toBeLessThanOrEqual(PART_QUEUE + 1);
    expect(ops).toContain('AbortMultipartUpload');
    expect(ops).not.toContain('CompleteMultipartUpload');
    const keys = await listKeys(s3);
    expect(keys.has('media/video.mp4')).toBe(false);
    expect(keys.has('index.html')).toBe(false);
  }, 60_000);

  it('a file that changes between planning and upload is refused, and nothing is published', async () => {
    await createBucket(moto);
    const root = makeSite(SITE_V1);
    const { s3 } = recordingClient(moto);
    const deps = { s3, logger: memoryLogger(), root };
    const plan = await planSync(options(), deps);
    writeFileSync(path.join(root, 'dist', 'assets', 'index-Dk3j2ab1.css'), 'body { color: blue }');
    const error = await uploadAssets(plan, deps).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ActionError);
    expect((error as Error).message).toMatch(/assets\/index-Dk3j2ab1\.css changed after it was hashed/);
    expect((await listKeys(s3)).has('index.html')).toBe(false);
  });

  it.each([
    ['a small file', 'assets/index-Dk3j2ab1.css', 'body { color: red }'],
    ['a file above the multipart threshold', 'media/video.mp4', Buffer.alloc(MULTIPART_THRESHOLD + 1024, 3)],
  ])(
    '%s deleted between planning and upload is refused as changed, not blamed on S3, and nothing is published',
    async (_, file, content) => {
      await createBucket(moto);
      const root = makeSite({ ...SITE_V1, [file]: content });
      const { s3, requests } = recordingClient(moto);
      const deps = { s3, logger: memoryLogger(), root };
      const plan = await planSync(options(), deps);
      rmSync(path.join(root, 'dist', file));
      const error = await uploadAssets(plan, deps).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ActionError);
      // before: "S3 PutObject on s3://site/... failed: ENOENT ... Check the endpoint, the network and the AWS region"
      expect((error as Error).message).toContain(`${file} changed after it was hashed (it no longer exists)`);
      expect((error as Error).message).not.toMatch(/Check the endpoint/);
      expect(requests.filter((r) => r.key === file).map((r) => r.op)).toEqual([]);
      expect((await listKeys(s3)).has('index.html')).toBe(false);
    },
  );

  it("every PutObject carries the body's SHA-256 for S3 to verify, as x-amz-checksum-sha256 and as the signed x-amz-content-sha256", async () => {
    await createBucket(moto);
    const root = makeSite(SITE_V1);
    const { s3 } = recordingClient(moto);
    const sent: Record<string, string>[] = [];
    s3.middlewareStack.add(
      (next) => async (args) => {
        const request = args.request as { headers: Record<string, string>; body?: unknown };
        if (Buffer.isBuffer(request.body)) sent.push({ ...request.headers, body: createHash('sha256').update(request.body).digest('hex') });
        return next(args);
      },
      { step: 'finalizeRequest', name: 'captureSigned', priority: 'low' },
    );
    await deploy(root, s3);
    const uploads = sent.filter((h) => h['x-amz-checksum-sha256']);
    expect(uploads).toHaveLength(Object.keys(SITE_V1).length);
    for (const headers of uploads) {
      expect(headers['x-amz-content-sha256']).toBe(headers.body);
      expect(Buffer.from(headers['x-amz-checksum-sha256'], 'base64').toString('hex')).toBe(headers.body);
      expect(headers.authorization).toMatch(/x-amz-content-sha256/); // a signed header
    }
  });
});

describe('uploads in flight: concurrency wide for small files, within a memory budget for large ones', () => {
  /** A client that records the most PutObjects in flight at once (each held 30 ms, so they overlap). */
  function peakClient() {
    const { s3 } = recordingClient(moto);
    const seen = { now: 0, peak: 0, started: 0 };
    s3.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName !== 'PutObjectCommand') return next(args);
        seen.started++;
        seen.peak = Math.max(seen.peak, ++seen.now);
        try {
          await new Promise((resolve) => setTimeout(resolve, 30));
          return await next(args);
        } finally {
          seen.now--;
        }
      },
      { step: 'initialize', name: 'peakInFlight' },
    );
    return { s3, seen };
  }
  // 24 files of `mib` MiB each (below the multipart threshold: each PutObject holds its whole file)
  const site = (mib = 1) =>
    Object.fromEntries(Array.from({ length: 24 }, (_, i) => [`files/f${i}.bin`, Buffer.alloc(mib * 1024 * 1024, i)] as const));

  it('sends as many uploads at once as concurrency allows while their content fits the budget', async () => {
    await createBucket(moto);
    const { s3, seen } = peakClient();
    const { result } = await deploy(makeSite(site()), s3, { concurrency: 50 });
    expect(result.uploaded).toBe(24);
    expect(seen.peak).toBeGreaterThan(16); // the old default's ceiling
  });

  it('holds back uploads whose content would exceed the budget, and still uploads every file', async () => {
    const s3 = await createBucket(moto);
    const { s3: counted, seen } = peakClient();
    const { result } = await deploy(makeSite(site()), counted, { concurrency: 50, uploadMemoryBytes: 4 * 1024 * 1024 });
    expect(result.uploaded).toBe(24);
    expect(seen.peak).toBe(4); // 4 MiB of 1 MiB files
    expect((await listKeys(s3)).size).toBe(24 + 1); // and the manifest
  });

  it('an upload that waited for memory does not start once the run is cancelled', async () => {
    await createBucket(moto);
    const controller = new AbortController();
    const { s3, seen } = peakClient();
    s3.middlewareStack.add(
      (next, context) => async (args) => {
        // the first upload cancels the run while it is in flight; the 23 others wait for its memory
        if (context.commandName === 'PutObjectCommand') controller.abort(new CancelledError('the run was cancelled (SIGINT)'));
        return next(args);
      },
      { step: 'initialize', name: 'cancelOnFirstPut', priority: 'low' },
    );
    const error = await deploy(
      makeSite(site()),
      s3,
      { concurrency: 50, uploadMemoryBytes: 1024 * 1024 },
      { signal: controller.signal },
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CancelledError);
    expect(seen.peak).toBe(1);
    expect(seen.started).toBe(1);
  });

  it('a file larger than the budget is uploaded alone rather than never', async () => {
    await createBucket(moto);
    const { s3, seen } = peakClient();
    const { result } = await deploy(makeSite(site(1.5)), s3, { concurrency: 50, uploadMemoryBytes: 1024 * 1024 });
    expect(result.uploaded).toBe(24);
    expect(seen.peak).toBe(1);
  });
});

describe('prestartScan (the action starts reading the build before it loads the AWS SDK)', () => {
  it('hands the scan it started to the plan: the build is read once', async () => {
    await createBucket(moto);
    const root = makeSite(SITE_V1);
    const source = path.join(root, 'dist');
    const started = prestartScan(source, { exclude: anyMatcher([]) });
    let asked = 0;
    let scannedAgain = 0;
    const scan: typeof scanSource = (dir, scanOptions) => {
      asked++;
      const handed = started(dir, scanOptions);
      return dir === source ? handed : (scannedAgain++, handed);
    };
    const { result } = await deploy(root, recordingClient(moto).s3, {}, { scan });
    expect(result).toMatchObject({ files: 9, uploaded: 9 });
    expect([asked, scannedAgain]).toEqual([1, 0]);
    // the same promise, not a second scan
    expect(started(source, { exclude: anyMatcher([]) })).toBe(started(path.join(root, 'dist', '.'), { exclude: anyMatcher([]) }));
  });

  it('a scan started on a missing source fails as the plan reports it: an input error, nothing written', async () => {
    await createBucket(moto);
    const root = makeSite(SITE_V1);
    const scan = prestartScan(path.join(root, 'build'), { exclude: anyMatcher([]) });
    await new Promise((resolve) => setTimeout(resolve, 20)); // the early scan has failed by now, unobserved
    const { s3, requests } = recordingClient(moto);
    await expect(deploy(root, s3, { source: 'build' }, { scan })).rejects.toThrow(
      /Input 'source' points to .*\/build, which does not exist/,
    );
    expect(requests.filter((r) => r.op !== 'GetObject')).toEqual([]);
  });
});
