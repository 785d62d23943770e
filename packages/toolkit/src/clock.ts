import { CancelledError } from './errors.js';

/** Time as the engines see it: injected so a 15-minute wait runs in milliseconds under test. */
export interface Clock {
  now(): number;
  /** Resolves after `ms`, or rejects with CancelledError as soon as `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(cancelReason(signal));
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(cancelReason(signal!));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function cancelReason(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new CancelledError();
}

export const systemClock: Clock = { now: () => Date.now(), sleep };

/**
 * A clock whose sleeps advance virtual time at once: for tests of long waits.
 * `sleeps` records every requested delay.
 */
export function virtualClock(start = 0): Clock & { sleeps: number[]; advance(ms: number): void } {
  let now = start;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => now,
    advance(ms: number) {
      now += ms;
    },
    async sleep(ms: number, signal?: AbortSignal) {
      if (signal?.aborted) throw cancelReason(signal);
      sleeps.push(ms);
      now += ms;
      await Promise.resolve();
      if (signal?.aborted) throw cancelReason(signal);
    },
  };
}

/** ±fraction random jitter, so many runners polling the same API do not move in lock step. */
export function jitter(ms: number, fraction = 0.1, random: () => number = Math.random): number {
  return Math.round(ms * (1 - fraction + 2 * fraction * random()));
}

/**
 * A signal that aborts when `signal` does or when `ms` have passed: give it to `client.send(command,
 * { abortSignal })` so an in-flight request cannot outlive the step's own deadline.
 */
export function deadlineSignal(ms: number, signal?: AbortSignal): AbortSignal {
  const timeout = AbortSignal.timeout(Math.max(1, Math.round(ms)));
  return signal ? AbortSignal.any([signal, timeout]) : timeout;
}
