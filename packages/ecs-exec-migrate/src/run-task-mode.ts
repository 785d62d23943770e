import { randomUUID } from 'node:crypto';
import {
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  ListTasksCommand,
  RunTaskCommand,
  StopTaskCommand,
  type CapacityProviderStrategyItem,
  type LaunchType,
  type NetworkConfiguration,
  type RunTaskCommandInput,
  type Service,
  type ServiceVolumeConfiguration,
  type Task,
} from '@aws-sdk/client-ecs';
import { ActionError, CancelledError, deadlineSignal, describeAwsError, formatDuration } from '@allthrive/toolkit';
import { ecsFailure } from './aws-errors.js';
import { describeCommands } from './exec-mode.js';
import { LogTail } from './log-tail.js';
import { MarkerScanner, newNonce, runTaskScript, stepResults } from './marker.js';
import { RemoteOutput } from './remote-output.js';
import { taskDefinitionName, taskId } from './task-selection.js';
import { MigrationError, type MigrationDeps, type MigrationOptions, type MigrationResult } from './types.js';

/** Every one-off task this action starts carries this `startedBy`, so it can be found and told apart. */
export const STARTED_BY = 'ecs-exec-migrate';
const POLL_MS = 6000;
const MISSING_RETRIES = 5;
/** A call made at (or after) the timeout still gets this long, so the last look at the task can happen. */
const LATE_CALL_BUDGET_MS = 5000;

interface LaunchPlan {
  taskDefinition: string;
  launchType?: LaunchType;
  capacityProviderStrategy?: CapacityProviderStrategyItem[];
  platformVersion?: string;
  networkConfiguration?: NetworkConfiguration;
  /** What RunTask carries over from the service so the task can run wherever the service runs. */
  carried: Pick<
    RunTaskCommandInput,
    'volumeConfigurations' | 'placementConstraints' | 'placementStrategy' | 'tags' | 'enableECSManagedTags' | 'propagateTags'
  >;
}

/**
 * Run-task mode: a one-off task from the service's current task definition (or the one given),
 * with the command as the target container's override, `startedBy: ecs-exec-migrate`. Waits for
 * STOPPED by polling DescribeTasks (never `waitUntilTasksRunning`, which fails on short tasks),
 * streams the container's CloudWatch Logs meanwhile, and returns the TARGET container's exit code
 * (not `containers[0]`, which may be a sidecar). A null exit code means the container never ran:
 * a failure that prints stopCode and stoppedReason. On timeout or cancellation the task is stopped.
 */
