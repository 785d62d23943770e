/**
 * The committed bundle (dist/seo-validate) run like the runner runs it, under Node 24, against a
 * small site: served on loopback (url mode) and as a folder in the workspace (directory mode).
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { runBundle, type BundleResult } from '../harness/bundle.js';
import { freePort } from '../harness/ports.js';
import { fixtureSite, startSite } from './site-server.js';

const cleanups: (() => void)[] = [];
afterAll(() => cleanups.forEach((c) => c()));

async function run(inputs: Record<string, string>, workspace?: string): Promise<BundleResult> {
  const result = await runBundle('seo-validate', { inputs, workspace });
  cleanups.push(result.cleanup);
  return result;
}

function workspaceWithSite(edit?: (dir: string) => void): string {
  const workspace = mkdtempSync(path.join(tmpdir(), 'seo-validate-ws-'));
  cleanups.push(() => rmSync(workspace, { recursive: true, force: true }));
  cpSync(fixtureSite, path.join(workspace, 'public'), { recursive: true });
  edit?.(path.join(workspace, 'public'));
  return workspace;
}

describe('seo-validate bundle', () => {
  it('directory mode: a clean build passes with outputs, report and summary', async () => {
    const result = await run({ directory: 'public', 'site-url': 'https://allthrive.ai' }, workspaceWithSite());
    expect(result.errors).toEqual([]);
    expect(result.exitCode).toBe(0);
    expect(result.outputs).toMatchObject({ errors: '0', warnings: '0' });
    expect(result.outputs.report.startsWith(path.join(result.runnerDir, 'temp'))).toBe(true);
    const report = JSON.parse(readFileSync(result.outputs.report, 'utf8'));
    expect(Object.keys(report.files)).toEqual([
      'public/robots.txt',
      'public/sitemap.xml',
      'public/sitemap-pages.xml',
      'public/sitemap-projects.xml.gz',
      'public/.well-known/ai-plugin.json',
      'public/llms.txt',
    ]);
    expect(result.summary).toContain('Passed: 0 error(s)');
    expect(result.summary).toContain('public/sitemap-projects.xml.gz');
  });

  it('directory mode: findings become annotations with file and line, and the step fails', async () => {
    const workspace = workspaceWithSite((dir) => {
      writeFileSync(path.join(dir, 'robots.txt'), 'User-agent: *\nDisalow: /admin/\nDisallow: /\n\nSitemap: /sitemap.xml\n');
      writeFileSync(
        path.join(dir, 'sitemap-pages.xml'),
        '<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n  <url><loc>http://example.com/about/</loc></url>\n</urlset>\n',
      );
    });
    const result = await run({ directory: 'public', 'site-url': 'https://allthrive.ai', checks: 'robots,sitemap' }, workspace);
    expect(result.exitCode).toBe(1);
    const annotated = result.annotations
      .filter((a) => a.properties.file)
      .map((a) => [a.level, a.properties.title, a.properties.file, a.properties.line]);
    expect(annotated).toEqual(
      expect.arrayContaining([
        ['error', 'seo-validate robots-typo', 'public/robots.txt', '2'],
        ['error', 'seo-validate robots-blocks-site', 'public/robots.txt', '3'],
        ['error', 'seo-validate robots-sitemap-url', 'public/robots.txt', '5'],
        ['error', 'seo-validate sitemap-loc-host', 'public/sitemap-pages.xml', '3'],
      ]),
    );
    expect(result.outputs.errors).toBe(String(annotated.filter(([level]) => level === 'error').length));
    const failure = result.errors.find((e) => !e.properties.file)!;
    expect(failure.message).toMatch(/^SEO validation failed with \d+ error\(s\) and 0 warning\(s\) \(fail-on: error\)\./);
    expect(result.summary).toContain('Django');
  });

  it('url mode: the site served on loopback stands in for site-url', async () => {
    const site = await startSite();
    try {
      const result = await run({ url: site.url, 'site-url': 'https://allthrive.ai', 'check-urls': '2' });
      expect(result.errors).toEqual([]);
      expect(result.exitCode).toBe(0);
      expect(result.outputs.errors).toBe('0');
      expect(site.requests).toEqual(
        expect.arrayContaining([
          '/robots.txt',
          '/sitemap.xml',
          '/sitemap-pages.xml',
          '/sitemap-projects.xml.gz',
          '/.well-known/ai-plugin.json',
          '/llms.txt',
        ]),
      );
    } finally {
      await site.close();
    }
  });

  it('url mode: a server that is not running is a fetch failure, not a missing robots.txt', async () => {
    const port = await freePort();
    const result = await run({ url: `http://127.0.0.1:${port}`, 'site-url': 'https://allthrive.ai' });
    expect(result.exitCode).toBe(1);
    expect(result.stdout).not.toMatch(/robots\.txt is missing/);
    const robots = result.errors.find((e) => e.properties.title === 'seo-validate fetch-failed' && e.message.includes('/robots.txt'))!;
    expect(robots.message).toContain(`Could not fetch http://127.0.0.1:${port}/robots.txt: connection refused`);
    const failure = result.errors[result.errors.length - 1];
    expect(failure.message).toContain(`First fetch failure: Could not fetch http://127.0.0.1:${port}/robots.txt: connection refused`);
  });

  it('SIGINT while a request hangs: stops at once and says nothing was changed', async () => {
    const site = await startSite({ '/robots.txt': () => undefined });
    try {
      const result = await runBundle('seo-validate', {
        inputs: { url: site.url, 'site-url': 'https://allthrive.ai', timeout: '5m' },
        onStart: (child) => {
          const poll = setInterval(() => {
            if (site.requests.includes('/robots.txt')) {
              clearInterval(poll);
              child.kill('SIGINT');
            }
          }, 20);
        },
      });
      cleanups.push(result.cleanup);
      expect(result.exitCode).toBe(1);
      expect(result.errors.map((e) => e.message)).toEqual([
        `the run was cancelled while fetching ${site.url}/robots.txt; nothing was changed, re-running the step checks everything again`,
      ]);
    } finally {
      await site.close();
    }
  });

  it('bad inputs fail with one error naming the input, before any request', async () => {
    const both = await run({ url: 'http://127.0.0.1:1', directory: 'public' });
    expect(both.exitCode).toBe(1);
    expect(both.errors.map((e) => e.properties.title)).toEqual(['directory']);
    const checks = await run({ url: 'http://127.0.0.1:1', checks: 'robots,sitemaps' });
    expect(checks.errors).toEqual([
      expect.objectContaining({
        properties: { title: 'checks' },
        message:
          "Input 'checks' has the value 'robots,sitemaps', which is not accepted: 'sitemaps' is unknown; expected a list of robots, sitemap, ai-plugin, llms.",
      }),
    ]);
    const dir = await run({ directory: 'public' });
    expect(dir.errors.map((e) => e.properties.title)).toEqual(['site-url']);
    const agents = await run({ url: 'http://127.0.0.1:1', 'user-agents': 'Googlebot/2.1' });
    expect(agents.errors[0].message).toContain("'Googlebot/2.1' is not a product token");
  });
});
