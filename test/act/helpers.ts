import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../harness/bundle.js';

export const sampleFrontendDir = path.join(repoRoot, 'scripts', 'demo', 'sample-frontend');

/** The files of a folder as `{ '<prefix>/<relative path>': content }`, for a workspace. */
export function filesOf(dir: string, prefix: string): Record<string, Buffer> {
  const files: Record<string, Buffer> = {};
  const walk = (current: string) => {
    for (const entry of readdirSync(current)) {
      const full = path.join(current, entry);
      if (entry === 'node_modules' || entry === 'dist') continue;
      if (statSync(full).isDirectory()) walk(full);
      else files[path.posix.join(prefix, path.relative(dir, full).split(path.sep).join('/'))] = readFileSync(full);
    }
  };
  walk(dir);
  return files;
}

/** The demo's sample frontend (sources, not built) under frontend/ of a workspace. */
export function sampleFrontendWorkspace(): Record<string, Buffer> {
  return filesOf(sampleFrontendDir, 'frontend');
}
