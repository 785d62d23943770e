import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { expectJobSucceeded, requireBundles, runAct } from '../harness/act.js';
import { repoRoot } from '../harness/bundle.js';

const publicDir = path.join(repoRoot, 'scripts', 'demo', 'sample-frontend', 'public');
const page = '<!doctype html><title>AllThrive AI</title><h1>AllThrive AI</h1>';
const goodSite: Record<string, { type: string; body: string }> = {
  '/robots.txt': { type: 'text/plain', body: readFileSync(path.join(publicDir, 'robots.txt'), 'utf8') },
  '/sitemap.xml': { type: 'application/xml', body: readFileSync(path.join(publicDir, 'sitemap.xml'), 'utf8') },
  '/llms.txt': { type: 'text/plain', body: readFileSync(path.join(publicDir, 'llms.txt'), 'utf8') },
  '/.well-known/ai-plugin.json': {
    type: 'application/json',
    body: readFileSync(path.join(publicDir, '.well-known', 'ai-plugin.json'), 'utf8'),
  },
  '/openapi.yaml': { type: 'application/yaml', body: readFileSync(path.join(publicDir, 'openapi.yaml'), 'utf8') },
  '/': { type: 'text/html', body: page },
  '/about/': { type: 'text/html', body: page },
};

describe('workflow: seo-validate against a server on loopback (act)', () => {
  let server: Server;
  let site: typeof goodSite;
  const requests: string[] = [];
  let url = '';

  beforeAll(async () => {
    requireBundles('seo-validate');
    server = createServer((request, response) => {
      requests.push(request.url ?? '');
      const file = site[request.url ?? ''];
      if (!file) {
        response.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
        return;
      }
      response.writeHead(200, { 'content-type': file.type }).end(file.body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  beforeEach(() => {
    requests.length = 0;
    site = { ...goodSite };
  });

  it('passes on a healthy site and reads every file from the running server', async () => {
    const run = await runAct({ workflow: 'test/workflows/seo-validate.yml', env: { SITE_URL: url } });
    try {
      expectJobSucceeded(run);
      const seo = run.step('seo');
      expect(seo.result).toBe('success');
      expect(seo.outputs.errors).toBe('0');
      expect(seo.outputs.report).toBeTruthy();
      expect(run.step('report').outputs.errors).toBe('0');
      // What reached the server: the four files, and sitemap URLs checked on the local origin.
      expect(requests).toEqual(expect.arrayContaining(['/robots.txt', '/sitemap.xml', '/llms.txt', '/.well-known/ai-plugin.json']));
      expect(requests.filter((r) => r === '/' || r === '/about/').length).toBeGreaterThan(0);
      expect(seo.summary).not.toBe('');
    } finally {
      run.cleanup();
    }
  });

  it('fails the job when robots.txt blocks the whole site, with an annotation and the finding in the report', async () => {
    site['/robots.txt'] = { type: 'text/plain', body: 'User-agent: *\nDisallow: /\n\nSitemap: https://allthrive.ai/sitemap.xml\n' };
    const run = await runAct({ workflow: 'test/workflows/seo-validate.yml', env: { SITE_URL: url } });
    try {
      expect(run.exitCode).not.toBe(0);
      expect(run.jobs.seo).toBe('failure');
      const seo = run.step('seo');
      expect(seo.result).toBe('failure');
      expect(Number(seo.outputs.errors)).toBeGreaterThan(0);
      expect(seo.annotations.some((a) => a.level === 'error' && /robots\.txt/.test(`${a.properties.file ?? ''} ${a.message}`))).toBe(true);
      // The report step still ran (if: always()) and read the findings the action wrote.
      expect(JSON.parse(run.step('report').outputs.findings).length).toBeGreaterThan(0);
    } finally {
      run.cleanup();
    }
  });
});
