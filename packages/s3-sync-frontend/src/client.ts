import { NodeHttpHandler } from '@smithy/node-http-handler';
import { awsClientConfig, type AwsClientConfig, type AwsOptions } from '@allthrive/toolkit';

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
  return {
    ...awsClientConfig('S3', aws),
    followRegionRedirects: true,
    requestHandler: new NodeHttpHandler({
      connectionTimeout: 10_000,
      socketTimeout: options.idleMs ?? IDLE_TIMEOUT_MS,
      throwOnRequestTimeout: true,
    }),
  };
}
