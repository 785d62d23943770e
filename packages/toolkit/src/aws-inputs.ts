/**
 * The AWS inputs every action shares, read and checked without loading any AWS SDK code (an
 * action reads its inputs first, and may start local work before the SDK is loaded: aws.ts builds
 * the clients).
 */
import { InputError } from './errors.js';
import type { Inputs } from './inputs.js';

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
