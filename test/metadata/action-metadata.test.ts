import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { parse } from 'yaml';
import { repoRoot } from '../harness/bundle.js';
// @ts-expect-error plain ESM helper shared with the build script
import { discoverActions } from '../../scripts/lib/actions.mjs';

interface Metadata {
  name?: string;
  description?: string;
  runs?: { using?: string; main?: string };
  inputs?: Record<string, { description?: string; required?: boolean; default?: unknown }>;
  outputs?: Record<string, { description?: string }>;
}

const actions: { name: string; entry: string; metadata: string }[] = discoverActions(repoRoot);

function sourceFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((entry) => {
    const full = path.join(dir, entry);
    if (statSync(full).isDirectory()) return sourceFiles(full);
    return full.endsWith('.ts') ? [full] : [];
  });
}

/** The files whose input reads and outputs belong to an action: its adapter and its engine package. */
function ownFiles(action: { name: string; entry: string }): string[] {
  const adapterDir = path.join(repoRoot, path.dirname(action.entry));
  return [...sourceFiles(adapterDir), ...sourceFiles(path.join(repoRoot, 'packages', action.name, 'src'))];
}

/** Engine packages whose `inputs.ts` the action reuses (the root action reads each part through them). */
function borrowedPackages(files: string[], own: string): string[] {
  const packages = new Set<string>();
  for (const file of files) {
    for (const [, pkg] of readFileSync(file, 'utf8').matchAll(/from '@allthrive\/([a-z0-9-]+)'/g)) {
      if (pkg !== own && pkg !== 'toolkit' && existsSync(path.join(repoRoot, 'packages', pkg, 'src', 'inputs.ts'))) packages.add(pkg);
    }
  }
  return [...packages];
}

type Renames = Record<string, string | { fixed: string }>;

/**
 * The inputs an action reads: its own reader calls, plus those of each engine it reuses, renamed
 * the way the action maps them (`ENGINE_INPUT_RENAMES`: engine name → the action's name, or a
 * value the action fixes itself and so does not declare).
 */
async function inputsOf(action: { name: string; entry: string }): Promise<Set<string>> {
  const own = ownFiles(action);
  const names = inputsReadBy(own);
  const borrowed = borrowedPackages(own, action.name);
  let renames: Record<string, Renames> = {};
  if (borrowed.length) {
    const engine = (await import(path.join(repoRoot, 'packages', action.name, 'src', 'index.ts'))) as {
      ENGINE_INPUT_RENAMES?: Record<string, Renames>;
    };
    renames = engine.ENGINE_INPUT_RENAMES ?? {};
  }
  for (const pkg of borrowed) {
    for (const name of inputsReadBy([path.join(repoRoot, 'packages', pkg, 'src', 'inputs.ts')])) {
      const rename = renames[pkg]?.[name];
      if (rename === undefined) names.add(name);
      else if (typeof rename === 'string') names.add(rename);
    }
  }
  return names;
}

