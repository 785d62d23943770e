/**
 * URL paths for CloudFront invalidation. CloudFront wants non-ASCII and RFC 1738 "unsafe"
 * characters percent-encoded and everything else left alone ("Do not URL-encode any other
 * characters in the path, or CloudFront will not invalidate the old version"), which is neither
 * encodeURI nor encodeURIComponent, so the encoding is written here.
 *
 * `~` is left as is: CloudFront cannot invalidate it in any spelling, and cloudfront-invalidate
 * turns such a path into a prefix wildcard only when it can see the raw character.
 * A literal `*` in a key is encoded so it never acts as a wildcard.
 */
const UNSAFE = new Set([' ', '"', '#', '%', '<', '>', '{', '}', '|', '\\', '^', '[', ']', '`', '?', '*']);

export function encodeUrlPath(path: string): string {
  let out = '';
  for (const char of path) {
    const code = char.codePointAt(0)!;
    if (code < 0x21 || code > 0x7e || UNSAFE.has(char)) {
      for (const byte of Buffer.from(char, 'utf8')) out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
    } else out += char;
  }
  return out;
}

/** `/` + key, encoded for CloudFront (`app/a b.js` → `/app/a%20b.js`). */
export function urlPathOfKey(key: string): string {
  return encodeUrlPath(`/${key}`);
}

/**
 * For `app/docs/index.html` the other URLs viewers reach it by: `/app/docs/` and `/app/docs`
 * (CloudFront caches each spelling apart, and a viewer function that appends index.html serves
 * both); for the root `index.html` just `/`. Empty when the key is not an index.html.
 */
export function directoryPathsOfIndex(key: string): string[] {
  const match = /^(.*\/)?index\.html$/.exec(key);
  if (!match) return [];
  const dir = match[1] ?? '';
  return dir ? [encodeUrlPath(`/${dir.slice(0, -1)}`), encodeUrlPath(`/${dir}`)] : ['/'];
}
