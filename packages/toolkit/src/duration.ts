/**
 * Durations as users write them in workflow files: `30s`, `15m`, `1h30m`, `7d`, `500ms`.
 * A bare number means the unit the input's name implies (passed as `bareUnit`).
 * Hand-written because the accepted grammar is part of this project's input contract and the
 * popular libraries (ms, parse-duration) accept forms we must reject (`1.5 hours`, `-5m`).
 */
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const UNIT_ORDER = ['d', 'h', 'm', 's', 'ms'];

export type DurationUnit = 'ms' | 's' | 'm' | 'h' | 'd';

/** Returns milliseconds, or undefined when the text is not a duration. */
export function parseDuration(text: string, bareUnit: DurationUnit = 's'): number | undefined {
  const value = text.trim().toLowerCase();
  if (/^\d+$/.test(value)) return Number(value) * UNIT_MS[bareUnit];
  if (!/^(\d+(ms|d|h|m|s))+$/.test(value)) return undefined;
  let total = 0;
  let lastRank = -1;
  for (const [, amount, unit] of value.matchAll(/(\d+)(ms|d|h|m|s)/g)) {
    const rank = UNIT_ORDER.indexOf(unit);
    if (rank <= lastRank) return undefined; // `30s15m` or `5m5m` are mistakes, not sums
    lastRank = rank;
    total += Number(amount) * UNIT_MS[unit];
  }
  return total;
}

/** `1h30m5s` style, for logs and summaries. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  let seconds = Math.round(ms / 1000);
  const parts: string[] = [];
  for (const [unit, size] of [
    ['d', 86_400],
    ['h', 3600],
    ['m', 60],
  ] as const) {
    if (seconds >= size) {
      parts.push(`${Math.floor(seconds / size)}${unit}`);
      seconds %= size;
    }
  }
  if (seconds > 0 || parts.length === 0) parts.push(`${seconds}s`);
  return parts.join('');
}
