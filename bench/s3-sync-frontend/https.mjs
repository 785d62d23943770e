#!/usr/bin/env node
// The redeploys and the large file over HTTPS, as a runner reaches S3: the same site, gofakes3
// and counting proxy as run.mjs, but the proxy terminates TLS with a certificate of its own that
// every tool trusts the way its users add a CA (NODE_EXTRA_CA_CERTS, AWS_CA_BUNDLE, RCLONE_CA_CERT).
// What HTTPS changes against run.mjs's plain HTTP: every new connection costs a TLS handshake,
// every byte is encrypted, and S3 clients sign multipart parts with UNSIGNED-PAYLOAD instead of
// hashing them (the action since 4f040af, the AWS CLI by default), as they do against S3.
// Usage: node bench/s3-sync-frontend/https.mjs [--rebuilds 5] [--delays 0,25] [--large-mb 1024]
//          [--tools action,aws,rclone,rclone16] [--write]           (--write updates HTTPS.md)
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BACKENDS, startBackend } from './lib/backends.mjs';
import { args, option, repo, workDir } from './lib/cli.mjs';
import { startProxy } from './lib/proxy.mjs';
import { median } from './lib/report.mjs';
import { rebuildSite, siteLayout, touchAll, writeLargeFile, writeSite } from './lib/site.mjs';
import { createBenchBucket, measureRun, runTool, toolSet } from './lib/tools.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const list = (name, fallback) => option(name, fallback).split(',').filter(Boolean);
const config = {
  rebuilds: Number(option('rebuilds', '5')),
  delays: list('delays', '0,25').map(Number),
  tools: list('tools', 'action,aws,rclone,rclone16'),
  largeMb: Number(option('large-mb', '1024')),
  largeTools: list('large-tools', 'action,aws,rclone'),
};
const work = workDir('s3-sync-frontend-https');
rmSync(work, { recursive: true, force: true });
const site = path.join(work, 'site');
const caFile = path.join(work, 'cert.pem');
const keyFile = path.join(work, 'key.pem');
mkdirSync(work, { recursive: true });
execFileSync('openssl', [
  'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=localhost',
  '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost', '-keyout', keyFile, '-out', caFile,
], { stdio: 'ignore' }); // prettier-ignore
const tools = toolSet({ repo, work, caFile });
const started = Date.now();
const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: repo, encoding: 'utf8' }).trim();
const results = [];

const backend = await startBackend('gofakes3');
const proxy = await startProxy(backend, { tls: { key: readFileSync(keyFile), cert: readFileSync(caFile) } });
const measure = (name, ctx) => measureRun(tools[name], ctx, { backend, proxy, work });
function record(entry) {
  results.push(entry);
  const { delay, scenario, tool, seconds, cpu, requests, rssMb } = entry;
  console.log(
    `https +${delay}ms ${tool.padEnd(9)} ${scenario.padEnd(8)} ${seconds.toFixed(2).padStart(6)} s  ${String(requests.total).padStart(5)} req  tool ${cpu.toFixed(2)} s CPU  ${Math.round(rssMb)} MB`,
  );
}
try {
  const layout = siteLayout(2000);
  const changed = new Set(layout.filter((_, i) => i % 100 === 0).map((f) => f.rel));
  for (const delay of config.delays) {
    proxy.setDelay(delay);
    // one unmeasured deploy warms the freshly started server and proxy (run.mjs says why)
    await createBenchBucket(backend.endpoint, `warm-up-${delay}`);
    writeSite(site, layout);
    await runTool(tools.action, { dir: site, bucket: `warm-up-${delay}`, endpoint: proxy.endpoint }, { work });
    for (const tool of config.tools) {
      const ctx = { dir: site, bucket: `https-${tool}-${delay}`, endpoint: proxy.endpoint };
      await createBenchBucket(backend.endpoint, ctx.bucket);
      writeSite(site, layout);
      touchAll(site, new Date(Date.now() - 3_600_000));
      const first = await measure(tool, ctx);
      if (tool === 'action' && Number(first.outputs.uploaded) !== layout.length) throw new Error('the action did not upload the site');
      record({ delay, scenario: 'first', tool, ...first });
      for (let rebuild = 0; rebuild < config.rebuilds; rebuild++) {
        await rebuildSite(site, layout, rebuild % 2 === 0 ? changed : new Set());
        const rebuilt = await measure(tool, ctx);
        if (tool === 'action' && Number(rebuilt.outputs.uploaded) !== changed.size) throw new Error('the action uploaded the wrong files');
        record({ delay, scenario: 'rebuild', tool, ...rebuilt });
        record({ delay, scenario: 'noop', tool, ...(await measure(tool, ctx)) });
      }
    }
  }
  if (config.largeMb > 0) {
    proxy.setDelay(0);
    const largeDir = path.join(work, 'large');
    writeLargeFile(path.join(largeDir, 'media', 'film.mp4'), config.largeMb * 1024 * 1024);
    for (const tool of config.largeTools) {
      const ctx = { dir: largeDir, bucket: `https-large-${tool}`, endpoint: proxy.endpoint };
      await createBenchBucket(backend.endpoint, ctx.bucket);
      record({ delay: 0, scenario: 'large', tool, ...(await measure(tool, ctx)) });
    }
    rmSync(largeDir, { recursive: true, force: true });
  }
} finally {
  await proxy.close();
  backend.stop();
}

