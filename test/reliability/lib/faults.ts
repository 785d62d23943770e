import type { FaultKind, FaultRule, RecordedRequest } from '../../harness/fault-proxy.js';

/** How a total fault rate is shared between the kinds (retryable errors, lost connections, cut bodies). */
const SHARES: [FaultKind, number][] = [
  ['slowdown', 0.2],
  ['internal', 0.2],
  ['throttle', 0.2],
  ['reset-before', 0.15],
  ['reset-after', 0.15],
  ['truncate', 0.1],
];

/**
 * Rules that fault about `rate` of all matching requests, spread over every fault kind. The
 * proxy tries rules in order with independent draws, so each rule's rate is conditional on the
 * earlier ones not firing; the total is then exactly `rate`.
 */
export function faultMix(rate: number, match: Partial<FaultRule> = {}): FaultRule[] {
  let remaining = 1;
  return SHARES.map(([fault, share]) => {
    const p = rate * share;
    const rule: FaultRule = { ...match, fault, rate: p / remaining };
    remaining -= p;
    return rule;
  });
}

export function faultCounts(requests: RecordedRequest[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of requests) if (r.fault) counts[r.fault] = (counts[r.fault] ?? 0) + 1;
  return counts;
}

export function describeFaults(requests: RecordedRequest[]): string {
  const counts = faultCounts(requests);
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  return `${total}/${requests.length} requests faulted (${Object.entries(counts)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ')})`;
}

/**
 * The two fault levels of the docs table, 10 % and 30 % (with the category each is recorded
 * under), each with the seed (or seeds) the suite runs it with: rows for test.each.
 */
export function faultLevels<S>(seed10: S, seed30: S): (readonly [10, 'faults-10', S] | readonly [30, 'faults-30', S])[] {
  return faultRuns([[seed10] as const], [[seed30] as const]);
}

/**
 * test.each rows for several runs per fault level: `[10, 'faults-10', ...run]` for each run of
 * `at10` (its seed and whatever else the run varies), then `[30, 'faults-30', ...run]` for `at30`.
 */
export function faultRuns<R extends readonly unknown[]>(
  at10: readonly [...R][],
  at30: readonly [...R][],
): (readonly [10, 'faults-10', ...R] | readonly [30, 'faults-30', ...R])[] {
  return [...at10.map((run) => [10, 'faults-10', ...run] as const), ...at30.map((run) => [30, 'faults-30', ...run] as const)];
}

/** JSON body of a recorded JSON-protocol request. */
export function jsonBody(request: RecordedRequest): Record<string, unknown> {
  try {
    return JSON.parse(request.body ?? '{}') as Record<string, unknown>;
  } catch {
    return {};
  }
}
