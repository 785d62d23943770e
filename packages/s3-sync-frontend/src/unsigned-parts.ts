import type { ServiceInputTypes, ServiceOutputTypes } from '@aws-sdk/client-s3';
import type { FinalizeRequestMiddleware, Pluggable } from '@smithy/types';
import { isAccessDenied } from '@allthrive/toolkit';

/**
 * The parts of a multipart upload over HTTPS are signed with `UNSIGNED-PAYLOAD` instead of their
 * SHA-256, as the AWS CLI signs its uploads over HTTPS. The SDK otherwise hashes every 5 MiB part
 * once more for the signature: the third SHA-256 pass over a large file, after the plan's and the
 * upload's own check that the file did not change (bench/s3-sync-frontend/notes.md, large file).
 * What still protects a part: its x-amz-checksum-crc32 (multipart.ts asks for CRC32), which S3
 * checks against the bytes it received and rejects the part on a mismatch, and TLS, which keeps the
 * body from being altered on the way; the signature still covers the headers, CRC32 included. Over
 * plain HTTP (a local S3-compatible endpoint) the payload stays signed: nothing else would keep the
 * body and its CRC32 from being altered together.
 *
 * A bucket policy can refuse unsigned payloads (the `s3:x-amz-content-sha256` condition key): a
 * part refused with AccessDenied is sent once more with its payload signed, and so is every later
 * attempt at any part of the deploy (also the SDK's retry of a part whose unsigned attempt failed
 * for another reason), so such a bucket costs a request per part in flight and no failure.
 * https://docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-header-based-auth.html
 * https://docs.aws.amazon.com/AmazonS3/latest/API/bucket-policy-s3-sigv4-conditions.html
 */
export function unsignedPartsOverHttps(): Pluggable<ServiceInputTypes, ServiceOutputTypes> {
  let refused = false;
  const middleware: FinalizeRequestMiddleware<ServiceInputTypes, ServiceOutputTypes> = (next, context) => async (args) => {
    const request = args.request as { protocol?: string; headers?: Record<string, string> };
    const headers = request.headers;
    const eligible =
      context.commandName === 'UploadPartCommand' &&
      request.protocol === 'https:' &&
      headers !== undefined &&
      Object.keys(headers).some((name) => name.toLowerCase().startsWith('x-amz-checksum-'));
    if (!eligible) return next(args);
    if (refused) {
      // a retry reuses the request of the attempt before it, which may still say UNSIGNED-PAYLOAD
      delete headers['x-amz-content-sha256'];
      return next(args);
    }
    headers['x-amz-content-sha256'] = 'UNSIGNED-PAYLOAD';
    try {
      return await next(args);
    } catch (error) {
      if (!isAccessDenied(error)) throw error;
      refused = true;
      delete headers['x-amz-content-sha256']; // the signer below hashes the payload again
      return next(args);
    }
  };
  return {
    applyToStack(stack) {
      // after the checksum header is set (build step), before the request is signed
      stack.addRelativeTo(middleware, { relation: 'before', toMiddleware: 'httpSigningMiddleware', name: 'unsignedPartPayloadOverHttps' });
    },
  };
}
