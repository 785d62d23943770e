import { createHash } from 'node:crypto';
import { open, type FileHandle } from 'node:fs/promises';
import type { CompletedPart } from '@aws-sdk/client-s3';
import { sendOptions, withSdk, type S3Source } from './s3.js';

/**
 * A multipart upload of one large file, written here rather than with lib-storage's Upload
 * because of how lib-storage reads a stream and how it fails (bench/s3-sync-frontend/notes.md,
 * large file):
 * - it copies every part out of the stream's chunks into a new buffer (`getChunkStream`
 *   concatenates whenever a part spans two chunks), so a 1 GiB file allocated and collected
 *   1 GiB of part buffers: the action was the slowest tool on a 1 GiB file, and most of its
 *   extra CPU was that copy and the garbage collection after it. Here each part is read from
 *   disk straight into one of PART_QUEUE + 1 buffers that are reused for the whole file;
 * - its part size is fixed, so a file above 10,000 parts failed after uploading 10,000 of them.
 */

/** S3's smallest part (every part but the last) and its most parts per upload. */
export const PART_SIZE = 5 * 1024 * 1024;
export const MAX_PARTS = 10_000;
/** Parts of one file in flight at once. */
export const PART_QUEUE = 4;

const MIB = 1024 * 1024;

/**
 * The part size for a file of `size` bytes: S3's minimum, or, for a file that would need more
 * than 10,000 such parts (above 48.8 GiB), the smallest whole number of MiB that fits it in
 * 10,000 parts. https://docs.aws.amazon.com/AmazonS3/latest/userguide/qfacts.html
 */
export function multipartPartSize(size: number): number {
  return Math.max(PART_SIZE, Math.ceil(size / MAX_PARTS / MIB) * MIB);
}

/** File content a multipart upload holds at most: its parts in flight and the one being read. */
export function multipartMemory(size: number): number {
  return multipartPartSize(size) * (PART_QUEUE + 1);
}

export interface MultipartTarget {
  absPath: string;
  size: number;
  /** The SHA-256 planning computed: the file must still have it, or nothing is completed. */
  sha256: string;
}

export interface MultipartFields {
  Bucket: string;
  Key: string;
  ContentType: string;
  CacheControl: string;
  Metadata: Record<string, string>;
}

/**
 * Uploads the file in parts, each sent with its CRC32 (which S3 checks) and retried by the SDK
 * from its own buffer, at most PART_QUEUE at once, and returns the object's ETag. The file is read
 * once, in order, through a SHA-256: the last part is sent only when the file still has the
 * planned size and digest, so a file that changed is never completed (`changed` is thrown).
 * On any failure, or when `signal` aborts, no further part is read, the parts in flight are
 * cancelled and the upload is aborted (AbortMultipartUpload), so no parts are left stored.
 */
export async function uploadInParts(
  client: S3Source,
  file: MultipartTarget,
  fields: MultipartFields,
  changed: () => Error,
  signal?: AbortSignal,
): Promise<string | undefined> {
  const { s3, sdk } = await withSdk(client);
  const partSize = multipartPartSize(file.size);
  const count = Math.ceil(file.size / partSize);
  const handle = await open(file.absPath, 'r');
  // the parts in flight stop on the run's cancellation or on this file's first failure
  const failed = new AbortController();
  const stop = signal ? AbortSignal.any([signal, failed.signal]) : failed.signal;
  let uploadId: string | undefined;
  const inFlight = new Set<Promise<void>>();
  try {
    const created = await s3.send(new sdk.CreateMultipartUploadCommand({ ...fields, ChecksumAlgorithm: 'CRC32' }), sendOptions(signal));
    uploadId = created.UploadId;
    const parts = new Array<CompletedPart>(count);
    const free: Buffer[] = [];
    const digest = createHash('sha256');
    let failure: { error: unknown } | undefined;
    const probe = Buffer.alloc(1);
    for (let number = 1; number <= count && !failure && !stop.aborted; number++) {
      // the next part is read while PART_QUEUE parts are in flight: PART_QUEUE + 1 buffers in all
      const position = (number - 1) * partSize;
      const length = Math.min(partSize, file.size - position);
      const buffer = free.pop() ?? Buffer.allocUnsafe(partSize);
      if ((await readFully(handle, buffer, length, position)) !== length) throw changed();
      const body = buffer.subarray(0, length);
      digest.update(body);
      if (number === count && ((await readFully(handle, probe, 1, file.size)) !== 0 || digest.digest('hex') !== file.sha256)) {
        throw changed(); // grew, or other bytes: the last part is never sent
      }
      while (inFlight.size >= PART_QUEUE) await Promise.race(inFlight);
      if (failure || stop.aborted) break;
      const command = new sdk.UploadPartCommand({
        Bucket: fields.Bucket,
        Key: fields.Key,
        UploadId: uploadId,
        PartNumber: number,
        Body: body,
        ContentLength: length,
        ChecksumAlgorithm: 'CRC32',
      });
      const sending: Promise<void> = s3.send(command, { abortSignal: stop }).then(
        (part) => {
          parts[number - 1] = { PartNumber: number, ETag: part.ETag, ChecksumCRC32: part.ChecksumCRC32 };
          free.push(buffer); // S3 has answered: the SDK no longer reads this buffer
        },
        (error: unknown) => {
          failure ??= { error };
          failed.abort(error);
        },
      );
      const tracked = sending.finally(() => inFlight.delete(tracked));
      inFlight.add(tracked);
    }
    await Promise.all(inFlight);
    if (failure) throw failure.error;
    if (signal?.aborted) throw signal.reason;
    const completed = await s3.send(
      new sdk.CompleteMultipartUploadCommand({
        Bucket: fields.Bucket,
        Key: fields.Key,
        UploadId: uploadId,
        MultipartUpload: { Parts: parts },
      }),
      sendOptions(signal),
    );
    uploadId = undefined; // completed: nothing to abort
    return completed.ETag;
  } catch (error) {
    failed.abort(error);
    await Promise.allSettled(inFlight);
    if (uploadId) {
      // not under the run's signal: the parts must not be left stored (and billed) after a cancel
      await s3
        .send(new sdk.AbortMultipartUploadCommand({ Bucket: fields.Bucket, Key: fields.Key, UploadId: uploadId }))
        .catch(() => undefined);
    }
    throw error;
  } finally {
    await handle.close();
  }
}

/** Reads `length` bytes at `position` into the start of `buffer`; fewer only at the end of the file. */
async function readFully(handle: FileHandle, buffer: Buffer, length: number, position: number): Promise<number> {
  let filled = 0;
  while (filled < length) {
    const { bytesRead } = await handle.read(buffer, filled, length - filled, position + filled);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return filled;
}
