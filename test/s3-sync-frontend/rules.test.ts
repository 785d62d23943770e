import { createHash } from 'node:crypto';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { itMapsEach } from '../harness/maps-each.js';
import mime from 'mime-types';
import { InputError, Inputs, mapInputSource } from '@allthrive/toolkit';
import {
  DEFAULT_CACHE_CONTROL,
  EXTENSION_TYPES,
  builtInContentType,
  directoryPathsOfIndex,
  encodeUrlPath,
  globMatcher,
  headerRules,
  isContentHashed,
  normalizePrefix,
  viteHashedFiles,
  readOptions,
} from '@allthrive/s3-sync-frontend';

/** Names a build tool gave a content hash: cached as immutable. */
const HASHED = [
  'assets/index-BxY3k9_a.js',
  'assets/index-B-x_3k9a.js',
  'assets/vendor-DiwrGTdA.js', // digit-free Vite hash
  'assets/index-3f2a1b4c.css',
  'assets/index-BxY3k9_a.js.map',
  'assets/logo-a1B2c3D4.svg',
  'static/js/main.3f2a1b4c.js',
  'static/js/787.8d9f6e1a.chunk.js',
  'static/css/main.3f2a1b4c5d6e7f80a1b2.css',
  'assets/chunk-3f2a1b4c5d6e7f80a1b2c3d4.js',
  'fonts/inter-Ab12Cd34.woff2',
  'assets/index--ICa_01p.js', // a Vite hash may start with '-'
  'assets/vendor-YktgxYyd.js',
  'assets/index-5bhhptip.css',
];

/** Names without one. */
const NOT_HASHED = [
  'index.html',
  'assets/index-BxY3k9_a.html', // HTML is never immutable
  'favicon.ico',
  'robots.txt',
  'manifest.webmanifest',
  'sw.js',
  'my-component-file.js',
  'icons/Checkbox-MyButton.svg',
  'img/hero-1920x1080.jpg',
  'docs/chapter12.pdf',
  'logo-20240101.png',
  'vendor/jquery.min.js',
  'components/Button-Secondary.js',
  'LICENSE',
  // names people give files, which a loose rule took for hashes (a year of immutable caching)
  'img/banner-Q3Promo24.png',
  'img/banner_Q3Promo24.png',
  'docs/report.Q3Final24.pdf',
  'downloads/app-v2Release.zip',
  'img/team-2024Offsite.jpg',
  'docs/minutes.20240101.pdf',
];

describe('content-hash detection', () => {
  it.each([...HASHED.map((path) => [path, 'is', true] as const), ...NOT_HASHED.map((path) => [path, 'is not', false] as const)])(
    '%s %s content-hashed',
    (path, _is, hashed) => {
      expect(isContentHashed(path)).toBe(hashed);
    },
  );

  it('a name can still look like a Vite hash by chance (documented: use the manifest or a cache-control rule)', () => {
    expect(isContentHashed('img/banner-Promo24a.png')).toBe(true);
  });

  it('recognises at least 99% of random Vite hashes (base64url, 8 characters) in assets/', () => {
    let found = 0;
    for (let i = 0; i < 5000; i++) {
      const hash = createHash('sha256').update(String(i)).digest('base64url').slice(0, 8);
      if (isContentHashed(`assets/chunk-${hash}.js`)) found++;
    }
    expect(found / 5000).toBeGreaterThan(0.99);
  });
});