export async function runOneOffTask(options: MigrationOptions, originalDeps: MigrationDeps): Promise<MigrationResult> {
  // Remote lines are shown inside a stop-commands block; the action's own messages close it first.
  const remote = new RemoteOutput(originalDeps.logger, originalDeps.writeCommand);
  const deps = { ...originalDeps, logger: remote.own };
  const { ecs, logger, clock, signal } = deps;
  const started = clock.now();
  const plan = await launchPlan(options, deps);
  const definition = await describeDefinition(options, plan.taskDefinition, deps);
  await warnAboutOtherMigrations(options, deps);

  // Several commands: one shell runs them in order and prints a step marker after each, read back
  // from the container's log (the container's exit code is the last command's).
  const nonce = newNonce();
  const script = options.commands ? runTaskScript(options.commands, nonce) : options.command;
  let outputLines = 0;
  const scanner = new MarkerScanner(nonce, (line) => {
    outputLines += 1;
    remote.line(line);
  });

  const input: RunTaskCommandInput = {
    cluster: options.cluster,
    taskDefinition: definition.arn,
    count: 1,
    startedBy: STARTED_BY,
    // Makes the SDK's own retries of RunTask idempotent: one task, however often the request is sent.
    clientToken: randomUUID(),
    overrides: { containerOverrides: [{ name: options.container, command: ['/bin/sh', '-c', script] }] },
    ...(plan.capacityProviderStrategy?.length ? { capacityProviderStrategy: plan.capacityProviderStrategy } : {}),
    ...(plan.launchType && !plan.capacityProviderStrategy?.length ? { launchType: plan.launchType } : {}),
    ...(plan.platformVersion ? { platformVersion: plan.platformVersion } : {}),
    ...(plan.networkConfiguration ? { networkConfiguration: plan.networkConfiguration } : {}),
    ...plan.carried,
  };
  let response;
  try {
    response = await ecs.send(new RunTaskCommand(input));
  } catch (error) {
    throw ecsFailure(error, 'RunTask', { cluster: options.cluster });
  }
  const task = response.tasks?.[0];
  if (!task?.taskArn) {
    const failures = (response.failures ?? []).map((f) => `${f.reason ?? 'unknown'}${f.detail ? ` (${f.detail})` : ''}`).join('; ');
    throw new ActionError(
      `ECS RunTask started no task: ${failures || 'no reason given'}. Check the cluster's capacity and the task definition.`,
    );
  }
  const taskArn = task.taskArn;
  const id = taskId(taskArn);
  const logStream = definition.logPrefix !== undefined ? `${definition.logPrefix}/${options.container}/${id}` : undefined;
  const partial = {
    mode: 'run-task' as const,
    taskArn,
    taskDefinitionArn: definition.arn,
    container: options.container,
    logStream: logStream && definition.logGroup ? `${definition.logGroup}/${logStream}` : undefined,
  };
  // Echoed as text: `##[...]` in the command would otherwise be obeyed by the runner.
  remote.line(
    `Started task ${id} (task definition ${taskDefinitionName(definition.arn)}, container ${options.container}): ${describeCommands(options)}`,
  );
  const region = await regionOf(deps);
  if (region) logger.info(`Console: https://${region}.console.aws.amazon.com/ecs/v2/clusters/${clusterName(options.cluster)}/tasks/${id}`);
  let tail: LogTail | undefined;
  if (definition.logGroup && logStream) {
    if (definition.logRegion && region && definition.logRegion !== region) {
      logger.warning(
        `The container logs to ${definition.logRegion}, not ${region}: its output is not streamed here; the exit code is still checked.`,
      );
    } else {
      tail = new LogTail(deps.logs, definition.logGroup, logStream, logger, (line) => scanner.line(line));
      logger.info(`Output (CloudWatch Logs ${definition.logGroup} ${logStream}):`);
    }
  } else {
    logger.info(`Container '${options.container}' does not log with the awslogs driver: its output cannot be streamed here.`);
  }

  let stopped: Task | undefined;
  let sidecarsStopped = false;
  let missing = 0;
  let lastStatus = '';
  const deadline = started + options.timeoutMs;
  try {
    while (true) {
      // Every call is abandoned at the timeout: a held DescribeTasks answer must not keep the step
      // (and the task) running past it.
      const budget = Math.max(deadline - clock.now(), LATE_CALL_BUDGET_MS);
      const callSignal = deadlineSignal(budget, signal);
      let described: Task | undefined;
      let unanswered = false;
      try {
        described = await describe(options.cluster, taskArn, deps, callSignal);
        await tail?.poll(callSignal);
      } catch (error) {
        if (signal.aborted || !callSignal.aborted) throw error;
        unanswered = true;
        logger.warning(`ECS did not answer within ${formatDuration(budget)}, by the timeout: the request was abandoned.`);
      }
      if (!unanswered && !described) {
        // RunTask is eventually consistent: a new task can be MISSING for a moment.
        if (++missing > MISSING_RETRIES) throw new MigrationError(`Task ${id} disappeared: DescribeTasks reports it MISSING.`, partial);
      } else if (described && described.lastStatus !== lastStatus) {
        lastStatus = described.lastStatus ?? '';
        logger.debug(`task ${id}: ${lastStatus}`);
      }
      if (described?.lastStatus === 'STOPPED') {
        stopped = described;
        break;
      }
      // The target container's exit is the end of the migration, even when an essential sidecar
      // (a log router, a proxy) keeps the task running: take its exit code, stop the rest.
      const target = described?.containers?.find((c) => c.name === options.container);
      if (described && target?.lastStatus === 'STOPPED' && typeof target.exitCode === 'number') {
        stopped = described;
        const others = (described.containers ?? []).filter((c) => c.name !== options.container && c.lastStatus !== 'STOPPED');
        if (!sidecarsStopped && others.length) {
          sidecarsStopped = true;
          logger.info(
            `Container ${options.container} exited with code ${target.exitCode} while ${others.map((c) => c.name).join(', ')} still runs: stopping the task (StopTask).`,
          );
          await stopTask(options.cluster, taskArn, `ecs-exec-migrate: container ${options.container} exited; stopping the sidecars`, deps);
        }
        break;
      }
      if (unanswered || clock.now() >= deadline) {
        await stopTask(options.cluster, taskArn, `ecs-exec-migrate: timed out after ${formatDuration(options.timeoutMs)}`, deps);
        throw new MigrationError(
          `The task did not stop within the timeout (${formatDuration(options.timeoutMs)}): task ${id} was stopped (StopTask). The migration was interrupted; check the database state before re-running (a re-run starts a new task).`,
          partial,
          'Migration timed out',
        );
      }
      await clock.sleep(Math.min(POLL_MS, Math.max(0, deadline - clock.now())), signal);
    }
  } catch (error) {
    if (signal.aborted || error instanceof CancelledError) {
      await stopTask(options.cluster, taskArn, 'ecs-exec-migrate: the workflow run was cancelled', deps);
      throw new MigrationError(
        `The run was cancelled: task ${id} was stopped (StopTask), so the migration was interrupted. A re-run starts a new task.`,
        partial,
      );
    }
    throw error;
  }

  // Events reach CloudWatch Logs with a lag: read on until nothing new arrives.
  for (let i = 0; tail && i < 3; i++) {
    if ((await tail.poll()) === 0 && i > 0) break;
    if (i === 0) await clock.sleep(2000).catch(() => undefined);
  }
  scanner.end();
  remote.close();
  const durationMs = clock.now() - started;
  const container = (stopped.containers ?? []).find((c) => c.name === options.container);
  const exitCode = container?.exitCode;
  if (exitCode === undefined || exitCode === null) {
    const details = [
      `stopCode ${stopped.stopCode ?? 'none'}`,
      `stoppedReason "${stopped.stoppedReason ?? ''}"`,
      container?.reason ? `container reason "${container.reason}"` : undefined,
    ]
      .filter(Boolean)
      .join(', ');
    throw new MigrationError(
      `Task ${id} stopped without an exit code for container '${options.container}': the command never ran (${details}). Typical causes: the image could not be pulled, secrets could not be fetched, or there was no capacity.`,
      partial,
      'Migration task did not run',
    );
  }
  logger.info(`The command exited with code ${exitCode} (task ${id}, ${formatDuration(durationMs)}).`);
  const steps = stepResults(options, scanner.steps, exitCode);
  if (options.commands && exitCode !== 0 && !steps.failedCommand) {
    logger.warning(
      `The task exited with code ${exitCode}, but which command failed is unknown: its step markers did not reach the log (the container must log with the awslogs driver and a stream prefix).`,
    );
  }
  return { ...partial, ...steps, exitCode, durationMs, outputLines };
}

