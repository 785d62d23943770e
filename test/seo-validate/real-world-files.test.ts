/**
 * Valid files that real Django and Vite sites produce must not fail CI (issue 15): cross-submitted
 * sitemaps (item 1), a NUL inside a robots.txt line (item 4), and Google's crawlers that fall back
 * to the Googlebot group (item 5). Lastmod (item 2) is in sitemap.test.ts, the OAuth scope (item 3)
 * in ai-plugin-llms.test.ts.
 */
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from '@jest/globals';
import { memoryLogger, virtualClock } from '@allthrive/toolkit';
import { isAllowed, parseRobots, runValidation, type Options } from '@allthrive/seo-validate';
import { copySite, engineOptions } from './options.js';

const NOW = Date.parse('2026-11-27T08:00:00Z');
let root: string | undefined;
afterEach(() => {
  if (root) rmSync(root, { recursive: true, force: true });
  root = undefined;
});

function site(edit: (dir: string) => void): string {
  root = copySite('seo-real-', edit);
  return root;
}

const options = (overrides: Partial<Options> = {}): Options =>
  engineOptions({ directory: 'public', checks: ['robots', 'sitemap'], ...overrides });

describe('cross-submitted sitemaps (item 1)', () => {
  it('a Sitemap: line on another host is a notice that says it was not checked, not an error', async () => {
    site((dir) =>
      writeFileSync(
        path.join(dir, 'robots.txt'),
        'User-agent: *\nDisallow: /admin/\n\nSitemap: https://allthrive.ai/sitemap.xml\nSitemap: https://sitemaps.allthrive-cdn.net/sitemap.xml\n',
      ),
    );
    const result = await runValidation(options(), { root, logger: memoryLogger(), clock: virtualClock(NOW) });
    expect(result.errors).toBe(0);
    const cross = result.findings.filter((f) => f.rule === 'robots-sitemap-cross-host');
    expect(cross).toEqual([
      expect.objectContaining({
        severity: 'notice',
        line: 5,
        message: expect.stringContaining('https://sitemaps.allthrive-cdn.net/sitemap.xml'),
      }),
    ]);
    expect(cross[0].message).toContain('sitemaps.org allows');
    expect(cross[0].message).toContain('was not checked');
  });

  it('development hosts and Django’s example.com in a Sitemap: line stay errors', async () => {
    site((dir) => writeFileSync(path.join(dir, 'robots.txt'), 'User-agent: *\nDisallow:\n\nSitemap: https://example.com/sitemap.xml\n'));
    const result = await runValidation(options(), { root, logger: memoryLogger(), clock: virtualClock(NOW) });
    expect(result.findings.filter((f) => f.rule === 'robots-sitemap-host').map((f) => f.severity)).toEqual(['error']);
  });
});

describe('a NUL byte inside a robots.txt line (item 4)', () => {
  it("ends the line there, as Google's parser does", () => {
    const robots = parseRobots(Buffer.from('User-agent: *\nDisallow: /private\u0000/ignored\n'));
    expect(robots.lines[1].value).toBe('/private');
    expect(isAllowed(robots, 'FooBot', 'https://allthrive.ai/private/x')).toBe(false);
    const agent = parseRobots(Buffer.from('User-agent: FooBot\u0000Bar\nDisallow: /\n'));
    expect(isAllowed(agent, 'FooBot', 'https://allthrive.ai/')).toBe(false);
  });
});

