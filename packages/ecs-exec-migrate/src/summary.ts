import { formatDuration, type SummaryReport } from '@allthrive/toolkit';
import { taskDefinitionName, taskId } from './task-selection.js';
import type { MigrationOptions, MigrationResult } from './types.js';

/** The job summary: what ran where, and how it ended. */
export function buildSummary(options: MigrationOptions, result: Partial<MigrationResult>, failure?: string): SummaryReport {
  const outcome =
    failure !== undefined
      ? `failed: ${failure}`
      : result.exitCode === 0
        ? 'succeeded (exit code 0)'
        : `failed (exit code ${result.exitCode})`;
  const rows: string[][] = [
    ['Command', options.command],
    ['Mode', options.mode],
    ['Cluster', options.cluster],
    ['Task', result.taskArn ? taskId(result.taskArn) : '-'],
    ['Container', options.container],
  ];
  if (result.taskDefinitionArn) rows.push(['Task definition', taskDefinitionName(result.taskDefinitionArn)]);
  if (result.sessionId) rows.push(['Session', result.sessionId]);
  if (result.logStream) rows.push(['Log stream', result.logStream]);
  rows.push(['Exit code', result.exitCode === undefined ? 'unknown' : String(result.exitCode)]);
  if (result.durationMs !== undefined) rows.push(['Duration', formatDuration(result.durationMs)]);
  return { title: 'ECS migration', lines: [`The command ${outcome}.`], table: { header: ['', ''], rows } };
}
