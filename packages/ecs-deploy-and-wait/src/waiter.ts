import type { ECSClient, Service, ServiceDeployment } from '@aws-sdk/client-ecs';
import {
  ActionError,
  CancelledError,
  deadlineSignal,
  describeAwsError,
  formatDuration,
  isAccessDenied,
  jitter,
  type Clock,
  type Logger,
} from '@allthrive/toolkit';
import { isAbort, isThrottling, isTransient } from './aws-errors.js';
import { describeServices } from './describe-services.js';
import { EventLog } from './events.js';
import {
  baking,
  clockTime,
  describeServiceDeployments,
  failureCause,
  findServiceDeployment,
  heldBy,
  ROLLING_BACK,
  trafficLine,
  type DescribedDeployments,
} from './service-deployments.js';
import type { ContainerLogReporter } from './container-logs.js';
import { StoppedTaskReporter } from './stopped-tasks.js';
import type { DeploymentPlan } from './strategy.js';
import type { WaitUntil } from './types.js';
import { judge, judgeServiceDeployment, ourDeployment, progress, type TrackedDeployment, type Verdict } from './verdict.js';

/**
 * A call made at (or after) the deadline still gets this long to answer, so the final poll at the
 * deadline can happen; no call outlives the deadline by more than this.
 */
export const LATE_CALL_BUDGET_MS = 5000;

export type WaitStatus = 'success' | 'failed' | 'rolled-back' | 'superseded' | 'timed-out';

export interface WaitTarget extends TrackedDeployment {
  /** clock.now() when UpdateService returned. */
  startedAt: number;
  /** Events already seen before the deployment started (not printed again). */
  events: EventLog;
  /** The service deployment our UpdateService created (`currentServiceDeployment` of its answer), if known. */
  serviceDeploymentArn?: string;
  /** The service deployment the service had before ours (never mistaken for ours). */
  previousServiceDeploymentArn?: string;
  /** Strategy, bake time, alarms, hooks (from the pre-flight DescribeServices). */
  plan?: DeploymentPlan;
  /** This action asked ECS to roll the deployment back (StopServiceDeployment): its rollback is expected, not news. */
  rollbackRequested?: boolean;
}

export interface WaitOutcome {
  status: WaitStatus;
  reason: string;
  runningCount: number;
  desiredCount: number;
  durationMs: number;
  /** The last DescribeServices snapshot of the service. */
  service?: Service;
  /** The last DescribeServiceDeployments answer for our service deployment, when the API is available. */
  serviceDeployment?: ServiceDeployment;
  /** The deployment was healthy and only baking when the wait ended (never rolled back by this action). */
  baking?: boolean;
}

export interface WaitSettings {
  ecs: ECSClient;
  cluster: string;
  logger: Logger;
  clock: Clock;
  signal?: AbortSignal;
  random?: () => number;
  timeoutMs: number;
  pollIntervalMs: number;
  /** Words for the cancellation message: what a re-run does. */
  rerunAdvice?: string;
  waitUntil?: WaitUntil;
  /** Prints the container logs of our crashed tasks (issue: why a deployment failed). */
  containerLogs?: ContainerLogReporter;
}

interface TargetState {
  target: WaitTarget;
  stopped: StoppedTaskReporter;
  lastFailedTasks: number;
  lastProgress?: string;
  last?: Service;
  /** Our service deployment; undefined = follow the deployments array (API unavailable for it). */
  sdArn?: string;
  lookedUp: boolean;
  lastSd?: ServiceDeployment;
  lastBreakerFailures: number;
  /** clock.now() when BAKE_TIME was first seen (for the bake end time). */
  bakeSeenAt?: number;
  rollbackNoticed: boolean;
}

/**
 * Follows our deployments until each one has a verdict or the deadline passes. Each tick makes
 * one DescribeServices call per 10 services still pending (never one per service); services whose
 * verdict is known drop out. Throttling and 5xx are retried inside the tick (they never decide a
 * deployment); AccessDenied and other client errors fail at once. There is always a final poll at
 * the deadline before a service is declared timed out.
 */
