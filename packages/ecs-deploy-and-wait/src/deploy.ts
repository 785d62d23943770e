import { CancelledError, formatDuration } from '@allthrive/toolkit';
import { ContainerLogReporter } from './container-logs.js';
import { pinDigest } from './digest.js';
import { EventLog } from './events.js';
import { preflight } from './preflight.js';
import { describePlan } from './strategy.js';
import { needsRollback, rollBack, rollbackSkipped } from './rollback.js';
import { checkTaskDefinitionsExist, planTaskDefinitions, registerTaskDefinitions, shortArn } from './task-definition.js';
import type { PreflightService } from './preflight.js';
import type { Logger } from '@allthrive/toolkit';
import type { DeployDeps, DeployOptions, DeployResult, DeployVerdict, ServiceResult, ServiceStatus } from './types.js';
import { startDeployments } from './update.js';
import { waitForDeployments, type WaitOutcome, type WaitSettings } from './waiter.js';

/** How bad a service status is for the step's single verdict. */
const SEVERITY: Record<ServiceStatus, number> = {
  registered: 0,
  started: 0,
  success: 0,
  'rolled-back': 1,
  'timed-out': 2,
  superseded: 3,
  failed: 3,
};

export function worstVerdict(statuses: ServiceStatus[]): DeployVerdict {
  if (statuses.length && statuses.every((s) => s === 'started')) return 'started';
  if (statuses.length && statuses.every((s) => s === 'registered')) return 'registered';
  const worst = statuses.reduce<ServiceStatus>((a, b) => (SEVERITY[b] > SEVERITY[a] ? b : a), 'success');
  return worst === 'superseded' ? 'failed' : worst === 'started' || worst === 'registered' ? 'success' : worst;
}

const RERUN_ADVICE =
  'Re-running the step is safe: it registers new task-definition revisions from the current ones (with the same image, nothing else changes) and starts new deployments, which replace these.';

/**
 * Deploys several ECS services of one cluster to one image and waits for each to really finish.
 * Order: validate (already done by readOptions) → preflight → pin the digest → prepare every new
 * task definition → register → one UpdateService per service → wait → optional rollback.
 * Nothing changes before every check has passed. A failed rollout does not throw: the result says
 * so (see failureMessage); AWS errors, bad services and cancellation throw.
 */
