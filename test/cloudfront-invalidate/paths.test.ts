import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { InputError } from '@allthrive/toolkit';
import { normalizePath, normalizePaths, parsePathsInput, stripOriginPath } from '@allthrive/cloudfront-invalidate';

describe('parsePathsInput', () => {
  it('takes the changed-paths JSON array of s3-sync-frontend as it is', () => {
    expect(parsePathsInput('["/","/index.html","/app/","/caf%C3%A9.html"]')).toEqual(['/', '/index.html', '/app/', '/caf%C3%A9.html']);
  });

  it('takes one path per line, ignoring blank lines and surrounding spaces', () => {
    expect(parsePathsInput('/index.html\n\n  /about.html  \r\n/*\n')).toEqual(['/index.html', '/about.html', '/*']);
  });

  it('splits on a comma followed by a slash but keeps commas inside names', () => {
    expect(parsePathsInput('/a.html, /b.html,/c.html')).toEqual(['/a.html', '/b.html', '/c.html']);
    expect(parsePathsInput('/file,v2.js')).toEqual(['/file,v2.js']);
  });

  it('reads blank input and [] as nothing to invalidate', () => {
    expect(parsePathsInput('')).toEqual([]);
    expect(parsePathsInput('  \n ')).toEqual([]);
    expect(parsePathsInput('[]')).toEqual([]);
  });

  it('rejects broken JSON and JSON that is not an array of strings, naming the input', () => {
    expect(() => parsePathsInput('["/a.html",')).toThrow(InputError);
    expect(() => parsePathsInput('["/a.html",')).toThrow(/^Input 'paths' looks like a JSON array but is not valid JSON/);
    expect(() => parsePathsInput('[1,2]')).toThrow(/^Input 'paths' is JSON but not an array of strings/);
  });
});

describe('normalizePath', () => {
  it('adds the leading slash', () => {
    expect(normalizePath('index.html').path).toBe('/index.html');
    expect(normalizePath('*').path).toBe('/*');
  });

  it('percent-encodes unsafe and non-ASCII characters and nothing else', () => {
    expect(normalizePath('/my file.html').path).toBe('/my%20file.html');
    expect(normalizePath('/café.html').path).toBe('/caf%C3%A9.html');
    expect(normalizePath('/a#b[1]{x}|y^`z<>"\\.txt').path).toBe('/a%23b%5B1%5D%7Bx%7D%7Cy%5E%60z%3C%3E%22%5C.txt');
    // Reserved characters keep their meaning: encoding them would stop CloudFront matching the object.
    expect(normalizePath("/a+b=c&d;e:f@g!h$i'j(k),l.js").path).toBe("/a+b=c&d;e:f@g!h$i'j(k),l.js");
  });

  it('keeps existing %XX escapes (no double encoding) and encodes a lone %', () => {
    expect(normalizePath('/caf%C3%A9.html').path).toBe('/caf%C3%A9.html');
    expect(normalizePath('/100%.html').path).toBe('/100%25.html');
    expect(normalizePath('/a%2').path).toBe('/a%252');
  });

  it('keeps a trailing * unencoded and rejects * anywhere else', () => {
    expect(normalizePath('/assets/*').path).toBe('/assets/*');
    expect(normalizePath('/my dir/*').path).toBe('/my%20dir/*');
    expect(() => normalizePath('/assets/*.js')).toThrow(
      "Input 'paths' has the path '/assets/*.js', which is not accepted: CloudFront allows '*' only as the last character (for example /assets/*).",
    );
  });

  it('widens a path with ~ (which CloudFront cannot invalidate) to a covering wildcard, with a warning', () => {
    const result = normalizePath('/assets/runtime~main.4f3a.js');
    expect(result.path).toBe('/assets/runtime*');
    expect(result.warning).toMatch(/contains '~'.*invalidating '\/assets\/runtime\*' instead/);
    expect(normalizePath('/assets/runtime%7Emain.js').path).toBe('/assets/runtime*');
  });

  it('rejects a full URL and a path longer than 4,000 characters once encoded', () => {
    expect(() => normalizePath('https://example.com/index.html')).toThrow(/which is a URL: give the path only/);
    expect(normalizePath(`/${'a'.repeat(3999)}`).path).toHaveLength(4000);
    expect(() => normalizePath(`/${'a'.repeat(4000)}`)).toThrow(/4001 characters long once encoded: CloudFront accepts at most 4000/);
    expect(() => normalizePath(`/a${' '.repeat(1400)}b`)).toThrow(/4203 characters long once encoded/);
  });

  it('is idempotent: a normalized path normalizes to itself', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 40 }), (raw) => {
        fc.pre(!raw.slice(0, -1).includes('*') && raw.trim().length > 0 && !/^[a-z][a-z0-9+.-]*:\/\//i.test(raw.trim()));
        const once = normalizePath(raw).path;
        expect(normalizePath(once).path).toBe(once);
        expect(once.startsWith('/')).toBe(true);
        expect(once).toMatch(/^[\x21-\x7e]+$/);
      }),
    );
  });
});

describe('normalizePaths', () => {
  it('removes duplicates, including ones that differ only before encoding', () => {
    expect(normalizePaths(['/a b.html', 'a b.html', '/a%20b.html', '/x']).paths).toEqual(['/a%20b.html', '/x']);
  });
});

// Literal samples of s3-sync-frontend's changed-paths (percent-encoded, '~' left raw), so this
// suite stands without the s3 engine; test/deploy/changed-paths-handoff.test.ts checks the two
// engines against each other for any S3 key.
describe("s3-sync-frontend's changed-paths pass straight in", () => {
  it.each(['/docs/a%20b+c%2541%2A%C3%A9.html', '/caf%C3%A9.html', '/app/', '/'])(
    'keeps %s exactly as it is (no double encoding)',
    (path) => {
      expect(normalizePath(path).path).toBe(path);
    },
  );

  it('widens the ~ paths it leaves raw to a covering wildcard', () => {
    expect(normalizePath('/assets/runtime~main.js').path).toBe('/assets/runtime*');
  });
});

describe('stripOriginPath', () => {
  it('removes the origin path from paths under it and leaves the others (and /*) alone', () => {
    expect(stripOriginPath(['/app', '/app/', '/app/index.html', '/app/*', '/*', '/application.js', '/other/x'], '/app')).toEqual({
      paths: ['/', '/', '/index.html', '/*', '/*', '/application.js', '/other/x'],
      stripped: 4,
      example: '/app -> /',
    });
    expect(stripOriginPath(['/a/b/c.html'], '/a/b').paths).toEqual(['/c.html']);
  });
});
