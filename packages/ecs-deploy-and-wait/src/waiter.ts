import type { ECSClient, Service } from '@aws-sdk/client-ecs';
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
import { describeServices, type DescribedServices } from './describe-services.js';
import { EventLog } from './events.js';
import { StoppedTaskReporter } from './stopped-tasks.js';
import { judge, ourDeployment, progress, type TrackedDeployment } from './verdict.js';

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
}

export interface WaitOutcome {
  status: WaitStatus;
  reason: string;
  runningCount: number;
  desiredCount: number;
  durationMs: number;
  /** The last DescribeServices snapshot of the service. */
  service?: Service;
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
}

interface TargetState {
  target: WaitTarget;
  stopped: StoppedTaskReporter;
  lastFailedTasks: number;
  lastProgress?: string;
  last?: Service;
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
  }));
  const deadline = clock.now() + settings.timeoutMs;
  // In-flight requests are aborted at the deadline (a held answer must not outlive the step's timeout).
  const callBudget = () => Math.max(deadline - clock.now(), LATE_CALL_BUDGET_MS);
  let pending = states;

  const finish = async (state: TargetState, status: WaitStatus, reason: string) => {
    const ours = ourDeployment(state.last, state.target.deploymentId);
    if (status !== 'success') await state.stopped.report(state.target.deploymentId, signal, callBudget());
    const lastStop = state.stopped.reasons.at(-1);
    const fullReason = status !== 'success' && lastStop ? `${reason}; last stopped task: ${lastStop}` : reason;
    const outcome: WaitOutcome = {
      status,
      reason: fullReason,
      runningCount: ours?.runningCount ?? state.last?.runningCount ?? 0,
      desiredCount: ours?.desiredCount ?? state.last?.desiredCount ?? 0,
      durationMs: clock.now() - state.target.startedAt,
      service: state.last,
    };
    outcomes.set(state.target.name, outcome);
    const line = `${state.target.name}: ${status} after ${formatDuration(outcome.durationMs)}: ${fullReason}`;
    if (status === 'success') logger.info(line);
    // A warning: the step's single ::error (failureMessage) names every service that did not deploy.
    else logger.warning(line, { title: `ECS deployment ${status}: ${state.target.name}` });
  };

  try {
    while (true) {
      const snapshot = await pollWithRetry(
        pending.map((s) => s.target.name),
        settings,
        deadline,
      );
      if (snapshot && snapshot !== 'deadline') {
        for (const state of pending) {
          const name = state.target.name;
          const service = snapshot.services.get(name);
          if (service) state.last = service;
          for (const event of state.target.events.take(service?.events)) {
            logger.info(`${name}: ${event.message ?? ''}`);
          }
          const ours = ourDeployment(service, state.target.deploymentId);
          const failedTasks = ours?.failedTasks ?? 0;
          if (failedTasks > state.lastFailedTasks) await state.stopped.report(state.target.deploymentId, signal, callBudget());
          state.lastFailedTasks = failedTasks;
          const verdict = judge(service, snapshot.failures.get(name), state.target);
          if (verdict.status !== 'waiting') {
            await finish(state, verdict.status, verdict.reason);
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
          await finish(
            state,
            'timed-out',
            `no verdict within ${formatDuration(settings.timeoutMs)}: ${state.last ? progress(state.last, state.target.deploymentId) : 'ECS never answered DescribeServices in time'}` +
              (events.length ? `; last events: ${events.join(' | ')}` : '; no new service events'),
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
 * One tick's DescribeServices calls, retried inside the tick on throttling/5xx until the deadline.
 * Each call is aborted at the deadline (a call made at the deadline gets LATE_CALL_BUDGET_MS):
 * 'deadline' means no answer came in time, and the services are judged on the last data seen.
 */
async function pollWithRetry(
  names: string[],
  settings: WaitSettings,
  deadline: number,
): Promise<DescribedServices | 'deadline' | undefined> {
  const { ecs, cluster, logger, clock, signal } = settings;
  for (let attempt = 1; ; attempt++) {
    const budget = Math.max(deadline - clock.now(), LATE_CALL_BUDGET_MS);
    const callSignal = deadlineSignal(budget, signal);
    try {
      return await describeServices(ecs, cluster, names, callSignal);
    } catch (error) {
      if (isAbort(error, signal) || signal?.aborted) throw signal?.reason ?? error;
      if (callSignal.aborted) {
        logger.warning(
          `DescribeServices did not answer within ${formatDuration(budget)}, by the deadline (timeout ${formatDuration(settings.timeoutMs)}): the request was abandoned; judging on the last data seen.`,
        );
        return 'deadline';
      }
      if (isAccessDenied(error)) {
        throw new ActionError(
          `${describeAwsError(error, { service: 'ECS', operation: 'DescribeServices' })} The deployments were started and keep rolling out on ECS, but this step cannot follow them.`,
          'AccessDenied',
        );
      }
      if (!isTransient(error)) {
        throw new ActionError(
          `${describeAwsError(error, { service: 'ECS', operation: 'DescribeServices' })} The deployments were started and keep rolling out on ECS.`,
        );
      }
      const delay = jitter(Math.min(1000 * 2 ** attempt, settings.pollIntervalMs), 0.1, settings.random ?? Math.random);
      const what = isThrottling(error) ? 'throttled' : `failed transiently (${(error as Error).name ?? 'error'})`;
      if (clock.now() + delay > deadline) {
        logger.warning(`DescribeServices ${what} at the deadline; judging on the last data seen.`);
        return undefined;
      }
      const line = `DescribeServices ${what} (attempt ${attempt}); retrying in ${formatDuration(delay)}. Throttling never fails the deployment.`;
      if (attempt === 1) logger.info(line);
      else logger.debug(line);
      await clock.sleep(delay, signal);
    }
  }
}