describe("Google's crawlers that obey the Googlebot group when no group names them (item 5)", () => {
  const robots = parseRobots(Buffer.from('User-agent: Googlebot\nDisallow: /drafts/\n\nUser-agent: *\nDisallow: /admin/\n'));

  it('Googlebot-Image, Googlebot-Video and Googlebot-News fall back to the Googlebot group', () => {
    for (const agent of ['Googlebot-Image', 'Googlebot-Video', 'Googlebot-News', 'googlebot-image']) {
      expect([agent, isAllowed(robots, agent, 'https://allthrive.ai/drafts/a.png')]).toEqual([agent, false]);
      expect([agent, isAllowed(robots, agent, 'https://allthrive.ai/admin/a.png')]).toEqual([agent, true]);
    }
  });

  it('their own group wins over Googlebot; without a Googlebot group they use *', () => {
    const own = parseRobots(Buffer.from('User-agent: Googlebot\nDisallow: /\n\nUser-agent: Googlebot-Image\nDisallow: /raw/\n'));
    expect(isAllowed(own, 'Googlebot-Image', 'https://allthrive.ai/photos/a.png')).toBe(true);
    expect(isAllowed(own, 'Googlebot-Image', 'https://allthrive.ai/raw/a.png')).toBe(false);
    const star = parseRobots(Buffer.from('User-agent: *\nDisallow: /admin/\n'));
    expect(isAllowed(star, 'Googlebot-Image', 'https://allthrive.ai/admin/a.png')).toBe(false);
  });

  it('findings say which group Google applies', async () => {
    site((dir) => writeFileSync(path.join(dir, 'robots.txt'), 'User-agent: Googlebot\nDisallow: /\n\nUser-agent: *\nDisallow:\n'));
    const result = await runValidation(options({ checks: ['robots'], userAgents: ['Googlebot-Image'] }), {
      root,
      logger: memoryLogger(),
      clock: virtualClock(NOW),
    });
    expect(result.findings.map((f) => [f.rule, f.line, f.message])).toEqual([
      [
        'robots-blocks-site',
        2,
        expect.stringContaining('for Googlebot-Image (no group of its own, so Google applies the Googlebot group)'),
      ],
    ]);
  });

  it('AdsBot-Google, AdsBot-Google-Mobile, Mediapartners-Google and APIs-Google ignore the * group: only a group naming them applies', () => {
    const star = parseRobots(Buffer.from('User-agent: *\nDisallow: /\n'));
    const named = parseRobots(Buffer.from('User-agent: *\nDisallow: /\n\nUser-agent: AdsBot-Google\nDisallow: /checkout/\n'));
    for (const agent of ['AdsBot-Google', 'AdsBot-Google-Mobile', 'Mediapartners-Google', 'APIs-Google', 'adsbot-google']) {
      // before: the * group's Disallow: / was applied to them, so every landing page looked blocked
      expect([agent, isAllowed(star, agent, 'https://allthrive.ai/landing')]).toEqual([agent, true]);
      expect([agent, isAllowed(star, agent, 'https://allthrive.ai/landing', 'rfc')]).toEqual([agent, false]); // RFC 9309 has no such exception
    }
    expect(isAllowed(named, 'AdsBot-Google', 'https://allthrive.ai/checkout/pay')).toBe(false);
    expect(isAllowed(named, 'AdsBot-Google', 'https://allthrive.ai/landing')).toBe(true);
    expect(isAllowed(named, 'AdsBot-Google-Mobile', 'https://allthrive.ai/checkout/pay')).toBe(true); // its own token, no group
    expect(isAllowed(star, 'Googlebot', 'https://allthrive.ai/landing')).toBe(false);
  });

  it('a * group that blocks the site is no finding for AdsBot-Google, and a group naming it is', async () => {
    site((dir) => writeFileSync(path.join(dir, 'robots.txt'), 'User-agent: *\nDisallow: /\n'));
    const run = () =>
      runValidation(options({ checks: ['robots'], userAgents: ['AdsBot-Google'] }), {
        root,
        logger: memoryLogger(),
        clock: virtualClock(NOW),
      });
    expect((await run()).findings.map((f) => f.rule)).toEqual([]);
    rmSync(root!, { recursive: true, force: true });
    site((dir) => writeFileSync(path.join(dir, 'robots.txt'), 'User-agent: *\nDisallow:\n\nUser-agent: AdsBot-Google\nDisallow: /\n'));
    expect((await run()).findings.map((f) => [f.rule, f.line])).toEqual([['robots-blocks-site', 5]]);
  });

  it('other tokens keep exact-group semantics, and profile rfc never falls back', () => {
    for (const agent of ['Storebot-Google', 'Google-Extended', 'GoogleOther', 'AdsBot-Google', 'Googlebot-Mobile'])
      expect([agent, isAllowed(robots, agent, 'https://allthrive.ai/drafts/a')]).toEqual([agent, true]);
    expect(isAllowed(robots, 'Googlebot-Image', 'https://allthrive.ai/drafts/a.png', 'rfc')).toBe(true);
  });
});
