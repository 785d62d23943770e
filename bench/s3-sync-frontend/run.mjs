#!/usr/bin/env node
// Benchmark: s3-sync-frontend (the committed bundle, under Node 24 as the runner runs it) against
// `aws s3 sync`, `rclone sync --checksum` and s3-sync-client, on two S3 servers (moto, gofakes3),
// two network profiles (loopback, 25 ms added to every request) and four scenarios:
//   first deploy (empty bucket), redeploy after a rebuild (every mtime new, 1% of the contents
//   changed), no-op redeploy (nothing changed since the last sync), and one large file.
// Usage: node bench/s3-sync-frontend/run.mjs [--runs N] [--files N] [--backends moto,gofakes3]
//          [--delays 0,25] [--tools action,aws,...] [--large-mb 1024] [--large-backends gofakes3]
//          [--no-large] [--rebuilds N] [--verbose] [--write]          (--write updates RESULTS.md)
//        --rebuilds N: after each first deploy, N rebuild + no-op pairs (the rebuilds alternate
//        between the two contents of the changed files), for more samples of the redeploys
//        node bench/s3-sync-frontend/run.mjs --report [results.json] [--write]   (re-renders a run)
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BACKENDS, startBackend } from './lib/backends.mjs';
import { startProxy } from './lib/proxy.mjs';
import { report } from './lib/report.mjs';
import { rebuildSite, siteLayout, touchAll, writeLargeFile, writeSite } from './lib/site.mjs';
import { createBenchBucket, measureRun, runTool, toolSet } from './lib/tools.mjs';
import { args, option, repo, workDir } from './lib/cli.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const work = workDir('s3-sync-frontend');
const list = (name, fallback) => option(name, fallback).split(',').filter(Boolean);
const config = {
  runs: Number(option('runs', '1')),
  files: Number(option('files', '2000')),
  backends: list('backends', 'moto,gofakes3'),
  delays: list('delays', '0,25').map(Number),
  tools: list('tools', 'action,action16,action-always,aws,aws16,rclone,rclone16,rclone50,s3sc,s3sc16'),
  // moto is the bottleneck of every upload (see the CPU table), so the equal-parallelism variants
  // add minutes there and no information: by default it runs each peer at its defaults and rclone at 16
  motoTools: list('moto-tools', 'action,aws,rclone,rclone16,s3sc'),
  largeMb: Number(option('large-mb', '1024')),
  largeBackends: args.includes('--no-large') ? [] : list('large-backends', 'gofakes3'),
  largeTools: list('large-tools', 'action,aws,rclone,s3sc'),
  rebuilds: Number(option('rebuilds', '1')),
  verbose: args.includes('--verbose'),
  write: args.includes('--write'),
};
const CHANGED_SHARE = 100; // 1 file in 100 gets new content in the rebuild

const measure = (tool, ctx, backend, proxy) => measureRun(tool, ctx, { backend, proxy, work, verbose: config.verbose });

function check(condition, message) {
  if (!condition) throw new Error(`benchmark sanity check failed: ${message}`);
}

function render(meta, results, tools) {
  const text = report({ meta, results, tools });
  console.log(text);
  if (config.write) {
    writeFileSync(path.join(here, 'RESULTS.md'), text);
    console.log('wrote bench/s3-sync-frontend/RESULTS.md; run node scripts/benchmarks-doc.mjs');
  }
}

