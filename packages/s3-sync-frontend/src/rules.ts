import picomatch from 'picomatch';
import { InputError } from '@allthrive/toolkit';
import { builtInContentType } from './content-type.js';
import type { Rule } from './options.js';

export type Matcher = (path: string) => boolean;

/**
 * Compiles a glob matched against a path relative to the source (with `/` separators), the way
 * people expect from .gitignore: a glob without `/` (`*.html`) matches the file name in any
 * directory; one with `/` (`assets/**`) matches from the root; a leading `/` anchors a plain name
 * (`/index.html` is only the root one); a trailing `/` means everything below (`assets/`).
 * Dotfiles (`.well-known/...`) are matched like any other file.
 */
export function globMatcher(glob: string): Matcher {
  let pattern = glob.trim();
  const anchored = pattern.startsWith('/');
  pattern = pattern.replace(/^\/+/, '');
  if (pattern.endsWith('/')) pattern += '**';
  const basename = !anchored && !pattern.includes('/');
  return picomatch(pattern, { dot: true, basename });
}

/** Any of the globs. */
export function anyMatcher(globs: string[]): Matcher {
  const matchers = globs.map(globMatcher);
  return (path) => matchers.some((m) => m(path));
}

/** Fails with an InputError naming the input when picomatch cannot compile a glob. */
export function validateGlobs(input: string, globs: string[]): void {
  for (const glob of globs) {
    try {
      globMatcher(glob);
    } catch (error) {
      throw new InputError(
        input,
        `Input '${input}' has the glob '${glob}', which is not accepted: ${(error as Error).message}. Expected a glob such as '*.html' or 'assets/**'.`,
      );
    }
  }
}

/** First matching rule's value, or undefined. */
export function ruleMatcher(rules: Rule[]): (path: string) => string | undefined {
  const compiled = rules.map((rule) => ({ match: globMatcher(rule.glob), value: rule.value }));
  return (path) => compiled.find((rule) => rule.match(path))?.value;
}

/**
 * Whether a file-name token is a bundler's content hash. A false positive gives a file that
 * changes under the same name a year of immutable caching; a false negative gives a hashed chunk
 * an hour of caching and no grace period when it goes stale. So:
 * - hashes mix letters and digits (`3f2a1b4c`, `BxY3k9_a`), except the shapes people give
 *   names: a word then a number (`chapter12`, `v20240101`), a size (`1920x1080`);
 * - long hex is a hash;
 * - a digit-free 8-character token (about 1 in 5 of Vite's base64url hashes) counts when it mixes
 *   cases irregularly (`DiwrgTdA`), not when it is a word or CamelCase (`Checkbox`, `MyButton`);
 * - in Vite's `assets/` directory, where every emitted file is hashed, any 8-character token that
 *   is not a plain lower- or upper-case word or a number counts.
 */
export function looksLikeHash(token: string, viteAssets = false): boolean {
  if (token.length < 8 || !/^[A-Za-z0-9_-]+$/.test(token)) return false;
  if (viteAssets && token.length === 8) return !/^[a-z_-]+$/.test(token) && !/^[A-Z_-]+$/.test(token) && !/^[\d_-]+$/.test(token);
  const word = /^[a-z_-]+$/.test(token) || /^[A-Z_-]+$/.test(token) || /^([A-Z][a-z]+)+$/.test(token);
  const letters = /[A-Za-z]/.test(token);
  const digits = /\d/.test(token);
  if (letters && digits) {
    return !/^[A-Za-z][a-z]*[-_]?\d+$/.test(token) && !/^\d+[a-z]*$/.test(token) && !/^\d+x\d+$/.test(token);
  }
  if (token.length >= 16 && /^[0-9a-f]+$/.test(token)) return true;
  if (token.length !== 8 || digits || word) return false;
  const upper = token.replace(/[^A-Z]/g, '').length;
  const lower = token.replace(/[^a-z]/g, '').length;
  return upper >= 2 && lower >= 2;
}

/**
 * True when the file name carries a content hash of 8+ characters, as bundlers emit it:
 * Vite/Rollup `index-BxY3k9_a.js` (base64url, may contain `-` and `_`), webpack
 * `main.3f2a1b4c.js` or `[name].[contenthash].chunk.js`, and their `.map`/`.gz`/`.br` siblings.
 * HTML is never treated as hashed. Hand-written: no library exposes this detection.
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
  // webpack style: a dot-separated token after the name
  if (parts.slice(1).some((token) => looksLikeHash(token))) return true;
  const stem = parts.join('.');
  // Vite/Rollup style `[name]-[hash]`: the 8-character base64url hash may itself hold `-`/`_`
  const vite = /[-.]([A-Za-z0-9_-]{8})$/.exec(stem);
  if (vite && looksLikeHash(vite[1], viteAssets)) return true;
  // longer hashes at the end of the stem (`chunk-3f2a1b4c5d6e7f80a1b2`)
  const long = /[-_]([A-Za-z0-9]{8,})$/.exec(stem);
  return Boolean(long && looksLikeHash(long[1]));
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
}

export function isHtml(path: string): boolean {
  return /\.html?$/i.test(path);
}

/** User rules first (first match wins), then the defaults. */
export function headerRules(cacheControlRules: Rule[], contentTypeRules: Rule[]): HeaderRules {
  const userCache = ruleMatcher(cacheControlRules);
  const userType = ruleMatcher(contentTypeRules);
  return {
    cacheControl(path) {
      const user = userCache(path);
      if (user) return user;
      if (isContentHashed(path)) return DEFAULT_CACHE_CONTROL.hashed;
      if (isHtml(path)) return DEFAULT_CACHE_CONTROL.html;
      return DEFAULT_CACHE_CONTROL.other;
    },
    contentType(path) {
      return userType(path) ?? builtInContentType(path);
    },
  };
}