describe("content-hash detection from Vite's manifest (.vite/manifest.json)", () => {
  const manifest = JSON.stringify({
    'index.html': { file: 'assets/index-BxY3k9_a.js', isEntry: true, css: ['assets/index-Dk3j2ab1.css'], assets: ['assets/logo-Zz.svg'] },
    'src/lazy.ts': { file: 'assets/lazy-DIWRGTDA.js', isDynamicEntry: true },
  });

  it('takes exactly the files the manifest lists (and their source maps) as content-hashed, whatever their names', () => {
    const hashed = viteHashedFiles(manifest);
    const isHashed = (p: string) => hashed.has(p.replace(/\.map$/, ''));
    expect(isHashed('assets/index-BxY3k9_a.js')).toBe(true);
    expect(isHashed('assets/index-BxY3k9_a.js.map')).toBe(true);
    expect(isHashed('assets/index-Dk3j2ab1.css')).toBe(true);
    expect(isHashed('assets/logo-Zz.svg')).toBe(true); // a short hash no name rule would accept
    expect(isHashed('assets/lazy-DIWRGTDA.js')).toBe(true);
    // public/ files are copied as they are and are not in the manifest
    expect(isHashed('img/banner-Q3Promo24.png')).toBe(false);
    expect(isHashed('assets/vendor-AbCd1234.js')).toBe(false);
  });

  it('rejects a file that is not a Vite manifest, saying what is wrong', () => {
    expect(() => viteHashedFiles('[]')).toThrow(/not an object of chunks/);
    expect(() => viteHashedFiles('{"x": {"src": "a"}}')).toThrow(/entry 'x' has no 'file'/);
  });
});

describe('globs', () => {
  it('matches the file name in any directory when the glob has no slash, from the root otherwise', () => {
    expect(globMatcher('*.html')('docs/page.html')).toBe(true);
    expect(globMatcher('*.html')('index.html')).toBe(true);
    expect(globMatcher('assets/**')('assets/a/b.js')).toBe(true);
    expect(globMatcher('assets/**')('x/assets/b.js')).toBe(false);
    expect(globMatcher('/index.html')('index.html')).toBe(true);
    expect(globMatcher('/index.html')('docs/index.html')).toBe(false);
    expect(globMatcher('assets/')('assets/x/y.png')).toBe(true);
    expect(globMatcher('.well-known/**')('.well-known/ai-plugin.json')).toBe(true);
    expect(globMatcher('**/*.map')('assets/a.js.map')).toBe(true);
  });
});

