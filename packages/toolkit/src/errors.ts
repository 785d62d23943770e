/**
 * Errors a person can act on. Every failure an action reports goes through one of these so the
 * step ends with a sentence (what failed, why, what to check), never a bare stack trace.
 */

/** A malformed or missing input. Reported as one `::error title=<input>::` line. */
export class InputError extends Error {
  constructor(
    readonly input: string,
    message: string,
  ) {
    super(message);
    this.name = 'InputError';
  }
}

/** A failure whose message is already written for the person reading the log. */
export class ActionError extends Error {
  constructor(
    message: string,
    readonly title?: string,
  ) {
    super(message);
    this.name = 'ActionError';
  }
}

/** Raised when SIGINT/SIGTERM (a cancelled workflow run) interrupts a wait. */
export class CancelledError extends Error {
  constructor(message = 'the run was cancelled') {
    super(message);
    this.name = 'CancelledError';
  }
}

interface AwsLikeError {
  name?: string;
  Code?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number; requestId?: string; extendedRequestId?: string };
  $fault?: string;
}

const ACCESS_DENIED = new Set([
  'AccessDenied',
  'AccessDeniedException',
  'UnauthorizedOperation',
  'AuthorizationError',
  'UnauthorizedException',
]);

/** True for the error shapes the AWS SDK v3 throws (a service exception with metadata). */
export function isAwsError(error: unknown): error is AwsLikeError & Error {
  return typeof error === 'object' && error !== null && '$metadata' in error;
}

export function awsErrorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const e = error as AwsLikeError;
  return e.Code ?? e.code ?? e.name;
}

export function isAccessDenied(error: unknown): boolean {
  const code = awsErrorCode(error);
  return code !== undefined && ACCESS_DENIED.has(code);
}

/**
 * Turns an AWS SDK error into one sentence: service, operation, code, message, request id, and for
 * AccessDenied the IAM action to grant (`<service>:<Operation>`).
 */
export function describeAwsError(error: unknown, context: { service: string; operation: string; iamPrefix?: string }): string {
  const e = (error ?? {}) as AwsLikeError;
  const code = awsErrorCode(error) ?? 'Error';
  const status = e.$metadata?.httpStatusCode;
  const requestId = e.$metadata?.requestId;
  const raw = (e.message ?? String(error)).trim();
  const message = raw && raw !== code && raw !== 'UnknownError' ? raw : 'no message from the service';
  const parts = [`${context.service} ${context.operation} failed: ${code}${status ? ` (HTTP ${status})` : ''}: ${message}`];
  if (requestId) parts.push(`request id ${requestId}`);
  let sentence = parts.join('; ');
  if (isAccessDenied(error)) {
    const prefix = context.iamPrefix ?? context.service.toLowerCase().replace(/[^a-z0-9]/g, '');
    sentence += `. Grant the IAM action ${prefix}:${context.operation} to the role this job assumes`;
  }
  return sentence.endsWith('.') ? sentence : `${sentence}.`;
}

/** Any thrown value as a sentence for the log. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
