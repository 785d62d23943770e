import { S3Client } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { awsClientConfig, createAwsClient, type AwsClientConfig, type AwsOptions } from '@allthrive/toolkit';
import { unsignedPartsOverHttps } from './unsigned-parts.js';

/** A request with no byte sent or received for this long is abandoned (and retried). */
export const IDLE_TIMEOUT_MS = 60_000;

/**
 * The S3 client configuration: the toolkit's, plus
 * - followRegionRedirects: a bucket in another region than `aws-region` (the root action's
 *   cluster region) answers 301 PermanentRedirect with its region, and the SDK re-signs for it;
 * - an idle timeout instead of a total one: smithy's `requestTimeout` is wall-clock time for the
 *   whole request, body included, so a large PUT slower than it failed every attempt; its
 *   `socketTimeout` fires only after that long without any byte sent or received.
 */
export function s3ClientConfig(aws: AwsOptions, options: { idleMs?: number } = {}): AwsClientConfig & { followRegionRedirects: true } {
  return { ...awsClientConfig('S3', aws), ...s3Settings(options) };
}

/** The S3 client the actions use: the configuration above, built by the toolkit so that a
 * credential failure is reported as one `AWS credentials` error (see toolkit credentials.ts), with
 * the parts of multipart uploads over HTTPS signed without their payload hash (unsigned-parts.ts). */
export function createS3Client(aws: AwsOptions, options: { idleMs?: number } = {}): S3Client {
  const client = createAwsClient(S3Client, 'S3', aws, s3Settings(options));
  client.middlewareStack.use(unsignedPartsOverHttps());
  return client;
}

function s3Settings(options: { idleMs?: number }) {
  return {
    followRegionRedirects: true as const,
    requestHandler: new NodeHttpHandler({
      connectionTimeout: 10_000,
      socketTimeout: options.idleMs ?? IDLE_TIMEOUT_MS,
      throwOnRequestTimeout: true,
    }),
  };
}
