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

/** Why the step fails when the command (or one of the commands) exited non-zero. */
export function failureMessage(options: MigrationOptions, result: MigrationResult): string {
  const task = result.taskArn.slice(result.taskArn.lastIndexOf('/') + 1);
  if (!options.commands)
    return `The command \`${options.command}\` exited with code ${result.exitCode} in task ${task}; its output is above.`;
  const failed = result.failedCommand;
  if (failed === undefined)
    return `The commands exited with code ${result.exitCode} in task ${task}; which one failed is unknown; the output is above.`;
  const index = (result.commandResults ?? []).findIndex((r) => r.command === failed && r.exitCode !== 0);
  const skipped = options.commands.length - index - 1;
  return `Command ${index + 1} of ${options.commands.length}, \`${failed}\`, exited with code ${result.exitCode} in task ${task}${skipped ? `; the ${skipped} after it did not run` : ''}; its output is above.`;
}
