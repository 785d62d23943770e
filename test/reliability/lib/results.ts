import { afterAll } from '@jest/globals';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../../harness/bundle.js';

/**
 * Each reliability suite records what it observed (action × fault → outcome) in
 * reports/reliability/<suite>.json; scripts/reliability-doc.mjs turns those files into
 * docs/reliability.md. A record is written only after the test's assertions held, so the
 * document shows what the suite proved.
 */
export interface Outcome {
  action: string;
  /** `bad-input`, `faults-10`, `faults-30`, `connection`, `cancellation`, `secrets`. */
  category: string;
  /** The case: an input row, a fault mix, a phase. */
  case: string;
  /** What happened, in words a person reads in a table. */
  outcome: string;
  /** Measured numbers (exit time after signals, requests, retries...). */
  metrics?: Record<string, number | string>;
}

export const RESULTS_DIR = path.join(repoRoot, 'reports', 'reliability');

export function useResults(suite: string): { record(outcome: Outcome): void } {
  const outcomes: Outcome[] = [];
  afterAll(() => {
    if (outcomes.length === 0) return;
    mkdirSync(RESULTS_DIR, { recursive: true });
    outcomes.sort((a, b) => `${a.action}|${a.category}|${a.case}`.localeCompare(`${b.action}|${b.category}|${b.case}`));
    writeFileSync(path.join(RESULTS_DIR, `${suite}.json`), `${JSON.stringify({ suite, outcomes }, null, 2)}\n`);
  });
  return { record: (outcome) => outcomes.push(outcome) };
}

/** The start of a message, cut at a word boundary, for a table cell. */
export function excerpt(message: string, max = 140): string {
  const text = message.replace(/\s+/g, ' ').trim();
  if (text.length <= max) return text;
  const cut = text.slice(0, max);
  return `${cut.slice(0, Math.max(cut.lastIndexOf(' '), max / 2))} …`;
}
