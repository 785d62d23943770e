import { NodeHttpHandler } from '@smithy/node-http-handler';
import { noteCredentialFailure } from './credentials.js';
import { resolveRegion, overriddenEndpoint, type AwsOptions } from './aws-inputs.js';
import { USER_AGENT } from './version.js';

export interface AwsClientConfig {
  region: string;
  maxAttempts: number;
  retryMode: 'adaptive';
  customUserAgent: string;
  requestHandler: NodeHttpHandler;
  endpoint?: string;
  forcePathStyle?: boolean;
}

/**
 * The configuration every AWS client here is built with: region, explicit endpoint when the
 * `endpoint-url` input is given (the SDK reads AWS_ENDPOINT_URL* itself otherwise), path-style S3
 * whenever an endpoint is overridden (emulators and S3-compatible stores have no virtual hosts),
 * adaptive retries and our user agent.
 */
export function awsClientConfig(serviceId: string, options: AwsOptions = {}): AwsClientConfig {
  const config: AwsClientConfig = {
    region: resolveRegion(options),
    maxAttempts: options.maxAttempts ?? 3,
    retryMode: 'adaptive',
    customUserAgent: USER_AGENT,
    requestHandler: new NodeHttpHandler({
      connectionTimeout: 10_000,
      requestTimeout: options.requestTimeoutMs ?? 60_000,
      throwOnRequestTimeout: true,
    }),
  };
  if (options.endpointUrl) config.endpoint = options.endpointUrl;
  if (serviceId.toUpperCase() === 'S3' && overriddenEndpoint('S3', options)) config.forcePathStyle = true;
  return config;
}

/**
 * `createAwsClient(S3Client, 'S3', options)`: one way to build any SDK v3 client. `extra` adds or
 * replaces settings one client needs (S3's followRegionRedirects and idle timeout); the client
 * still gets the credential watch below.
 */
export function createAwsClient<C, E extends object = object>(
  Client: new (config: AwsClientConfig & E) => C,
  serviceId: string,
  options: AwsOptions = {},
  extra?: E,
): C {
  const client = new Client({ ...awsClientConfig(serviceId, options), ...(extra as E) });
  watchCredentials(client, serviceId);
  return client;
}

interface WithMiddleware {
  middlewareStack?: {
    add(
      middleware: (next: (args: unknown) => Promise<unknown>, context: { commandName?: string }) => (args: unknown) => Promise<unknown>,
      options: { step: 'initialize'; name: string },
    ): void;
  };
}

/**
 * Notes credential failures (none found, expired, rejected, role not assumable) for runAction's
 * `AWS credentials` error; see credentials.ts. At the initialize step, so it sees both errors from
 * resolving credentials (thrown before any request is sent) and the service's answers after retries.
 */
function watchCredentials(client: unknown, serviceId: string): void {
  (client as WithMiddleware).middlewareStack?.add(
    (next, context) => async (args) => {
      try {
        return await next(args);
      } catch (error) {
        noteCredentialFailure(error, `${serviceId} ${(context.commandName ?? '').replace(/Command$/, '')}`.trim());
        throw error;
      }
    },
    { step: 'initialize', name: 'allthriveCredentialWatch' },
  );
}
