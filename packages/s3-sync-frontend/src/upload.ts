import { createHash, hash } from 'node:crypto';
import { ActionError } from '@allthrive/toolkit';
import { readWhole } from './local.js';
import { multipartMemory, uploadInParts } from './multipart.js';
import type { DirectS3 } from './direct-s3.js';
import { SHA256_METADATA, sendOptions, withSdk, type S3Source } from './s3.js';

/**
 * Files above this size go up as a multipart upload streamed from disk; smaller ones as one
 * PutObject from a buffer (fast for many small files, and their ETag stays the plain MD5).
 */
export const MULTIPART_THRESHOLD = 16 * 1024 * 1024;
/**
 * File content the uploads in flight may hold at once, whatever `concurrency` allows: 16 uploads
 * of files at MULTIPART_THRESHOLD, the most the old default of 16 could hold. Many small files go
 * `concurrency` wide; large ones wait for memory instead of holding 50 × 16 MiB.
 */
export const UPLOAD_MEMORY_BYTES = 16 * MULTIPART_THRESHOLD;

/**
 * Bytes of file content one upload holds while in flight: the whole file for one PutObject (a
 * buffer, resent as is on a retry), or, above MULTIPART_THRESHOLD, the part buffers of its
 * multipart upload (multipart.ts).
 */
export function uploadMemory(size: number): number {
  return size <= MULTIPART_THRESHOLD ? Math.max(1, size) : multipartMemory(size);
}

export interface UploadTarget {
  bucket: string;
  key: string;
  path: string;
  absPath: string;
  size: number;
  sha256: string;
  contentType: string;
  cacheControl: string;
}

function changed(file: UploadTarget, how = 'is a build still writing to the source directory?'): ActionError {
  return new ActionError(`${file.path} changed after it was hashed (${how}); it was not uploaded.`);
}

/**
 * A failure to read the file itself (Node's fs errors name the path), which is no S3 failure: the
 * caller would otherwise report it as one and send the user to check the endpoint and the network.
 */
function readFailure(file: UploadTarget, error: unknown): unknown {
  const fsError = error as NodeJS.ErrnoException | undefined;
  if (fsError?.path !== file.absPath) return error;
  if (fsError.code === 'ENOENT') return changed(file, 'it no longer exists');
  return new ActionError(`Could not read ${file.path} in the source directory to upload it: ${fsError.message}. It was not uploaded.`);
}

/**
 * Uploads one file and returns its ETag. The content must still be what planning hashed: a file
 * that changed since is refused (the plan, the manifest and the metadata would be wrong).
 * - Up to MULTIPART_THRESHOLD: read whole, checked, sent with one PutObject whose
 *   x-amz-checksum-sha256 (the planning SHA-256) S3 verifies; a retry resends the same buffer.
 * - Above: a multipart upload read from disk part by part through a SHA-256 (multipart.ts); a
 *   file with another digest or size by then is aborted (AbortMultipartUpload), never completed.
 */
export async function uploadObject(
  client: S3Source,
  file: UploadTarget,
  signal?: AbortSignal,
  direct?: DirectS3,
): Promise<{ etag?: string; md5?: string }> {
  const common = {
    Bucket: file.bucket,
    Key: file.key,
    ContentType: file.contentType,
    CacheControl: file.cacheControl,
    Metadata: { [SHA256_METADATA]: file.sha256 },
  };
  if (file.size <= MULTIPART_THRESHOLD) {
    let body: Buffer | undefined;
    try {
      body = readWhole(file.absPath);
    } catch (error) {
      throw readFailure(file, error);
    }
    if (!body || body.length !== file.size || hash('sha256', body) !== file.sha256) throw changed(file);
    const fields = { ...common, ChecksumSHA256: Buffer.from(file.sha256, 'hex').toString('base64') };
    if (direct) {
      // the same fields as the SDK's PutObject below (S3 checks the body against both hashes)
      const etag = await direct.put(file.key, body, file.sha256, fields, signal);
      if (etag !== undefined) return { etag };
    }
    const { s3, sdk } = await withSdk(client);
    const command = new sdk.PutObjectCommand({ ...fields, Body: body, ContentLength: body.length });
    // The SigV4 payload hash is the body's SHA-256, just checked above: given as the
    // x-amz-content-sha256 header, the signer uses it instead of hashing the body once more
    // (@smithy/signature-v4 getPayloadHash). S3 still checks the body against it and against
    // x-amz-checksum-sha256, and rejects the upload on a mismatch.
    command.middlewareStack.add(
      (next) => (args) => {
        const request = args.request as { headers?: Record<string, string> };
        if (request.headers) request.headers['x-amz-content-sha256'] = file.sha256;
        return next(args);
      },
      { step: 'build', name: 'precomputedPayloadHash' },
    );
    const response = await s3.send(command, sendOptions(signal));
    // the MD5 is only a fallback for a store that sends no ETag (S3 always does)
    return { etag: response.ETag, md5: response.ETag ? undefined : createHash('md5').update(body).digest('hex') };
  }

  try {
    return { etag: await uploadInParts(client, file, common, () => changed(file), signal) };
  } catch (error) {
    throw readFailure(file, error);
  }
}