async function launchPlan(options: MigrationOptions, { ecs, logger }: MigrationDeps): Promise<LaunchPlan> {
  const plan: Partial<LaunchPlan> & { carried: LaunchPlan['carried'] } = { taskDefinition: options.taskDefinition, carried: {} };
  let awsvpc = undefined as NetworkConfiguration['awsvpcConfiguration'];
  if (options.service) {
    let out;
    try {
      // TAGS: the service's tags go onto the one-off task too (cost allocation, tag-based IAM).
      out = await ecs.send(new DescribeServicesCommand({ cluster: options.cluster, services: [options.service], include: ['TAGS'] }));
    } catch (error) {
      throw ecsFailure(error, 'DescribeServices', { cluster: options.cluster });
    }
    const service = out.services?.[0];
    if (!service || service.status === 'INACTIVE') {
      throw new ActionError(
        `Service '${options.service}' was not found in cluster '${options.cluster}' (${out.failures?.[0]?.reason ?? service?.status ?? 'MISSING'}): check the 'cluster' and 'service' inputs.`,
      );
    }
    const primary = (service.deployments ?? []).find((d) => d.status === 'PRIMARY');
    plan.taskDefinition ??= primary?.taskDefinition ?? service.taskDefinition;
    const strategy = primary?.capacityProviderStrategy ?? service.capacityProviderStrategy;
    if (strategy?.length) plan.capacityProviderStrategy = onDemand(strategy, logger);
    else plan.launchType = primary?.launchType ?? service.launchType;
    plan.carried = carriedFromService(service, primary?.volumeConfigurations);
    plan.platformVersion = primary?.platformVersion ?? service.platformVersion;
    if (plan.platformVersion === 'LATEST') plan.platformVersion = undefined;
    awsvpc = (primary?.networkConfiguration ?? service.networkConfiguration)?.awsvpcConfiguration;
  }
  if (!plan.taskDefinition) throw new ActionError("No task definition: give the 'service' or the 'task-definition' input.");
  if (options.capacityProviderStrategy) {
    plan.capacityProviderStrategy = options.capacityProviderStrategy;
    plan.launchType = undefined;
  } else if (options.launchType) {
    plan.launchType = options.launchType;
    plan.capacityProviderStrategy = undefined;
    // A platform version only exists for Fargate; RunTask rejects one with EC2 or EXTERNAL.
    if (options.launchType !== 'FARGATE') plan.platformVersion = undefined;
  }
  const subnets = options.subnets.length ? options.subnets : (awsvpc?.subnets ?? []);
  const securityGroups = options.securityGroups.length ? options.securityGroups : (awsvpc?.securityGroups ?? []);
  if (subnets.length) {
    plan.networkConfiguration = {
      awsvpcConfiguration: { subnets, securityGroups, assignPublicIp: options.assignPublicIp ?? awsvpc?.assignPublicIp ?? 'DISABLED' },
    };
  }
  return plan as LaunchPlan;
}

