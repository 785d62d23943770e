#!/usr/bin/env node
// Assembles docs/benchmarks.md from each benchmark's bench/<name>/RESULTS.md (the table and the
// command that reproduced it live beside the benchmark that produced them). --check fails when stale.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const sections = readdirSync('bench')
  .filter((name) => existsSync(path.join('bench', name, 'RESULTS.md')))
  .sort()
  .map((name) =>
    readFileSync(path.join('bench', name, 'RESULTS.md'), 'utf8')
      .trim()
      .replace(/^(#+) /gm, '#$1 '),
  );
const text = `# Benchmarks

Speed is measured here, never asserted in tests: the machines are shared and noisy, so each benchmark
runs this project and its peer in the same command and reports the ratio. Each section says how to
reproduce it; the raw tables come from \`bench/<name>/RESULTS.md\` (assembled by \`node scripts/benchmarks-doc.mjs\`).

${sections.join('\n\n')}
`;
const target = path.join('docs', 'benchmarks.md');
if (process.argv.includes('--check')) {
  if (!existsSync(target) || readFileSync(target, 'utf8') !== text) {
    console.error('docs/benchmarks.md is stale: run node scripts/benchmarks-doc.mjs');
    process.exit(1);
  }
} else {
  writeFileSync(target, text);
  console.log(`wrote ${target} from ${sections.length} benchmark(s)`);
}
