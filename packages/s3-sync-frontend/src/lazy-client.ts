import type { S3Client } from '@aws-sdk/client-s3';
import type { AwsOptions } from '@allthrive/toolkit';

/**
 * The action's S3 client, built when the first request that needs the SDK is sent (client.ts and
 * the SDK are then loaded): a deploy whose requests all go direct (direct-s3.ts) never loads them.
 */
export function lazyS3Client(aws: AwsOptions): () => Promise<S3Client> {
  let client: Promise<S3Client> | undefined;
  return () => (client ??= import('./client.js').then(({ createS3Client }) => createS3Client(aws)));
}
