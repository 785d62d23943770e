import { gzipSync } from 'node:zlib';
import { describe, expect, it } from '@jest/globals';
import { FindingList, MAX_SITEMAP_BYTES, isValidW3cDatetime, validateSitemap, type SitemapContext } from '@allthrive/seo-validate';

const NS = 'http://www.sitemaps.org/schemas/sitemap/0.9';
const NOW = Date.parse('2026-11-27T08:00:00Z');

async function* chunked(body: Buffer, size: number): AsyncIterable<Buffer> {
  for (let i = 0; i < body.length; i += size) yield body.subarray(i, i + size);
}

async function validate(body: string | Buffer, overrides: Partial<SitemapContext> = {}, chunkSize = 4096) {
  const findings = new FindingList(100_000);
  const seen: string[] = [];
  const result = await validateSitemap(chunked(typeof body === 'string' ? Buffer.from(body) : body, chunkSize), {
    file: 'sitemap.xml',
    publicUrl: new URL('https://allthrive.ai/sitemap.xml'),
    siteUrl: new URL('https://allthrive.ai'),
    skipPathScope: false,
    now: NOW,
    findings,
    onUrl: (entry) => seen.push(entry.loc),
    ...overrides,
  });
  return { result, findings: findings.items, rules: findings.items.map((f) => `${f.rule}@${f.line ?? '-'}:${f.severity}`), seen };
}

const urlset = (inner: string, attrs = `xmlns="${NS}"`) =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<urlset ${attrs}>\n${inner}\n</urlset>\n`;
const url = (loc: string, extra = '') => `<url><loc>${loc}</loc>${extra}</url>`;

/** The findings (`rule@line:severity`) for a sitemap with one URL per `<lastmod>` value, the first on line 3. */
const lastmodRules = async (values: string[]) =>
  (await validate(urlset(values.map((v, i) => url(`https://allthrive.ai/${i}`, `<lastmod>${v}</lastmod>`)).join('\n')))).rules;