const READER = /\.(?:string|optional|boolean|list|lines|duration|integer|enumeration|json|workspacePath)\(\s*['"]([a-z0-9-]+)['"]/g;

export function inputsReadBy(files: string[]): Set<string> {
  const names = new Set<string>();
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    for (const [, name] of text.matchAll(READER)) names.add(name);
    for (const [, list] of text.matchAll(/\.exclusive\(([^)]*)\)/g))
      for (const [, name] of list.matchAll(/['"]([a-z0-9-]+)['"]/g)) names.add(name);
    if (/readAwsInputs\(/.test(text)) {
      names.add('aws-region');
      names.add('endpoint-url');
      if (/maxAttemptsDefault/.test(text)) names.add('max-attempts');
    }
    if (/runAction\(/.test(text) && !/summaryInput:\s*false/.test(text)) names.add('summary');
  }
  return names;
}

function outputsSetBy(files: string[]): Set<string> {
  const names = new Set<string>();
  for (const file of files)
    for (const [, name] of readFileSync(file, 'utf8').matchAll(/setOutput\(\s*['"]([a-z0-9-]+)['"]/g)) names.add(name);
  return names;
}

describe('action metadata', () => {
  it('finds the actions in the repository', () => {
    expect(actions.length).toBeGreaterThan(0);
  });

  describe.each(actions.map((a) => [a.name, a] as const))('%s', (_name, action) => {
    const metadataPath = path.join(repoRoot, action.metadata);
    const text = readFileSync(metadataPath, 'utf8');
    let metadata: Metadata = {};
    let yamlError = '';
    try {
      metadata = parse(text) as Metadata;
    } catch (error) {
      yamlError = (error as Error).message;
    }
    const files = ownFiles(action);

    it('is valid YAML (the runner refuses to load an action whose metadata does not parse)', () => {
      expect(yamlError).toBe('');
    });

    it('runs on node24 and its main bundle exists', () => {
      expect(metadata.name).toBeTruthy();
      expect(metadata.description).toBeTruthy();
      expect(metadata.runs?.using).toBe('node24');
      const main = path.resolve(path.dirname(metadataPath), metadata.runs?.main ?? '');
      expect(path.relative(repoRoot, main)).toBe(path.join('dist', action.name, 'index.js'));
      expect(existsSync(main)).toBe(true);
    });

    it('declares every input and output with a kebab-case name and a description', () => {
      for (const [name, input] of Object.entries({ ...metadata.inputs, ...metadata.outputs })) {
        expect(name).toMatch(/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/);
        expect(typeof input.description).toBe('string');
        expect((input.description ?? '').length).toBeGreaterThan(10);
      }
      for (const [name, input] of Object.entries(metadata.inputs ?? {})) {
        if (input.default !== undefined) expect([name, typeof input.default]).toEqual([name, 'string']);
      }
    });

    it('declares every input the code reads, and reads every input it declares', async () => {
      const read = [...(await inputsOf(action))].sort();
      const declared = Object.keys(metadata.inputs ?? {}).sort();
      expect(read.filter((n) => !declared.includes(n))).toEqual([]);
      expect(declared.filter((n) => !read.includes(n))).toEqual([]);
    });

    it('sets every output it declares, and declares every output it sets', () => {
      const set = [...outputsSetBy(files)].sort();
      const declared = Object.keys(metadata.outputs ?? {}).sort();
      expect(declared.filter((n) => !set.includes(n))).toEqual([]);
      expect(set.filter((n) => !declared.includes(n))).toEqual([]);
    });
  });
});

// dist/<name>/licenses.txt must name every third-party package bundled into any file of the bundle
// (scripts/build.mjs writeLicenses). ncc's own --license kept only the last chunk's packages once a
// bundle was split into chunks: these were missing, each from another chunk of the bundle.
describe('licenses.txt covers every chunk of a split bundle', () => {
  it.each([
    ['s3-sync-frontend', ['aws4', 'picomatch', 'mime-db', 'p-limit', '@aws-sdk/client-s3']],
    ['deploy', ['picomatch', 'ws', '@aws-sdk/client-ecs', '@aws-sdk/client-s3']],
  ])("%s: the entry's, the deploy chunk's and the SDK chunk's packages, each with its license", (name, packages) => {
    const text = readFileSync(path.join(repoRoot, 'dist', name, 'licenses.txt'), 'utf8');
    // each package: its name on a line of its own, at the start or after the blank lines between two packages, then its license id
    const missing = packages.filter((pkg) => !new RegExp(`(^|\\n\\n\\n)${pkg.replace(/[/.]/g, '\\$&')}\\n[A-Za-z0-9.() -]+\\n`).test(text));
    expect(missing).toEqual([]);
    expect(text).toMatch(/\n\n\npicomatch\nMIT\nThe MIT License[\s\S]*?Permission is hereby granted/);
  });
});
