import { formatDuration, type SummaryReport } from '@allthrive/toolkit';
import { shortArn } from './task-definition.js';
import type { DeployOptions, DeployResult } from './types.js';

/** The job summary: one row per service (revision, image, result, duration, reason). */
export function buildSummary(result: DeployResult, options: Pick<DeployOptions, 'cluster' | 'taskDefinitions'>): SummaryReport {
  const services = Object.entries(result.services);
  const ok = services.filter(([, s]) => s.status === 'success').length;
  const plural = services.length === 1 ? '' : 's';
  return {
    title: `ECS deploy to ${options.cluster}: ${result.result}`,
    lines: [
      result.result === 'registered'
        ? `New task definitions registered for ${services.length} service${plural}; no service was updated (register-only).`
        : `${ok} of ${services.length} service${plural} deployed successfully.`,
      result.image
        ? `Image: ${result.image}`
        : options.taskDefinitions
          ? 'Given task definitions deployed as they are (task-definitions).'
          : 'No new image: current task definitions redeployed.',
    ],
    sections: logSection(result),
    table: {
      header: ['Service', 'Task definition', 'Image', 'Result', 'Duration', 'Reason'],
      rows: services.map(([name, s]) => [
        name,
        s.taskDefinitionArn === s.previousTaskDefinitionArn
          ? shortArn(s.taskDefinitionArn)
          : `${shortArn(s.taskDefinitionArn)} (was ${shortArn(s.previousTaskDefinitionArn)})`,
        result.image || 'unchanged',
        s.status,
        s.durationSeconds < 1 ? '<1s' : formatDuration(s.durationSeconds * 1000),
        s.reason,
      ]),
    },
  };
}

/** The last lines of the first crashed task of a service that did not deploy (none on success). */
function logSection(result: DeployResult): SummaryReport['sections'] {
  const first = result.logs?.find((l) => result.services[l.service]?.status !== 'success');
  if (!first) return undefined;
  return [
    {
      heading: `Last ${first.lines.length} log lines of ${first.service} task ${first.taskId} (container ${first.container}, exit code ${first.exitCode ?? 'none'}${first.stoppedReason ? `: ${first.stoppedReason}` : ''})`,
      lines: first.lines,
    },
  ];
}
