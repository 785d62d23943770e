/** Findings: what every checker produces, with a stable rule id a workflow can filter on. */

export type Severity = 'error' | 'warning' | 'notice';

export interface Finding {
  rule: string;
  severity: Severity;
  /** A file path under `directory` (directory mode) or the URL that was read (server mode). */
  file: string;
  /** 1-based line, when the finding belongs to one line. */
  line?: number;
  column?: number;
  message: string;
}

/**
 * Collects findings; checkers call `add` and never throw for content problems. At most
 * `perRuleLimit` findings of one rule are kept per file (a sitemap with 50,000 blocked URLs gives
 * 100 annotations and one "and N more" line, not 50,000).
 */
export class FindingList {
  readonly items: Finding[] = [];
  private readonly counts = new Map<string, { kept: number; dropped: number; severity: Severity; file: string; rule: string }>();

  constructor(private readonly perRuleLimit = 100) {}

  add(rule: string, severity: Severity, file: string, message: string, line?: number, column?: number): void {
    const key = `${rule}\u0000${file}`;
    const count = this.counts.get(key) ?? { kept: 0, dropped: 0, severity, file, rule };
    this.counts.set(key, count);
    if (count.kept >= this.perRuleLimit) {
      count.dropped++;
      return;
    }
    count.kept++;
    const finding: Finding = { rule, severity, file, message };
    if (line !== undefined) finding.line = line;
    if (column !== undefined) finding.column = column;
    this.items.push(finding);
  }

  /** Adds one finding per capped rule saying how many more there were; returns the full counts. */
  finish(): { errors: number; warnings: number; notices: number } {
    const totals = { errors: 0, warnings: 0, notices: 0 };
    for (const count of this.counts.values()) {
      const all = count.kept + count.dropped;
      if (count.severity === 'error') totals.errors += all;
      else if (count.severity === 'warning') totals.warnings += all;
      else totals.notices += all;
      if (count.dropped > 0) {
        this.items.push({
          rule: count.rule,
          severity: count.severity,
          file: count.file,
          message: `…and ${count.dropped} more '${count.rule}' findings in this file (only the first ${count.kept} are listed).`,
        });
      }
    }
    return totals;
  }

  /** Full counts (including capped findings) for one file. */
  totalsFor(file: string): { errors: number; warnings: number; notices: number } {
    const totals = { errors: 0, warnings: 0, notices: 0 };
    for (const count of this.counts.values()) {
      if (count.file !== file) continue;
      const all = count.kept + count.dropped;
      if (count.severity === 'error') totals.errors += all;
      else if (count.severity === 'warning') totals.warnings += all;
      else totals.notices += all;
    }
    return totals;
  }

  count(severity: Severity): number {
    return this.items.filter((f) => f.severity === severity).length;
  }
}

/** Whether a finding reaches the `fail-on` threshold. */
export function reaches(severity: Severity, failOn: 'error' | 'warning'): boolean {
  return severity === 'error' || (failOn === 'warning' && severity === 'warning');
}

/** Shortens a value for a message (robots lines, URLs), keeping it readable on one line. */
export function clip(text: string, max = 120): string {
  const one = text.replace(/[\r\n]+/g, ' ');
  return one.length > max ? `${one.slice(0, max - 1)}…` : one;
}
