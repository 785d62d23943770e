import type { SummaryReport } from '@allthrive/toolkit';
import { containerLogSection } from '@allthrive/ecs-deploy-and-wait';
import { partLabel, type WholeDeployResult } from './orchestrate.js';

const MARK: Record<string, string> = {
  success: '✅ ran',
  failed: '❌ failed',
  cancelled: '⛔ cancelled',
  skipped: '➖ skipped',
  'not-run': '⏸ not run',
};

/** The job summary: what production runs now, then one row per part (ran / skipped / failed). */
export function wholeDeploySummary(result: WholeDeployResult): SummaryReport {
  const title = result.result === 'success' ? 'Deploy: done' : result.result === 'cancelled' ? 'Deploy: cancelled' : 'Deploy: failed';
  const lines = [`Production now: ${result.productionState}.`];
  if (result.failure && result.failedPart) lines.push(`${partLabel(result.failedPart)}: ${result.failure}`);
  if (result.result !== 'success') lines.push('Re-running the job is safe: every part is idempotent and picks up where production is.');
  return {
    title,
    lines,
    table: {
      header: ['Part', 'Result', 'Details'],
      rows: result.parts.map((p) => [partLabel(p.part), MARK[p.status] ?? p.status, p.detail]),
    },
    // The last log lines of the first crashed task of a service that did not deploy.
    sections: result.backend ? containerLogSection(result.backend) : undefined,
  };
}
