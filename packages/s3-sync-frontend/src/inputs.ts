import type { Inputs } from '@allthrive/toolkit';
import {
  DEFAULT_OPTIONS,
  VERIFY_BUCKET,
  isCacheControlValue,
  isContentTypeValue,
  normalizePrefix,
  parseRules,
  validateBucket,
  type SyncOptions,
} from './options.js';
import { validateGlobs } from './globs.js';

/**
 * Reads and validates this action's own inputs (the AWS ones are read by `readAwsInputs`). Every
 * problem is an InputError, raised before anything touches AWS.
 */
export function readOptions(inputs: Inputs): SyncOptions {
  // absolute, and refused when it resolves outside the workspace (a symlink or `..` could publish other files)
  const source = inputs.workspacePath('source', { default: 'dist' });
  const bucket = validateBucket(inputs.string('bucket', { required: true, accepted: 'an S3 bucket name such as my-site-bucket' }));
  const prefix = normalizePrefix(inputs.string('prefix'));
  const cacheControl = parseRules(
    'cache-control',
    inputs.lines('cache-control'),
    'assets/**: public, max-age=31536000, immutable',
    isCacheControlValue,
  );
  const contentType = parseRules('content-type', inputs.lines('content-type'), '*.data: application/octet-stream', isContentTypeValue);
  const exclude = inputs.lines('exclude');
  validateGlobs(
    'cache-control',
    cacheControl.map((r) => r.glob),
  );
  validateGlobs(
    'content-type',
    contentType.map((r) => r.glob),
  );
  validateGlobs('exclude', exclude);
  return {
    source,
    bucket,
    prefix,
    cacheControl,
    contentType,
    exclude,
    delete: inputs.boolean('delete', false),
    // A bare number is days: `delete-grace: 7` is a week, `0` deletes at once.
    deleteGraceMs: inputs.duration('delete-grace', { default: '7d', bareUnit: 'd' }),
    dryRun: inputs.boolean('dry-run', false),
    // The SDK's HTTP agent keeps at most 50 sockets per host; more would only queue. The default
    // is that 50: small files go that wide, and uploads wait for a memory budget (upload.ts).
    concurrency: inputs.integer('concurrency', { default: DEFAULT_OPTIONS.concurrency, min: 1, max: 50 }),
    verifyBucket: inputs.enumeration('verify-bucket', VERIFY_BUCKET, 'manifest'),
  };
}
