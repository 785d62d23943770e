import { InputError } from '@allthrive/toolkit';

/** One `<glob>: <value>` line of the `cache-control` or `content-type` input. */
export interface Rule {
  glob: string;
  value: string;
}

/** Everything the sync needs besides its collaborators; `readOptions` builds it from the action inputs. */
export interface SyncOptions {
  /** Local directory, relative to the workspace root given in the deps (or absolute). */
  source: string;
  bucket: string;
  /** Key prefix, '' or ending in '/' (see normalizePrefix). */
  prefix: string;
  /** User Cache-Control rules, tried before the defaults; first match wins. */
  cacheControl: Rule[];
  /** User Content-Type rules, tried before the built-in table; first match wins. */
  contentType: Rule[];
  /** Globs of paths (relative to source / to the prefix) that are neither uploaded nor deleted. */
  exclude: string[];
  delete: boolean;
  /** How long content-hashed objects stay after the deploy that stopped shipping them; 0 = delete now. */
  deleteGraceMs: number;
  dryRun: boolean;
  concurrency: number;
  /** File content the uploads in flight may hold at once (not an input; default UPLOAD_MEMORY_BYTES in upload.ts). */
  uploadMemoryBytes?: number;
  /**
   * `manifest`: plan from the manifest of the last deploy when it is a complete record of the
   * bucket, and list the bucket only when it is not; `always`: list the bucket on every deploy
   * (see manifest-match.ts).
   */
  verifyBucket: VerifyBucket;
}

/** The values of the `verify-bucket` input. */
export const VERIFY_BUCKET = ['manifest', 'always'] as const;
export type VerifyBucket = (typeof VERIFY_BUCKET)[number];

export const DEFAULT_OPTIONS: Omit<SyncOptions, 'bucket'> = {
  source: 'dist',
  prefix: '',
  cacheControl: [],
  contentType: [],
  exclude: [],
  delete: false,
  deleteGraceMs: 7 * 86_400_000,
  dryRun: false,
  concurrency: 50,
  verifyBucket: 'manifest',
};

/** The bookkeeping object the sync keeps under the prefix (never counted, uploaded as site content or deleted). */
export const MANIFEST_NAME = '.s3-sync-frontend.json';

/** `app`, `/app`, `app/` and `/app/` all mean the key prefix `app/`; '' and '/' mean the bucket root. */
export function normalizePrefix(raw: string, input = 'prefix'): string {
  const trimmed = raw.trim().replace(/^\/+|\/+$/g, '');
  if (!trimmed) return '';
  const segments = trimmed.split('/');
  if (segments.some((s) => s === '' || s === '.' || s === '..') || trimmed.includes('\\')) {
    throw new InputError(
      input,
      `Input '${input}' has the value '${raw}', which is not accepted: expected a key prefix such as 'app' or 'sites/app' (no empty, '.' or '..' segments, no backslashes).`,
    );
  }
  return `${trimmed}/`;
}

const BUCKET = /^(?!xn--)(?!sthree-)(?!\d+\.\d+\.\d+\.\d+$)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** S3 bucket naming rules (general purpose buckets): 3-63 characters of a-z, 0-9, '.', '-'. */
export function validateBucket(bucket: string, input = 'bucket'): string {
  if (!BUCKET.test(bucket) || bucket.includes('..')) {
    throw new InputError(
      input,
      `Input '${input}' has the value '${bucket}', which is not accepted: expected an S3 bucket name (3-63 characters: lower-case letters, digits, '.' and '-'), not a URL or ARN.`,
    );
  }
  return bucket;
}

/**
 * Parses rule lines `<glob>: <value>` (split at the first colon). `validate` checks the value;
 * a malformed line fails with an error naming the input, the line and the accepted form.
 */
export function parseRules(input: string, lines: string[], example: string, validate?: (value: string) => boolean): Rule[] {
  return lines.map((line) => {
    const at = line.indexOf(':');
    const glob = at > 0 ? line.slice(0, at).trim() : '';
    const value = at > 0 ? line.slice(at + 1).trim() : '';
    if (!glob || !value || (validate && !validate(value))) {
      throw new InputError(
        input,
        `Input '${input}' has the line '${line}', which is not accepted: expected one rule per line as '<glob>: <value>', for example '${example}'.`,
      );
    }
    return { glob, value };
  });
}

/** A Cache-Control value: printable ASCII directives, no colon (a colon means a mistyped rule). */
export function isCacheControlValue(value: string): boolean {
  return /^[\x20-\x7e]+$/.test(value) && !value.includes(':') && /^[a-z-]+(=[^,]+)?(\s*,\s*[a-z-]+(=[^,]+)?)*$/i.test(value);
}

/** A media type such as `text/plain; charset=utf-8`. */
export function isContentTypeValue(value: string): boolean {
  return /^[a-z0-9][a-z0-9!#$&^_.+-]*\/[a-z0-9][a-z0-9!#$&^_.+-]*(\s*;\s*[a-z0-9_-]+=("[^"]*"|[^;\s]+))*$/i.test(value);
}