export async function runDeploy(options: DeployOptions, deps: DeployDeps): Promise<DeployResult> {
  const { ecs, logger, clock, signal } = deps;
  const checkCancelled = (what: string) => {
    if (signal?.aborted) throw new CancelledError(`Cancelled ${what}. No service was updated; re-running the step is safe.`);
  };

  const ready = await preflight(ecs, options.cluster, options.services, signal);
  logger.info(
    `Cluster ${options.cluster}: ${ready.map((s) => `${s.name} (${shortArn(s.previousTaskDefinitionArn)}, ${s.service.runningCount ?? 0}/${s.service.desiredCount ?? 0} running)`).join(', ')}.`,
  );
  for (const s of ready) logger.info(`${s.name}: ${describePlan(s.plan, options.rollback)}.`);

  let image = '';
  const newArns = new Map<string, string>();
  if (options.image) {
    image = options.pinDigest ? (await pinDigest(options.image, deps.ecr, logger, signal)).image : options.image;
    checkCancelled('before registering task definitions');
    const plans = await planTaskDefinitions(
      ecs,
      ready.map((s) => ({ name: s.name, taskDefinitionArn: s.previousTaskDefinitionArn })),
      image,
      options.containers,
      signal,
    );
    checkCancelled('before registering task definitions');
    const registered = await registerTaskDefinitions(ecs, plans, logger);
    for (const plan of plans) for (const name of plan.services) newArns.set(name, registered.get(plan.sourceArn)!);
  } else if (options.taskDefinitions) {
    await checkTaskDefinitionsExist(ecs, options.taskDefinitions, signal);
    for (const [name, arn] of Object.entries(options.taskDefinitions)) newArns.set(name, arn);
    logger.info(
      `Deploying the given task definitions as they are (nothing registered): ${[...newArns].map(([name, arn]) => `${name} → ${shortArn(arn)}`).join(', ')}.`,
    );
  } else {
    logger.info('No image given: redeploying the current task definitions (force-new-deployment).');
  }

  if (options.registerOnly) return registeredOnly(ready, newArns, image, logger);
  checkCancelled('before updating the services');

  const started = await startDeployments(
    ecs,
    options.cluster,
    ready.map((s) => ({
      name: s.name,
      taskDefinitionArn: newArns.get(s.name),
      currentTaskDefinitionArn: s.previousTaskDefinitionArn,
      knownDeploymentIds: (s.service.deployments ?? []).map((d) => d.id!).filter(Boolean),
      previousServiceDeploymentArn: s.service.currentServiceDeployment,
    })),
    options.forceNewDeployment,
    logger,
    clock,
    signal,
  );
  const byName = new Map(ready.map((s) => [s.name, s]));

  const result: DeployResult = { result: 'started', services: {}, taskDefinitionArns: {}, image };
  for (const s of started) result.taskDefinitionArns[s.name] = s.taskDefinitionArn;

  if (!options.wait) {
    for (const s of started) {
      const service = byName.get(s.name)!.service;
      result.services[s.name] = {
        status: 'started',
        deploymentId: s.deploymentId,
        taskDefinitionArn: s.taskDefinitionArn,
        previousTaskDefinitionArn: byName.get(s.name)!.previousTaskDefinitionArn,
        runningCount: service.runningCount ?? 0,
        desiredCount: service.desiredCount ?? 0,
        durationSeconds: 0,
        reason: 'deployment started; not waited for (wait: false)',
      };
    }
    logger.info('wait is false: the deployments were started and are not followed.');
    return result;
  }

  const logOptions = options.containerLogs ?? { tasks: 3, lines: 50, enabled: true };
  const containerLogs = deps.logs && logOptions.enabled ? new ContainerLogReporter(ecs, deps.logs, logOptions, logger) : undefined;
  const settings: WaitSettings = {
    ecs,
    cluster: options.cluster,
    logger,
    clock,
    signal,
    random: deps.random,
    timeoutMs: options.timeoutMs,
    pollIntervalMs: options.pollIntervalMs,
    rerunAdvice: RERUN_ADVICE,
    waitUntil: options.waitUntil,
    containerLogs,
  };
  logger.info(
    `Waiting up to ${formatDuration(options.timeoutMs)} for ${started.length} deployment${started.length === 1 ? '' : 's'} (until ${options.waitUntil === 'traffic-shifted' ? 'production traffic has shifted to the new revision, bake not included; on rolling deployments until completed' : 'completed, bake time included'}), polling every ${formatDuration(options.pollIntervalMs)}.`,
  );
  const outcomes = await waitForDeployments(
    started.map((s) => {
      const events = new EventLog();
      events.seed(byName.get(s.name)!.service.events);
      return {
        name: s.name,
        deploymentId: s.deploymentId,
        taskDefinitionArn: s.taskDefinitionArn,
        previousTaskDefinitionArn: byName.get(s.name)!.previousTaskDefinitionArn,
        startedAt: s.startedAt,
        events,
        serviceDeploymentArn: s.serviceDeploymentArn,
        previousServiceDeploymentArn: byName.get(s.name)!.service.currentServiceDeployment,
        plan: byName.get(s.name)!.plan,
      };
    }),
    settings,
  );

  if (options.rollback) {
    const candidates = started.map((s) => ({
      name: s.name,
      newTaskDefinitionArn: s.taskDefinitionArn,
      previousTaskDefinitionArn: byName.get(s.name)!.previousTaskDefinitionArn,
      ecsRollsBack: byName.get(s.name)!.ecsRollsBack,
      plan: byName.get(s.name)!.plan,
      deploymentId: s.deploymentId,
      outcome: outcomes.get(s.name)!,
    }));
    for (const candidate of candidates) {
      const skipped = rollbackSkipped(candidate);
      if (skipped) outcomes.set(candidate.name, { ...candidate.outcome, reason: `${candidate.outcome.reason}; ${skipped}` });
    }
    for (const [name, outcome] of await rollBack(candidates.filter(needsRollback), settings)) outcomes.set(name, outcome);
  }

  for (const s of started) {
    const outcome: WaitOutcome = outcomes.get(s.name)!;
    const entry: ServiceResult = {
      status: outcome.status,
      deploymentId: s.deploymentId,
      taskDefinitionArn: s.taskDefinitionArn,
      previousTaskDefinitionArn: byName.get(s.name)!.previousTaskDefinitionArn,
      runningCount: outcome.runningCount,
      desiredCount: outcome.desiredCount,
      durationSeconds: Math.round(outcome.durationMs / 1000),
      reason: outcome.reason,
    };
    result.services[s.name] = entry;
  }
  result.result = worstVerdict(Object.values(result.services).map((s) => s.status));
  if (containerLogs?.excerpts.length) result.logs = containerLogs.excerpts;
  return result;
}

/** The one sentence the step fails with when the result is not success; undefined on success. */
export function failureMessage(result: DeployResult): string | undefined {
  if (result.result === 'success' || result.result === 'started' || result.result === 'registered') return undefined;
  const bad = Object.entries(result.services).filter(([, s]) => s.status !== 'success');
  const total = Object.keys(result.services).length;
  return (
    `${bad.length} of ${total} service${total === 1 ? '' : 's'} did not deploy: ` +
    bad.map(([name, s]) => `${name} ${s.status} (${s.reason})`).join('; ') +
    '. The service events and stopped-task reasons above show why; task definitions were not deregistered.'
  );
}

/** register-only: the new revisions are registered and reported; no service is touched. */
function registeredOnly(ready: PreflightService[], newArns: Map<string, string>, image: string, logger: Logger): DeployResult {
  const result: DeployResult = { result: 'registered', services: {}, taskDefinitionArns: {}, image };
  for (const s of ready) {
    const arn = newArns.get(s.name)!;
    result.taskDefinitionArns[s.name] = arn;
    result.services[s.name] = {
      status: 'registered',
      deploymentId: '',
      taskDefinitionArn: arn,
      previousTaskDefinitionArn: s.previousTaskDefinitionArn,
      runningCount: s.service.runningCount ?? 0,
      desiredCount: s.service.desiredCount ?? 0,
      durationSeconds: 0,
      reason: 'registered; no service updated (register-only)',
    };
  }
  logger.info(
    "register-only: the new revisions are registered and no service was updated. Deploy them with this action's 'task-definitions' input set to the task-definition-arns output.",
  );
  return result;
}
