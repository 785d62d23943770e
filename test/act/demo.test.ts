import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from '@jest/globals';
import { requireBundles } from '../harness/act.js';
import { repoRoot } from '../harness/bundle.js';

function demo(env: Record<string, string>, args: string[] = []): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(repoRoot, 'scripts', 'demo.mjs'), ...args], {
      cwd: repoRoot,
      env: { ...process.env, NO_COLOR: '1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('npm run demo', () => {
  beforeAll(() =>
    requireBundles('s3-sync-frontend', 'cloudfront-invalidate', 'ecs-deploy-and-wait', 'ecs-exec-migrate', 'seo-validate', 'deploy'),
  );

  it('runs the example deploy job end to end against moto and shows what changed', async () => {
    const out = mkdtempSync(path.join(tmpdir(), 'demo-'));
    try {
      const result = await demo({ ALLTHRIVE_DEMO_OUT: out });
      expect({ code: result.code, tail: result.stdout.slice(-300) }).toEqual({
        code: 0,
        tail: expect.stringContaining('The deploy job succeeded.'),
      });
      // Every allthrive step ran, in order, and the GitHub-only steps were skipped.
      const order = [
        'Check robots.txt',
        'Deploy web, celery and celery-beat',
        'Run the migrations',
        'Upload the frontend',
        'Invalidate what changed',
      ];
      const positions = order.map((name) => result.stdout.indexOf(`✓ ${name}`));
      expect(positions.every((p) => p > 0)).toBe(true);
      expect([...positions].sort((a, b) => a - b)).toEqual(positions);
      expect(result.stdout).toMatch(/– Configure AWS credentials \(OIDC\) \(skipped/);
      expect(result.stdout).toMatch(/– Build and push the image \(skipped/);
      // The account listing it prints: HTML live with no-cache, hashed bundle immutable, services on the pinned digest.
      expect(result.stdout).toMatch(/index\.html\s+\d+\s+no-cache\s+text\/html/);
      expect(result.stdout).toMatch(/assets\/app-[\w-]{8}\.js\s+\d+\s+public, max-age=31536000, immutable/);
      expect(result.stdout).toMatch(/celery-beat\s+production-allthrive-celery-beat:2\s+\S+allthrive-web@sha256:/);
      // Issue 16.8: the scheduler runs once, web and celery twice, and the demo says why moto's counts read 1/1.
      expect(result.stdout).toMatch(/celery-beat\s+\S+\s+\S+\s+1\/1\n/);
      expect(result.stdout).toMatch(/\bweb\s+\S+\s+\S+\s+2\/2\n/);
      expect(result.stdout).not.toMatch(/celery-beat: .*2\/2 tasks/);
      expect(result.stdout).toContain('a scheduler runs exactly once');
      expect(result.stdout).toMatch(/moto stopped\./);
      // The job summaries were collected into a file, one section per step that wrote one.
      const summaries = readFileSync(path.join(out, 'job-summary.md'), 'utf8');
      for (const name of order) expect(summaries).toContain(`## ${name}`);
      expect(existsSync(path.join(out, 'act.log'))).toBe(true);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }, 180_000);

  it('--one-step runs deploy-one-step.yml: the same deploy through the root action', async () => {
    const out = mkdtempSync(path.join(tmpdir(), 'demo-'));
    try {
      const result = await demo({ ALLTHRIVE_DEMO_OUT: out }, ['--one-step']);
      expect({ code: result.code, tail: result.stdout.slice(-300) }).toEqual({
        code: 0,
        tail: expect.stringContaining('The deploy job succeeded.'),
      });
      expect(result.stdout).toContain('examples/workflows/deploy-one-step.yml');
      expect(result.stdout).toContain('✓ Deploy (assets, services, migrations, HTML, CloudFront)');
      expect(result.stdout).toContain('production-state = Backend deployed, migrations ran, new HTML live, CloudFront invalidated');
      expect(result.stdout).toMatch(/web\s+production-allthrive-web:2\s+\S+allthrive-web@sha256:/);
      expect(result.stdout).toMatch(/CloudFront \w+ invalidations\n\s+\w+: \/ /);
      expect(readFileSync(path.join(out, 'job-summary.md'), 'utf8')).toContain('Production now: Backend deployed');
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }, 180_000);

  it('stops before starting anything and names what is missing', async () => {
    const out = mkdtempSync(path.join(tmpdir(), 'demo-'));
    try {
      const result = await demo({ ALLTHRIVE_DEMO_OUT: out, MOTO_SERVER: '/nonexistent/moto_server', ACT_BINARY: '/nonexistent/act' });
      expect(result.code).toBe(2);
      expect(result.stderr).toContain("moto_server is not on PATH: install it with `pip install 'moto[server]==5.2.5'`");
      expect(result.stderr).toContain('act is not installed: `go install github.com/nektos/act@v0.2.87`');
      expect(existsSync(path.join(out, 'workspace'))).toBe(false);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
