/**
 * Server mode stays on the server under test: redirects to another origin are not followed (issue
 * 15 item 6, issue 19 item 3), link-local addresses are never fetched unless they are the
 * configured url, and `host-header` sends the public host (issue 15 item 7). Real HTTP servers
 * on loopback; the "metadata server" listens on another loopback address (127.0.0.2).
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from '@jest/globals';
import { memoryLogger, virtualClock } from '@allthrive/toolkit';
import { FetchError, fetchResource, isLinkLocal, runValidation, type Options } from '@allthrive/seo-validate';
import { engineOptions } from './options.js';
import { redirect, respond, startSite, type Handler, type Site } from './site-server.js';

const NOW = Date.parse('2026-11-27T08:00:00Z');
const plainText = { 'content-type': 'text/plain' };
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (closers.length) await closers.pop()!();
});

async function track(site: Site): Promise<Site> {
  closers.push(() => site.close());
  return site;
}

/** A server on 127.0.0.2 standing in for an instance metadata service: records every request. */
async function fakeMetadataServer(): Promise<{ url: string; requests: string[] }> {
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    requests.push(req.url ?? '');
    res.writeHead(200, plainText);
    res.end('AccessKeyId: AKIAEXAMPLESECRET\n');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.2', resolve));
  closers.push(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return { url: `http://127.0.0.2:${(server.address() as AddressInfo).port}`, requests };
}

const validate = (url: string, overrides: Partial<Options> = {}) =>
  runValidation(engineOptions({ url, ...overrides }), { logger: memoryLogger(), clock: virtualClock(NOW) });

describe('redirects to another origin', () => {
  it('are not followed: a warning names both origins, the file is not validated, the other server is never asked', async () => {
    const metadata = await fakeMetadataServer();
    const site = await track(
      await startSite({
        '/robots.txt': redirect(`${metadata.url}/latest/meta-data/iam/security-credentials/role`),
        '/sitemap.xml': redirect(`${metadata.url}/sitemap.xml`, 302),
      }),
    );
    const result = await validate(site.url, { checks: ['robots', 'sitemap'], require: [] });
    expect(metadata.requests).toEqual([]);
    const away = result.findings.filter((f) => f.rule === 'redirect-other-origin');
    expect(away.map((f) => [f.file, f.severity])).toEqual([
      [`${site.url}/robots.txt`, 'warning'],
      [`${site.url}/sitemap.xml`, 'warning'],
    ]);
    expect(away[0].message).toContain(`from ${site.url} to ${metadata.url}`);
    expect(away[0].message).toContain('not validated');
    expect(JSON.stringify(result)).not.toContain('AKIAEXAMPLESECRET');
    expect(result.files[`${site.url}/robots.txt`].status).toBe('redirected to another origin');
  });

  it('a canonical-host redirect to the production site is reported, production is not validated', async () => {
    const site = await track(await startSite({ '/robots.txt': redirect('https://allthrive.ai/robots.txt') }));
    const result = await validate(site.url, { checks: ['robots'] });
    expect(result.findings.map((f) => [f.rule, f.severity])).toEqual([['redirect-other-origin', 'warning']]);
    expect(result.findings[0].message).toContain(`from ${site.url} to https://allthrive.ai`);
  });

  it('same-origin redirects are still followed', async () => {
    const site = await track(
      await startSite({
        '/robots.txt': redirect('/static/robots.txt'),
        '/static/robots.txt': respond(200, 'User-agent: *\nDisallow:\n', plainText),
      }),
    );
    const result = await validate(site.url, { checks: ['robots'] });
    expect(result.findings.map((f) => f.rule)).toEqual(['robots-redirect']);
  });
});

describe('link-local addresses (instance metadata)', () => {
  it('a redirect to 169.254.169.254 is never requested', async () => {
    const site = await track(await startSite({ '/x': redirect('http://169.254.169.254/latest/meta-data/') }));
    const result = await fetchResource(`${site.url}/x`, { maxBytes: 1024, timeoutMs: 2000, userAgent: 'test' });
    expect(result.offOrigin).toEqual({ status: 301, from: site.url, to: 'http://169.254.169.254' });
    expect(result.body.length).toBe(0);
  });

  it('a host name that resolves to a link-local address (IPv4 or IPv6) is refused before any connection', async () => {
    const metadata = await fakeMetadataServer();
    const port = new URL(metadata.url).port;
    const lookupTo = (address: string, family: 4 | 6) =>
      ((_host: string, _o: unknown, cb: (e: null, a: string, f: number) => void) => cb(null, address, family)) as never;
    // The name resolves to 169.254.169.254: refused before any connection.
    const viaName = fetchResource(`http://metadata.internal:${port}/latest/`, {
      maxBytes: 1024,
      timeoutMs: 2000,
      userAgent: 'test',
      lookup: lookupTo('169.254.169.254', 4),
    });
    await expect(viaName).rejects.toBeInstanceOf(FetchError);
    await expect(viaName).rejects.toThrow(/link-local address 169\.254\.169\.254/);
    await expect(
      fetchResource(`http://metadata.internal:${port}/latest/`, {
        maxBytes: 1024,
        timeoutMs: 2000,
        userAgent: 'test',
        lookup: lookupTo('fe80::1', 6),
      }),
    ).rejects.toThrow(/link-local address fe80::1/);
    expect(metadata.requests).toEqual([]);
    expect(['169.254.0.1', '::ffff:169.254.169.254', 'fe80::1', '[febf::2]'].map(isLinkLocal)).toEqual([true, true, true, true]);
    expect(['169.255.0.1', '127.0.0.2', 'fec0::1', '::1', 'localhost'].map(isLinkLocal)).toEqual([false, false, false, false, false]);
  });
});

describe('host names still resolve normally', () => {
  it('localhost (IPv6 and IPv4 answers, tried in turn) reaches a server on 127.0.0.1', async () => {
    const site = await track(await startSite());
    const local = site.url.replace('127.0.0.1', 'localhost');
    const result = await fetchResource(`${local}/robots.txt`, { maxBytes: 4096, timeoutMs: 5000, userAgent: 'test' });
    expect(result.status).toBe(200);
    expect(result.body.toString()).toContain('User-agent');
  });
});

describe('host-header', () => {
  async function recordingSite(): Promise<{ site: Site; seen: IncomingHttpHeaders[] }> {
    const seen: IncomingHttpHeaders[] = [];
    const robots: Handler = (req, res) => {
      seen.push(req.headers);
      res.writeHead(200, plainText);
      res.end(`User-agent: *\nDisallow:\n\nSitemap: https://${req.headers.host}/sitemap.xml\n`);
    };
    const site = await track(await startSite({ '/robots.txt': robots }));
    return { site, seen };
  }

  it('site: sends Host of site-url and X-Forwarded-Proto: https, so Django writes public URLs', async () => {
    const { site, seen } = await recordingSite();
    const result = await validate(site.url, { checks: ['robots', 'sitemap'], hostHeader: 'site' });
    expect(seen[0]).toMatchObject({ host: 'allthrive.ai', 'x-forwarded-proto': 'https' });
    expect(result.findings.filter((f) => f.rule === 'robots-sitemap-host')).toEqual([]);
    expect(result.errors).toBe(0);
  });

  it('a host name sends that host; empty (the default) sends the url host', async () => {
    const named = await recordingSite();
    await validate(named.site.url, { checks: ['robots'], hostHeader: 'staging.allthrive.ai' });
    expect(named.seen[0].host).toBe('staging.allthrive.ai');
    expect(named.seen[0]['x-forwarded-proto']).toBeUndefined();
    const plain = await recordingSite();
    await validate(plain.site.url, { checks: ['robots'] });
    expect(plain.seen[0].host).toBe(new URL(plain.site.url).host);
    expect(plain.seen[0]['x-forwarded-proto']).toBeUndefined();
  });
});
