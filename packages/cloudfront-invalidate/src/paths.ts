import { InputError } from '@allthrive/toolkit';

/** CloudFront's limit on one invalidation path, in characters (after encoding). */
export const MAX_PATH_LENGTH = 4000;

/**
 * Splits the `paths` input into raw path strings. Accepts a JSON array of strings (the
 * `changed-paths` output of s3-sync-frontend passes straight in) or one path per line; a comma
 * directly followed by `/` also separates (`/a.html, /b.html`), while a comma inside a name
 * (`/file,v2.js`) does not. Blank input or `[]` gives an empty list: nothing to invalidate.
 */
export function parsePathsInput(raw: string, input = 'paths'): string[] {
  const text = raw.trim();
  if (!text) return [];
  const notArray = () =>
    new InputError(
      input,
      `Input '${input}' is JSON but not an array of strings: expected a JSON array of strings such as ["/index.html","/"], or one path per line.`,
    );
  if (text.startsWith('{')) {
    // A JSON object is a wiring mistake (a whole outputs object passed in), not a file name.
    let isJson = true;
    try {
      JSON.parse(text);
    } catch {
      isJson = false;
    }
    if (isJson) throw notArray();
  }
  if (text.startsWith('[')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      throw new InputError(
        input,
        `Input '${input}' looks like a JSON array but is not valid JSON (${(error as Error).message}): expected a JSON array of strings such as ["/index.html","/"], or one path per line.`,
      );
    }
    if (!Array.isArray(parsed) || parsed.some((item) => typeof item !== 'string')) throw notArray();
    return (parsed as string[]).map((p) => p.trim()).filter(Boolean);
  }
  return text
    .split(/\r?\n|,(?=\s*\/)/)
    .map((line) => line.trim())
    .filter(Boolean);
}

const HEX = /^[0-9A-Fa-f]{2}$/;

/**
 * RFC 1738 "unsafe" characters plus controls. CloudFront's documentation: encode non-ASCII and
 * unsafe characters, and "do not URL-encode any other characters in the path, or CloudFront will not
 * invalidate the old version". Hand-written because encodeURI/encodeURIComponent encode a different
 * set (encodeURI leaves `#`, `[`, `]` alone and both would double-encode an existing `%XX`).
 */
const UNSAFE = new Set([' ', '<', '>', '"', '#', '{', '}', '|', '\\', '^', '[', ']', '`']);

function encodeChar(char: string): string {
  return [...Buffer.from(char, 'utf8')].map((byte) => `%${byte.toString(16).toUpperCase().padStart(2, '0')}`).join('');
}

export interface NormalizedPath {
  /** The path as sent to CloudFront. */
  path: string;
  /** A note for the log when the path had to be changed beyond encoding (a `~` widened to a wildcard). */
  warning?: string;
}

/**
 * One path as CloudFront needs it: leading `/`, unsafe and non-ASCII characters percent-encoded,
 * existing `%XX` escapes kept (s3-sync-frontend's output is already encoded: no double encoding),
 * a trailing `*` kept as is. Idempotent: normalizing a normalized path returns it unchanged.
 * Throws an InputError for a `*` before the end, a URL instead of a path, or more than 4,000 characters.
 */
export function normalizePath(raw: string, input = 'paths'): NormalizedPath {
  const value = raw.trim();
  const shown = value.length > 80 ? `${value.slice(0, 77)}...` : value;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) {
    throw new InputError(
      input,
      `Input '${input}' has the path '${shown}', which is a URL: give the path only, such as /index.html (the distribution is chosen by distribution-id or stack-name).`,
    );
  }
  const star = value.indexOf('*');
  if (star !== -1 && star !== value.length - 1) {
    throw new InputError(
      input,
      `Input '${input}' has the path '${shown}', which is not accepted: CloudFront allows '*' only as the last character (for example /assets/*).`,
    );
  }
  let path = value.startsWith('/') ? value : `/${value}`;
  let warning: string | undefined;
  // A path with '~' cannot be invalidated: CloudFront rejects a raw '~' and accepts '%7E' without
  // invalidating anything (aws-sdk-js-v3#4042). A wildcard ending just before the '~' covers it.
  const tilde = path.search(/~|%7e/i);
  if (tilde !== -1) {
    const widened = `${path.slice(0, tilde)}*`;
    warning = `The path '${shown}' contains '~', which CloudFront cannot invalidate exactly; invalidating '${widened}' instead, which covers it.`;
    path = widened;
  }
  let out = '';
  const chars = [...path];
  for (let i = 0; i < chars.length; i++) {
    const char = chars[i];
    const code = char.codePointAt(0)!;
    if (char === '%') {
      out += HEX.test(chars.slice(i + 1, i + 3).join('')) ? '%' : '%25';
    } else if (code < 0x20 || code === 0x7f || code > 0x7e || UNSAFE.has(char)) {
      out += encodeChar(char);
    } else {
      out += char;
    }
  }
  if (out.length > MAX_PATH_LENGTH) {
    throw new InputError(
      input,
      `Input '${input}' has the path '${shown}', which is ${out.length} characters long once encoded: CloudFront accepts at most ${MAX_PATH_LENGTH}.`,
    );
  }
  return { path: out, warning };
}

/** Normalizes every path and removes duplicates, keeping the first occurrence's order. */
export function normalizePaths(raw: readonly string[], input = 'paths'): { paths: string[]; warnings: string[] } {
  const seen = new Set<string>();
  const warnings: string[] = [];
  for (const item of raw) {
    const { path, warning } = normalizePath(item, input);
    if (warning && !seen.has(path)) warnings.push(warning);
    seen.add(path);
  }
  return { paths: [...seen], warnings };
}

/** True for a path ending in `*` (CloudFront bills it as one path, however many files it covers). */
export function isWildcard(path: string): boolean {
  return path.endsWith('*');
}

/** Whether `covering` (an exact path, or a wildcard `prefix*`) covers `path`. */
export function covers(covering: string, path: string): boolean {
  return isWildcard(covering) ? path.startsWith(covering.slice(0, -1)) : covering === path;
}
