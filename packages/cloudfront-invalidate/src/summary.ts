import { formatDuration, type SummaryReport } from '@allthrive/toolkit';
import type { InvalidationResult } from './invalidate.js';

const LISTED = 50;

/** The job summary: distribution, what was sent and what it covers, billable paths, ids, time taken. */
export function invalidationSummary(result: InvalidationResult): SummaryReport {
  const title = 'CloudFront invalidation';
  if (result.status === 'skipped') {
    return {
      title,
      lines: [`Nothing changed: no invalidation was sent to distribution ${result.distributionId || '(not resolved)'}.`],
    };
  }
  const covered =
    result.collapsedInto.length > 0
      ? `${result.paths.length} paths sent, covering ${result.inputPathCount} input paths (more than max-paths ${result.maxPaths}, collapsed into ${result.collapsedInto.join(', ')}).`
      : `${result.paths.length} paths sent, covering ${result.inputPathCount} input paths.`;
  const lines = [
    `Distribution ${result.distributionId}: ${result.status}${result.timedOut ? ' (wait-timeout reached; it keeps running on CloudFront)' : ''}.`,
    covered,
    `Billable paths: ${result.billablePaths} (${result.wildcardCount} wildcard${result.wildcardCount === 1 ? '' : 's'}, each billed as one path).`,
    `Took ${formatDuration(result.durationMs)}${result.waited ? ' including the wait for completion' : ''}.`,
  ];
  const shown = result.paths.slice(0, LISTED);
  return {
    title,
    lines,
    table: {
      header: ['Invalidation', 'Status', 'Paths', 'Caller reference'],
      rows: result.batches.map((b) => [b.id, b.status, String(b.paths.length), b.callerReference]),
    },
    sections: [
      {
        heading: 'Paths sent',
        lines: result.paths.length > LISTED ? [`First ${LISTED} of ${result.paths.length}.`] : [],
        table: { header: ['Path'], rows: shown.map((p) => [p]) },
      },
    ],
  };
}
