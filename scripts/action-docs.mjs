#!/usr/bin/env node
// Writes the inputs/outputs tables of each action's README from its action.yml, between
// `<!-- action-docs:start -->` and `<!-- action-docs:end -->`. With --check, changes nothing and
// fails when any README is stale (CI runs it that way).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { discoverActions } from './lib/actions.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const check = process.argv.includes('--check');
const START = '<!-- action-docs:start -->';
const END = '<!-- action-docs:end -->';

const cell = (text) =>
  String(text ?? '')
    .trim()
    .replace(/\r?\n/g, ' ')
    .replace(/\|/g, '\\|');
const code = (text) => (text === undefined || text === '' ? '' : `\`${cell(text).replace(/`/g, "'")}\``);

export function renderTables(metadata) {
  const lines = ['### Inputs', '', '| name | required | default | description |', '| --- | --- | --- | --- |'];
  for (const [name, input] of Object.entries(metadata.inputs ?? {})) {
    lines.push(`| \`${name}\` | ${input.required ? 'yes' : 'no'} | ${code(input.default)} | ${cell(input.description)} |`);
  }
  lines.push('', '### Outputs', '', '| name | description |', '| --- | --- |');
  for (const [name, output] of Object.entries(metadata.outputs ?? {})) {
    lines.push(`| \`${name}\` | ${cell(output.description)} |`);
  }
  return lines.join('\n');
}

let stale = 0;
for (const action of discoverActions(root)) {
  // The root action's README is the repository's own; its reference page is docs/root-action.md.
  const readme =
    action.metadata === 'action.yml'
      ? path.join(root, 'docs', 'root-action.md')
      : path.join(root, path.dirname(action.metadata), 'README.md');
  const metadata = parse(readFileSync(path.join(root, action.metadata), 'utf8'));
  const current = existsSync(readme) ? readFileSync(readme, 'utf8') : '';
  const start = current.indexOf(START);
  const end = current.indexOf(END);
  if (start < 0 || end < start) {
    stale++;
    console.error(`${path.relative(root, readme)}: has no ${START} ... ${END} block for the generated inputs/outputs tables.`);
    continue;
  }
  const next = `${current.slice(0, start + START.length)}\n${renderTables(metadata)}\n${current.slice(end)}`;
  if (next === current) continue;
  if (check) {
    stale++;
    console.error(`${path.relative(root, readme)}: the inputs/outputs tables are stale; run npm run docs.`);
  } else {
    writeFileSync(readme, next);
    console.log(`wrote ${path.relative(root, readme)}`);
  }
}
if (stale) process.exit(1);