async function main() {
  if (args.includes('--report')) {
    const file = args[args.indexOf('--report') + 1];
    const saved = JSON.parse(readFileSync(file && !file.startsWith('--') ? file : path.join(work, 'results.json'), 'utf8'));
    return render(saved.meta, saved.results, toolSet({ repo, work }));
  }
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const tools = toolSet({ repo, work });
  for (const name of [...config.tools, ...config.motoTools, ...config.largeTools]) check(tools[name], `unknown tool ${name}`);
  const layout = siteLayout(config.files);
  const changed = new Set(layout.filter((_, i) => i % CHANGED_SHARE === 0).map((f) => f.rel));
  const site = path.join(work, 'site');
  const results = []; // { backend, delay, scenario, tool, run, ...measurement }
  const loads = [];
  let siteBytes = 0;
  const started = Date.now();

  for (const backendName of config.backends) {
    for (const delay of config.delays) {
      const backend = await startBackend(backendName);
      const proxy = await startProxy(backend);
      proxy.setDelay(delay);
      try {
        // One unmeasured deploy first: a freshly started server and proxy are slow on their first
        // thousands of requests (the Go runtime and Python growing their heaps, the proxy's code not
        // yet optimised), and that cost fell on whichever tool ran first, with --runs 1 always the
        // action: its first deploy on gofakes3 at loopback took 2.00 s without this deploy and 1.71 s
        // with it, in two runs of the same bundle (notes.md).
        await createBenchBucket(backend.endpoint, 'bench-warm-up');
        siteBytes = writeSite(site, layout);
        await runTool(tools.action, { dir: site, bucket: 'bench-warm-up', endpoint: proxy.endpoint }, { work, verbose: config.verbose });
        for (let run = 0; run < config.runs; run++) {
          // rotate the order so no tool always runs first (or right after the heaviest one)
          const names = backendName === 'moto' ? config.motoTools : config.tools;
          const order = names.map((_, i) => names[(i + run) % names.length]);
          for (const name of order) {
            const tool = tools[name];
            const bucket = `bench-${name}-${run}`;
            await createBenchBucket(backend.endpoint, bucket);
            const ctx = { dir: site, bucket, endpoint: proxy.endpoint };
            siteBytes = writeSite(site, layout);
            touchAll(site, new Date(Date.now() - 3_600_000));
            const record = (scenario, m) => {
              results.push({ backend: backendName, delay, scenario, tool: name, run, ...m });
              console.log(
                `${backendName} +${delay}ms run ${run + 1} ${name.padEnd(9)} ${scenario.padEnd(8)} ${m.seconds.toFixed(2).padStart(6)} s  ${String(m.requests.total).padStart(5)} req  tool ${m.cpu.toFixed(2)} s CPU  server ${m.serverCpu.toFixed(2)} s CPU  ${Math.round(m.rssMb)} MB`,
              );
            };
            const first = await measure(tool, ctx, backend, proxy);
            if (m(first))
              check(Number(first.outputs.uploaded) === layout.length, `the action uploaded ${first.outputs.uploaded} on the first deploy`);
            record('first', first);
            for (let rebuild = 0; rebuild < config.rebuilds; rebuild++) {
              await rebuildSite(site, layout, rebuild % 2 === 0 ? changed : new Set());
              const rebuilt = await measure(tool, ctx, backend, proxy);
              if (m(rebuilt))
                check(
                  Number(rebuilt.outputs.uploaded) === changed.size,
                  `the action uploaded ${rebuilt.outputs.uploaded} after the rebuild`,
                );
              record('rebuild', rebuilt);
              const noop = await measure(tool, ctx, backend, proxy);
              if (m(noop)) check(Number(noop.outputs.uploaded) === 0, `the action uploaded ${noop.outputs.uploaded} on the no-op`);
              record('noop', noop);
            }
          }
          loads.push(os.loadavg()[0]);
        }
      } finally {
        await proxy.close();
        backend.stop();
      }
    }
  }

  if (config.largeBackends.length) {
    const largeDir = path.join(work, 'large');
    writeLargeFile(path.join(largeDir, 'media', 'film.mp4'), config.largeMb * 1024 * 1024);
    for (const backendName of config.largeBackends) {
      for (let run = 0; run < config.runs; run++) {
        for (const name of config.largeTools) {
          // a fresh server per upload: 1 GiB objects are not kept around
          const backend = await startBackend(backendName);
          const proxy = await startProxy(backend);
          try {
            const bucket = `bench-large-${name}`;
            await createBenchBucket(backend.endpoint, bucket);
            const r = await measure(tools[name], { dir: largeDir, bucket, endpoint: proxy.endpoint }, backend, proxy);
            results.push({ backend: backendName, delay: 0, scenario: 'large', tool: name, run, ...r });
            console.log(
              `${backendName} large run ${run + 1} ${name.padEnd(9)} ${r.seconds.toFixed(2)} s  ${r.requests.total} req  peak RSS ${Math.round(r.rssMb)} MB`,
            );
          } finally {
            await proxy.close();
            backend.stop();
          }
        }
      }
    }
    rmSync(largeDir, { recursive: true, force: true });
  }

  const meta = {
    config,
    argv: args.filter((a) => a !== '--write' && a !== '--verbose'),
    siteFiles: layout.length,
    siteBytes,
    changed: changed.size,
    minutes: (Date.now() - started) / 60000,
    loads,
    loadEnd: os.loadavg(),
    cpus: `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'unknown CPU'}`,
    versions: Object.fromEntries(config.backends.concat(config.largeBackends).map((b) => [b, BACKENDS[b].version()])),
  };
  writeFileSync(path.join(work, 'results.json'), JSON.stringify({ meta, results }, null, 2));
  render(meta, results, tools);
}
const m = (measurement) => measurement.outputs !== undefined; // only the action reports outputs

main().catch((error) => {
  console.error(error.stack ?? error.message);
  process.exit(1);
});
