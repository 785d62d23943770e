import { createHash } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { MANIFEST_NAME, MULTIPART_THRESHOLD, SHA256_METADATA } from '@allthrive/s3-sync-frontend';
import { runBundle } from '../harness/bundle.js';
import { useMoto } from '../harness/moto.js';
import { BUCKET, SITE_V1, createBucket, head, listKeys, makeSite, text, touchAll } from './helpers.js';

const moto = useMoto();

describe('dist/s3-sync-frontend/index.js (as the runner runs it)', () => {
  it('deploys, then redeploys only what changed, with outputs for cloudfront-invalidate and a job summary', async () => {
    const s3 = await createBucket(moto);
    const workspace = makeSite({ ...SITE_V1, 'old.html': '<p>old</p>' });
    const inputs = { bucket: BUCKET, prefix: 'app', delete: 'true', 'cache-control': 'robots.txt: public, max-age=60' };
    const first = await runBundle('s3-sync-frontend', { inputs, env: moto.env, workspace });
    expect(first.errors).toEqual([]);
    expect(first.exitCode).toBe(0);
    expect(first.outputs).toMatchObject({
      uploaded: '10',
      're-headered': '0',
      unchanged: '0',
      deleted: '0',
      kept: '0',
      'changed-paths': '[]',
    });
    expect(Number(first.outputs['bytes-uploaded'])).toBeGreaterThan(0);
    expect(first.log).toMatch(/Phase 1\/4 content-hashed files: uploaded 4/);
    expect(first.summary).toContain('deployed to s3://site/app/');
    expect(first.summary).toMatch(/<th>Uploaded<\/th>/);
    expect((await head(s3, 'app/robots.txt')).CacheControl).toBe('public, max-age=60');
    first.cleanup();

    // a rebuild: every mtime new, index.html changed, old.html gone
    writeFileSync(path.join(workspace, 'dist', 'index.html'), '<p>v2</p>');
    rmSync(path.join(workspace, 'dist', 'old.html'));
    touchAll(path.join(workspace, 'dist'));
    const second = await runBundle('s3-sync-frontend', { inputs, env: moto.env, workspace });
    expect(second.exitCode).toBe(0);
    expect(second.outputs).toMatchObject({ uploaded: '1', unchanged: '8', deleted: '1', kept: '0' });
    expect(JSON.parse(second.outputs['changed-paths'])).toEqual(['/app', '/app/', '/app/index.html', '/app/old.html']);
    expect(second.outputs['changed-paths']).not.toContain(' ');
    expect(await text(s3, 'app/index.html')).toBe('<p>v2</p>');
    expect((await listKeys(s3)).has(`app/${MANIFEST_NAME}`)).toBe(true);
    second.cleanup();
  });

  it('a re-run attempt of the same run (GITHUB_RUN_ID) emits what the first attempt changed, though nothing is left to upload', async () => {
    await createBucket(moto);
    const workspace = makeSite(SITE_V1);
    const deployed = await runBundle('s3-sync-frontend', {
      inputs: { bucket: BUCKET },
      env: { ...moto.env, GITHUB_RUN_ID: '900' },
      workspace,
    });
    expect(deployed.exitCode).toBe(0);
    deployed.cleanup();
    writeFileSync(path.join(workspace, 'dist', 'robots.txt'), 'User-agent: *\nDisallow: /admin\n');
    const attempt = (runId: string, runAttempt: string) =>
      runBundle('s3-sync-frontend', {
        inputs: { bucket: BUCKET },
        env: { ...moto.env, GITHUB_RUN_ID: runId, GITHUB_RUN_ATTEMPT: runAttempt },
        workspace,
      });
    const first = await attempt('901', '1');
    expect(first.outputs).toMatchObject({ uploaded: '1', 'changed-paths': '["/robots.txt"]' });
    first.cleanup();
    // the chained invalidation failed and the job is re-run: attempt 2 of run 901
    const second = await attempt('901', '2');
    expect(second.exitCode).toBe(0);
    expect(second.outputs).toMatchObject({ uploaded: '0', unchanged: '9', 'changed-paths': '["/robots.txt"]' });
    expect(second.log).toContain('1 path(s) changed by earlier attempts of run 901 are included in changed-paths');
    second.cleanup();
    // a new run has nothing to invalidate
    const next = await attempt('902', '1');
    expect(next.outputs['changed-paths']).toBe('[]');
    next.cleanup();
  });

  it('uploads a file larger than the multipart threshold in parts, with its SHA-256, under Node 24', async () => {
    const s3 = await createBucket(moto);
    const big = Buffer.alloc(MULTIPART_THRESHOLD + 5 * 1024 * 1024);
    for (let i = 0; i < big.length; i += 4096) big.writeUInt32LE(i, i);
    const workspace = makeSite({ 'index.html': '<p>x</p>', 'media/intro.mp4': big });
    const result = await runBundle('s3-sync-frontend', { inputs: { bucket: BUCKET }, env: moto.env, workspace });
    expect(result.errors).toEqual([]);
    expect(result.outputs).toMatchObject({ uploaded: '2', 'bytes-uploaded': String(big.length + 8) });
    const stored = await head(s3, 'media/intro.mp4');
    expect(stored.ContentLength).toBe(big.length);
    expect(stored.ETag).toMatch(/-\d+"$/); // a multipart upload
    expect(stored.Metadata?.[SHA256_METADATA]).toBe(createHash('sha256').update(big).digest('hex'));
    result.cleanup();
  }, 60_000);

  it('a no-op redeploy reads only the manifest and says so; verify-bucket: always lists the bucket', async () => {
    await createBucket(moto);
    const workspace = makeSite(SITE_V1);
    const first = await runBundle('s3-sync-frontend', { inputs: { bucket: BUCKET }, env: moto.env, workspace });
    expect(first.exitCode).toBe(0);
    first.cleanup();
    touchAll(path.join(workspace, 'dist'));
    const noop = await runBundle('s3-sync-frontend', { inputs: { bucket: BUCKET }, env: moto.env, workspace });
    expect(noop.exitCode).toBe(0);
    expect(noop.outputs).toMatchObject({ uploaded: '0', unchanged: '9', deleted: '0', 'changed-paths': '[]' });
    expect(noop.log).toContain(
      'Bucket matches the manifest of the last deploy: nothing to do (1 request; verify-bucket: always lists the bucket)',
    );
    expect(noop.log).not.toContain('Listed s3://');
    noop.cleanup();
    const always = await runBundle('s3-sync-frontend', { inputs: { bucket: BUCKET, 'verify-bucket': 'always' }, env: moto.env, workspace });
    expect(always.exitCode).toBe(0);
    expect(always.outputs).toMatchObject({ uploaded: '0', unchanged: '9', 'changed-paths': '[]' });
    expect(always.log).toContain('Listed s3://site/: 9 objects.');
    always.cleanup();
  });

  it('dry run: prints the plan, sets the outputs of the plan, writes nothing', async () => {
    const s3 = await createBucket(moto);
    const workspace = makeSite(SITE_V1);
    const result = await runBundle('s3-sync-frontend', { inputs: { bucket: BUCKET, 'dry-run': 'true' }, env: moto.env, workspace });
    expect(result.exitCode).toBe(0);
    expect(result.outputs).toMatchObject({ uploaded: '9', deleted: '0', 'dry-run': 'true', 'changed-paths': '[]', 'planned-paths': '[]' });
    expect(result.log).toMatch(/upload {3}index\.html \(new;/);
    expect(result.summary).toContain('dry run');
    expect((await listKeys(s3)).size).toBe(0);
    result.cleanup();
  });

  it('dry run over a deployed site: changed-paths is [] (a chained invalidation sends nothing), planned-paths has the plan', async () => {
    const s3 = await createBucket(moto);
    const workspace = makeSite(SITE_V1);
    const first = await runBundle('s3-sync-frontend', { inputs: { bucket: BUCKET }, env: moto.env, workspace });
    expect(first.outputs['dry-run']).toBe('false');
    first.cleanup();
    writeFileSync(path.join(workspace, 'dist', 'robots.txt'), 'User-agent: *\nDisallow: /private\n');
    const before = await listKeys(s3);
    const dry = await runBundle('s3-sync-frontend', { inputs: { bucket: BUCKET, 'dry-run': 'true' }, env: moto.env, workspace });
    expect(dry.exitCode).toBe(0);
    expect(dry.outputs).toMatchObject({ 'dry-run': 'true', 'changed-paths': '[]', 'planned-paths': '["/robots.txt"]', uploaded: '1' });
    expect(dry.log).toContain('Dry run: a real run would invalidate 1 path(s): /robots.txt');
    expect(await listKeys(s3)).toEqual(before);
    dry.cleanup();
  });

  it.each([
    [{ bucket: BUCKET, delete: 'yes' }, 'delete', /Input 'delete' has the value 'yes'/],
    [{ bucket: BUCKET, 'cache-control': '*.html no-cache' }, 'cache-control', /expected one rule per line as '<glob>: <value>'/],
    [{ bucket: 'missing-bucket' }, 'bucket', /'missing-bucket', but that bucket does not exist/],
    [{ bucket: BUCKET, source: 'build' }, 'source', /Input 'source' points to .*\/build, which does not exist/],
    [{ bucket: BUCKET, source: '../outside' }, 'source', /Input 'source' has the value '..\/outside'.*inside the workspace/],
    [{ bucket: BUCKET, 'verify-bucket': 'never' }, 'verify-bucket', /Input 'verify-bucket' has the value 'never'.*`manifest`, `always`/],
  ])('bad input %j fails with one error titled %s and writes nothing', async (inputs, title, message) => {
    const s3 = await createBucket(moto);
    const workspace = makeSite(SITE_V1);
    const result = await runBundle('s3-sync-frontend', { inputs, env: moto.env, workspace });
    expect(result.exitCode).toBe(1);
    expect(result.errors).toHaveLength(1);
    expect(result.errors[0].properties.title).toBe(title);
    expect(result.errors[0].message).toMatch(message);
    expect((await listKeys(s3)).size).toBe(0);
    result.cleanup();
  });

  it('SIGINT during the asset uploads stops the deploy, says what state is left, and a re-run completes the deploy', async () => {
    const s3 = await createBucket(moto);
    const files: Record<string, string> = { 'index.html': '<p>new</p>' };
    for (let i = 0; i < 800; i++) files[`assets/chunk-${i}-Ab12Cd3${i % 10}.js`] = `export const n = ${i};`.padEnd(2000, ' ');
    const workspace = makeSite(files);
    let signalledAt = 0;
    const result = await runBundle('s3-sync-frontend', {
      inputs: { bucket: BUCKET },
      env: moto.env,
      workspace,
      onStart: (child) => {
        child.stdout?.on('data', (data: Buffer) => {
          if (!signalledAt && String(data).includes('Listed s3://')) {
            signalledAt = Date.now();
            setTimeout(() => child.kill('SIGINT'), 200);
          }
        });
      },
    });
    expect(signalledAt).toBeGreaterThan(0);
    expect(result.exitCode).toBe(1);
    expect(result.errors).toHaveLength(1);
    expect(result.errors[0].message).toMatch(/cancelled during phase 1\/4 \(content-hashed files\)/);
    expect(result.errors[0].message).toMatch(/old HTML is still live and nothing was deleted.*Re-running the step completes the deploy/);
    const keys = await listKeys(s3);
    expect(keys.has('index.html')).toBe(false);
    expect(keys.size).toBeLessThan(801); // stopped before the phase could finish
    result.cleanup();

    const rerun = await runBundle('s3-sync-frontend', { inputs: { bucket: BUCKET }, env: moto.env, workspace });
    expect(rerun.exitCode).toBe(0);
    expect(Number(rerun.outputs.uploaded) + Number(rerun.outputs.unchanged)).toBe(801);
    expect(Number(rerun.outputs.unchanged)).toBeGreaterThanOrEqual(keys.size);
    expect(await text(s3, 'index.html')).toBe('<p>new</p>');
    rerun.cleanup();
  }, 120_000);
});
