#!/usr/bin/env node
// When each request of one redeploy reaches the server, relative to the process start: the
// critical path of a redeploy after a rebuild (gofakes3, the proxy's delay), for the action or a peer.
// Usage: node bench/s3-sync-frontend/timeline.mjs [tool or bundle, first] [--delay 25] [--runs 3]
//          [--verbose (the tool's log)] [--cpu-prof <dir> (the action under node --cpu-prof)]
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { startBackend } from './lib/backends.mjs';
import { startProxy, operation } from './lib/proxy.mjs';
import { siteLayout, touchAll, writeSite } from './lib/site.mjs';
import { createBenchBucket, runTool, toolSet } from './lib/tools.mjs';
import { args, option, repo, workDir } from './lib/cli.mjs';

// --cpu-prof <dir>: the action under `node --cpu-prof` (the profiles land in <dir>)
const withCpuProfile = (tool, dir) => ({
  ...tool,
  argv: (ctx) => {
    const argv = tool.argv(ctx);
    return { ...argv, args: ['--cpu-prof', '--cpu-prof-dir', path.resolve(dir), ...argv.args] };
  },
});
const work = workDir('s3-sync-frontend-timeline');
const variant = args.filter((a, i) => !a.startsWith('--') && !args[i - 1]?.startsWith('--'))[0] ?? 'action';
const backend = await startBackend('gofakes3');
const proxy = await startProxy(backend, {
  onRequest: (req) => log.push([performance.now(), operation(req), req.url.split('?')[0].split('/').slice(2).join('/')]),
});
proxy.setDelay(Number(option('delay', '25')));
let log = [];
try {
  const tools = toolSet({ repo, work });
  const tool = tools[variant] ?? { ...tools.action, argv: (ctx) => ({ ...tools.action.argv(ctx), args: [path.resolve(variant)] }) };
  const layout = siteLayout(2000);
  const changed = new Set(layout.filter((_, i) => i % 100 === 0).map((f) => f.rel));
  const ctx = { dir: path.join(work, 'site'), bucket: 'bench-timeline', endpoint: proxy.endpoint };
  await createBenchBucket(backend.endpoint, ctx.bucket);
  writeSite(ctx.dir, layout);
  await runTool(tool, ctx, { work });
  for (let run = 0; run < Number(option('runs', '3')); run++) {
    const when = new Date(Math.ceil((Date.now() + 1500) / 1000) * 1000);
    writeSite(ctx.dir, layout, run % 2 === 0 ? changed : new Set());
    touchAll(ctx.dir, when);
    await new Promise((resolve) => setTimeout(resolve, when - Date.now() + 20));
    log = [];
    const t0 = performance.now();
    const profiled = option('cpu-prof') ? withCpuProfile(tool, option('cpu-prof')) : tool;
    const result = await runTool(profiled, ctx, { work, verbose: args.includes('--verbose') });
    const rows = log.map(([t, op, key]) => `${(t - t0).toFixed(0).padStart(5)} ms  ${op} ${key}`);
    console.log(
      `run ${run}: ${(result.seconds * 1000).toFixed(0)} ms wall, ${(result.cpu * 1000).toFixed(0)} ms CPU, ${log.length} requests`,
    );
    console.log(rows.join('\n'));
  }
} finally {
  await proxy.close();
  await backend.stop();
}
