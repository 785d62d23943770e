/**
 * Server mode against a real HTTP server on loopback: status codes, redirects, gzip, content
 * types, caps, network faults; and the fetcher on its own.
 */
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from '@jest/globals';
import { CancelledError, memoryLogger, virtualClock } from '@allthrive/toolkit';
import { FetchError, fetchResource, runValidation, type Options } from '@allthrive/seo-validate';
import { freePort } from '../harness/ports.js';
import { engineOptions } from './options.js';
import { redirect, respond, startSite, type Handler, type Site } from './site-server.js';

const NOW = Date.parse('2026-11-27T08:00:00Z');
let site: Site | undefined;
afterEach(async () => {
  await site?.close();
  site = undefined;
});

const fetchOptions = { maxBytes: 1024 * 1024, timeoutMs: 5000, userAgent: 'test' };

const options = (overrides: Partial<Options> = {}): Options => engineOptions({ url: site!.url, ...overrides });

async function validate(routes: Record<string, Handler>, overrides: Partial<Options> = {}) {
  site = await startSite(routes);
  const logger = memoryLogger();
  const result = await runValidation(options(overrides), { logger, clock: virtualClock(NOW) });
  return { result, logger, rules: result.findings.map((f) => f.rule) };
}

const ROBOTS = 'User-agent: *\nDisallow: /admin/\n\nSitemap: https://allthrive.ai/sitemap.xml\n';
const plainText = { 'content-type': 'text/plain' };
const urlset = (...locs: string[]) =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n${locs.map((l) => `<url><loc>${l}</loc></url>`).join('\n')}\n</urlset>\n`;

describe('fetcher', () => {
  it('follows up to 5 redirects (relative Location included) and records each hop', async () => {
    site = await startSite({
      '/r1': redirect('/r2'),
      '/r2': redirect('/r3', 302),
      '/r3': redirect('/r4', 307),
      '/r4': redirect('/r5', 308),
      '/r5': redirect('/robots.txt'),
    });
    const result = await fetchResource(`${site.url}/r1`, fetchOptions);
    expect(result.status).toBe(200);
    expect(result.tooManyRedirects).toBe(false);
    expect(result.redirects.map((r) => r.status)).toEqual([301, 302, 307, 308, 301]);
    expect(result.finalUrl).toBe(`${site.url}/robots.txt`);
  });

  it('stops after the 6th redirect', async () => {
    const routes: Record<string, Handler> = {};
    for (let i = 0; i < 7; i++) routes[`/r${i}`] = redirect(`/r${i + 1}`);
    site = await startSite(routes);
    const result = await fetchResource(`${site.url}/r0`, fetchOptions);
    expect(result.tooManyRedirects).toBe(true);
    expect(result.redirects).toHaveLength(6);
    expect(site.requests).toHaveLength(6);
  });

  it('returns raw bytes: a BOM and invalid UTF-8 survive', async () => {
    const body = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('User-agent: *\n'), Buffer.from([0xff, 0x0a])]);
    site = await startSite({ '/robots.txt': respond(200, body, plainText) });
    expect((await fetchResource(`${site.url}/robots.txt`, fetchOptions)).body.equals(body)).toBe(true);
  });

  it('decodes Content-Encoding: gzip, and caps both the body and the decompressed size', async () => {
    const text = 'User-agent: *\nDisallow: /x\n';
    const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024, 0x20));
    site = await startSite({
      '/gz': respond(200, gzipSync(text), { 'content-encoding': 'gzip', 'content-type': 'text/plain' }),
      '/big': respond(200, Buffer.alloc(200_000, 0x61), plainText),
      '/bomb': respond(200, bomb, { 'content-encoding': 'gzip' }),
      '/badgz': respond(200, Buffer.from('not gzip at all'), { 'content-encoding': 'gzip' }),
    });
    expect((await fetchResource(`${site.url}/gz`, fetchOptions)).body.toString()).toBe(text);
    const big = await fetchResource(`${site.url}/big`, { ...fetchOptions, maxBytes: 1000 });
    expect(big).toMatchObject({ truncated: true });
    expect(big.body.length).toBe(1000);
    const exploded = await fetchResource(`${site.url}/bomb`, { ...fetchOptions, maxBytes: 1024 * 1024 });
    expect(exploded.truncated).toBe(true);
    expect(exploded.body.length).toBe(1024 * 1024);
    expect((await fetchResource(`${site.url}/badgz`, fetchOptions)).decodeError).toMatch(/gzip Content-Encoding could not be decoded/);
  });

  it('network faults throw FetchError naming the URL: refused, reset, timeout', async () => {
    const port = await freePort();
    await expect(fetchResource(`http://127.0.0.1:${port}/robots.txt`, fetchOptions)).rejects.toThrow(
      new FetchError(`http://127.0.0.1:${port}/robots.txt`, `connection refused (connect ECONNREFUSED 127.0.0.1:${port})`),
    );
    site = await startSite({
      '/reset': (req) => req.socket.destroy(),
      '/hang': () => undefined,
    });
    await expect(fetchResource(`${site.url}/reset`, fetchOptions)).rejects.toThrow(
      /Could not fetch http:\/\/127\.0\.0\.1:\d+\/reset: (connection reset|socket hang up)/,
    );
    await expect(fetchResource(`${site.url}/hang`, { ...fetchOptions, timeoutMs: 300 })).rejects.toThrow(
      /hang: no complete response within 300ms \(timeout; raise the timeout input if the server is just slow\)/,
    );
  });

  it('stops at once when the run is cancelled', async () => {
    site = await startSite({ '/hang': () => undefined });
    const controller = new AbortController();
    const pending = fetchResource(`${site.url}/hang`, { ...fetchOptions, signal: controller.signal });
    controller.abort();
    await expect(pending).rejects.toBeInstanceOf(CancelledError);
  });
});

