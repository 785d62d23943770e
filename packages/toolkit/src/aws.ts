import { NodeHttpHandler } from '@smithy/node-http-handler';
import { noteCredentialFailure } from './credentials.js';
import { InputError } from './errors.js';
import type { Inputs } from './inputs.js';
import { USER_AGENT } from './version.js';

export interface AwsOptions {
  /** `aws-region` input; falls back to AWS_REGION / AWS_DEFAULT_REGION. */
  region?: string;
  /** `endpoint-url` input; falls back to the SDK's own AWS_ENDPOINT_URL(_<SERVICE>). */
  endpointUrl?: string;
  /** SDK attempts per request, retries included (adaptive mode backs off on throttling and 5xx). */
  maxAttempts?: number;
  /**
   * How long one request may wait for the service's answer before it is abandoned (and retried):
   * without it the SDK waits forever on a held connection and a step can outlive its own timeout.
   */
  requestTimeoutMs?: number;
  env?: NodeJS.ProcessEnv;
}

/** Reads the AWS inputs every action shares. `max-attempts` is read only where the action declares it. */
export function readAwsInputs(inputs: Inputs, options: { maxAttemptsDefault?: number } = {}): AwsOptions {
  const endpointUrl = inputs.optional('endpoint-url');
  if (endpointUrl !== undefined && !/^https?:\/\/[^\s/]+/i.test(endpointUrl)) {
    throw new InputError(
      'endpoint-url',
      `Input 'endpoint-url' has the value '${endpointUrl}', which is not accepted: expected an http:// or https:// URL such as http://127.0.0.1:5000.`,
    );
  }
  const region = inputs.optional('aws-region');
  if (region !== undefined && !/^[a-z]{2}(-[a-z]+)+-\d+$/.test(region)) {
    throw new InputError(
      'aws-region',
      `Input 'aws-region' has the value '${region}', which is not accepted: expected a region code such as eu-west-1.`,
    );
  }
  const result: AwsOptions = { region, endpointUrl };
  if (options.maxAttemptsDefault !== undefined) {
    result.maxAttempts = inputs.integer('max-attempts', { default: options.maxAttemptsDefault, min: 1, max: 20 });
  }
  return result;
}

export function resolveRegion(options: AwsOptions): string {
  const env = options.env ?? process.env;
  const region = options.region || env.AWS_REGION || env.AWS_DEFAULT_REGION;
  if (!region) {
    throw new InputError(
      'aws-region',
      "No AWS region is set: give the 'aws-region' input, or set AWS_REGION (aws-actions/configure-aws-credentials does this).",
    );
  }
  return region;
}

/** The endpoint the SDK will use for `serviceId` when one is overridden, else undefined. */
export function overriddenEndpoint(serviceId: string, options: AwsOptions): string | undefined {
  const env = options.env ?? process.env;
  if (options.endpointUrl) return options.endpointUrl;
  if ((env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS ?? '').toLowerCase() === 'true') return undefined;
  const key = `AWS_ENDPOINT_URL_${serviceId.toUpperCase().replace(/[\s-]+/g, '_')}`;
  return env[key] || env.AWS_ENDPOINT_URL || undefined;
}

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
