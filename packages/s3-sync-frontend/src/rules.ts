import { builtInContentType } from './content-type.js';
import { globMatcher } from './globs.js';
import type { Rule } from './options.js';

/** First matching rule's value, or undefined. */
export function ruleMatcher(rules: Rule[]): (path: string) => string | undefined {
  const compiled = rules.map((rule) => ({ match: globMatcher(rule.glob), value: rule.value }));
  return (path) => compiled.find((rule) => rule.match(path))?.value;
}

/**
 * Whether a file-name token is a bundler's content hash. A false positive gives a file that
 * changes under the same name a year of immutable caching; a false negative gives a hashed chunk
 * an hour of caching and no grace period when it goes stale. Only the shapes bundlers emit count:
 * - `hex` (webpack `[contenthash]`, CRA, Parcel: `main.3f2a1b4c.js`): 8 or more hex digits with a
 *   letter and a digit (a date such as `20240101` is not one), any hex from 16 digits on;
 * - `vite` (Rollup's `[name]-[hash]`: 8 base64url characters): letters and digits mixed, except
 *   the shapes people give names (a word then a number such as `chapter12`, a size such as
 *   `1920x1080`); in Vite's `assets/` directory, where every emitted file is hashed, also a
 *   digit-free token whose case is irregular (`DiwrgTdA`), not a word or CamelCase (`Checkbox`).
 */
export function looksLikeHash(token: string, shape: 'hex' | 'vite', viteAssets = false): boolean {
  if (shape === 'hex') {
    if (!/^[0-9a-f]{8,64}$/.test(token)) return false;
    return token.length >= 16 || (/[a-f]/.test(token) && /\d/.test(token));
  }
  if (token.length !== 8 || !/^[A-Za-z0-9_-]+$/.test(token)) return false;
  if (viteAssets) return !/^[a-z_-]+$/.test(token) && !/^[A-Z_-]+$/.test(token) && !/^[\d_-]+$/.test(token);
  const letters = /[A-Za-z]/.test(token);
  const digits = /\d/.test(token);
  if (letters && digits) {
    return !/^[A-Za-z][a-z]*[-_]?\d+$/.test(token) && !/^\d+[a-z]*$/.test(token) && !/^\d+x\d+$/.test(token);
  }
  if (digits || /^([A-Z][a-z]+)+$/.test(token)) return false;
  const upper = token.replace(/[^A-Z]/g, '').length;
  const lower = token.replace(/[^a-z]/g, '').length;
  return upper >= 2 && lower >= 2;
}

/**
 * True when the file name carries a content hash as bundlers emit it (see looksLikeHash):
 * Vite/Rollup `index-BxY3k9_a.js` (exactly 8 base64url characters after `-`, which may
 * themselves hold `-`/`_`), webpack/CRA `main.3f2a1b4c.js` or `[name].[contenthash].chunk.js`,
 * a long hex hash after `-`/`_` (`chunk-3f2a1b4c5d6e7f80a1b2`), and their `.map`/`.gz`/`.br`
 * siblings. HTML is never treated as hashed. A build with Vite's manifest does not use this rule
 * (see vite-manifest.ts). Hand-written: no library exposes this detection.
 */
export function isContentHashed(path: string): boolean {
  const slash = path.lastIndexOf('/');
  const name = path.slice(slash + 1);
  if (isHtml(name)) return false;
  const viteAssets = /(^|\/)assets$/.test(path.slice(0, Math.max(slash, 0)));
  const parts = name.split('.');
  if (parts.length < 2) return false;
  parts.pop(); // the extension
  // inner extensions and suffixes: `x-abc12345.js.map`, `app.3f2a1b4c.chunk.js`, `lib.min.js`
  while (parts.length > 1 && /^[a-z0-9]{1,5}$/.test(parts[parts.length - 1])) parts.pop();
  // webpack style: a dot-separated hex token after the name
  if (parts.slice(1).some((token) => looksLikeHash(token, 'hex'))) return true;
  const stem = parts.join('.');
  const vite = /-([A-Za-z0-9_-]{8})$/.exec(stem);
  if (vite && looksLikeHash(vite[1], 'vite', viteAssets)) return true;
  const long = /[-_]([0-9a-f]{16,64})$/.exec(stem);
  return Boolean(long && looksLikeHash(long[1], 'hex'));
}

export const DEFAULT_CACHE_CONTROL = {
  hashed: 'public, max-age=31536000, immutable',
  html: 'no-cache',
  other: 'public, max-age=3600',
} as const;

export interface HeaderRules {
  cacheControl(path: string): string;
  /** The Content-Type, or undefined when neither a rule nor the built-in table knows the file. */
  contentType(path: string): string | undefined;
  /**
   * Both headers and the two facts they rest on, each rule evaluated once: the plan describes
   * every file of the build with it, and the file-name hash detection is the costly part
   * (bench/s3-sync-frontend/notes.md).
   */
  describe(path: string): FileHeaders;
}

export interface FileHeaders {
  hashed: boolean;
  html: boolean;
  cacheControl: string;
  contentType: string | undefined;
}

export function isHtml(path: string): boolean {
  return /\.html?$/i.test(path);
}

/** User rules first (first match wins), then the defaults; `isHashed` decides which files are content-hashed. */
export function headerRules(
  cacheControlRules: Rule[],
  contentTypeRules: Rule[],
  isHashed: (path: string) => boolean = isContentHashed,
): HeaderRules {
  const userCache = ruleMatcher(cacheControlRules);
  const userType = ruleMatcher(contentTypeRules);
  const contentType = (path: string) => userType(path) ?? builtInContentType(path);
  const defaultCacheControl = (hashed: boolean, html: boolean) =>
    hashed ? DEFAULT_CACHE_CONTROL.hashed : html ? DEFAULT_CACHE_CONTROL.html : DEFAULT_CACHE_CONTROL.other;
  return {
    cacheControl: (path) => userCache(path) ?? defaultCacheControl(isHashed(path), isHtml(path)),
    contentType,
    describe(path) {
      const hashed = isHashed(path);
      const html = isHtml(path);
      return { hashed, html, cacheControl: userCache(path) ?? defaultCacheControl(hashed, html), contentType: contentType(path) };
    },
  };
}
