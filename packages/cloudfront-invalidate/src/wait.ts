import { GetInvalidationCommand, type CloudFrontClient } from '@aws-sdk/client-cloudfront';
import { formatDuration, jitter, type Clock, type Logger } from '@allthrive/toolkit';
import { boundedRequest, withRetries } from './retry.js';

export const FIRST_POLL_MS = 5000;
export const MAX_POLL_MS = 30_000;

/**
 * CloudFront's statuses are `InProgress` and `Completed`; moto answers `COMPLETED`. Compare without
 * case and report the canonical spelling.
 */
export function canonicalStatus(status: string | undefined): string {
  const lower = (status ?? '').toLowerCase();
  if (lower === 'completed') return 'Completed';
  if (lower === 'inprogress' || lower === 'in_progress' || lower === 'in progress') return 'InProgress';
  return status ?? 'unknown';
}

export interface WaitContext {
  cloudfront: Pick<CloudFrontClient, 'send'>;
  clock: Clock;
  logger: Logger;
  signal?: AbortSignal;
  random?: () => number;
  /** Epoch ms at which waiting stops (wait-timeout). */
  deadline: number;
  /** When the invalidations were created, for "completed after ..." lines. */
  startedAt: number;
  /** Abandon (and retry) a request unanswered for this long (default 30 s). */
  requestTimeoutMs?: number;
}

/**
 * Polls GetInvalidation for every id not yet Completed: first after about 5 s, then doubling up to
 * 30 s (with ±10% jitter), one line whenever a status changes, until all are Completed or the
 * deadline passes (one last poll is made at the deadline). Returns the last status of each id and
 * whether the deadline stopped the wait. Cancellation rejects at once with CancelledError.
 */
export async function waitForInvalidations(
  distributionId: string,
  initial: Map<string, string>,
  context: WaitContext,
): Promise<{ statuses: Map<string, string>; timedOut: boolean }> {
  const { cloudfront, clock, logger, signal, deadline } = context;
  const statuses = new Map(initial);
  const pending = () => [...statuses].filter(([, status]) => status !== 'Completed').map(([id]) => id);
  let delay = FIRST_POLL_MS;
  while (pending().length) {
    const remaining = deadline - clock.now();
    if (remaining <= 0) return { statuses, timedOut: true };
    await clock.sleep(Math.min(jitter(delay, 0.1, context.random), remaining), signal);
    for (const id of pending()) {
      const what = `checking invalidation ${id}`;
      const response = await withRetries(
        () =>
          boundedRequest(
            (abortSignal) => cloudfront.send(new GetInvalidationCommand({ DistributionId: distributionId, Id: id }), { abortSignal }),
            { clock, deadline, signal, requestTimeoutMs: context.requestTimeoutMs, what },
          ),
        { clock, logger, signal, deadline, random: context.random, what, maxDelayMs: MAX_POLL_MS },
      );
      const status = canonicalStatus(response.Invalidation?.Status);
      logger.debug(`GetInvalidation ${id}: ${response.Invalidation?.Status ?? 'no status'}`);
      if (status !== statuses.get(id)) {
        logger.info(`Invalidation ${id}: ${status} after ${formatDuration(clock.now() - context.startedAt)}.`);
        statuses.set(id, status);
      }
    }
    delay = Math.min(delay * 2, MAX_POLL_MS);
  }
  return { statuses, timedOut: false };
}
