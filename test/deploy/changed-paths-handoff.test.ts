import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { normalizePath } from '@allthrive/cloudfront-invalidate';
import { urlPathOfKey } from '@allthrive/s3-sync-frontend';

/**
 * Where the two engines meet: the deploy chains s3-sync-frontend's changed-paths into
 * cloudfront-invalidate, so every path the first encodes must pass the second unchanged. (Each
 * engine's own suite uses literal fixtures and stands without the other.)
 */
describe("s3-sync-frontend's changed-paths pass straight into cloudfront-invalidate", () => {
  it('keeps every path s3-sync-frontend encodes exactly as it is (no double encoding), for any S3 key', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 30 }), (key) => {
        fc.pre(!key.includes('~'));
        const urlPath = urlPathOfKey(key);
        expect(normalizePath(urlPath).path).toBe(urlPath);
      }),
      { numRuns: 500 },
    );
    expect(normalizePath(urlPathOfKey('docs/a b+c%41*é.html')).path).toBe('/docs/a%20b+c%2541%2A%C3%A9.html');
  });

  it('widens the ~ paths it leaves raw to a covering wildcard', () => {
    expect(normalizePath(urlPathOfKey('assets/runtime~main.js')).path).toBe('/assets/runtime*');
  });
});
