#!/usr/bin/env node
// Rebuilds every bundle and fails when dist/ differs from what is committed.
import { execFileSync } from 'node:child_process';
execFileSync(process.execPath, ['scripts/build.mjs'], { stdio: 'inherit' });
const status = execFileSync('git', ['status', '--porcelain', '--', 'dist'], { encoding: 'utf8' });
if (status.trim()) {
  console.error(`dist/ is stale: the committed bundles differ from a fresh build:\n${status}\nRun npm run build and commit dist/.`);
  process.exit(1);
}
console.log('check-dist: dist/ matches the source');