describe('sitemap validator', () => {
  it('accepts a valid urlset with an extension namespace and reports each URL', async () => {
    const xml = urlset(
      [
        url('https://allthrive.ai/', '<lastmod>2026-11-01</lastmod><changefreq>daily</changefreq><priority>1.0</priority>'),
        url('https://allthrive.ai/about/', '<image:image><image:loc>https://cdn.other.example/a.png</image:loc></image:image>'),
      ].join('\n'),
      `xmlns="${NS}" xmlns:image="http://www.google.com/schemas/sitemap-image/1.1"`,
    );
    const { result, rules, seen } = await validate(xml);
    expect(rules).toEqual([]);
    expect(result).toMatchObject({ kind: 'urlset', urls: 2, gzip: false });
    expect(seen).toEqual(['https://allthrive.ai/', 'https://allthrive.ai/about/']);
  });

  it('parses as a stream: 3-byte chunks that split multi-byte characters give the same result', async () => {
    const xml = urlset(url('https://allthrive.ai/caf%C3%A9/') + url('https://allthrive.ai/é-raw/'));
    const whole = await validate(xml);
    const pieces = await validate(xml, {}, 3);
    expect(pieces.rules).toEqual(whole.rules);
    expect(pieces.rules).toEqual(['sitemap-loc-escaping@3:warning']);
    expect(pieces.result.urls).toBe(2);
  });

  it('sitemap-xml: not well-formed, with line and column', async () => {
    const { findings } = await validate(urlset('<url><loc>https://allthrive.ai/a</loc>\n</urlset>'));
    expect(findings).toEqual([expect.objectContaining({ rule: 'sitemap-xml', severity: 'error', line: 4, column: 10 })]);
    expect(findings[0].message).toBe('Not well-formed XML: unexpected close tag. Crawlers reject the whole file.');
  });

  it('sitemap-xml: an unbound namespace prefix is an error (namespace-aware parsing)', async () => {
    const { rules } = await validate(
      urlset(url('https://allthrive.ai/', '<image:image><image:loc>https://allthrive.ai/a.png</image:loc></image:image>')),
    );
    expect(rules).toEqual(['sitemap-xml@3:error']);
  });

  it('sitemap-doctype: external entities are neither fetched nor expanded', async () => {
    const xml = `<?xml version="1.0"?>\n<!DOCTYPE urlset [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n<urlset xmlns="${NS}"><url><loc>&xxe;</loc></url></urlset>`;
    const { findings, seen } = await validate(xml);
    expect(findings.map((f) => f.rule)).toEqual(['sitemap-doctype', 'sitemap-xml']);
    expect(JSON.stringify(findings)).not.toContain('root:');
    expect(seen).toEqual([]);
  });

  it('sitemap-html and sitemap-root: an HTML page or a feed instead of a sitemap', async () => {
    expect((await validate('<!DOCTYPE html>\n<html><body>Not found</body></html>')).rules).toEqual(['sitemap-html@1:error']);
    expect((await validate('<html><body>x</body></html>')).rules).toEqual(['sitemap-root@1:error']);
    expect((await validate('<rss version="2.0"><channel/></rss>')).rules).toEqual(['sitemap-root@1:warning']);
  });

  it('sitemap-namespace: https, missing and legacy namespaces', async () => {
    for (const ns of ['https://www.sitemaps.org/schemas/sitemap/0.9', 'http://www.google.com/schemas/sitemap/0.84']) {
      const { findings } = await validate(urlset(url('https://allthrive.ai/'), `xmlns="${ns}"`));
      expect(findings.map((f) => f.rule)).toEqual(['sitemap-namespace']);
    }
    const https = await validate(urlset(url('https://allthrive.ai/'), 'xmlns="https://www.sitemaps.org/schemas/sitemap/0.9"'));
    expect(https.findings[0].message).toContain('https:// is wrong');
    expect((await validate(urlset(url('https://allthrive.ai/'), ''))).rules).toEqual(['sitemap-namespace@2:error']);
  });

  it('sitemap-encoding: a non-UTF-8 declaration and invalid UTF-8 bytes', async () => {
    const latin = `<?xml version="1.0" encoding="ISO-8859-1"?><urlset xmlns="${NS}">${url('https://allthrive.ai/')}</urlset>`;
    expect((await validate(latin)).findings.map((f) => f.rule)).toEqual(['sitemap-encoding']);
    const bytes = Buffer.concat([
      Buffer.from(`<urlset xmlns="${NS}"><url><loc>https://allthrive.ai/caf`),
      Buffer.from([0xe9]),
      Buffer.from('</loc></url></urlset>'),
    ]);
    expect((await validate(bytes)).findings.map((f) => f.rule)).toEqual(['sitemap-encoding']);
  });

  it('sitemap-missing-loc, sitemap-duplicate-tag, sitemap-unknown-element', async () => {
    const { rules } = await validate(
      urlset(
        [
          '<url><lastmod>2026-01-01</lastmod></url>',
          '<url><loc>https://allthrive.ai/a</loc><loc>https://allthrive.ai/b</loc></url>',
          '<url><loc>https://allthrive.ai/c</loc><title>C</title></url>',
          '<sitemap><loc>https://allthrive.ai/s.xml</loc></sitemap>',
        ].join('\n'),
      ),
    );
    expect(rules).toEqual([
      'sitemap-missing-loc@3:error',
      'sitemap-duplicate-tag@4:error',
      'sitemap-unknown-element@5:warning',
      'sitemap-unknown-element@6:error',
    ]);
  });

  it('sitemap-loc: relative, empty, non-http and over-long URLs', async () => {
    const { rules, seen } = await validate(
      urlset(
        [url('/about/contact-us'), url(''), url('mailto:team@allthrive.ai'), url(`https://allthrive.ai/${'a'.repeat(2100)}`)].join('\n'),
      ),
    );
    expect(rules).toEqual(['sitemap-loc@3:error', 'sitemap-loc@4:error', 'sitemap-loc@5:error', 'sitemap-loc@6:error']);
    expect(seen).toHaveLength(1);
  });

  it('sitemap-loc-host: localhost, Django’s example.com, http vs https, www vs apex, another host', async () => {
    const { findings } = await validate(
      urlset(
        [
          url('http://localhost:8000/about/'),
          url('http://example.com/about/'),
          url('http://allthrive.ai/about/'),
          url('https://www.allthrive.ai/about/'),
          url('https://other.example.net/'),
        ].join('\n'),
      ),
    );
    expect(findings.map((f) => [f.rule, f.line])).toEqual([
      ['sitemap-loc-host', 3],
      ['sitemap-loc-host', 4],
      ['sitemap-loc-host', 5],
      ['sitemap-loc-host', 6],
      ['sitemap-loc-host', 7],
    ]);
    expect(findings[0].message).toContain('development host localhost:8000');
    expect(findings[1].message).toContain("Django's sites framework default");
    expect(findings[2].message).toContain('uses http but site-url is https');
    expect(findings[3].message).toContain('www and non-www');
  });

  it('sitemap-loc-scope: a sitemap may list only URLs under its own directory (unless robots.txt names it)', async () => {
    const xml = urlset(url('https://allthrive.ai/blog/post/') + url('https://allthrive.ai/about/'));
    const nested = { publicUrl: new URL('https://allthrive.ai/blog/sitemap.xml') };
    expect((await validate(xml, nested)).rules).toEqual(['sitemap-loc-scope@3:error']);
    expect((await validate(xml, { ...nested, skipPathScope: true })).rules).toEqual([]);
  });

  it('sitemap-lastmod and sitemap-lastmod-future', async () => {
    const entries = [
      '2026-13-01',
      '2026-02-30',
      '01/01/2026',
      '2026-01-01 10:00:00',
      '2026-01-01T10:00',
      '2027-01-01',
      '2026-11-27T09:00:00+00:00',
    ];
    expect(await lastmodRules(entries)).toEqual([
      'sitemap-lastmod@3:error',
      'sitemap-lastmod@4:error',
      'sitemap-lastmod@5:error',
      'sitemap-lastmod@6:error',
      'sitemap-lastmod@7:error',
      'sitemap-lastmod-future@8:warning',
    ]);
    for (const valid of ['2026', '2026-01', '2026-01-01', '2026-01-01T10:00Z', '2026-01-01T10:00:00.5+01:00', '2024-02-29'])
      expect(isValidW3cDatetime(valid)).toBe(true);
  });

  it('lastmod: Django date:"c" for naive datetimes (no timezone) is a warning that says why, never an error', async () => {
    const { rules, findings } = await validate(
      urlset(
        [
          url('https://allthrive.ai/a', '<lastmod>2024-01-01T10:30:00</lastmod>'),
          url('https://allthrive.ai/b', '<lastmod>2024-01-01T10:30:00.123456</lastmod>'),
        ].join('\n'),
      ),
    );
    expect(rules).toEqual(['sitemap-lastmod-timezone@3:warning', 'sitemap-lastmod-timezone@4:warning']);
    expect(findings[0].message).toContain('W3C Datetime (which sitemaps.org names) requires a timezone');
  });

  it('lastmod: xsd:date with a timezone (2024-01-01Z) is accepted by the schema: no error', async () => {
    const { findings } = await validate(
      urlset(
        [
          url('https://allthrive.ai/a', '<lastmod>2024-01-01Z</lastmod>'),
          url('https://allthrive.ai/b', '<lastmod>2024-01-01+02:00</lastmod>'),
        ].join('\n'),
      ),
    );
    expect(findings.filter((f) => f.severity === 'error')).toEqual([]);
  });

  it('lastmod: what the schema rejects stays an error; W3C shapes the schema rejects are warnings', async () => {
    const values = ['2024-01-01 10:30:00', '2024-13-01', '2024-01-01T10:30', '2024-01', '2024-01-01T10:30+01:00'];
    expect(await lastmodRules(values)).toEqual([
      'sitemap-lastmod@3:error',
      'sitemap-lastmod@4:error',
      'sitemap-lastmod@5:error',
      'sitemap-lastmod-schema@6:warning',
      'sitemap-lastmod-schema@7:warning',
    ]);
  });

  it('sitemap-changefreq and sitemap-priority', async () => {
    const { findings } = await validate(
      urlset(
        [
          url('https://allthrive.ai/a', '<changefreq>Daily</changefreq>'),
          url('https://allthrive.ai/b', '<changefreq>biweekly</changefreq>'),
          url('https://allthrive.ai/c', '<priority>1.1</priority>'),
          url('https://allthrive.ai/d', '<priority>0,5</priority>'),
          url('https://allthrive.ai/e', '<priority>.5</priority><changefreq>never</changefreq>'),
        ].join('\n'),
      ),
    );
    expect(findings.map((f) => `${f.rule}@${f.line}`)).toEqual([
      'sitemap-changefreq@3',
      'sitemap-changefreq@4',
      'sitemap-priority@5',
      'sitemap-priority@6',
    ]);
    expect(findings[0].message).toContain("values are lower case: 'daily'");
  });

  it('sitemap-duplicate-url: names the first occurrence', async () => {
    const { findings } = await validate(
      urlset([url('https://allthrive.ai/a'), url('https://allthrive.ai/b'), url('https://allthrive.ai/a')].join('\n')),
    );
    expect(findings).toEqual([
      expect.objectContaining({ rule: 'sitemap-duplicate-url', line: 5, message: expect.stringContaining('first on line 3') }),
    ]);
  });

  it('sitemap-empty: an empty urlset is a warning, an empty body an error', async () => {
    expect((await validate(urlset(''))).rules).toEqual(['sitemap-empty@-:warning']);
    expect((await validate('')).rules).toEqual(['sitemap-empty@-:error']);
  });

  it('sitemap-too-many-urls: 50,001 URLs', async () => {
    const many = Array.from({ length: 50_001 }, (_, i) => `<url><loc>https://allthrive.ai/p/${i}</loc></url>`).join('\n');
    const { rules, result } = await validate(urlset(many));
    expect(rules).toEqual(['sitemap-too-many-urls@50003:error']);
    expect(result.urls).toBe(50_001);
  });

  it('sitemap-too-many-sitemaps: an index with 50,001 entries', async () => {
    const entries = Array.from({ length: 50_001 }, (_, i) => `<sitemap><loc>https://allthrive.ai/s/${i}.xml</loc></sitemap>`).join('\n');
    const { rules, result } = await validate(`<sitemapindex xmlns="${NS}">\n${entries}\n</sitemapindex>`);
    expect(rules).toEqual(['sitemap-too-many-sitemaps@50002:error']);
    expect(result.children).toHaveLength(50_001);
  });

  it('gzip: a compressed sitemap is read; a corrupt one is sitemap-gzip; a gzip bomb stops at 50 MB', async () => {
    const plain = urlset(url('https://allthrive.ai/a'));
    const ok = await validate(gzipSync(plain), {}, 10);
    expect(ok.rules).toEqual([]);
    expect(ok.result).toMatchObject({ gzip: true, urls: 1 });

    const corrupt = Buffer.concat([gzipSync(plain).subarray(0, 20), Buffer.from('garbage that is not deflate data')]);
    expect((await validate(corrupt)).findings.map((f) => f.rule)).toContain('sitemap-gzip');

    const bomb = gzipSync(Buffer.concat([Buffer.from(`<urlset xmlns="${NS}">`), Buffer.alloc(MAX_SITEMAP_BYTES + 1024 * 1024, 0x20)]));
    expect(bomb.length).toBeLessThan(200 * 1024);
    const big = await validate(bomb);
    expect(big.rules).toEqual(['sitemap-too-large@-:error']);
    expect(big.result.bytes).toBe(MAX_SITEMAP_BYTES);
  });

  it('sitemap index: children collected; entries are checked like URLs', async () => {
    const xml = `<sitemapindex xmlns="${NS}">\n<sitemap><loc>https://allthrive.ai/sitemap-pages.xml</loc><lastmod>2026-11-01</lastmod></sitemap>\n<sitemap><loc>http://localhost:8000/sitemap-x.xml</loc></sitemap>\n<sitemap><loc>https://allthrive.ai/s.xml</loc><priority>0.5</priority></sitemap>\n</sitemapindex>`;
    const { result, rules } = await validate(xml);
    expect(result.kind).toBe('sitemapindex');
    expect(result.children).toEqual([
      { loc: 'https://allthrive.ai/sitemap-pages.xml', line: 2 },
      { loc: 'https://allthrive.ai/s.xml', line: 4 },
    ]);
    expect(rules).toEqual(['sitemap-loc-host@3:error', 'sitemap-unknown-element@4:warning']);
  });
});

