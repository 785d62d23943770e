import { EXTENSION_TYPES } from './mime-table.js';

/**
 * Where the `mime-types` table (mime-db, the same data Express and most Node servers use) is not
 * what a browser or CloudFront wants for a web site. The table ships with the action (mime-table.ts,
 * generated from mime-types at build time), so the result never depends on the runner's OS (the
 * AWS CLI reads /etc/mime.types or the Windows registry and gets `.js` wrong on some machines).
 */
const OVERRIDES: Record<string, string> = {
  js: 'text/javascript; charset=utf-8', // RFC 9239
  mjs: 'text/javascript; charset=utf-8',
  cjs: 'text/javascript; charset=utf-8', // mime-db says application/node
  map: 'application/json; charset=utf-8',
  ico: 'image/x-icon', // the type every browser and CloudFront's compression list knows
  webmanifest: 'application/manifest+json; charset=utf-8',
  wasm: 'application/wasm',
  br: 'application/x-brotli',
};

/** Text formats get `charset=utf-8` (mime-types adds it only to text/* and a few JSON types). */
function withCharset(type: string): string {
  if (/;\s*charset=/i.test(type)) return type;
  const textual = /^text\//.test(type) || /\+(xml|json)$/.test(type) || /^application\/(xml|json|javascript|ld\+json)$/.test(type);
  return textual ? `${type}; charset=utf-8` : type;
}

/** The built-in Content-Type for a path, or undefined for an unknown extension. */
export function builtInContentType(path: string): string | undefined {
  const name = path.slice(path.lastIndexOf('/') + 1);
  const dot = name.lastIndexOf('.');
  if (dot <= 0 && !name.startsWith('.')) return undefined;
  const extension = name.slice(dot + 1).toLowerCase();
  if (!extension) return undefined;
  // A build has a handful of extensions and thousands of files: each is looked up once.
  if (!byExtension.has(extension)) byExtension.set(extension, typeOfExtension(extension));
  return byExtension.get(extension);
}

const byExtension = new Map<string, string | undefined>();

function typeOfExtension(extension: string): string | undefined {
  // own keys only: a file named `x.constructor` must not get Object's constructor as its type
  if (Object.hasOwn(OVERRIDES, extension)) return OVERRIDES[extension];
  return Object.hasOwn(EXTENSION_TYPES, extension) ? withCharset(EXTENSION_TYPES[extension]) : undefined;
}

/** What S3 would store without a Content-Type; the sync uses it for unknown files, with a warning. */
export const FALLBACK_CONTENT_TYPE = 'application/octet-stream';
