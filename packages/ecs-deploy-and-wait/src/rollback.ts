import { StopServiceDeploymentCommand, type ECSClient } from '@aws-sdk/client-ecs';
import { describeAwsError, type Logger } from '@allthrive/toolkit';
import { EventLog } from './events.js';
import { FINISHED, ROLLING_BACK } from './service-deployments.js';
import type { DeploymentPlan } from './strategy.js';
import { shortArn } from './task-definition.js';
import { startDeployments } from './update.js';
import { waitForDeployments, type WaitOutcome, type WaitSettings } from './waiter.js';

export interface RollbackCandidate {
  name: string;
  newTaskDefinitionArn: string;
  previousTaskDefinitionArn: string;
  ecsRollsBack: boolean;
  outcome: WaitOutcome;
  /** Strategy and rollback owner; without it the service is treated as rolling. */
  plan?: DeploymentPlan;
  /** Our deployment id (ecs-svc/...), followed again after a StopServiceDeployment rollback. */
  deploymentId?: string;
}

/**
 * Which services this action should roll back itself. It never fights ECS:
 * - never where ECS rolls back on its own (circuit breaker or alarms with rollback);
 * - never during a bake (the deployment is healthy; the bake is ECS's to finish or fail);
 * - never a superseded deployment (that would undo someone else's work), nor a redeploy of the
 *   same task definition (nothing to go back to);
 * - blue/green, linear, canary: only a timed-out deployment ECS still runs, through
 *   StopServiceDeployment ROLLBACK;
 * - rolling: a failed or timed-out deployment, by updating back to the previous task definition.
 */
export function needsRollback(candidate: RollbackCandidate): boolean {
  const { outcome } = candidate;
  if (candidate.newTaskDefinitionArn === candidate.previousTaskDefinitionArn) return false;
  if (candidate.ecsRollsBack || candidate.plan?.rollbackOwner === 'ecs' || outcome.baking) return false;
  if (candidate.plan?.rollbackOwner === 'stop-deployment') {
    const sd = outcome.serviceDeployment;
    return (
      outcome.status === 'timed-out' &&
      Boolean(sd?.serviceDeploymentArn) &&
      !FINISHED.has(sd!.status ?? '') &&
      !ROLLING_BACK.has(sd!.status ?? '')
    );
  }
  return outcome.status === 'timed-out' || outcome.status === 'failed';
}

/** Why a candidate is left alone, for its reason (undefined when it is rolled back). */
export function rollbackSkipped(candidate: RollbackCandidate): string | undefined {
  if (needsRollback(candidate) || !['failed', 'timed-out'].includes(candidate.outcome.status)) return undefined;
  if (candidate.outcome.baking) return 'not rolled back by this action: the deployment was healthy and baking';
  if (candidate.ecsRollsBack || candidate.plan?.rollbackOwner === 'ecs')
    return 'not rolled back by this action: ECS owns the rollback of this service';
  return undefined;
}

/**
 * Rolls each candidate back and waits for it with the same waiter (and a fresh timeout): native
 * strategies by StopServiceDeployment(stopType ROLLBACK) on our service deployment, rolling ones
 * by an UpdateService to the previous task definition. A service whose rollback completes becomes
 * `rolled-back`; otherwise it keeps its original status, with the rollback's outcome in its reason.
 */
export async function rollBack(
  candidates: RollbackCandidate[],
  settings: WaitSettings & { logger: Logger; ecs: ECSClient },
): Promise<Map<string, WaitOutcome>> {
  const results = new Map<string, WaitOutcome>();
  if (!candidates.length) return results;
  const stops = candidates.filter((c) => c.plan?.rollbackOwner === 'stop-deployment');
  const updates = candidates.filter((c) => c.plan?.rollbackOwner !== 'stop-deployment');
  for (const [name, outcome] of await stopDeployments(stops, settings)) results.set(name, outcome);
  for (const [name, outcome] of await updateBack(updates, settings)) results.set(name, outcome);
  return results;
}

async function stopDeployments(
  candidates: RollbackCandidate[],
  settings: WaitSettings & { ecs: ECSClient },
): Promise<Map<string, WaitOutcome>> {
  const results = new Map<string, WaitOutcome>();
  const { logger } = settings;
  const requested: RollbackCandidate[] = [];
  for (const c of candidates) {
    const arn = c.outcome.serviceDeployment!.serviceDeploymentArn!;
    logger.info(`Rolling back ${c.name}: asking ECS to roll back its service deployment (StopServiceDeployment ROLLBACK, rollback: true).`);
    try {
      await settings.ecs.send(new StopServiceDeploymentCommand({ serviceDeploymentArn: arn, stopType: 'ROLLBACK' }), {
        abortSignal: settings.signal,
      });
      requested.push(c);
    } catch (error) {
      const why = describeAwsError(error, { service: 'ECS', operation: 'StopServiceDeployment' });
      logger.warning(`${c.name}: the rollback could not be requested: ${why}`);
      results.set(c.name, { ...c.outcome, reason: `${c.outcome.reason}; the rollback could not be requested (${why})` });
    }
  }
  if (!requested.length) return results;
  const outcomes = await waitForDeployments(
    requested.map((c) => {
      const events = new EventLog();
      events.seed(c.outcome.service?.events);
      return {
        name: c.name,
        deploymentId: c.deploymentId ?? '',
        taskDefinitionArn: c.newTaskDefinitionArn,
        previousTaskDefinitionArn: c.previousTaskDefinitionArn,
        startedAt: settings.clock.now(),
        events,
        serviceDeploymentArn: c.outcome.serviceDeployment!.serviceDeploymentArn,
        plan: c.plan,
        rollbackRequested: true,
      };
    }),
    { ...settings, rerunAdvice: 'Re-running the step deploys the new image again (the rollback keeps going on ECS meanwhile).' },
  );
  for (const c of requested) {
    const rollback = outcomes.get(c.name)!;
    const done = rollback.status === 'rolled-back';
    results.set(c.name, {
      ...(done ? rollback : c.outcome),
      status: done ? 'rolled-back' : c.outcome.status,
      durationMs: c.outcome.durationMs + rollback.durationMs,
      reason: done
        ? `${c.outcome.reason}; rolled back by ECS at this action's request (StopServiceDeployment ROLLBACK) to ${shortArn(c.previousTaskDefinitionArn)}`
        : `${c.outcome.reason}; the rollback requested with StopServiceDeployment did not finish (${rollback.status}: ${rollback.reason})`,
    });
  }
  return results;
}

async function updateBack(candidates: RollbackCandidate[], settings: WaitSettings & { ecs: ECSClient }): Promise<Map<string, WaitOutcome>> {
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
      previousServiceDeploymentArn: c.outcome.service?.currentServiceDeployment,
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
        serviceDeploymentArn: s.serviceDeploymentArn,
        previousServiceDeploymentArn: candidates[i].outcome.service?.currentServiceDeployment,
        plan: candidates[i].plan,
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
