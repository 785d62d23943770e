/**
 * What the workflows a user copies (examples/workflows) and this repository's own workflows
 * (.github/workflows) promise about credentials and supply chain, checked on the files themselves:
 * actionlint finds nothing; third-party actions are pinned to a commit; no job that can get AWS
 * credentials installs or builds the frontend; installs run no install scripts; checkouts do not
 * keep the token; only main can release. Each check is first shown to catch the pattern it forbids.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { parse } from 'yaml';
import { repoRoot } from '../harness/bundle.js';

type Step = { uses?: string; run?: string; with?: Record<string, unknown>; env?: Record<string, string>; name?: string };
type Job = { permissions?: Record<string, string> | string; steps?: Step[]; if?: string; environment?: unknown; uses?: string };
type Workflow = { permissions?: Record<string, string> | string; jobs: Record<string, Job> };

// Every example workflow (the deploy ones hold AWS credentials; ci.yml runs on pull requests) and
// this repository's own workflows.
const workflowFiles = ['examples/workflows', '.github/workflows'].flatMap((dir) =>
  readdirSync(path.join(repoRoot, dir))
    .filter((name) => name.endsWith('.yml'))
    .sort()
    .map((name) => `${dir}/${name}`),
);
const load = (file: string) => ({ file, text: readFileSync(path.join(repoRoot, file), 'utf8') });

// The complete workflows the READMEs show (a yaml block with `jobs:`): users copy these as often as
// the example files.
const readmeFiles = [
  'README.md',
  ...readdirSync(path.join(repoRoot, 'actions')).map((name) => `actions/${name}/README.md`),
  'docs/root-action.md',
  'docs/local-testing.md',
];
const readmeWorkflows = readmeFiles.flatMap((file) =>
  [...readFileSync(path.join(repoRoot, file), 'utf8').matchAll(/```ya?ml\n([\s\S]*?)```/g)]
    .map(([, text]) => text)
    .filter((text) => /^jobs:/m.test(text))
    .map((text, index) => ({ file: `${file} workflow ${index + 1}`, text })),
);

/** `uses:` lines of third-party actions not pinned to a full commit SHA with a version comment. */
export function unpinned(text: string): string[] {
  return [...text.matchAll(/^\s*(?:-\s+)?uses:\s*(\S+)(.*)$/gm)]
    .filter(([, uses]) => !uses.startsWith('./') && !uses.startsWith('allthrive/actions'))
    .filter(([, uses, rest]) => !/@[0-9a-f]{40}$/.test(uses) || !/#\s*v\d+\.\d+\.\d+\b/.test(rest))
    .map(([line]) => line.trim());
}

/** Jobs that may get AWS credentials (id-token: write) and also install or build with npm. */
export function buildsWithCredentials(text: string): string[] {
  const workflow = parse(text) as Workflow;
  return Object.entries(workflow.jobs).flatMap(([id, job]) => {
    const permissions = job.permissions ?? workflow.permissions;
    const oidc = typeof permissions === 'object' ? permissions['id-token'] === 'write' : permissions === 'write-all';
    const npm = (job.steps ?? []).filter((s) => /\b(npm|yarn|pnpm)\s+(ci|install|run|build)\b/.test(s.run ?? ''));
    return oidc && npm.length ? [`${id}: ${npm.map((s) => s.name ?? s.run).join('; ')}`] : [];
  });
}

/** `npm ci` / `npm install` commands that run dependencies' install scripts. */
export function installsWithScripts(text: string): string[] {
  return [...text.matchAll(/\bnpm\s+(?:ci|install)\b[^\n]*/g)].map(([line]) => line).filter((line) => !line.includes('--ignore-scripts'));
}

/** Checkout steps that keep the job's token in .git/config. */
export function keptTokens(text: string): string[] {
  const workflow = parse(text) as Workflow;
  return Object.entries(workflow.jobs).flatMap(([id, job]) =>
    (job.steps ?? []).filter((s) => s.uses?.startsWith('actions/checkout@') && s.with?.['persist-credentials'] !== false).map(() => id),
  );
}

describe('workflow policy', () => {
  it('each check catches what it forbids', () => {
    const old = [
      'permissions: { id-token: write, contents: write }',
      'jobs:',
      '  deploy:',
      '    runs-on: ubuntu-latest',
      '    steps:',
      '      - uses: actions/checkout@v5',
      '      - uses: aws-actions/configure-aws-credentials@e6de054238d6b7531b4efff3b6587d9aade6a06c',
      '      - name: Build the frontend',
      '        run: npm ci --no-audit && npm run build',
    ].join('\n');
    expect(unpinned(old)).toEqual([
      '- uses: actions/checkout@v5',
      '- uses: aws-actions/configure-aws-credentials@e6de054238d6b7531b4efff3b6587d9aade6a06c',
    ]);
    expect(buildsWithCredentials(old)).toEqual(['deploy: Build the frontend']);
    expect(installsWithScripts(old)).toEqual(['npm ci --no-audit && npm run build']);
    expect(keptTokens(old)).toEqual(['deploy']);
  });

  it.each(workflowFiles)('%s: third-party actions pinned to a commit SHA with the version in a comment', (file) => {
    expect(unpinned(load(file).text)).toEqual([]);
  });

  it.each(workflowFiles)('%s: no job with an OIDC token installs or builds with npm; installs skip install scripts', (file) => {
    const { text } = load(file);
    expect(buildsWithCredentials(text)).toEqual([]);
    if (file.startsWith('examples/workflows/deploy') || file.endsWith('release.yml')) expect(installsWithScripts(text)).toEqual([]);
  });

  it('README workflows exist to check', () => {
    expect(readmeWorkflows.length).toBeGreaterThanOrEqual(5);
  });

  it.each(readmeWorkflows.map((w) => [w.file, w.text]))(
    '%s: third-party actions pinned, no npm in a job with an OIDC token, checkouts do not keep the token',
    (_file, text) => {
      expect(unpinned(text)).toEqual([]);
      expect(buildsWithCredentials(text)).toEqual([]);
      expect(keptTokens(text)).toEqual([]);
    },
  );

  it.each(workflowFiles)('%s: checkouts do not keep the token', (file) => {
    expect(keptTokens(load(file).text)).toEqual([]);
  });

  it('the release job runs only for main, in the protected release environment, and only its push step gets the token', () => {
    const workflow = parse(load('.github/workflows/release.yml').text) as Workflow;
    const job = workflow.jobs.release;
    expect(job.if).toBe("github.ref == 'refs/heads/main'");
    expect(job.environment).toBe('release');
    expect(workflow.permissions).toEqual({});
    const withToken = (job.steps ?? []).filter((s) => JSON.stringify(s).includes('github.token') || JSON.stringify(s).includes('secrets.'));
    expect(withToken.map((s) => s.name)).toEqual(['Push main and the three tags in one atomic push']);
  });
});

describe('actionlint', () => {
  const actionlint = [path.join(process.env.GOPATH ?? path.join(homedir(), 'go'), 'bin', 'actionlint'), 'actionlint'].find(
    (candidate) => !candidate.includes('/') || existsSync(candidate),
  )!;
  const lint = (cwd: string, files: string[] = []) => spawnSync(actionlint, ['-no-color', ...files], { cwd, encoding: 'utf8' });

  it('passes on every workflow of the repository (examples, CI, release, test workflows)', () => {
    const files = [
      ...workflowFiles,
      ...readdirSync(path.join(repoRoot, 'test/workflows'))
        .filter((n) => n.endsWith('.yml'))
        .map((n) => `test/workflows/${n}`),
    ];
    const result = lint(repoRoot, files);
    expect(result.error).toBeUndefined();
    expect(`${result.stdout}${result.stderr}`).toBe('');
    expect(result.status).toBe(0);
  });

  it('checks the staging/production caller against the reusable deploy, as they sit in a repository once copied', () => {
    const repo = mkdtempSync(path.join(tmpdir(), 'actionlint-'));
    try {
      mkdirSync(path.join(repo, '.github', 'workflows'), { recursive: true });
      spawnSync('git', ['init', '-q'], { cwd: repo });
      for (const name of ['deploy-aws.yml', 'deploy-staging-then-production.yml'])
        cpSync(path.join(repoRoot, 'examples/workflows', name), path.join(repo, '.github/workflows', name));
      expect(lint(repo).stdout).toBe('');
      // A misspelt input in the call is an error there: the check is real.
      const caller = path.join(repo, '.github/workflows/deploy-staging-then-production.yml');
      writeFileSync(caller, readFileSync(caller, 'utf8').replace('environment: production', 'enviroment: production'));
      const broken = lint(repo);
      expect(broken.status).not.toBe(0);
      expect(broken.stdout).toContain('input "enviroment" is not defined');
    } finally {
      rmSync(repo, { recursive: true, force: true });
    }
  });
});
