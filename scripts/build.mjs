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

/** Source files generated from a package's data at build time: the bundle carries that package's content. */
const DERIVED_FROM = {
  'packages/s3-sync-frontend/src/mime-table.ts': ['mime-db', 'mime-types'], // scripts/mime-table.mjs
};

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
  const stats = path.join(root, out, 'stats.json');
  run(process.execPath, [
    ncc,
    'build',
    action.entry,
    '-o',
    out,
    '--minify',
    '--stats-out',
    stats,
    '--quiet',
    '--target',
    'es2022',
    '--transpile-only',
  ]);
  writeLicenses(path.join(root, out), stats);
  minifyChunks(path.join(root, out));
  embedMetadata(action, path.join(root, out, 'index.js'));
}

/**
 * dist/<name>/licenses.txt: the license of every package bundled into any of the bundle's files, as
 * `name`, license id and license text per package. ncc's own --license writes one file per chunk
 * under the same name, so a bundle split into chunks kept only the last chunk's packages (the
 * entry's aws4 and picomatch, and all of the deploy bundle's SDK, were missing). The packages come
 * from webpack's stats (every module of every chunk), the texts from each package's LICENSE file.
 */
function writeLicenses(dir, statsFile) {
  const stats = JSON.parse(readFileSync(statsFile, 'utf8'));
  rmSync(statsFile);
  const packages = new Map(); // name -> folder
  // modules in a chunk (webpack also lists the orphans it left out), with the ones concatenated into them
  const modules = (stats.modules ?? []).filter((m) => m.chunks?.length).flatMap((module) => [module, ...(module.modules ?? [])]);
  for (const module of modules) {
    const name = String(module.name ?? '').replace(/^\.\//, '');
    const match = /^(.*node_modules\/((?:@[^/]+\/)?[^/]+))\//.exec(name);
    if (match) packages.set(match[2], path.join(root, match[1]));
    for (const source of DERIVED_FROM[name] ?? []) packages.set(source, path.join(root, 'node_modules', source));
  }
  const entries = [...packages].sort(([a], [b]) => (a < b ? -1 : 1));
  const text = entries.map(([name, folder]) => {
    const { license = 'UNKNOWN' } = JSON.parse(readFileSync(path.join(folder, 'package.json'), 'utf8'));
    const file = readdirSync(folder).find((f) => /^licen[cs]e(\.(md|txt))?$/i.test(f));
    return [
      name,
      typeof license === 'string' ? license : JSON.stringify(license),
      file ? readFileSync(path.join(folder, file), 'utf8').trim() : '',
    ]
      .filter(Boolean)
      .join('\n');
  });
  writeFileSync(path.join(dir, 'licenses.txt'), `${text.join('\n\n\n')}\n`);
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