describe('server mode (runValidation against a loopback site)', () => {
  it('passes the fixture site, reading production URLs (site-url) from the local server', async () => {
    const { result, rules, logger } = await validate({});
    expect(rules).toEqual(['ai-plugin-legacy']);
    expect(result.errors).toBe(0);
    expect(result.failed).toBe(false);
    expect(Object.values(result.files).map((f) => [f.kind, f.status, f.details.urls ?? f.details.lines ?? ''])).toEqual([
      ['robots', '200', 11],
      ['sitemap', '200', 0],
      ['sitemap', '200', 2],
      ['sitemap', '200', 2],
      ['ai-plugin', '200', ''],
      ['llms', '200', ''],
    ]);
    expect(site!.requests).toContain('/sitemap-projects.xml.gz');
    expect(site!.requests).toContain('/.well-known/openapi.yaml');
    expect(logger.text()).toContain('Sitemaps: 3 file(s), 4 URL(s) on https://allthrive.ai');
  });

  it('connection refused is a fetch failure naming the URL and the error, not "robots.txt missing"', async () => {
    site = await startSite();
    const port = await freePort();
    const result = await runValidation(options({ url: `http://127.0.0.1:${port}` }), { logger: memoryLogger(), clock: virtualClock(NOW) });
    expect(result.findings.map((f) => f.rule)).not.toContain('file-missing');
    const robots = result.findings.find((f) => f.file === `http://127.0.0.1:${port}/robots.txt`)!;
    expect(robots).toMatchObject({ rule: 'fetch-failed', severity: 'error' });
    expect(robots.message).toBe(
      `Could not fetch http://127.0.0.1:${port}/robots.txt: connection refused (connect ECONNREFUSED 127.0.0.1:${port}). Check that the server is running and reachable at that address; robots.txt was not checked.`,
    );
    expect(result.fetchFailures[0]).toBe(robots.message);
    expect(result.failed).toBe(true);
  });

  it('robots.txt 404: a required file is an error, an optional one a notice', async () => {
    const required = await validate({ '/robots.txt': respond(404) });
    expect(required.result.findings.filter((f) => f.rule === 'file-missing')).toEqual([
      expect.objectContaining({ severity: 'error', message: expect.stringContaining('robots.txt is missing (HTTP 404)') }),
    ]);
    await site!.close();
    const optional = await validate({ '/robots.txt': respond(404) }, { require: ['sitemap'] });
    expect(optional.result.findings.filter((f) => f.rule === 'file-missing').map((f) => f.severity)).toEqual(['notice']);
  });

  it('robots.txt 403 means "allow all" (RFC 9309 §2.3.1.3): error when required, warning otherwise', async () => {
    const { result } = await validate({ '/robots.txt': respond(403) });
    expect(result.findings.filter((f) => f.rule.startsWith('robots'))).toEqual([
      expect.objectContaining({ rule: 'robots-http-status', severity: 'error', message: expect.stringContaining('crawl everything') }),
    ]);
    await site!.close();
    const optional = await validate({ '/robots.txt': respond(401) }, { require: [] });
    expect(optional.result.findings.find((f) => f.rule === 'robots-http-status')?.severity).toBe('warning');
  });

  it('robots.txt 503 or 429 means "disallow all": every sitemap URL is reported as blocked', async () => {
    for (const status of [503, 429]) {
      const { result } = await validate({ '/robots.txt': respond(status) }, { checks: ['robots', 'sitemap'] });
      expect(result.findings.filter((f) => f.rule === 'robots-http-status').map((f) => f.message)).toEqual([
        expect.stringContaining(`HTTP ${status}: Google treats the whole site as disallowed`),
      ]);
      expect(result.findings.filter((f) => f.rule === 'sitemap-blocked')).toHaveLength(2);
      await site!.close();
    }
  });

  it('robots.txt served as HTML: content type warning and the HTML body is an error', async () => {
    const { rules } = await validate({
      '/robots.txt': respond(200, '<!DOCTYPE html><html><body>SPA</body></html>', { 'content-type': 'text/html; charset=utf-8' }),
    });
    expect(rules).toEqual(expect.arrayContaining(['robots-content-type', 'robots-html']));
    expect(rules).not.toContain('robots-syntax');
  });

  it('robots.txt behind redirects: up to 5 followed (notice), more is an error', async () => {
    const hops: Record<string, Handler> = { '/robots.txt': redirect('/a'), '/a': redirect('/b'), '/b': respond(200, ROBOTS, plainText) };
    const { result } = await validate(hops, { checks: ['robots'] });
    expect(result.findings.map((f) => [f.rule, f.severity])).toEqual([['robots-redirect', 'notice']]);
    await site!.close();
    const loop: Record<string, Handler> = { '/robots.txt': redirect('/l0') };
    for (let i = 0; i < 6; i++) loop[`/l${i}`] = redirect(`/l${i + 1}`);
    const many = await validate(loop, { checks: ['robots'] });
    expect(many.rules).toEqual(['too-many-redirects']);
  });

  it('sitemaps: gzip Content-Encoding, localhost URLs, URLs blocked by robots.txt naming agent and line', async () => {
    const robots =
      'User-agent: *\nDisallow: /admin/\n\nUser-agent: Googlebot\nDisallow: /drafts/\n\nSitemap: https://allthrive.ai/sitemap.xml\n';
    const sitemap = urlset(
      'https://allthrive.ai/',
      'http://localhost:8000/about/',
      'https://allthrive.ai/admin/',
      'https://allthrive.ai/drafts/1',
    );
    const { result } = await validate(
      {
        '/robots.txt': respond(200, robots, plainText),
        '/sitemap.xml': respond(200, gzipSync(sitemap), { 'content-type': 'application/xml', 'content-encoding': 'gzip' }),
      },
      { checks: ['robots', 'sitemap'] },
    );
    expect(result.findings.map((f) => [f.rule, f.line, f.message])).toEqual([
      ['sitemap-loc-host', 4, expect.stringContaining('development host localhost:8000')],
      [
        'sitemap-blocked',
        5,
        expect.stringContaining(
          `https://allthrive.ai/admin/ is in the sitemap but robots.txt blocks it for * (${site!.url}/robots.txt line 2 'Disallow: /admin/')`,
        ),
      ],
      ['sitemap-blocked', 6, expect.stringContaining('blocks it for Googlebot')],
    ]);
  });

  it('robots.txt naming a sitemap on the dev server is flagged but still read; an unreachable one leaves /sitemap.xml required', async () => {
    const local: Handler = (req, res) => {
      res.writeHead(200, plainText);
      res.end(`User-agent: *\nDisallow:\n\nSitemap: http://${req.headers.host}/sitemap-pages.xml\n`);
    };
    const own = await validate({ '/robots.txt': local, '/sitemap.xml': respond(404) }, { checks: ['robots', 'sitemap'] });
    expect(own.result.findings.map((f) => [f.rule, f.line])).toEqual([['robots-sitemap-host', 4]]);
    expect(own.result.findings[0].message).toContain('points at the development host 127.0.0.1');
    expect(site!.requests).toContain('/sitemap-pages.xml');
    await site!.close();
    const robots = 'User-agent: *\nDisallow:\n\nSitemap: http://localhost:1/sitemap.xml\n';
    const other = await validate(
      { '/robots.txt': respond(200, robots, plainText), '/sitemap.xml': respond(404) },
      { checks: ['robots', 'sitemap'] },
    );
    expect(other.result.findings.map((f) => [f.rule, f.severity])).toEqual([
      ['robots-sitemap-host', 'error'],
      ['file-missing', 'error'],
    ]);
  });

  it('a sitemap index listing another index is "nested indexing"', async () => {
    const index = (loc: string) =>
      `<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><sitemap><loc>${loc}</loc></sitemap></sitemapindex>`;
    const { rules } = await validate(
      {
        '/robots.txt': respond(200, ROBOTS, plainText),
        '/sitemap.xml': respond(200, index('https://allthrive.ai/sitemap-2.xml'), { 'content-type': 'application/xml' }),
        '/sitemap-2.xml': respond(200, index('https://allthrive.ai/sitemap-3.xml'), { 'content-type': 'application/xml' }),
      },
      { checks: ['robots', 'sitemap'] },
    );
    expect(rules).toEqual(['sitemap-nested-index']);
  });

  it('a sitemap listed by an index that answers 500 is an http-status error; an HTML sitemap is a warning and an error', async () => {
    const { result } = await validate(
      {
        '/sitemap-projects.xml.gz': respond(500, 'boom'),
        '/sitemap-pages.xml': respond(200, '<!DOCTYPE html><html></html>', { 'content-type': 'text/html' }),
      },
      { checks: ['robots', 'sitemap'] },
    );
    expect(result.findings.map((f) => f.rule)).toEqual(['sitemap-content-type', 'sitemap-html', 'http-status']);
    expect(result.findings[2].message).toContain('answered HTTP 500');
  });

  it('check-urls: requests sitemap URLs on the local server and reports non-200 answers and redirects', async () => {
    const sitemap = urlset(...Array.from({ length: 10 }, (_, i) => `https://allthrive.ai/p/${i}`));
    const routes: Record<string, Handler> = {
      '/robots.txt': respond(200, ROBOTS, plainText),
      '/sitemap.xml': respond(200, sitemap, { 'content-type': 'application/xml' }),
    };
    for (let i = 0; i < 10; i++) routes[`/p/${i}`] = respond(200, 'ok', { 'content-type': 'text/html' });
    routes['/p/4'] = respond(404, 'gone');
    routes['/p/6'] = redirect('/p/7');
    const { result } = await validate(routes, { checks: ['robots', 'sitemap'], checkUrls: 5 });
    const requested = site!.requests.filter((r) => r.startsWith('/p/'));
    expect(requested.sort()).toEqual(['/p/0', '/p/2', '/p/4', '/p/6', '/p/7', '/p/8']);
    expect(result.findings.map((f) => [f.rule, f.line])).toEqual(
      expect.arrayContaining([
        ['sitemap-url-status', 7],
        ['sitemap-url-redirect', 9],
      ]),
    );
    expect(result.findings).toHaveLength(2);
  });

  it('ai-plugin.json: api.url must answer; a wrong content type is a warning', async () => {
    const { result } = await validate(
      {
        '/.well-known/ai-plugin.json': respond(
          200,
          JSON.stringify({
            ...JSON.parse(
              await import('node:fs').then((fs) =>
                fs.readFileSync(new URL('./fixtures/site/.well-known/ai-plugin.json', import.meta.url), 'utf8'),
              ),
            ),
          }),
          {
            'content-type': 'text/html',
          },
        ),
        '/.well-known/openapi.yaml': respond(404),
      },
      { checks: ['ai-plugin'] },
    );
    expect(result.findings.map((f) => f.rule)).toEqual(['ai-plugin-content-type', 'ai-plugin-legacy', 'ai-plugin-api-unreachable']);
    expect(result.findings[2].message).toContain('api.url https://allthrive.ai/.well-known/openapi.yaml cannot be read (HTTP 404');
  });

  it('missing optional files (ai-plugin.json, llms.txt) are notices; required ones errors', async () => {
    const optional = await validate(
      { '/llms.txt': respond(404), '/.well-known/ai-plugin.json': respond(404) },
      { checks: ['ai-plugin', 'llms'] },
    );
    expect(optional.result.findings.map((f) => [f.rule, f.severity])).toEqual([
      ['file-missing', 'notice'],
      ['file-missing', 'notice'],
    ]);
    await site!.close();
    const required = await validate({ '/llms.txt': respond(404) }, { checks: ['llms'], require: ['llms'] });
    expect(required.result.findings.map((f) => [f.rule, f.severity])).toEqual([['file-missing', 'error']]);
  });

  it('llms.txt served with a content type that is not text: a warning', async () => {
    const { result } = await validate(
      { '/llms.txt': respond(200, '# All Thrive\n', { 'content-type': 'application/octet-stream' }) },
      { checks: ['llms'] },
    );
    expect(result.findings.map((f) => [f.rule, f.severity])).toEqual([['llms-content-type', 'warning']]);
  });

  it('caps: robots.txt beyond 500 KiB and an llms.txt beyond 5 MiB are reported, not read whole (and the cut rule is seen as crawlers see it)', async () => {
    const robots = `User-agent: *\n${'Disallow: /private/path/\n'.repeat(30_000)}`;
    const llms = `# All Thrive\n\n${'x'.repeat(6 * 1024 * 1024)}\n`;
    const { result } = await validate(
      { '/robots.txt': respond(200, robots, plainText), '/llms.txt': respond(200, llms, plainText) },
      { checks: ['robots', 'llms'] },
    );
    expect(result.findings.map((f) => [f.rule, f.message])).toEqual([
      ['robots-too-large', expect.stringContaining('robots.txt is more than 512,000 bytes; crawlers stop reading at 500 KiB')],
      // The 500 KiB cut falls inside 'Disallow: /private/path/', leaving 'Disallow: /'.
      [
        'robots-blocks-site',
        "robots.txt blocks the whole site for every crawler without its own group (*): '/' is disallowed by line 20481 'Disallow: /'.",
      ],
      ['robots-blocks-site', "robots.txt blocks the whole site for Googlebot: '/' is disallowed by line 20481 'Disallow: /'."],
      ['file-too-large', 'llms.txt is larger than 5 MiB; only the first 5 MiB were read.'],
    ]);
  });

  it('fail-on: warning fails on warnings too', async () => {
    const robots = 'User-agent: *\nunicorns: yes\n';
    const strict = await validate({ '/robots.txt': respond(200, robots, plainText) }, { checks: ['robots'], failOn: 'warning' });
    expect(strict.result).toMatchObject({ errors: 0, warnings: 1, failed: true });
    await site!.close();
    const lenient = await validate({ '/robots.txt': respond(200, robots, plainText) }, { checks: ['robots'] });
    expect(lenient.result).toMatchObject({ errors: 0, warnings: 1, failed: false });
  });

  it('a cancelled run stops with CancelledError', async () => {
    site = await startSite();
    const controller = new AbortController();
    controller.abort();
    await expect(
      runValidation(options(), { logger: memoryLogger(), clock: virtualClock(NOW), signal: controller.signal }),
    ).rejects.toBeInstanceOf(CancelledError);
  });
});
