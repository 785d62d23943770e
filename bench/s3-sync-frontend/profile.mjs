#!/usr/bin/env node
// Where the action's CPU goes: runs the committed bundle under `node --cpu-prof` against gofakes3 on
// loopback (first deploy, redeploy after a rebuild, no-op) and splits the sampled time of the main
// thread into categories (V8 compiling the bundle, garbage collection, file system calls, hashing,
// socket writes and HTTP, JavaScript of the bundle: the SDK and the engine). Prints a Markdown table.
// Usage: node bench/s3-sync-frontend/profile.mjs [--files 2000]
import { readFileSync, readdirSync, rmSync } from 'node:fs';
import { readFile, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import pLimit from 'p-limit';
import { startBackend } from './lib/backends.mjs';
import { siteLayout, touchAll, writeSite } from './lib/site.mjs';
import { CREDENTIALS, createBenchBucket, runTool, toolSet } from './lib/tools.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '..', '..');
const work = path.join(repo, 'bench', '.work', 's3-sync-frontend-profile');
const args = process.argv.slice(2);
const files = Number(args.includes('--files') ? args[args.indexOf('--files') + 1] : 2000);

const CATEGORIES = [
  [
    'compiling the bundle (start-up)',
    /^(compileSourceTextModule|compileForInternalLoader|__nccwpck_require__|normalizeRequirableId|compileFunction)$/,
  ],
  ['garbage collection', /^\(garbage collector\)$/],
  ['file system calls', /^(openFileHandle|read|close|stat|fstat|lstat|realpath|readdir|open|readFileHandle)$/, /^$/],
  ['file system calls', /./, /^fs\//],
  ['hashing and signing (SHA-256, MD5, HMAC)', /./, /^crypto\//],
  ['hashing (XXH3-128, WebAssembly)', /^wasm-function/],
  ['sockets and HTTP (Node)', /^(writev|writeUtf8String|writeLatin1String|writeBuffer)$/, /^$/],
  ['sockets and HTTP (Node)', /./, /node:_http|node:net|^internal\/(net|http)/],
  ['waiting (idle)', /^\(idle\)$/],
];

/**
 * The sampled time of the main thread by category, plus any other thread's in a row of its own
 * (node --cpu-prof writes one profile per thread; the main thread's is the one that ran the
 * bundle's main module). Since the build is hashed on the main thread, a deploy has no other.
 */
function split(profileDir) {
  const totals = new Map();
  let all = 0;
  for (const file of readdirSync(profileDir)) {
    const prof = JSON.parse(readFileSync(path.join(profileDir, file), 'utf8'));
    const nodes = new Map(prof.nodes.map((n) => [n.id, n.callFrame]));
    const main = prof.nodes.some((n) => n.callFrame.functionName === 'runAction');
    prof.samples.forEach((id, i) => {
      const frame = nodes.get(id);
      const url = frame.url.split('/').slice(-2).join('/');
      const category = !main
        ? 'another thread (in parallel)'
        : (CATEGORIES.find(([, name, where]) => name.test(frame.functionName) && (!where || where.test(url)))?.[0] ??
          (url.endsWith('index.js') ? 'JavaScript of the bundle (SDK, engine, toolkit)' : 'other (Node internals, program)'));
      totals.set(category, (totals.get(category) ?? 0) + prof.timeDeltas[i]);
      if (main) all += prof.timeDeltas[i];
    });
  }
  return { totals, all };
}

// the profile gives Node's own modules as node:internal/<dir>/<file>: keep <dir>/<file>
const backend = await startBackend('gofakes3');
try {
  rmSync(work, { recursive: true, force: true });
  await createBenchBucket(backend.endpoint, 'bench-profile');
  const s3 = new S3Client({
    endpoint: backend.endpoint,
    forcePathStyle: true,
    region: 'us-east-1',
    credentials: { accessKeyId: CREDENTIALS.AWS_ACCESS_KEY_ID, secretAccessKey: CREDENTIALS.AWS_SECRET_ACCESS_KEY },
  });
  const layout = siteLayout(files);
  const site = path.join(work, 'site');
  writeSite(site, layout);
  touchAll(site, new Date(Date.now() - 3_600_000));
  const tool = toolSet({ repo, work }).action;
  const columns = [];
  for (const scenario of ['first deploy', 'rebuild (1% changed)', 'no-op']) {
    if (scenario.startsWith('rebuild')) writeSite(site, layout, new Set(layout.filter((_, i) => i % 100 === 0).map((f) => f.rel)));
    const dir = path.join(work, `prof-${columns.length}`);
    const profiled = {
      ...tool,
      argv: (ctx) => ({ ...tool.argv(ctx), args: ['--cpu-prof', '--cpu-prof-dir', dir, ...tool.argv(ctx).args] }),
    };
    const result = await runTool(profiled, { dir: site, bucket: 'bench-profile', endpoint: backend.endpoint }, { work });
    columns.push({ scenario, result, ...split(dir) });
  }
  const names = [...new Set(columns.flatMap((c) => [...c.totals.keys()]))].sort(
    (a, b) => columns.reduce((s, c) => s + (c.totals.get(b) ?? 0), 0) - columns.reduce((s, c) => s + (c.totals.get(a) ?? 0), 0),
  );
  const ms = (us) => `${Math.round(us / 1000)} ms`;
  console.log(`| Main thread of the action (${files} files, gofakes3, loopback) | ${columns.map((c) => c.scenario).join(' | ')} |`);
  console.log(`| --- | ${columns.map(() => '---').join(' | ')} |`);
  for (const name of names)
    console.log(
      `| ${name} | ${columns.map((c) => `${ms(c.totals.get(name) ?? 0)} (${Math.round((100 * (c.totals.get(name) ?? 0)) / c.all)}%)`).join(' | ')} |`,
    );
  console.log(`| sampled on the main thread | ${columns.map((c) => ms(c.all)).join(' | ')} |`);
  console.log(
    `| process CPU (user + system, all threads) / wall | ${columns.map((c) => `${c.result.cpu.toFixed(2)} s / ${c.result.seconds.toFixed(2)} s`).join(' | ')} |`,
  );

  // The SDK alone: the same number of small PutObject calls from one bare S3Client, no files read.
  const body = Buffer.alloc(20_000, 7);
  const checksum = createHash('sha256').update(body).digest('base64'); // as the action sends it
  const limit = pLimit(16);
  const before = process.cpuUsage();
  const started = performance.now();
  await Promise.all(
    Array.from({ length: files }, (_, i) =>
      limit(() =>
        s3.send(
          new PutObjectCommand({
            Bucket: 'bench-profile',
            Key: `sdk/${i}`,
            Body: body,
            ChecksumSHA256: checksum,
          }),
        ),
      ),
    ),
  );
  const used = process.cpuUsage(before);
  console.log(
    `\nBare @aws-sdk/client-s3 (Node ${process.version}), ${files} PutObject of 20 kB, 16 in flight: ${((used.user + used.system) / 1e6).toFixed(2)} s CPU in ${((performance.now() - started) / 1000).toFixed(2)} s, ${((used.user + used.system) / 1000 / files).toFixed(2)} ms CPU per request.`,
  );

  // Reading the site as the scan does (stat, then readFile, 16 in flight) against one readFileSync per file.
  const paths = (await readdir(site, { recursive: true, withFileTypes: true }))
    .filter((d) => d.isFile())
    .map((d) => path.join(d.parentPath, d.name));
  const cpuOf = async (read) => {
    const start = process.cpuUsage();
    await read();
    const used = process.cpuUsage(start);
    return ((used.user + used.system) / 1e6).toFixed(2);
  };
  const scanLike = await cpuOf(() =>
    Promise.all(
      paths.map((file) =>
        limit(
          async () => (
            await stat(file),
            createHash('sha256')
              .update(await readFile(file))
              .digest('hex')
          ),
        ),
      ),
    ),
  );
  const sync = await cpuOf(async () => paths.forEach((file) => createHash('sha256').update(readFileSync(file)).digest('hex')));
  console.log(
    `Reading and hashing the ${paths.length} files: stat + readFile at 16 in flight ${scanLike} s CPU; readFileSync ${sync} s CPU.`,
  );
} finally {
  backend.stop();
}