describe('header rules', () => {
  it('applies the defaults: hashed immutable, HTML no-cache, the rest an hour', () => {
    const rules = headerRules([], []);
    expect(rules.cacheControl('assets/index-BxY3k9_a.js')).toBe(DEFAULT_CACHE_CONTROL.hashed);
    expect(rules.cacheControl('docs/index.html')).toBe('no-cache');
    expect(rules.cacheControl('favicon.ico')).toBe('public, max-age=3600');
  });

  it('tries user rules first, first match wins, and falls back to the defaults', () => {
    const rules = headerRules(
      [
        { glob: 'sw.js', value: 'no-cache' },
        { glob: '*.js', value: 'public, max-age=60' },
        { glob: 'sw.js', value: 'never reached' },
      ],
      [{ glob: '*.data', value: 'application/x-custom' }],
    );
    expect(rules.cacheControl('sw.js')).toBe('no-cache');
    expect(rules.cacheControl('assets/index-BxY3k9_a.js')).toBe('public, max-age=60');
    expect(rules.cacheControl('assets/index-3f2a1b4c.css')).toBe(DEFAULT_CACHE_CONTROL.hashed);
    expect(rules.contentType('x/y.data')).toBe('application/x-custom');
    expect(rules.contentType('app.js')).toBe('text/javascript; charset=utf-8');
  });

  itMapsEach('built-in Content-Type of %s is %s', builtInContentType, [
    ['a.js', 'text/javascript; charset=utf-8'],
    ['a.mjs', 'text/javascript; charset=utf-8'],
    ['a.css', 'text/css; charset=utf-8'],
    ['a.html', 'text/html; charset=utf-8'],
    ['a.json', 'application/json; charset=utf-8'],
    ['a.js.map', 'application/json; charset=utf-8'],
    ['a.svg', 'image/svg+xml; charset=utf-8'],
    ['a.png', 'image/png'],
    ['a.jpg', 'image/jpeg'],
    ['a.webp', 'image/webp'],
    ['a.avif', 'image/avif'],
    ['favicon.ico', 'image/x-icon'],
    ['a.woff', 'font/woff'],
    ['a.woff2', 'font/woff2'],
    ['a.wasm', 'application/wasm'],
    ['manifest.webmanifest', 'application/manifest+json; charset=utf-8'],
    ['robots.txt', 'text/plain; charset=utf-8'],
    ['sitemap.xml', 'application/xml; charset=utf-8'],
    ['A.PNG', 'image/png'],
  ]);

  it('knows no type for extension-less or unknown files', () => {
    expect(builtInContentType('LICENSE')).toBeUndefined();
    expect(builtInContentType('x.zzz')).toBeUndefined();
  });

  it('knows no type for a file whose extension is the name of an object property', () => {
    for (const name of ['a.constructor', 'a.__proto__', 'a.toString', 'a.hasOwnProperty', 'a.valueOf']) {
      expect(builtInContentType(name)).toBeUndefined();
    }
  });

  it("gives every extension mime-types knows its type, from a table generated from mime-types' own", () => {
    // scripts/mime-table.mjs wrote the table; after a mime-types upgrade this fails until it runs again
    expect(EXTENSION_TYPES).toEqual({ ...mime.types });
    const overridden = ['js', 'mjs', 'cjs', 'map', 'ico', 'webmanifest', 'wasm', 'br'];
    for (const [extension, type] of Object.entries(mime.types)) {
      if (overridden.includes(extension)) continue;
      expect([extension, builtInContentType(`file.${extension}`)?.split(';')[0]]).toEqual([extension, type]);
    }
  });

  it('describes a file as cacheControl and contentType do, each rule evaluated once', () => {
    const calls: string[] = [];
    const rules = headerRules([{ glob: 'sw.js', value: 'no-cache' }], [{ glob: '*.data', value: 'application/x-custom' }], (p) => {
      calls.push(p);
      return isContentHashed(p);
    });
    for (const file of ['sw.js', 'assets/index-BxY3k9_a.js', 'docs/index.html', 'x/y.data', 'LICENSE', 'favicon.ico']) {
      calls.length = 0;
      const described = rules.describe(file);
      expect(calls).toEqual([file]);
      expect(described).toEqual({
        hashed: isContentHashed(file),
        html: file.endsWith('.html'),
        cacheControl: rules.cacheControl(file),
        contentType: rules.contentType(file),
      });
    }
  });
});

describe('paths for CloudFront', () => {
  itMapsEach('encodes unsafe and non-ASCII characters only: %s is %s', encodeUrlPath, [
    ['/app/a b.js', '/app/a%20b.js'],
    ['/ünï.html', '/%C3%BCn%C3%AF.html'],
    ['/a+b,c=d&e(f)!.js', '/a+b,c=d&e(f)!.js'],
    ['/q?x#y%z*', '/q%3Fx%23y%25z%2A'],
    ['/runtime~main.js', '/runtime~main.js'],
  ]);

  itMapsEach('gives the directory URL of an index.html: %s is served at %j', directoryPathsOfIndex, [
    ['index.html', ['/']],
    ['app/index.html', ['/app', '/app/']],
    ['app/docs/index.html', ['/app/docs', '/app/docs/']],
    ['app/page.html', []],
    ['app/myindex.html', []],
  ]);
});