describe('W3C datetime', () => {
  it('reads every W3C shape to the earliest instant it denotes, and rejects impossible dates', async () => {
    const { parseW3cDatetime } = await import('@allthrive/seo-validate');
    const cases: [string, string | null][] = [
      ['2026', '2026-01-01T00:00:00.000Z'],
      ['2026-03', '2026-03-01T00:00:00.000Z'],
      ['2026-03-04', '2026-03-04T00:00:00.000Z'],
      ['2026-03-04T10:20Z', '2026-03-04T10:20:00.000Z'],
      ['2026-03-04T10:20:30Z', '2026-03-04T10:20:30.000Z'],
      ['2026-03-04T10:20:30+02:00', '2026-03-04T08:20:30.000Z'],
      ['2026-03-04T10:20:30-05:30', '2026-03-04T15:50:30.000Z'],
      ['2026-03-04T10:20:30.25+00:00', '2026-03-04T10:20:30.250Z'],
      ['2024-02-29', '2024-02-29T00:00:00.000Z'],
      ['2023-02-29', null],
      ['2100-02-29', null],
      ['2026-04-31', null],
      ['2026-00-10', null],
      ['2026-03-04T24:00:00Z', null],
      ['2026-03-04T10:60:00+00:00', null],
      ['2026-03-04T10:20:30+15:00', null],
      ['2026-03-04T10:20:30', null],
      ['2026-03-04 10:20:30+00:00', null],
      ['2026-3-4', null],
    ];
    for (const [value, iso] of cases) {
      const ms = parseW3cDatetime(value);
      expect([value, Number.isNaN(ms) ? null : new Date(ms).toISOString()]).toEqual([value, iso]);
    }
  });
});
