import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { repoRoot } from '../harness/bundle.js';

// Runs scripts/release.mjs in a scratch repository with a bare "origin", so tags and the atomic
// push are real git operations; the (slow) build steps are replaced by a marker command.
describe('npm run release', () => {
  let dir: string;
  let origin: string;
  const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, encoding: 'utf8' }).trim();
  const release = (...args: string[]) =>
    spawnSync(process.execPath, [path.join(dir, 'scripts/release.mjs'), ...args], {
      cwd: dir,
      encoding: 'utf8',
      env: {
        ...process.env,
        NODE_PATH: path.join(repoRoot, 'node_modules'),
        RELEASE_CHECK_DIST_COMMAND: 'echo check-dist-ran',
        RELEASE_BUILD_COMMAND: "node -e \"require('fs').writeFileSync('dist/x/index.js', 'built ' + require('./package.json').version)\"",
      },
    });

  beforeEach(() => {
    const base = mkdtempSync(path.join(tmpdir(), 'release-'));
    origin = path.join(base, 'origin.git');
    dir = path.join(base, 'work');
    execFileSync('git', ['init', '-q', '--bare', origin]);
    mkdirSync(path.join(dir, 'scripts'), { recursive: true });
    mkdirSync(path.join(dir, 'packages/toolkit/src'), { recursive: true });
    mkdirSync(path.join(dir, 'dist/x'), { recursive: true });
    cpSync(path.join(repoRoot, 'scripts/release.mjs'), path.join(dir, 'scripts/release.mjs'));
    // The script imports semver; make the repo's node_modules resolvable from the scratch copy.
    execFileSync('ln', ['-s', path.join(repoRoot, 'node_modules'), path.join(dir, 'node_modules')]);
    writeFileSync(path.join(dir, '.gitignore'), 'node_modules\n');
    writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'x', version: '0.1.0', type: 'module' }, null, 2) + '\n');
    writeFileSync(path.join(dir, 'packages/toolkit/src/version.ts'), "export const VERSION = '0.1.0';\n");
    writeFileSync(path.join(dir, 'CHANGELOG.md'), '# Changelog\n\n## Unreleased\n\n- s3-sync-frontend: deploys a built frontend.\n');
    writeFileSync(path.join(dir, 'dist/x/index.js'), 'built 0.1.0');
    git('init', '-q', '-b', 'main');
    git('config', 'user.email', 't@example.invalid');
    git('config', 'user.name', 'test');
    git('add', '-A');
    git('commit', '-q', '-m', 'Add the first action');
    git('remote', 'add', 'origin', origin);
    git('push', '-q', 'origin', 'main');
  });

  afterEach(() => rmSync(path.dirname(dir), { recursive: true, force: true }));

  const remoteTag = (tag: string) =>
    execFileSync('git', ['--git-dir', origin, 'rev-parse', `${tag}^{commit}`], { encoding: 'utf8' }).trim();

  it('tags vX.Y.Z, moves vX and vX.Y, updates version and changelog, and pushes everything', () => {
    const first = release('1.2.3');
    expect(first.status).toBe(0);
    expect(first.stderr).toContain('v1 -> v1');
    const head = git('rev-parse', 'HEAD');
    expect(remoteTag('v1.2.3')).toBe(head);
    expect(remoteTag('v1')).toBe(head);
    expect(remoteTag('v1.2')).toBe(head);
    expect(execFileSync('git', ['--git-dir', origin, 'rev-parse', 'main'], { encoding: 'utf8' }).trim()).toBe(head);
    expect(JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')).version).toBe('1.2.3');
    expect(readFileSync(path.join(dir, 'packages/toolkit/src/version.ts'), 'utf8')).toContain("VERSION = '1.2.3'");
    expect(readFileSync(path.join(dir, 'dist/x/index.js'), 'utf8')).toBe('built 1.2.3');
    const changelog = readFileSync(path.join(dir, 'CHANGELOG.md'), 'utf8');
    // The user-facing notes written under `## Unreleased` become the release's section; commit
    // subjects are not release notes.
    expect(changelog).toMatch(/## v1\.2\.3 \(\d{4}-\d\d-\d\d\)\n\n- s3-sync-frontend: deploys a built frontend\./);
    expect(changelog).not.toContain('Add the first action');
    expect(changelog).not.toContain('## Unreleased');

    writeFileSync(path.join(dir, 'fix.txt'), 'fix');
    writeFileSync(path.join(dir, 'CHANGELOG.md'), changelog.replace('# Changelog\n', '# Changelog\n\n## Unreleased\n\n- Fix the retry\n'));
    git('add', 'fix.txt', 'CHANGELOG.md');
    git('commit', '-q', '-m', 'Fix the retry');
    expect(release('1.3.0').status).toBe(0);
    const second = git('rev-parse', 'HEAD');
    expect(remoteTag('v1')).toBe(second);
    expect(remoteTag('v1.3')).toBe(second);
    expect(remoteTag('v1.2')).toBe(head);
    expect(remoteTag('v1.2.3')).toBe(head);
    const newest = readFileSync(path.join(dir, 'CHANGELOG.md'), 'utf8');
    expect(newest.indexOf('## v1.3.0')).toBeLessThan(newest.indexOf('## v1.2.3'));
    expect(newest).toContain('- Fix the retry');
  });

  it.each([
    ['not semver', 'one.two', /'one.two' is not a release version/],
    ['a prerelease', '1.0.0-rc.1', /is not a release version/],
  ])('rejects %s', (_label, version, message) => {
    const result = release(version);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(message);
    expect(git('tag', '--list')).toBe('');
  });

  it('rejects a version that is not greater than the last tag', () => {
    expect(release('1.2.3').status).toBe(0);
    const again = release('1.2.3');
    expect(again.status).toBe(1);
    expect(again.stderr).toContain('v1.2.3 is not greater than the last release v1.2.3');
    expect(release('1.1.9').stderr).toContain('is not greater than the last release v1.2.3');
  });

  it('refuses to release without user-facing notes under ## Unreleased, and changes nothing', () => {
    writeFileSync(path.join(dir, 'CHANGELOG.md'), '# Changelog\n');
    git('commit', '-q', '-am', 'Drop the notes');
    const result = release('1.0.0');
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("CHANGELOG.md has no '## Unreleased' section");
    expect(git('tag', '--list')).toBe('');
    expect(JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')).version).toBe('0.1.0');
  });

  it('rejects a dirty tree and changes nothing', () => {
    writeFileSync(path.join(dir, 'CHANGELOG.md'), '# Changelog\n\nlocal edit\n');
    const result = release('2.0.0');
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('uncommitted changes');
    expect(git('tag', '--list')).toBe('');
    expect(JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')).version).toBe('0.1.0');
  });
});
