#!/usr/bin/env node
// Type-checks the repository, bundles every action with ncc into dist/<name>/index.js, then runs
// each bundle once under Node 24 (a smoke test: an ESM/CJS mix-up builds fine and crashes at start).
// Usage: node scripts/build.mjs [action-name ...]   (no names: every action)
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import swc from '@swc/core';
import { parse } from 'yaml';
import { discoverActions, node24 } from './lib/actions.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const skipTypecheck = args.includes('--no-typecheck');
const names = args.filter((a) => !a.startsWith('--'));
const all = discoverActions(root);
const selected = names.length ? all.filter((a) => names.includes(a.name)) : all;
if (names.length && selected.length !== names.length) {
  console.error(
    `Unknown action(s): ${names.filter((n) => !all.some((a) => a.name === n)).join(', ')}. Known: ${all.map((a) => a.name).join(', ')}`,
  );
  process.exit(1);
}

const run = (cmd, cmdArgs) => execFileSync(cmd, cmdArgs, { cwd: root, stdio: 'inherit' });

if (!skipTypecheck) {
  console.log('type-check: tsc -p .');
  run(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', '.']);
}

if (!names.length) {
  // A bundle whose action was removed must not linger in dist/.
  for (const dir of existsSync(path.join(root, 'dist')) ? readdirSync(path.join(root, 'dist')) : []) {
    if (!all.some((a) => a.name === dir)) rmSync(path.join(root, 'dist', dir), { recursive: true, force: true });
  }
}

const ncc = path.join(root, 'node_modules/@vercel/ncc/dist/ncc/cli.js');
for (const action of selected) {
  const out = path.join('dist', action.name);
  rmSync(path.join(root, out), { recursive: true, force: true });
  console.log(`bundle: ${action.entry} -> ${out}/index.js`);
  // --transpile-only: tsc above is the one type-check; without it ncc re-checks the whole program
  // per bundle, which is slow and lets one action's type error break every other bundle.
  run(process.execPath, [
    ncc,
    'build',
    action.entry,
    '-o',
    out,
    '--minify',
    '--license',
    'licenses.txt',
    '--quiet',
    '--target',
    'es2022',
    '--transpile-only',
  ]);
  minifyChunks(path.join(root, out));
  embedMetadata(action, path.join(root, out, 'index.js'));
}

/**
 * ncc's --minify minifies the entry file only; a chunk split off by a dynamic import (the AWS SDK
 * in s3-sync-frontend, loaded after the build's hashing has started) is written as webpack emits
 * it, 1.5 MB instead of 0.9 MB for Node to parse at start. Minified here as ncc minifies the
 * entry (mangled names, no compression), keeping class and function names, which error messages
 * and the SDK's error classes use.
 */
function minifyChunks(dir) {
  for (const file of readdirSync(dir).filter((name) => name.endsWith('.js') && name !== 'index.js')) {
    const chunk = path.join(dir, file);
    const { code } = swc.minifySync(readFileSync(chunk, 'utf8'), {
      module: true,
      compress: false,
      mangle: { keepClassNames: true, keepFnNames: true },
      format: { comments: false },
    });
    writeFileSync(chunk, code);
  }
}

/**
 * Prepends `globalThis.__allthriveAction = {name, inputs}` (the inputs action.yml declares) to the
 * bundle: runAction refuses any INPUT_* variable not in that list before the action starts (a typo
 * such as `prefx:` would otherwise silently fall back to the default). Why embedded at build time
 * and not read at run time: see packages/toolkit/src/declared-inputs.ts.
 */
function embedMetadata(action, bundle) {
  const metadata = parse(readFileSync(path.join(root, action.metadata), 'utf8'));
  const embedded = { name: action.name, inputs: Object.keys(metadata?.inputs ?? {}) };
  const prelude = `globalThis.__allthriveAction=${JSON.stringify(embedded)};\n`;
  writeFileSync(bundle, prelude + readFileSync(bundle, 'utf8'));
}

let failed = 0;
for (const action of selected) {
  const bundle = path.join(root, 'dist', action.name, 'index.js');
  const env = { PATH: process.env.PATH, HOME: process.env.HOME };
  const result = spawnSync(node24(root), [bundle], { env, encoding: 'utf8', timeout: 30_000 });
  const out = `${result.stdout}${result.stderr}`;
  const crashed =
    result.status !== 1 || !out.includes('::error') || /Cannot find module|SyntaxError|ERR_REQUIRE_ESM|ReferenceError/.test(out);
  if (crashed) {
    failed++;
    console.error(
      `smoke: ${action.name} did not start cleanly (exit ${result.status}); expected exit 1 with an ::error line for its missing inputs:\n${out}`,
    );
  } else {
    console.log(`smoke: ${action.name} starts under Node 24 and rejects missing inputs cleanly`);
  }
}
if (failed) process.exit(1);