const SCENARIOS = {
  first: 'First deploy',
  rebuild: 'Redeploy after a rebuild',
  noop: 'No-op redeploy',
  large: `One ${config.largeMb} MiB file`,
};
const cell = (delay, scenario, tool) => {
  const rows = results.filter((r) => r.delay === delay && r.scenario === scenario && r.tool === tool);
  return rows.length ? { seconds: median(rows.map((r) => r.seconds)), cpu: median(rows.map((r) => r.cpu)), rows } : undefined;
};
const lines = [
  '# s3-sync-frontend benchmark over HTTPS',
  '',
  `The redeploys and the large file of \`RESULTS.md\`, with the counting proxy speaking HTTPS (a 2048-bit RSA certificate of its own that each tool trusts as an added CA: \`NODE_EXTRA_CA_CERTS\`, \`AWS_CA_BUNDLE\`, \`RCLONE_CA_CERT\`) and plain HTTP to ${BACKENDS.gofakes3.version()}, as a runner reaches S3. Over HTTPS every new connection costs a handshake and every byte is encrypted, and the S3 clients sign multipart parts with \`UNSIGNED-PAYLOAD\` instead of hashing them. One deviation from the defaults: over HTTPS the AWS CLI sends its default CRC32 checksum as an aws-chunked trailer, which gofakes3 refuses (MissingContentLength), so it runs with \`AWS_REQUEST_CHECKSUM_CALCULATION=when_required\`. The 25 ms are added to every request, not to connection set-up: a new TCP and TLS connection costs nothing extra here, where it costs one or two more round trips against S3. Site: 2,000 files, the rebuild changes 20. ${config.rebuilds} rebuild and no-op pairs per tool and delay, medians shown; ratios are the tool's time over the action's, from the same run. Measured on ${new Date(started).toISOString().slice(0, 10)} in ${((Date.now() - started) / 60000).toFixed(1)} minutes on the shared 2-core machine (load average ${os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(', ')} at the end), on the bundle committed at ${commit}.`,
  '',
];
for (const scenario of ['first', 'rebuild', 'noop', 'large']) {
  const delays = scenario === 'large' ? [0] : config.delays;
  const names = scenario === 'large' ? config.largeTools : config.tools;
  if (!names.some((t) => delays.some((d) => cell(d, scenario, t)))) continue;
  lines.push(`### ${SCENARIOS[scenario]}`, '');
  lines.push(
    `| Tool | ${delays.map((d) => (d ? `HTTPS, +${d} ms` : 'HTTPS, loopback')).join(' | ')} | Tool CPU (${delays.map((d) => (d ? `+${d} ms` : 'loopback')).join(', ')}) | Requests |`,
  );
  lines.push(`| --- | ${delays.map(() => '---').join(' | ')} | --- | --- |`);
  for (const tool of names) {
    const cells = delays.map((d) => {
      const c = cell(d, scenario, tool);
      const a = cell(d, scenario, 'action');
      if (!c) return '–';
      const time = c.seconds < 10 ? `${c.seconds.toFixed(2)} s` : `${c.seconds.toFixed(1)} s`;
      return tool === 'action' ? `**${time}**` : `${time} (${(c.seconds / a.seconds).toFixed(2)}×)`;
    });
    const cpus = delays.map((d) => cell(d, scenario, tool)?.cpu.toFixed(2) ?? '–').join(', ');
    const some = cell(delays[0], scenario, tool)?.rows[0];
    const requests = some
      ? `${some.requests.total}: ${Object.entries(some.requests.byOp)
          .map(([op, n]) => `${op} ${n}`)
          .join(', ')}`
      : '–';
    const peak = scenario === 'large' && some ? `, peak RSS ${Math.round(some.rssMb)} MB` : '';
    lines.push(`| ${tools[tool].label} | ${cells.join(' | ')} | ${cpus} s${peak} | ${requests} |`);
  }
  lines.push('');
}
lines.push(
  'Reproduce (needs gofakes3, the AWS CLI, rclone and openssl, as `reproduce.md` installs them):',
  '',
  '```sh',
  'node bench/s3-sync-frontend/https.mjs --write',
  '```',
  '',
);
const text = lines.join('\n');
console.log(text);
if (args.includes('--write')) {
  writeFileSync(path.join(here, 'HTTPS.md'), text);
  console.log('wrote bench/s3-sync-frontend/HTTPS.md');
}
