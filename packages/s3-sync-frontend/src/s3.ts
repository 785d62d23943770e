import type { S3Client } from '@aws-sdk/client-s3';
import { ActionError, CancelledError, InputError, awsErrorCode, describeAwsError, isAccessDenied } from '@allthrive/toolkit';
import { unquote, type TextObject } from './etag.js';

export { isPlainMd5, unquote } from './etag.js';

/**
 * The S3 client, or a function that builds it when the first request needs it: the action passes
 * one, so that a deploy whose requests all go direct (direct-s3.ts) never loads the AWS SDK.
 */
export type S3Source = S3Client | (() => Promise<S3Client>);

/**
 * The client and the SDK's S3 commands, both loaded with the first request that needs them (the
 * SDK is a chunk of its own in the bundle).
 */
export async function withSdk(source: S3Source): Promise<{ s3: S3Client; sdk: typeof import('@aws-sdk/client-s3') }> {
  const [s3, sdk] = await Promise.all([typeof source === 'function' ? source() : source, import('@aws-sdk/client-s3')]);
  return { s3, sdk };
}

export interface RemoteObject {
  key: string;
  size: number;
  /** ETag without quotes. */
  etag: string;
  /** Milliseconds since the epoch. */
  lastModified: number;
}

/** What HeadObject tells about an object's content and headers. */
export interface RemoteHead {
  sha256?: string;
  cacheControl?: string;
  contentType?: string;
  serverSideEncryption?: string;
}

/** The metadata key (x-amz-meta-content-sha256) every upload carries. */
export const SHA256_METADATA = 'content-sha256';

/**
 * The IAM action each S3 API call needs. The toolkit's describeAwsError names `s3:<Operation>`,
 * which is wrong for ListObjectsV2 (s3:ListBucket) and HeadObject (s3:GetObject), so AccessDenied
 * hints are written here.
 */
const IAM_ACTION: Record<string, string> = {
  ListObjectsV2: 's3:ListBucket',
  HeadObject: 's3:GetObject',
  GetObject: 's3:GetObject',
  PutObject: 's3:PutObject',
  'multipart upload': 's3:PutObject (and s3:AbortMultipartUpload)',
  CopyObject: 's3:GetObject and s3:PutObject',
  DeleteObjects: 's3:DeleteObject',
};

export function isCancellation(error: unknown, signal?: AbortSignal): boolean {
  return error instanceof CancelledError || Boolean(signal?.aborted) || awsErrorCode(error) === 'AbortError';
}

/** One sentence for a failed S3 call: what failed on which key, why, and what to check. */
export function s3Failure(error: unknown, operation: string, bucket: string, key?: string): string {
  const target = key ? `s3://${bucket}/${key}` : `s3://${bucket}`;
  const code = awsErrorCode(error);
  if (isAccessDenied(error)) {
    // S3's own message says what was refused: for a bucket encrypted with SSE-KMS it names the KMS
    // action (kms:GenerateDataKey to upload, kms:Decrypt to read or copy), not an S3 one.
    const message = (error as Error)?.message?.trim();
    const said = message ? `${code}: ${message}` : code;
    if (/\bkms:|KMS/i.test(message ?? '')) {
      return (
        `S3 ${operation} on ${target} was denied (${said}). The bucket encrypts with an AWS KMS key: grant kms:GenerateDataKey (uploads) ` +
        'and kms:Decrypt (reads and copies) on that key to the role this job assumes, and allow the role in the key policy.'
      );
    }
    return `S3 ${operation} on ${target} was denied (${said}). Grant ${IAM_ACTION[operation] ?? `s3:${operation}`} on this bucket to the role this job assumes.`;
  }
  const described = describeAwsError(error, { service: 'S3', operation });
  if (!code || code === 'Error' || (error as { $metadata?: unknown }).$metadata === undefined) {
    return `S3 ${operation} on ${target} failed: ${(error as Error)?.message ?? String(error)}. Check the endpoint, the network and the AWS region.`;
  }
  return described.replace(/^S3 (\w+) failed/, `S3 $1 on ${target} failed`);
}

/** S3 lists keys in the byte order of their UTF-8 encoding (JavaScript compares UTF-16 units). */
export function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** S3's page size limit for ListObjectsV2. */
const PAGE = 1000;

/**
 * Where to cut the listing of `keys` (the keys the last deploy left, from its manifest) into
 * ranges of at most one page each, as many as the one-after-the-other listing would need pages.
 * Empty when one page holds them all.
 */
export function listingRanges(keys: string[], page = PAGE): { after?: string; last?: string; size: number }[] {
  const sorted = [...keys].sort(compareKeys);
  const count = Math.ceil(sorted.length / page);
  if (count <= 1) return [];
  const ranges: { after?: string; last?: string; size: number }[] = [];
  let from = 0;
  for (let i = 1; i <= count; i++) {
    const to = i === count ? sorted.length : Math.floor((i * sorted.length) / count);
    ranges.push({ after: from ? sorted[from - 1] : undefined, last: i === count ? undefined : sorted[to - 1], size: to - from });
    from = to;
  }
  return ranges;
}

