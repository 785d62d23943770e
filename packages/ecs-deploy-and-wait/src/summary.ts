import { formatDuration, type SummaryReport } from '@allthrive/toolkit';
import { shortArn } from './task-definition.js';
import type { DeployOptions, DeployResult } from './types.js';

/**
 * The job summary: one row per service (revision, result, duration, reason). The image is the same
 * for every service, so it is named once above the table (a digest-pinned URI is ~130 characters).
 */
export function buildSummary(result: DeployResult, options: Pick<DeployOptions, 'cluster'>): SummaryReport {
  const services = Object.entries(result.services);
  const ok = services.filter(([, s]) => s.status === 'success').length;
  return {
    title: `ECS deploy to ${options.cluster}: ${result.result}`,
    lines: [
      `${ok} of ${services.length} service${services.length === 1 ? '' : 's'} deployed successfully.`,
      result.image ? `Image: ${result.image}` : 'No new image: current task definitions redeployed.',
    ],
    table: {
      header: ['Service', 'Task definition', 'Result', 'Duration', 'Reason'],
      rows: services.map(([name, s]) => [
        name,
        s.taskDefinitionArn === s.previousTaskDefinitionArn
          ? shortArn(s.taskDefinitionArn)
          : `${shortArn(s.taskDefinitionArn)} (was ${shortArn(s.previousTaskDefinitionArn)})`,
        s.status,
        s.durationSeconds < 1 ? '<1s' : formatDuration(s.durationSeconds * 1000),
        s.reason,
      ]),
    },
  };
}
