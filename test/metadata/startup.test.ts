/**
 * Start-up cost every step pays: no bundle may evaluate undici when it starts. @actions/core (through
 * @actions/http-client) and @actions/github both import it at load, with Octokit and exec helpers
 * no action uses; the toolkit writes the runner protocol and reads the run context itself instead
 * (about 50 ms of CPU per step: `node bench/startup/run.mjs`). Evaluated undici is visible from
 * outside: on load it installs its global dispatcher under Symbol.for('undici.globalDispatcher.1'),
 * which Node's own fetch only does on first use.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { runBundle } from '../harness/bundle.js';
import { useMoto } from '../harness/moto.js';
import { BUCKET, SITE_V1, createBucket, makeSite, touchAll } from '../s3-sync-frontend/helpers.js';

const dir = mkdtempSync(path.join(tmpdir(), 'startup-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Loaded with --import before the bundle; records at exit whether undici's global dispatcher exists.
const probe = path.join(dir, 'probe.mjs');
writeFileSync(
  probe,
  `import { writeFileSync } from 'node:fs';
process.on('exit', () => writeFileSync(process.env.STARTUP_PROBE_OUT, String(globalThis[Symbol.for('undici.globalDispatcher.1')] !== undefined)));
`,
);

describe('bundle start-up', () => {
  it.each(['s3-sync-frontend', 'cloudfront-invalidate', 'ecs-deploy-and-wait', 'ecs-exec-migrate', 'seo-validate', 'deploy'])(
    '%s starts and fails on its missing inputs without evaluating undici',
    async (name) => {
      const out = path.join(dir, `${name}.out`);
      const result = await runBundle(name, { env: { NODE_OPTIONS: `--import=${probe}`, STARTUP_PROBE_OUT: out } });
      result.cleanup();
      // It really started: the toolkit read the inputs and named what is missing.
      expect(result.exitCode).toBe(1);
      expect(result.errors.length).toBeGreaterThan(0);
      expect(readFileSync(out, 'utf8')).toBe('false');
    },
  );
});

// Loaded with --import: records every module file the bundle's ESM loader loads (the entry and the
// chunks it imports later), in order.
const loads = path.join(dir, 'loads.mjs');
writeFileSync(
  loads,
  `import { registerHooks } from 'node:module';
import { writeFileSync } from 'node:fs';
const loaded = [];
registerHooks({ load(url, context, nextLoad) { if (url.startsWith('file:')) loaded.push(url); return nextLoad(url, context); } });
process.on('exit', () => writeFileSync(process.env.STARTUP_PROBE_OUT, JSON.stringify(loaded)));
`,
);

describe('s3-sync-frontend loads the engine after it has started hashing the build, and the AWS SDK only when a request needs it', () => {
  const distFiles = (out: string) =>
    (JSON.parse(readFileSync(out, 'utf8')) as string[])
      .filter((url) => url.includes('/dist/s3-sync-frontend/'))
      .map((url) => path.basename(url));

  it('the entry holds the inputs and the scan; the engine is a chunk it imports afterwards', async () => {
    // A typo'd input is refused by the entry alone: nothing else is loaded.
    const refused = path.join(dir, 'refused.out');
    const bad = await runBundle('s3-sync-frontend', {
      inputs: { bucket: 'my-site', 'verify-bucket': 'sometimes' },
      env: { NODE_OPTIONS: `--import=${loads}`, STARTUP_PROBE_OUT: refused },
    });
    bad.cleanup();
    expect(bad.exitCode).toBe(1);
    expect(bad.errors.map((e) => e.message).join('\n')).toMatch(/verify-bucket/);
    expect(distFiles(refused)).toEqual(['index.js']);

    // Valid inputs: the engine chunk is loaded, after the entry, and the plan's own check reports
    // the missing source as the input error it is.
    const planned = path.join(dir, 'planned.out');
    const missing = await runBundle('s3-sync-frontend', {
      inputs: { bucket: 'my-site', source: 'no-such-build' },
      env: {
        NODE_OPTIONS: `--import=${loads}`,
        STARTUP_PROBE_OUT: planned,
        AWS_REGION: 'eu-west-1',
        AWS_ACCESS_KEY_ID: 'x',
        AWS_SECRET_ACCESS_KEY: 'y',
        AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:9',
      },
    });
    missing.cleanup();
    expect(missing.exitCode).toBe(1);
    expect(missing.errors.map((e) => e.message).join('\n')).toMatch(/Input 'source' points to .*no-such-build, which does not exist/);
    const files = distFiles(planned);
    expect(files[0]).toBe('index.js');
    expect(files.length).toBeGreaterThan(1);
  });
});

describe('s3-sync-frontend against moto: the AWS SDK is loaded only by a request that cannot go direct', () => {
  const moto = useMoto();
  const dist = path.join(process.cwd(), 'dist', 's3-sync-frontend');
  // the chunk that defines the SDK's S3 client (class names survive the minifier)
  const sdkChunk = readdirSync(dist).find(
    (file) => file !== 'index.js' && file.endsWith('.js') && readFileSync(path.join(dist, file), 'utf8').includes('class S3Client'),
  );
  const loaded = (out: string) => (JSON.parse(readFileSync(out, 'utf8')) as string[]).map((url) => path.basename(url));

  it('the first deploy lists the bucket through the SDK; a redeploy with changes and a no-op send only direct requests and never load it', async () => {
    expect(sdkChunk).toBeDefined();
    await createBucket(moto);
    const workspace = makeSite(SITE_V1);
    const run = async (name: string) => {
      const out = path.join(dir, `${name}.out`);
      const result = await runBundle('s3-sync-frontend', {
        inputs: { bucket: BUCKET, delete: 'true' },
        env: { ...moto.env, NODE_OPTIONS: `--import=${loads}`, STARTUP_PROBE_OUT: out },
        workspace,
      });
      result.cleanup();
      expect(result.errors).toEqual([]);
      return { files: loaded(out), outputs: result.outputs, log: result.log };
    };
    const first = await run('first');
    expect(first.files).toContain(sdkChunk);
    writeFileSync(path.join(workspace, 'dist', 'index.html'), '<p>v2</p>');
    touchAll(path.join(workspace, 'dist'));
    const redeploy = await run('redeploy');
    expect(redeploy.outputs).toMatchObject({ uploaded: '1' });
    expect(redeploy.files).not.toContain(sdkChunk);
    expect(redeploy.log).not.toMatch(/Direct S3 request not usable/);
    const noop = await run('noop');
    expect(noop.outputs).toMatchObject({ uploaded: '0', unchanged: String(Object.keys(SITE_V1).length) });
    expect(noop.files).not.toContain(sdkChunk);
  });
});
