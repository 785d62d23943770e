/**
 * No `${{ … }}` inside a `run:` script, in anything a user copies or CI runs: the expression is
 * pasted into the script before the shell sees it, so a step output carrying free text (an ECS
 * event, a file name, a commit message) can close the quote and run commands. Values reach a
 * script through `env:` instead. Scans every workflow and action file and every YAML snippet of
 * the READMEs and docs.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { parseAllDocuments } from 'yaml';
import { repoRoot } from '../harness/bundle.js';

/** Files relative to the repo root: `dir/*<suffix>` (one level, sorted). */
function filesIn(dir: string, suffix: string): string[] {
  try {
    return readdirSync(path.join(repoRoot, dir))
      .filter((name) => name.endsWith(suffix))
      .sort()
      .map((name) => path.posix.join(dir, name));
  } catch {
    return [];
  }
}

/** `actions/<action>/<file>` for every action (sorted). */
const perAction = (file: string) =>
  readdirSync(path.join(repoRoot, 'actions'))
    .sort()
    .map((name) => `actions/${name}/${file}`);

const markdownFiles = ['README.md', ...perAction('README.md'), ...filesIn('docs', '.md')];
const yamlFiles = [
  'action.yml',
  ...perAction('action.yml'),
  ...filesIn('examples/workflows', '.yml'),
  ...filesIn('.github/workflows', '.yml'),
  ...filesIn('test/workflows', '.yml'),
];

/** The ```yaml fenced blocks of a markdown text, with the line each starts on. */
export function yamlBlocks(markdown: string): { line: number; text: string }[] {
  const blocks: { line: number; text: string }[] = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(```+|~~~+)\s*ya?ml\b/.exec(lines[i]);
    if (!open) continue;
    const body: string[] = [];
    let j = i + 1;
    while (j < lines.length && !lines[j].trimStart().startsWith(open[2])) body.push(lines[j++]);
    blocks.push({ line: i + 2, text: body.map((l) => l.slice(Math.min(open[1].length, l.length - l.trimStart().length))).join('\n') });
    i = j;
  }
  return blocks;
}

/** Every `run:` string in a parsed YAML value that contains `${{`. */
export function expressionsInRun(value: unknown, where: string[] = []): string[] {
  if (Array.isArray(value)) return value.flatMap((item, index) => expressionsInRun(item, [...where, String(index)]));
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value as Record<string, unknown>).flatMap(([key, child]) => {
    if (key === 'run' && typeof child === 'string' && child.includes('${{'))
      return [
        `${[...where, key].join('.')}: ${child
          .split('\n')
          .find((l) => l.includes('${{'))!
          .trim()}`,
      ];
    return expressionsInRun(child, [...where, key]);
  });
}

function parseYaml(text: string): unknown[] {
  return parseAllDocuments(text).map((doc) => {
    if (doc.errors.length) throw new Error(doc.errors[0].message);
    return doc.toJS();
  });
}

describe('no ${{ }} expression inside a run: script', () => {
  it('finds one in a snippet, and none where values go through env:', () => {
    const unsafe = yamlBlocks(['```yaml', "- run: echo '${{ steps.deploy.outputs.services }}' | jq .", '```'].join('\n')).flatMap((b) =>
      expressionsInRun(parseYaml(b.text)),
    );
    expect(unsafe).toEqual(["0.0.run: echo '${{ steps.deploy.outputs.services }}' | jq ."]);
    const safe = yamlBlocks(
      ['```yml', '- env:', '    SERVICES: ${{ steps.deploy.outputs.services }}', '  run: echo "$SERVICES" | jq .', '```'].join('\n'),
    ).flatMap((b) => expressionsInRun(parseYaml(b.text)));
    expect(safe).toEqual([]);
  });

  it.each(markdownFiles)('%s: every YAML snippet', (file) => {
    const found = yamlBlocks(readFileSync(path.join(repoRoot, file), 'utf8')).flatMap((block) => {
      let docs: unknown[];
      try {
        docs = parseYaml(block.text);
      } catch (error) {
        return [`line ${block.line}: the snippet is not valid YAML (${(error as Error).message.split('\n')[0]})`];
      }
      return expressionsInRun(docs).map((hit) => `snippet at line ${block.line}: ${hit}`);
    });
    expect(found).toEqual([]);
  });

  it.each(yamlFiles)('%s', (file) => {
    expect(expressionsInRun(parseYaml(readFileSync(path.join(repoRoot, file), 'utf8')))).toEqual([]);
  });
});
