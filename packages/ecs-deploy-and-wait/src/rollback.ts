import type { ECSClient } from '@aws-sdk/client-ecs';
import type { Logger } from '@allthrive/toolkit';
import { EventLog } from './events.js';
import { shortArn } from './task-definition.js';
import { startDeployments } from './update.js';
import { waitForDeployments, type WaitOutcome, type WaitSettings } from './waiter.js';

export interface RollbackCandidate {
  name: string;
  newTaskDefinitionArn: string;
  previousTaskDefinitionArn: string;
  ecsRollsBack: boolean;
  outcome: WaitOutcome;
}

/**
 * Which services this action should roll back itself: those that failed or timed out where ECS
 * does not roll back on its own (no circuit breaker with rollback). A failure with the breaker's
 * rollback on is left to ECS; a superseded deployment is left alone (someone deployed something
 * newer, rolling back would undo their work); a redeploy of the same task definition has nothing
 * to roll back to.
 */
export function needsRollback(candidate: RollbackCandidate): boolean {
  if (candidate.newTaskDefinitionArn === candidate.previousTaskDefinitionArn) return false;
  if (candidate.outcome.status === 'timed-out') return true;
  return candidate.outcome.status === 'failed' && !candidate.ecsRollsBack;
}

/**
 * Updates each service back to its previous task definition and waits for that deployment with
 * the same waiter (and a fresh timeout). A service whose rollback completes becomes `rolled-back`;
 * otherwise it keeps its original status, with the rollback's outcome added to its reason.
 */
export async function rollBack(
  candidates: RollbackCandidate[],
  settings: WaitSettings & { logger: Logger; ecs: ECSClient },
): Promise<Map<string, WaitOutcome>> {
  const results = new Map<string, WaitOutcome>();
  if (!candidates.length) return results;
  const { logger } = settings;
  logger.info(
    `Rolling back ${candidates.map((c) => `${c.name} to ${shortArn(c.previousTaskDefinitionArn)}`).join(', ')} (rollback: true).`,
  );
  const started = await startDeployments(
    settings.ecs,
    settings.cluster,
    candidates.map((c) => ({
      name: c.name,
      taskDefinitionArn: c.previousTaskDefinitionArn,
      knownDeploymentIds: (c.outcome.service?.deployments ?? []).map((d) => d.id!).filter(Boolean),
    })),
    false,
    logger,
    settings.clock,
    settings.signal,
  );
  const outcomes = await waitForDeployments(
    started.map((s, i) => {
      const events = new EventLog();
      // Events printed while following the failed deployment are not news any more.
      events.seed(candidates[i].outcome.service?.events);
      return {
        name: s.name,
        deploymentId: s.deploymentId,
        taskDefinitionArn: s.taskDefinitionArn,
        previousTaskDefinitionArn: candidates[i].newTaskDefinitionArn,
        startedAt: s.startedAt,
        events,
      };
    }),
    { ...settings, rerunAdvice: 'Re-running the step deploys the new image again (the rollback keeps going on ECS meanwhile).' },
  );
  for (const candidate of candidates) {
    const rollback = outcomes.get(candidate.name)!;
    const original = candidate.outcome;
    const target = shortArn(candidate.previousTaskDefinitionArn);
    if (rollback.status === 'success') {
      results.set(candidate.name, {
        ...rollback,
        status: 'rolled-back',
        durationMs: original.durationMs + rollback.durationMs,
        reason: `${original.reason}; rolled back to ${target} by this action`,
      });
    } else {
      results.set(candidate.name, {
        ...original,
        durationMs: original.durationMs + rollback.durationMs,
        reason: `${original.reason}; the rollback to ${target} did not finish either (${rollback.status}: ${rollback.reason})`,
      });
    }
  }
  return results;
}