describe('readOptions', () => {
  const read = (values: Record<string, string>) => readOptions(new Inputs(mapInputSource(values)));

  it('applies the documented defaults', () => {
    expect(read({ bucket: 'my-site' })).toEqual({
      source: path.resolve(process.env.GITHUB_WORKSPACE || process.cwd(), 'dist'),
      bucket: 'my-site',
      prefix: '',
      cacheControl: [],
      contentType: [],
      exclude: [],
      delete: false,
      deleteGraceMs: 7 * 86_400_000,
      dryRun: false,
      concurrency: 50,
      verifyBucket: 'manifest',
    });
    expect(read({ bucket: 'my-site', 'verify-bucket': 'always' }).verifyBucket).toBe('always');
  });

  itMapsEach('normalises the prefix (app and app/ mean the same): %j is %j', normalizePrefix, [
    ['app', 'app/'],
    ['/app/', 'app/'],
    ['sites/app/', 'sites/app/'],
    ['', ''],
    ['/', ''],
  ]);

  it('parses rule lines, ignoring blanks and comments, values may hold commas', () => {
    const options = read({
      bucket: 'my-site',
      'cache-control': '# hashed\nassets/**: public, max-age=31536000, immutable\n\n*.html: max-age=60, stale-while-revalidate=600',
      'content-type': '*.data: application/octet-stream',
      'delete-grace': '0',
      exclude: '*.map\n.DS_Store',
    });
    expect(options.cacheControl).toEqual([
      { glob: 'assets/**', value: 'public, max-age=31536000, immutable' },
      { glob: '*.html', value: 'max-age=60, stale-while-revalidate=600' },
    ]);
    expect(options.contentType).toEqual([{ glob: '*.data', value: 'application/octet-stream' }]);
    expect(options.deleteGraceMs).toBe(0);
    expect(options.exclude).toEqual(['*.map', '.DS_Store']);
    expect(read({ bucket: 'b-1', 'delete-grace': '3' }).deleteGraceMs).toBe(3 * 86_400_000);
    expect(read({ bucket: 'b-1', 'delete-grace': '12h' }).deleteGraceMs).toBe(12 * 3_600_000);
  });

  it.each([
    [{}, 'bucket', /Input 'bucket' is required/],
    [{ bucket: 's3://my-site' }, 'bucket', /Input 'bucket' has the value 's3:\/\/my-site'.*expected an S3 bucket name/],
    [{ bucket: 'My_Site' }, 'bucket', /expected an S3 bucket name/],
    [{ bucket: 'b-1', prefix: 'a/../b' }, 'prefix', /Input 'prefix' has the value 'a\/..\/b'/],
    [{ bucket: 'b-1', 'cache-control': '*.html no-cache' }, 'cache-control', /the line '\*.html no-cache'.*'<glob>: <value>'/],
    [{ bucket: 'b-1', 'cache-control': '*.html: public max-age=60' }, 'cache-control', /the line/],
    [{ bucket: 'b-1', 'cache-control': ': no-cache' }, 'cache-control', /the line ': no-cache'/],
    [{ bucket: 'b-1', 'content-type': '*.js: javascript' }, 'content-type', /the line '\*.js: javascript'/],
    [{ bucket: 'b-1', delete: 'yes' }, 'delete', /Input 'delete' has the value 'yes'.*`true` or `false`/],
    [{ bucket: 'b-1', 'dry-run': 'maybe' }, 'dry-run', /`true` or `false`/],
    [{ bucket: 'b-1', 'delete-grace': '1 week' }, 'delete-grace', /Input 'delete-grace' has the value '1 week'/],
    [{ bucket: 'b-1', source: '../elsewhere' }, 'source', /Input 'source' has the value '..\/elsewhere'.*inside the workspace/],
    [{ bucket: 'b-1', concurrency: '0' }, 'concurrency', /from 1 to 50/],
    [{ bucket: 'b-1', concurrency: '200' }, 'concurrency', /from 1 to 50/],
    [{ bucket: 'b-1', 'verify-bucket': 'never' }, 'verify-bucket', /Input 'verify-bucket' has the value 'never'.*`manifest`, `always`/],
  ])('rejects %j naming the input %s', (values, input, message) => {
    let error: unknown;
    try {
      read(values as Record<string, string>);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).input).toBe(input);
    expect((error as Error).message).toMatch(message);
  });
});
