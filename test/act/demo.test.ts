import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from '@jest/globals';
import { requireBundles } from '../harness/act.js';
import { expectRunSucceeded, runScript } from './helpers.js';

const demo = (env: Record<string, string>, args: string[] = []) => runScript('demo.mjs', args, env);

describe('npm run demo', () => {
  beforeAll(() =>
    requireBundles('s3-sync-frontend', 'cloudfront-invalidate', 'ecs-deploy-and-wait', 'ecs-exec-migrate', 'seo-validate', 'deploy'),
  );

  it('runs deploy-aws.yml (build job without credentials, then the deploy job) against moto and shows what changed', async () => {
    const out = mkdtempSync(path.join(tmpdir(), 'demo-'));
    try {
      const result = await demo({ ALLTHRIVE_DEMO_OUT: out });
      expectRunSucceeded(result, ['build', 'deploy']);
      // The build job checked the build and handed it over; the deploy job ran every allthrive step, in order.
      const build = result.stdout.indexOf('job Deploy one environment/build (success)');
      const deploy = result.stdout.indexOf('job Deploy one environment/deploy (success)');
      expect(build).toBeGreaterThan(0);
      expect(deploy).toBeGreaterThan(build);
      const order = [
        'Check robots.txt',
        'Hand the checked build to the deploy job',
        'Configure AWS credentials (OIDC)',
        'Build and push the image',
        'Download the frontend build',
        'Deploy web, celery and celery-beat',
        'Run the migrations',
        'Upload the frontend',
        'Invalidate what changed',
      ];
      const positions = order.map((name) => result.stdout.indexOf(`✓ ${name}`));
      expect(positions.every((p) => p > 0)).toBe(true);
      expect([...positions].sort((a, b) => a - b)).toEqual(positions);
      // The offline stand-ins it used, named in the header, and what they did in the step log.
      expect(result.stdout).toMatch(/replaced aws-actions\/configure-aws-credentials@[0-9a-f]{40}: static emulator credentials/);
      expect(result.stdout).toMatch(/replaced docker\/build-push-action@[0-9a-f]{40}: no docker build/);
      // No SLACK_WEBHOOK_URL secret: the message step says so and the Slack action is skipped.
      expect(result.stdout).toContain('No SLACK_WEBHOOK_URL secret: no Slack notification.');
      expect(result.stdout).toContain('– Notify Slack (skipped');
      // The account listing: HTML live with no-cache, hashed bundle immutable, services on the digest the build pushed.
      expect(result.stdout).toMatch(/index\.html\s+\d+\s+no-cache\s+text\/html/);
      expect(result.stdout).toMatch(/assets\/app-[\w-]{8}\.js\s+\d+\s+public, max-age=31536000, immutable/);
      const digest = /digest = (sha256:[0-9a-f]{64})/.exec(result.stdout)?.[1];
      expect(digest).toBeDefined();
      expect(result.stdout).toMatch(
        new RegExp(`celery-beat\\s+production-allthrive-celery-beat:2\\s+\\S+allthrive-web@${digest!.slice(0, 30)}`),
      );
      expect(result.stdout).toContain('line = Backend deployed, migrations ran, new HTML live, CloudFront invalidated');
      // Issue 16.8: the scheduler runs once, web and celery twice (service, task definition, image,
      // desired, running), and the demo says why moto's deployment records read 1/1.
      expect(result.stdout).toMatch(/^\s+celery-beat\s+\S+\s+\S+\s+1\s+1$/m);
      expect(result.stdout).toMatch(/^\s+web\s+\S+\s+\S+\s+2\s+2$/m);
      expect(result.stdout).toMatch(/^\s+celery\s+\S+\s+\S+\s+2\s+2$/m);
      expect(result.stdout).not.toMatch(/celery-beat\b.*2\/2 tasks/);
      expect(result.stdout).toMatch(/celery-beat: success after \d+m?s: deployment \S+ completed: 1\/1 tasks running/);
      expect(result.stdout).toContain('a scheduler runs exactly once');
      expect(result.stdout).toMatch(/moto stopped\./);
      // The job summaries were collected into a file, one section per step that wrote one.
      const summaries = readFileSync(path.join(out, 'job-summary.md'), 'utf8');
      for (const name of ['Check robots.txt', 'Deploy web, celery and celery-beat', 'Upload the frontend', 'Invalidate what changed'])
        expect(summaries).toContain(`## ${name}`);
      expect(existsSync(path.join(out, 'act.log'))).toBe(true);
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