export async function waitForDeployments(targets: WaitTarget[], settings: WaitSettings): Promise<Map<string, WaitOutcome>> {
  const { ecs, cluster, logger, clock, signal } = settings;
  const random = settings.random ?? Math.random;
  const outcomes = new Map<string, WaitOutcome>();
  const states: TargetState[] = targets.map((target) => ({
    target,
    stopped: new StoppedTaskReporter(ecs, cluster, target.name, logger),
    lastFailedTasks: 0,
    sdArn: target.serviceDeploymentArn,
    lookedUp: Boolean(target.serviceDeploymentArn),
    lastBreakerFailures: 0,
    rollbackNoticed: false,
  }));
  const waitUntil = settings.waitUntil ?? 'completed';
  // Set to false when the service-deployment API is refused or unknown: the deployments array is followed instead.
  let serviceDeploymentApi = true;
  const withoutServiceDeployments = (operation: string, error: unknown) => {
    serviceDeploymentApi = false;
    for (const state of states) state.sdArn = undefined;
    const why = describeAwsError(error, { service: 'ECS', operation });
    if (isAccessDenied(error)) {
      logger.warning(
        `${why} Following the deployments array instead, which cannot see lifecycle stages, bake time or alarm rollbacks: grant ecs:ListServiceDeployments and ecs:DescribeServiceDeployments.`,
        { title: 'ECS service deployments not readable' },
      );
    } else {
      logger.info(`The service-deployment API is not available here (${why}); following the deployments array.`);
    }
    if (waitUntil === 'traffic-shifted') {
      logger.info(
        'wait-until: traffic-shifted needs the service-deployment API (lifecycle stages): waiting until the deployments complete instead.',
      );
    }
  };
  const deadline = clock.now() + settings.timeoutMs;
  // In-flight requests are aborted at the deadline (a held answer must not outlive the step's timeout).
  const callBudget = () => Math.max(deadline - clock.now(), LATE_CALL_BUDGET_MS);
  let pending = states;

  const finish = async (state: TargetState, status: WaitStatus, reason: string) => {
    const ours = ourDeployment(state.last, state.target.deploymentId);
    if (status !== 'success') {
      await state.stopped.report(state.target.deploymentId, signal, callBudget());
      await settings.containerLogs?.report(state.target.name, state.stopped.tasks, signal);
    }
    const lastStop = state.stopped.reasons.at(-1);
    const fullReason = status !== 'success' && lastStop ? `${reason}; last stopped task: ${lastStop}` : reason;
    const outcome: WaitOutcome = {
      status,
      reason: fullReason,
      runningCount: ours?.runningCount ?? state.last?.runningCount ?? 0,
      desiredCount: ours?.desiredCount ?? state.last?.desiredCount ?? 0,
      durationMs: clock.now() - state.target.startedAt,
      service: state.last,
      serviceDeployment: state.sdArn ? state.lastSd : undefined,
      baking: Boolean(state.sdArn && baking(state.lastSd)),
    };
    outcomes.set(state.target.name, outcome);
    const line = `${state.target.name}: ${status} after ${formatDuration(outcome.durationMs)}: ${fullReason}`;
    if (status === 'success') logger.info(line);
    // A warning: the step's single ::error (failureMessage) names every service that did not deploy.
    else logger.warning(line, { title: `ECS deployment ${status}: ${state.target.name}` });
  };

  try {
    while (true) {
      const names = pending.map((s) => s.target.name);
      const snapshot = await pollWithRetry(
        'DescribeServices',
        (callSignal) => describeServices(ecs, cluster, names, callSignal),
        settings,
        deadline,
      );
      let deployments: DescribedDeployments | undefined;
      if (snapshot && snapshot !== 'deadline' && serviceDeploymentApi) {
        await lookUpServiceDeployments(pending, snapshot.services, settings, callBudget, withoutServiceDeployments);
        const arns = pending.map((s) => s.sdArn).filter((arn): arn is string => Boolean(arn));
        if (serviceDeploymentApi && arns.length) {
          const answer = await pollWithRetry(
            'DescribeServiceDeployments',
            (callSignal) => describeServiceDeployments(ecs, arns, callSignal),
            settings,
            deadline,
            (error) => withoutServiceDeployments('DescribeServiceDeployments', error),
          );
          if (answer && answer !== 'deadline') deployments = answer;
        }
      }
      if (snapshot && snapshot !== 'deadline') {
        for (const state of pending) {
          const name = state.target.name;
          const service = snapshot.services.get(name);
          if (service) state.last = service;
          for (const event of state.target.events.take(service?.events)) {
            logger.info(`${name}: ${event.message ?? ''}`);
          }
          const ours = ourDeployment(service, state.target.deploymentId);
          const sd = state.sdArn ? deployments?.deployments.get(state.sdArn) : undefined;
          if (state.sdArn && deployments?.failures.has(state.sdArn)) {
            logger.info(
              `${name}: ECS keeps no service-deployment record for this deployment (${deployments.failures.get(state.sdArn)!.reason ?? 'MISSING'}); following the deployments array.`,
            );
            state.sdArn = undefined;
          }
          if (sd) state.lastSd = sd;
          const failedTasks = Math.max(ours?.failedTasks ?? 0, sd?.deploymentCircuitBreaker?.failureCount ?? 0);
          if (failedTasks > state.lastFailedTasks) {
            await state.stopped.report(state.target.deploymentId, signal, callBudget());
            // A task of ours that crashed while we wait: its own last lines say why, now.
            await settings.containerLogs?.report(name, state.stopped.tasks, signal);
          }
          state.lastFailedTasks = failedTasks;
          let verdict: Verdict;
          if (service?.status === 'ACTIVE' && state.sdArn) {
            verdict = sd
              ? judgeServiceDeployment(sd, service, state.target, waitUntil, state.target.plan?.strategy ?? 'ROLLING')
              : { status: 'waiting' };
          } else {
            verdict = judge(service, snapshot.failures.get(name), state.target);
          }
          if (verdict.status !== 'waiting') {
            await finish(state, verdict.status, verdict.reason);
            continue;
          }
          if (sd && state.sdArn) {
            reportStage(state, sd, settings);
            continue;
          }
          const line = progress(service, state.target.deploymentId);
          if (line !== state.lastProgress) logger.info(`${name}: ${line}`);
          state.lastProgress = line;
        }
        pending = pending.filter((s) => !outcomes.has(s.target.name));
      }
      if (!pending.length) break;
      const now = clock.now();
      if (now >= deadline || snapshot === 'deadline') {
        for (const state of pending) {
          const events = state.target.events.recent.map((e) => e.message).filter(Boolean);
          const lastEvents = events.length ? `; last events: ${events.join(' | ')}` : '; no new service events';
          const sd = state.sdArn ? state.lastSd : undefined;
          if (sd && ROLLING_BACK.has(sd.status ?? '')) {
            await finish(
              state,
              'failed',
              `ECS decided to roll back deployment ${state.target.deploymentId} (${failureCause(sd)}); its rollback was still ${sd.status} at the deadline (timeout ${formatDuration(settings.timeoutMs)})`,
            );
            continue;
          }
          await finish(
            state,
            'timed-out',
            `no verdict within ${formatDuration(settings.timeoutMs)}: ${sd ? stageReason(state, sd, settings, true) : state.last ? progress(state.last, state.target.deploymentId) : 'ECS never answered DescribeServices in time'}` +
              lastEvents,
          );
        }
        break;
      }
      // Sleep a jittered interval, but never past the deadline: the last poll happens at the deadline.
      await clock.sleep(Math.max(0, Math.min(jitter(settings.pollIntervalMs, 0.1, random), deadline - now)), signal);
    }
  } catch (error) {
    if (isAbort(error, signal) || (signal?.aborted && !(error instanceof ActionError))) {
      const left = pending.filter((s) => !outcomes.has(s.target.name)).map((s) => `${s.target.name} (deployment ${s.target.deploymentId})`);
      throw new CancelledError(
        `Cancelled while waiting; stopped polling. ${left.length ? `Still rolling out on ECS, which continues without this job: ${left.join(', ')}. Nothing was rolled back or deregistered. ` : ''}` +
          (settings.rerunAdvice ?? 'Re-running the step is safe: it starts new deployments that replace these.'),
      );
    }
    throw error;
  }
  return outcomes;
}