/**
 * The service's capacity-provider strategy without Spot: a migration interrupted by a Spot
 * reclaim (two minutes' notice) is half-applied, so it runs on on-demand capacity unless the
 * `capacity-provider-strategy` input asks otherwise. FARGATE_SPOT items are left out; when nothing
 * is left, FARGATE (on-demand Fargate) is used. EC2 capacity providers (Auto Scaling groups) are
 * kept: whether their instances are Spot is not visible here.
 */
function onDemand(strategy: CapacityProviderStrategyItem[], logger: MigrationDeps['logger']): CapacityProviderStrategyItem[] {
  const kept = strategy.filter((item) => item.capacityProvider !== 'FARGATE_SPOT');
  if (kept.length === strategy.length) return strategy;
  const result = kept.length ? kept : [{ capacityProvider: 'FARGATE', weight: 1 }];
  logger.info(
    `The service's capacity provider strategy uses FARGATE_SPOT, which is left out for the migration task (a Spot interruption would stop it half-way): using ${result.map((i) => i.capacityProvider).join(', ')}. Set 'capacity-provider-strategy' to choose.`,
  );
  return result;
}

/**
 * What the service's tasks get at launch and RunTask does not take from the task definition: EBS
 * volumes configured at launch (volumeConfigurations; ServiceManagedEBSVolumeConfiguration has
 * the same fields as TaskManagedEBSVolumeConfiguration), placement constraints and strategy, tags.
 * Tags under the reserved `aws:` prefix (CloudFormation's, for example) are refused by RunTask
 * and left out. RunTask accepts propagateTags TASK_DEFINITION only (SERVICE is an error there).
 */
function carriedFromService(service: Service, volumes: ServiceVolumeConfiguration[] | undefined): LaunchPlan['carried'] {
  const tags = (service.tags ?? []).filter((t) => t.key && !t.key.toLowerCase().startsWith('aws:'));
  return {
    ...(volumes?.length ? { volumeConfigurations: volumes.map((v) => ({ name: v.name, managedEBSVolume: v.managedEBSVolume })) } : {}),
    ...(service.placementConstraints?.length ? { placementConstraints: service.placementConstraints } : {}),
    ...(service.placementStrategy?.length ? { placementStrategy: service.placementStrategy } : {}),
    ...(tags.length ? { tags } : {}),
    ...(service.enableECSManagedTags ? { enableECSManagedTags: true } : {}),
    ...(service.propagateTags === 'TASK_DEFINITION' ? { propagateTags: 'TASK_DEFINITION' as const } : {}),
  };
}

interface DefinitionFacts {
  arn: string;
  logGroup?: string;
  logRegion?: string;
  logPrefix?: string;
}

