#!/usr/bin/env node
// A/B of the redeploys: the action's bundle in several versions (and peers) on the same site, one
// run of each in turn per round, so that load on a shared machine hits every variant alike.
// Each variant deploys once to its own bucket, then every round rebuilds the site (every mtime
// new, the changed 1% alternating between its two contents) and runs each variant's rebuild
// and no-op. Prints medians of wall and CPU seconds.
// Usage: node bench/s3-sync-frontend/ab.mjs [--rounds 8] [--backend gofakes3|moto] [--delay 25]
//          <bundle.js | tool name from lib/tools.mjs> ...
//   e.g. mkdir -p /tmp/main && git archive main dist/s3-sync-frontend | tar -x -C /tmp/main
//        node bench/s3-sync-frontend/ab.mjs /tmp/main/dist/s3-sync-frontend/index.js dist/s3-sync-frontend/index.js rclone rclone16
import path from 'node:path';
import { startBackend } from './lib/backends.mjs';
import { startProxy } from './lib/proxy.mjs';
import { siteLayout, touchAll, writeSite } from './lib/site.mjs';
import { createBenchBucket, runTool, toolSet } from './lib/tools.mjs';
import { args, option, repo, workDir } from './lib/cli.mjs';

const work = workDir('s3-sync-frontend-ab');
const rounds = Number(option('rounds', '8'));
const variants = args.filter((a, i) => !a.startsWith('--') && !args[i - 1]?.startsWith('--'));
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

const backend = await startBackend(option('backend', 'gofakes3'));
const proxy = await startProxy(backend);
proxy.setDelay(Number(option('delay', '0')));
try {
  const layout = siteLayout(2000);
  const changed = new Set(layout.filter((_, i) => i % 100 === 0).map((f) => f.rel));
  const tools = toolSet({ repo, work });
  const toolOf = (variant) =>
    tools[variant] ?? { ...tools.action, argv: (ctx) => ({ ...tools.action.argv(ctx), args: [path.resolve(variant)] }) };
  const runs = variants.map((variant, i) => ({
    variant,
    tool: toolOf(variant),
    ctx: { dir: path.join(work, `site-${i}`), bucket: `bench-ab-${i}`, endpoint: proxy.endpoint },
    rebuild: [],
    noop: [],
  }));
  for (const run of runs) {
    await createBenchBucket(backend.endpoint, run.ctx.bucket);
    writeSite(run.ctx.dir, layout);
    await runTool(run.tool, run.ctx, { work });
  }
  for (let round = 0; round < rounds; round++) {
    // a whole second later than every upload before (S3 times have one-second resolution)
    const when = new Date(Math.ceil((Date.now() + 1500) / 1000) * 1000);
    for (const run of runs) {
      writeSite(run.ctx.dir, layout, round % 2 === 0 ? changed : new Set());
      touchAll(run.ctx.dir, when);
    }
    await new Promise((resolve) => setTimeout(resolve, when - Date.now() + 20));
    for (let j = 0; j < runs.length; j++) {
      const run = runs[(j + round) % runs.length]; // rotate who goes first
      proxy.reset();
      run.rebuild.push({ ...(await runTool(run.tool, run.ctx, { work })), requests: proxy.snapshot().total });
      proxy.reset();
      run.noop.push({ ...(await runTool(run.tool, run.ctx, { work })), requests: proxy.snapshot().total });
    }
  }
  for (const run of runs) {
    const cell = (samples) =>
      `${median(samples.map((s) => s.seconds)).toFixed(3)} s (CPU ${median(samples.map((s) => s.cpu)).toFixed(2)} s, ${samples[0].requests} req)`;
    console.log(`${run.variant.padEnd(44)} rebuild ${cell(run.rebuild)}  no-op ${cell(run.noop)}`);
  }
} finally {
  await proxy.close();
  backend.stop();
}