/**
 * One tick's call (DescribeServices, DescribeServiceDeployments), retried inside the tick on
 * throttling/5xx until the deadline. Each call is aborted at the deadline (a call made at the
 * deadline gets LATE_CALL_BUDGET_MS): 'deadline' means no answer came in time, and the services
 * are judged on the last data seen. AccessDenied and other client errors go to `onClientError`
 * (by default they fail the step).
 */
async function pollWithRetry<T>(
  operation: string,
  call: (signal: AbortSignal) => Promise<T>,
  settings: WaitSettings,
  deadline: number,
  onClientError?: (error: unknown) => void,
): Promise<T | 'deadline' | undefined> {
  const { logger, clock, signal } = settings;
  for (let attempt = 1; ; attempt++) {
    const budget = Math.max(deadline - clock.now(), LATE_CALL_BUDGET_MS);
    const callSignal = deadlineSignal(budget, signal);
    try {
      return await call(callSignal);
    } catch (error) {
      if (isAbort(error, signal) || signal?.aborted) throw signal?.reason ?? error;
      if (callSignal.aborted) {
        logger.warning(
          `${operation} did not answer within ${formatDuration(budget)}, by the deadline (timeout ${formatDuration(settings.timeoutMs)}): the request was abandoned; judging on the last data seen.`,
        );
        return 'deadline';
      }
      if (!isTransient(error) && onClientError) {
        onClientError(error);
        return undefined;
      }
      if (isAccessDenied(error)) {
        throw new ActionError(
          `${describeAwsError(error, { service: 'ECS', operation })} The deployments were started and keep rolling out on ECS, but this step cannot follow them.`,
          'AccessDenied',
        );
      }
      if (!isTransient(error)) {
        throw new ActionError(
          `${describeAwsError(error, { service: 'ECS', operation })} The deployments were started and keep rolling out on ECS.`,
        );
      }
      const delay = jitter(Math.min(1000 * 2 ** attempt, settings.pollIntervalMs), 0.1, settings.random ?? Math.random);
      const what = isThrottling(error) ? 'throttled' : `failed transiently (${(error as Error).name ?? 'error'})`;
      if (clock.now() + delay > deadline) {
        logger.warning(`${operation} ${what} at the deadline; judging on the last data seen.`);
        return undefined;
      }
      const line = `${operation} ${what} (attempt ${attempt}); retrying in ${formatDuration(delay)}. Throttling never fails the deployment.`;
      if (attempt === 1) logger.info(line);
      else logger.debug(line);
      await clock.sleep(delay, signal);
    }
  }
}

