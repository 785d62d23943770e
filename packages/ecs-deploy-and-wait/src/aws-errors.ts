import { ActionError, CancelledError, awsErrorCode, describeAwsError } from '@allthrive/toolkit';

const THROTTLING = new Set([
  'ThrottlingException',
  'Throttling',
  'ThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'SlowDown',
]);

const TRANSIENT = new Set([
  'ServerException',
  'InternalFailure',
  'InternalError',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
]);

export function isThrottling(error: unknown): boolean {
  const code = awsErrorCode(error);
  const status = (error as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
  return (code !== undefined && THROTTLING.has(code)) || status === 429 || /rate exceeded/i.test(String((error as Error)?.message));
}

/**
 * Errors that another attempt a moment later can cure: throttling, 5xx, dropped connections.
 * The SDK already retried these (adaptive mode); the waiter retries again inside the tick, because
 * a busy API must never decide the outcome of a deployment.
 */
export function isTransient(error: unknown): boolean {
  if (error instanceof CancelledError) return false;
  if (isThrottling(error)) return true;
  const code = awsErrorCode(error) ?? (error as { code?: string })?.code;
  const status = (error as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
  return (code !== undefined && TRANSIENT.has(code)) || (status !== undefined && status >= 500);
}

/** True when the error comes from an aborted request (SIGINT during an HTTP call). */
export function isAbort(error: unknown, signal?: AbortSignal): boolean {
  if (error instanceof CancelledError) return true;
  return Boolean(signal?.aborted) && (awsErrorCode(error) === 'AbortError' || (error as Error)?.name === 'AbortError');
}

/** Rethrows cancellations unchanged and every AWS error as an ActionError sentence (IAM hint on AccessDenied). */
export function awsFailure(error: unknown, service: 'ECS' | 'ECR', operation: string, context?: string): Error {
  if (error instanceof CancelledError || error instanceof ActionError) return error;
  const sentence = describeAwsError(error, { service, operation });
  return new ActionError(context ? `${sentence} ${context}` : sentence);
}
