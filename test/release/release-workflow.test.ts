/**
 * .github/workflows/release.yml under act: dispatched from a branch other than main it releases
 * nothing; from main it pushes the release commit and the three tags (vX.Y.Z, vX, vX.Y) to the
 * remote in one push. The release script itself is tested in release.test.ts; here a stand-in
 * script makes the commit and tags the way it does, so the test is about the workflow.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { initGitWorkspace, runAct, writeFiles } from '../harness/act.js';
import { writeStandIns } from '../../scripts/local/stand-ins.mjs';
import { repoRoot } from '../harness/bundle.js';

const releaseScript = `
import { execFileSync } from 'node:child_process';
const version = process.argv[2];
if (!process.argv.includes('--no-push')) throw new Error('the workflow must call the release script with --no-push');
const git = (...args) => execFileSync('git', args, { stdio: 'inherit' });
git('commit', '-q', '--allow-empty', '-m', 'Release v' + version);
git('tag', '-a', 'v' + version, '-m', 'v' + version);
git('tag', '-f', 'v' + version.split('.')[0]);
git('tag', '-f', 'v' + version.split('.').slice(0, 2).join('.'));
`;

describe('release workflow (act)', () => {
  let base: string;
  let workspace: string;
  let origin: string;
  const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, encoding: 'utf8' }).trim();

  beforeEach(() => {
    base = mkdtempSync(path.join(tmpdir(), 'release-workflow-'));
    workspace = path.join(base, 'repo');
    origin = path.join(base, 'origin.git');
    execFileSync('git', ['init', '-q', '--bare', origin]);
    writeFiles(workspace, {
      '.github/workflows/release.yml': readFileSync(path.join(repoRoot, '.github/workflows/release.yml')),
      'package.json': JSON.stringify({ name: 'x', version: '0.1.0', private: true, scripts: { release: 'node release.mjs' } }),
      'package-lock.json': JSON.stringify({
        name: 'x',
        version: '0.1.0',
        lockfileVersion: 3,
        requires: true,
        packages: { '': { name: 'x', version: '0.1.0' } },
      }),
      'release.mjs': releaseScript,
      '.gitignore': 'node_modules/\n',
    });
    initGitWorkspace(workspace);
    git(workspace, 'remote', 'add', 'origin', origin);
    git(workspace, 'push', '-q', 'origin', 'main');
  });
  afterEach(() => rmSync(base, { recursive: true, force: true }));

  async function dispatch() {
    const { mapping } = writeStandIns(path.join(workspace, '.github/workflows/release.yml'), workspace, path.join(base, 'stand-ins'));
    return runAct({
      workflow: path.join(workspace, '.github/workflows/release.yml'),
      event: 'workflow_dispatch',
      inputs: { version: '1.0.0' },
      workspace,
      localRepositories: mapping,
      timeoutMs: 120_000,
    });
  }

  it('from a branch other than main: the job does not run and the remote is unchanged', async () => {
    git(workspace, 'checkout', '-q', '-b', 'feature');
    git(workspace, 'commit', '-q', '--allow-empty', '-m', 'unreviewed');
    const run = await dispatch();
    try {
      expect(run.exitCode).toBe(0);
      expect(run.jobs).toEqual({});
      expect(run.steps).toEqual([]);
      expect(git(origin, 'tag', '--list')).toBe('');
      expect(git(origin, 'log', '--format=%s', 'main')).toBe('workspace');
    } finally {
      run.cleanup();
    }
  });

  it('from main: one push carries the release commit, vX.Y.Z, vX and vX.Y', async () => {
    const run = await dispatch();
    try {
      expect({ exit: run.exitCode, jobs: run.jobs, failures: run.failures }).toEqual({
        exit: 0,
        jobs: { release: 'success' },
        failures: [],
      });
      expect(git(origin, 'log', '--format=%s', '-1', 'main')).toBe('Release v1.0.0');
      expect(git(origin, 'tag', '--list').split('\n').sort()).toEqual(['v1', 'v1.0', 'v1.0.0']);
      const release = git(origin, 'rev-parse', 'main');
      for (const tag of ['v1', 'v1.0', 'v1.0.0']) expect(git(origin, 'rev-parse', `${tag}^{commit}`)).toBe(release);
    } finally {
      run.cleanup();
    }
  });
});