/**
 * Finds the service deployment of each target whose UpdateService answer did not name it, once:
 * only for services whose DescribeServices answer has `currentServiceDeployment` at all (others
 * predate the API, or the endpoint does not have it), with ListServiceDeployments.
 */
async function lookUpServiceDeployments(
  pending: TargetState[],
  services: Map<string, Service>,
  settings: WaitSettings,
  callBudget: () => number,
  unavailable: (operation: string, error: unknown) => void,
): Promise<void> {
  for (const state of pending) {
    if (state.lookedUp) continue;
    state.lookedUp = true;
    const service = services.get(state.target.name);
    if (!service?.currentServiceDeployment) continue;
    try {
      state.sdArn = await findServiceDeployment(
        settings.ecs,
        settings.cluster,
        state.target.name,
        state.target.startedAt,
        state.target.previousServiceDeploymentArn,
        deadlineSignal(callBudget(), settings.signal),
      );
    } catch (error) {
      if (isAbort(error, settings.signal) || settings.signal?.aborted) throw error;
      if (isTransient(error)) {
        state.lookedUp = false; // ask again next tick
        continue;
      }
      unavailable('ListServiceDeployments', error);
      return;
    }
  }
}

/**
 * One log line per change of lifecycle stage, traffic weights or holding hook: the bake end time
 * while baking, the hook ARN while a hook holds the stage; once `failed` when ECS starts rolling back.
 */
function reportStage(state: TargetState, sd: ServiceDeployment, settings: WaitSettings): void {
  const { logger, clock } = settings;
  const name = state.target.name;
  if (sd.lifecycleStage === 'BAKE_TIME' && state.bakeSeenAt === undefined) state.bakeSeenAt = clock.now();
  if (ROLLING_BACK.has(sd.status ?? '') && !state.rollbackNoticed) {
    state.rollbackNoticed = true;
    if (state.target.rollbackRequested)
      logger.info(`${name}: ECS is rolling back deployment ${state.target.deploymentId} at this action's request.`);
    else
      logger.warning(
        `${name}: failed: ECS is rolling back deployment ${state.target.deploymentId}: ${failureCause(sd)}. Following the rollback.`,
        {
          title: `ECS deployment failed: ${name}`,
        },
      );
  }
  const line = stageReason(state, sd, settings);
  if (line !== state.lastProgress) logger.info(`${name}: ${line}`);
  state.lastProgress = line;
}

/** `service deployment IN_PROGRESS at stage BAKE_TIME: healthy and baking ...` (also the timed-out reason). */
function stageReason(state: TargetState, sd: ServiceDeployment, settings: WaitSettings, timedOut = false): string {
  const head = `service deployment ${sd.status} at stage ${sd.lifecycleStage ?? 'unknown'}`;
  const hook = heldBy(sd);
  if (hook) return `${head}, held by lifecycle hook ${hook}`;
  if (baking(sd)) {
    const minutes = state.target.plan?.bakeTimeInMinutes;
    const seen = state.bakeSeenAt ?? settings.clock.now();
    const until =
      minutes !== undefined && state.target.plan?.strategy !== 'ROLLING'
        ? `baking until about ${clockTime(seen + minutes * 60_000, settings.clock.now())} (bake time ${minutes} min)`
        : 'baking (bake time computed by ECS for the alarms)';
    const advice = timedOut
      ? '. The service was healthy and only baking: to finish once production traffic has shifted use wait-until: traffic-shifted, or give a longer timeout'
      : '';
    return `${head}: the new revision is healthy and baking, production traffic fully shifted; ${until}${advice}`;
  }
  const traffic = trafficLine(sd);
  return `${head}${traffic ? `: ${traffic}` : ''}`;
}