async function describeDefinition(options: MigrationOptions, taskDefinition: string, { ecs }: MigrationDeps): Promise<DefinitionFacts> {
  let out;
  try {
    out = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition }));
  } catch (error) {
    throw ecsFailure(error, 'DescribeTaskDefinition', {
      taskDefinition: options.taskDefinition,
      taskDefinitionFromService: options.taskDefinition ? undefined : taskDefinition,
    });
  }
  const definition = out.taskDefinition;
  const containers = definition?.containerDefinitions ?? [];
  const target = containers.find((c) => c.name === options.container);
  if (!definition || !target) {
    throw new ActionError(
      `Task definition ${taskDefinitionName(taskDefinition)} has no container named '${options.container}' (its containers: ${containers.map((c) => c.name).join(', ') || 'none'}): set the 'container' input.`,
    );
  }
  if (definition.networkMode === 'awsvpc' && !options.subnets.length && !options.service) {
    throw new ActionError(
      `Task definition ${taskDefinitionName(taskDefinition)} uses awsvpc networking: give the 'subnets' and 'security-groups' inputs, or the 'service' to copy them from.`,
    );
  }
  const facts: DefinitionFacts = { arn: definition.taskDefinitionArn ?? taskDefinition };
  const log = target.logConfiguration;
  if (log?.logDriver === 'awslogs' && log.options?.['awslogs-group']) {
    facts.logGroup = log.options['awslogs-group'];
    facts.logRegion = log.options['awslogs-region'];
    // Without a stream prefix ECS names the stream after the container id, which is not knowable here.
    facts.logPrefix = log.options['awslogs-stream-prefix'];
  }
  return facts;
}

async function warnAboutOtherMigrations(options: MigrationOptions, { ecs, logger }: MigrationDeps): Promise<void> {
  try {
    // "When you specify startedBy as the filter, it must be the only filter that you use"
    // (API_ListTasks; ListTasksRequest.startedBy in @aws-sdk/client-ecs). The default desiredStatus
    // filter is RUNNING, which is the one wanted here.
    const out = await ecs.send(new ListTasksCommand({ cluster: options.cluster, startedBy: STARTED_BY }));
    const others = out.taskArns ?? [];
    if (others.length) {
      logger.warning(
        `Another migration task started by ${STARTED_BY} is still running in cluster ${clusterName(options.cluster)} (${others.map(taskId).join(', ')}). Django's migrate takes no lock: two at once can conflict. Use a workflow concurrency group per environment.`,
      );
    }
  } catch (error) {
    logger.warning(
      `Could not check for other migration tasks: ${describeAwsError(error, { service: 'ECS', operation: 'ListTasks' })} Another migration may be running; make sure two runs cannot overlap (a workflow concurrency group per environment).`,
    );
  }
}

async function describe(
  cluster: string,
  taskArn: string,
  { ecs, signal }: MigrationDeps,
  callSignal: AbortSignal,
): Promise<Task | undefined> {
  try {
    const out = await ecs.send(new DescribeTasksCommand({ cluster, tasks: [taskArn] }), { abortSignal: callSignal });
    return out.tasks?.[0];
  } catch (error) {
    if (signal.aborted) throw new CancelledError();
    if (callSignal.aborted) throw error;
    throw new ActionError(describeAwsError(error, { service: 'ECS', operation: 'DescribeTasks' }));
  }
}

async function stopTask(cluster: string, taskArn: string, reason: string, { ecs, logger }: MigrationDeps): Promise<void> {
  try {
    await ecs.send(new StopTaskCommand({ cluster, task: taskArn, reason }));
    logger.info(`Stopped task ${taskId(taskArn)}.`);
  } catch (error) {
    logger.warning(
      `${describeAwsError(error, { service: 'ECS', operation: 'StopTask' })} Task ${taskId(taskArn)} may still be running: stop it by hand.`,
    );
  }
}

async function regionOf({ ecs }: MigrationDeps): Promise<string | undefined> {
  try {
    const region = ecs.config?.region;
    return typeof region === 'function' ? await region() : (region as string | undefined);
  } catch {
    return undefined;
  }
}

function clusterName(cluster: string): string {
  return cluster.slice(cluster.lastIndexOf('/') + 1);
}