/**
 * Lists every object under the prefix once (ListObjectsV2, paginated) into a map by key. A missing
 * or unreachable bucket is an input problem: it is reported against the `bucket` input before
 * anything is written.
 *
 * With `ranges` (listingRanges of the keys the manifest records), the ranges are listed at the same
 * time, each from the key after which it starts (StartAfter) to its last key, in pages of its
 * expected size: the same objects in the same number of requests as one page after the other when
 * the bucket holds what the manifest says, but without waiting for each page before asking for
 * the next (a range that grew takes one more page; keys past a range's end are its successor's).
 */
export async function listPrefix(
  s3: S3Source,
  bucket: string,
  prefix: string,
  signal?: AbortSignal,
  ranges: { after?: string; last?: string; size: number }[] = [],
): Promise<Map<string, RemoteObject>> {
  const objects = new Map<string, RemoteObject>();
  const parts = ranges.length ? ranges : [{ size: PAGE }];
  await Promise.all(parts.map((range) => listRange(s3, bucket, prefix, objects, range, signal)));
  return objects;
}

async function listRange(
  source: S3Source,
  bucket: string,
  prefix: string,
  objects: Map<string, RemoteObject>,
  range: { after?: string; last?: string; size: number },
  signal?: AbortSignal,
): Promise<void> {
  let token: string | undefined;
  do {
    let page;
    try {
      const { s3, sdk } = await withSdk(source);
      page = await s3.send(
        new sdk.ListObjectsV2Command({
          Bucket: bucket,
          Prefix: prefix || undefined,
          ContinuationToken: token,
          StartAfter: token ? undefined : range.after,
          MaxKeys: range.last === undefined ? undefined : Math.min(PAGE, Math.max(1, range.size)),
        }),
        sendOptions(signal),
      );
    } catch (error) {
      if (isCancellation(error, signal)) throw new CancelledError('the run was cancelled while listing the bucket; nothing was changed');
      const code = awsErrorCode(error);
      if (code === 'NoSuchBucket') {
        throw new InputError(
          'bucket',
          `Input 'bucket' has the value '${bucket}', but that bucket does not exist (NoSuchBucket). Check the name and the account the credentials belong to; nothing was changed.`,
        );
      }
      if (code === 'PermanentRedirect' || code === 'AuthorizationHeaderMalformed' || code === 'IllegalLocationConstraintException') {
        throw new InputError(
          'bucket',
          `Bucket '${bucket}' is in a different region than the client (${code}). Set 'aws-region' to the bucket's region; nothing was changed.`,
        );
      }
      throw new ActionError(`${s3Failure(error, 'ListObjectsV2', bucket, prefix || undefined)} Nothing was changed.`, 'bucket');
    }
    let reachedEnd = false;
    for (const object of page.Contents ?? []) {
      if (!object.Key) continue;
      const order = range.last === undefined ? -1 : compareKeys(object.Key, range.last);
      if (order > 0) {
        reachedEnd = true;
        break; // the next range's
      }
      if (order === 0) reachedEnd = true;
      objects.set(object.Key, {
        key: object.Key,
        size: object.Size ?? 0,
        etag: unquote(object.ETag ?? ''),
        lastModified: object.LastModified?.getTime() ?? 0,
      });
    }
    token = page.IsTruncated && !reachedEnd ? page.NextContinuationToken : undefined;
  } while (token);
}

export async function headObject(source: S3Source, bucket: string, key: string, signal?: AbortSignal): Promise<RemoteHead | undefined> {
  try {
    const { s3, sdk } = await withSdk(source);
    const head = await s3.send(new sdk.HeadObjectCommand({ Bucket: bucket, Key: key }), sendOptions(signal));
    return {
      sha256: head.Metadata?.[SHA256_METADATA],
      cacheControl: head.CacheControl,
      contentType: head.ContentType,
      serverSideEncryption: head.ServerSideEncryption,
    };
  } catch (error) {
    if (isCancellation(error, signal)) throw new CancelledError('the run was cancelled while comparing objects; nothing was changed');
    if (awsErrorCode(error) === 'NotFound' || awsErrorCode(error) === 'NoSuchKey') return undefined; // deleted since the listing
    throw new ActionError(`${s3Failure(error, 'HeadObject', bucket, key)} Nothing was changed.`);
  }
}

/** An object's text, LastModified and ETag, or undefined when it does not exist. */
export async function getText(source: S3Source, bucket: string, key: string, signal?: AbortSignal): Promise<TextObject | undefined> {
  try {
    const { s3, sdk } = await withSdk(source);
    const object = await s3.send(new sdk.GetObjectCommand({ Bucket: bucket, Key: key }), sendOptions(signal));
    return {
      text: (await object.Body?.transformToString('utf8')) ?? '',
      lastModified: object.LastModified?.getTime() ?? 0,
      etag: unquote(object.ETag ?? ''),
    };
  } catch (error) {
    if (isCancellation(error, signal))
      throw new CancelledError('the run was cancelled while reading the deploy manifest; nothing was changed');
    const code = awsErrorCode(error);
    if (code === 'NoSuchKey' || code === 'NotFound') return undefined;
    if (code === 'NoSuchBucket') return undefined; // reported by the listing, against the `bucket` input
    throw new ActionError(`${s3Failure(error, 'GetObject', bucket, key)} Nothing was changed.`);
  }
}

/** The options of an S3 send that stops on the run's cancellation. */
export function sendOptions(signal?: AbortSignal): { abortSignal?: AbortSignal } {
  return signal ? { abortSignal: signal } : {};
}
