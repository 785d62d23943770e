import { CancelledError, awsErrorCode, formatDuration, type Clock, type Logger } from '@allthrive/toolkit';

const THROTTLING = new Set([
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'SlowDown',
  'ServiceUnavailable',
  'InternalError',
  'InternalFailure',
]);

const NETWORK = new Set(['ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'TimeoutError', 'RequestTimeout', 'RequestTimeoutException']);

/**
 * Errors worth retrying: TooManyInvalidationsInProgress (HTTP 400, which the SDK does not retry:
 * the distribution already has 3,000 file paths or 15 wildcards in flight and will free them as
 * those complete), throttling, 5xx and dropped connections. Anything else is the caller's mistake
 * or a permission problem and fails at once.
 */
export function isRetryable(error: unknown): boolean {
  const code = awsErrorCode(error);
  if (code === 'TooManyInvalidationsInProgress') return true;
  if (code && (THROTTLING.has(code) || NETWORK.has(code))) return true;
  const e = error as { $metadata?: { httpStatusCode?: number }; $fault?: string; code?: string } | undefined;
  const status = e?.$metadata?.httpStatusCode;
  if (status !== undefined && (status === 429 || status >= 500)) return true;
  if (e?.$fault === 'server') return true;
  return typeof e?.code === 'string' && NETWORK.has(e.code);
}

export interface RetryContext {
  clock: Clock;
  logger: Logger;
  signal?: AbortSignal;
  /** Epoch ms after which no further attempt starts. */
  deadline: number;
  random?: () => number;
  /** What is being attempted, for the log ("creating invalidation batch 1 of 2"). */
  what: string;
  /** First delay; doubles per attempt up to maxDelayMs. */
  baseDelayMs?: number;
  maxDelayMs?: number;
}

/** Thrown when retryable errors persisted until the deadline; `cause` is the last error. */
export class RetriesExhaustedError extends Error {
  constructor(
    readonly attempts: number,
    readonly lastError: unknown,
    readonly waitedMs: number,
  ) {
    super(`gave up after ${attempts} attempts over ${formatDuration(waitedMs)}`);
    this.name = 'RetriesExhaustedError';
  }
}

/**
 * Runs `attempt` until it succeeds, retrying retryable errors with exponential backoff and "equal
 * jitter" (half the delay fixed, half random, so many runners hitting one distribution spread out)
 * until `deadline`. A cancelled signal stops the wait at once with CancelledError.
 */
export async function withRetries<T>(attempt: () => Promise<T>, context: RetryContext): Promise<T> {
  const { clock, logger, signal, deadline } = context;
  const random = context.random ?? Math.random;
  const base = context.baseDelayMs ?? 2000;
  const max = context.maxDelayMs ?? 60_000;
  const started = clock.now();
  for (let n = 1; ; n++) {
    if (signal?.aborted) throw signal.reason instanceof Error ? signal.reason : new CancelledError();
    try {
      return await attempt();
    } catch (error) {
      if (signal?.aborted) throw signal.reason instanceof Error ? signal.reason : new CancelledError();
      if (!isRetryable(error)) throw error;
      const remaining = deadline - clock.now();
      // With under a second left, another attempt could only overrun the deadline.
      if (remaining < 1000) throw new RetriesExhaustedError(n, error, clock.now() - started);
      const full = Math.min(max, base * 2 ** (n - 1));
      const delay = Math.min(remaining, Math.round(full / 2 + (random() * full) / 2));
      logger.info(`${awsErrorCode(error) ?? 'Error'} while ${context.what} (attempt ${n}); retrying in ${formatDuration(delay)}.`);
      logger.debug(`retry ${n} of '${context.what}': ${(error as Error).message}`);
      await clock.sleep(delay, signal);
    }
  }
}

/** How long one request may go unanswered before it is abandoned and retried. */
export const REQUEST_TIMEOUT_MS = 30_000;
/** At or past the deadline, a last request still gets this long. */
export const DEADLINE_GRACE_MS = 2000;

/**
 * Runs one request with its own abort signal, abandoned when the run is cancelled, after
 * `requestTimeoutMs`, or once the deadline (plus a short grace) passes: a held connection must not
 * keep the step past wait-timeout (the SDK sets no request timeout by default). Abandoning raises a
 * retryable `RequestTimeout`, so withRetries tries again or, past the deadline, gives up. The race
 * also covers clients that ignore abortSignal. Real timers on purpose: this bounds wall-clock waiting
 * on the network, which an injected clock does not model.
 */
export async function boundedRequest<T>(
  send: (abortSignal: AbortSignal) => Promise<T>,
  context: { clock: Clock; deadline: number; signal?: AbortSignal; requestTimeoutMs?: number; what: string },
): Promise<T> {
  const requestTimeoutMs = context.requestTimeoutMs ?? REQUEST_TIMEOUT_MS;
  const limit = Math.min(requestTimeoutMs, Math.max(context.deadline - context.clock.now(), DEADLINE_GRACE_MS));
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let onAbort: (() => void) | undefined;
  const abandoned = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = Object.assign(new Error(`no answer from CloudFront within ${formatDuration(limit)} while ${context.what}`), {
        name: 'RequestTimeout',
      });
      controller.abort(error);
      reject(error);
    }, limit);
    onAbort = () => {
      const reason = context.signal?.reason instanceof Error ? context.signal.reason : new CancelledError();
      controller.abort(reason);
      reject(reason);
    };
    if (context.signal?.aborted) onAbort();
    else context.signal?.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([send(controller.signal), abandoned]);
  } finally {
    clearTimeout(timer);
    if (onAbort) context.signal?.removeEventListener('abort', onAbort);
  }
}
