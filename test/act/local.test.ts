/**
 * `npm run local -- <workflow.yml>`: the example workflows and a user's own workflow run on this
 * machine against moto, with offline stand-ins for the steps that need GitHub or docker. Few runs,
 * each checking as much as it can: act runs are the slow part of the suite.
 */
import { createServer, type Server } from 'node:http';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { initGitWorkspace, requireBundles } from '../harness/act.js';
import { repoRoot } from '../harness/bundle.js';
import { expectRunSucceeded, filesOf, runScript } from './helpers.js';

const local = (args: string[], out: string) => runScript('local.mjs', [...args, '--out', out]);

/** A real HTTP server standing in for the Slack and Discord webhooks: keeps what was posted. */
function webhookServer(): Promise<{ url: string; posts: { path: string; body: unknown }[]; server: Server }> {
  const posts: { path: string; body: unknown }[] = [];
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (d) => (body += d));
    request.on('end', () => {
      posts.push({ path: request.url ?? '', body: JSON.parse(body) });
      response.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, posts, server })),
  );
}

describe('npm run local', () => {
  let out: string;
  let hooks: Awaited<ReturnType<typeof webhookServer>>;
  beforeAll(async () => {
    requireBundles('s3-sync-frontend', 'cloudfront-invalidate', 'ecs-deploy-and-wait', 'ecs-exec-migrate', 'seo-validate', 'deploy');
    out = mkdtempSync(path.join(tmpdir(), 'local-'));
    hooks = await webhookServer();
  });
  afterAll(() => {
    hooks.server.close();
    rmSync(out, { recursive: true, force: true });
  });

  it('runs deploy-staging-then-production.yml from its account file: staging, then production, each notifying Slack', async () => {
    const result = await local(
      ['examples/workflows/deploy-staging-then-production.yml', '--secret', `SLACK_WEBHOOK_URL=${hooks.url}/slack`],
      path.join(out, 'staging'),
    );
    expectRunSucceeded(result, ['staging/build', 'staging/deploy', 'production/build', 'production/deploy']);
    expect(result.stdout).toContain('Seeding the account from examples/workflows/deploy-staging-then-production.aws.json');
    // The reusable deploy ran once per environment, production only after staging's deploy finished.
    const started = (job: string) => result.stdout.indexOf(`▶ [${job}/Deploy one environment/`);
    expect(started('staging')).toBeGreaterThan(0);
    expect(started('production')).toBeGreaterThan(result.stdout.lastIndexOf('▶ [staging/Deploy one environment/deploy]'));
    // Each environment's own resources, on the digest its build pushed; the build handed over as an artifact.
    expect(result.stdout).toMatch(/web\s+staging-allthrive-web:2\s+\S+allthrive-web@sha256:\w+…?\s+1\s+1/);
    expect(result.stdout).toMatch(/web\s+production-allthrive-web:2\s+\S+allthrive-web@sha256:\w+…?\s+2\s+2/);
    expect(result.stdout).toContain("local artifact 'frontend-staging' copied to frontend/dist");
    expect(result.stdout).toContain("local artifact 'frontend-production' copied to frontend/dist");
    const invalidations = [...result.stdout.matchAll(/invalidation-id = (\w+)/g)].map((m) => m[1]);
    expect(invalidations).toHaveLength(2);
    // One Slack message per environment: result, what it serves now, its invalidation id.
    const texts = hooks.posts.filter((p) => p.path === '/slack').map((p) => (p.body as { text: string }).text);
    expect(texts).toHaveLength(2);
    expect(texts.map((t) => /^Deploy (\w+) [0-9a-f]{12}: success\n/.exec(t)?.[1])).toEqual(['staging', 'production']);
    texts.forEach((text, i) => {
      expect(text).toContain('Backend deployed, migrations ran, new HTML live, CloudFront invalidated');
      expect(text).toContain(`CloudFront invalidation: ${invalidations[i]}`);
    });
  }, 240_000);

  it('runs deploy-one-step.yml on the demo account and posts the result to a Discord webhook', async () => {
    const result = await local(
      ['examples/workflows/deploy-one-step.yml', '--secret', `DISCORD_WEBHOOK_URL=${hooks.url}/discord`],
      path.join(out, 'one-step'),
    );
    expectRunSucceeded(result, ['build', 'deploy']);
    expect(result.stdout).toContain('the demo account (no <workflow>.aws.json next to the workflow)');
    expect(result.stdout).toContain('production-state = Backend deployed, migrations ran, new HTML live, CloudFront invalidated');
    expect(result.stdout).toMatch(/web\s+production-allthrive-web:2\s+\S+allthrive-web@sha256:/);
    const invalidation = /invalidation-id = (\w+)/.exec(result.stdout)?.[1];
    const discord = hooks.posts.filter((p) => p.path === '/discord');
    expect(discord).toHaveLength(1);
    expect(discord[0].body).toEqual({
      content: expect.stringMatching(
        new RegExp(
          `^Deploy production [0-9a-f]{12}: success\\nBackend deployed, migrations ran, new HTML live, CloudFront invalidated\\nCloudFront invalidation: ${invalidation}\\n`,
        ),
      ),
      allowed_mentions: { parse: [] },
    });
    expect(readFileSync(path.join(out, 'one-step', 'job-summary.md'), 'utf8')).toContain('Production now: Backend deployed');
  }, 240_000);

  it("runs a user's own workflow in their repository: two actions chained, its account file next to it", async () => {
    const repo = path.join(out, 'user-repo');
    mkdirSync(path.join(repo, '.github', 'workflows'), { recursive: true });
    for (const [file, content] of Object.entries(filesOf(path.join(repoRoot, 'scripts', 'demo', 'sample-frontend', 'public'), 'site'))) {
      mkdirSync(path.dirname(path.join(repo, file)), { recursive: true });
      writeFileSync(path.join(repo, file), content);
    }
    writeFileSync(path.join(repo, 'site', 'index.html'), '<!doctype html><title>mine</title>');
    writeFileSync(
      path.join(repo, '.github', 'workflows', 'site.yml'),
      [
        'name: site',
        'on: { push: { branches: [main] } }',
        'permissions: { id-token: write, contents: read }',
        'jobs:',
        '  publish:',
        '    runs-on: ubuntu-latest',
        '    steps:',
        '      - uses: actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1',
        '      - uses: aws-actions/configure-aws-credentials@e6de054238d6b7531b4efff3b6587d9aade6a06c # v6.2.3',
        '        with: { role-to-assume: "arn:aws:iam::123456789012:role/site-deploy", aws-region: us-east-1 }',
        '      - id: sync',
        '        uses: allthrive/actions/actions/s3-sync-frontend@main',
        '        with: { source: site, bucket: my-site, delete: true }',
        '      - id: invalidate',
        '        uses: allthrive/actions/actions/cloudfront-invalidate@main',
        '        with: { stack-name: my-site, paths: "${{ steps.sync.outputs.changed-paths }}" }',
        '',
      ].join('\n'),
    );
    writeFileSync(
      path.join(repo, '.github', 'workflows', 'site.aws.json'),
      JSON.stringify({
        buckets: { 'my-site': { files: { 'index.html': 'old', 'robots.txt': 'old' } } },
        distributions: { cdn: { bucket: 'my-site' } },
        stacks: { 'my-site': { outputs: { DistributionId: '${distribution:cdn}' } } },
      }),
    );
    initGitWorkspace(repo);
    const result = await local([path.join(repo, '.github', 'workflows', 'site.yml')], path.join(out, 'user'));
    expectRunSucceeded(result, ['publish']);
    expect(result.stdout).toContain(`workspace ${repo} (commit`);
    expect(result.stdout).toContain('allthrive/actions@v1, @main → this checkout');
    expect(result.stdout).toMatch(/replaced aws-actions\/configure-aws-credentials@e6de0542\w+: static emulator credentials/);
    expect(result.stdout).toContain('local stand-in for aws-actions/configure-aws-credentials@');
    expect(result.stdout).toContain('arn:aws:iam::123456789012:role/site-deploy was not assumed');
    // The chain: what the sync changed is exactly what was invalidated, and the state shows it.
    const changed = /changed-paths = (\[.*\])/.exec(result.stdout)?.[1];
    expect(JSON.parse(changed!)).toEqual(['/', '/index.html', '/robots.txt']);
    expect(result.stdout).toMatch(/paths = \["\/","\/index.html","\/robots.txt"\]/);
    expect(result.stdout).toMatch(/CloudFront \w+ invalidations\n\s+\w+: \/ \/index\.html \/robots\.txt/);
    expect(result.stdout).toMatch(/s3:\/\/my-site\n[^\n]+\n(?:[^\n]+\n)*\s+robots\.txt\s+\d+\s+public, max-age=3600/);
    expect(existsSync(path.join(repo, 'site', '.s3-sync-frontend.json'))).toBe(false); // act worked on a copy
  }, 240_000);

  it('fails a step whose stand-in cannot do its job, says why, and still stops moto', async () => {
    const repo = path.join(out, 'no-repository');
    mkdirSync(path.join(repo, '.github', 'workflows'), { recursive: true });
    writeFileSync(
      path.join(repo, '.github', 'workflows', 'image.yml'),
      [
        'name: image',
        'on: push',
        'jobs:',
        '  image:',
        '    runs-on: ubuntu-latest',
        '    steps:',
        '      - uses: docker/build-push-action@53b7df96c91f9c12dcc8a07bcb9ccacbed38856a # v7.3.0',
        '        with: { push: true, tags: "123456789012.dkr.ecr.us-east-1.amazonaws.com/not-seeded:abc" }',
        '',
      ].join('\n'),
    );
    writeFileSync(path.join(repo, '.github', 'workflows', 'image.aws.json'), JSON.stringify({ repositories: { other: {} } }));
    initGitWorkspace(repo);
    const result = await local([path.join(repo, '.github', 'workflows', 'image.yml')], path.join(out, 'no-repository-run'));
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('The workflow failed (image: failure).');
    expect(result.stdout).toContain(
      `ECR repository 'not-seeded' does not exist in the emulated account: add it under "repositories" in the account file`,
    );
    expect(result.stdout).toMatch(/moto stopped\.\s*$/);
  }, 120_000);

  it('refuses an account file with a typo before starting anything, naming the key', async () => {
    const bad = path.join(out, 'bad.aws.json');
    writeFileSync(bad, JSON.stringify({ buckets: { b: {} }, distributions: { cdn: { bucket: 'b', orginPath: '/app' } } }));
    const result = await local(['examples/workflows/deploy-one-step.yml', '--account', bad], path.join(out, 'bad'));
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("distributions.cdn: unknown key 'orginPath' (expected bucket, originPath)");
    expect(result.stdout).not.toContain('Starting moto');
    expect(existsSync(path.join(out, 'bad'))).toBe(false);
  });
});
