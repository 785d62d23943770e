import { UpdateServiceCommand, type Deployment, type ECSClient, type UpdateServiceCommandOutput } from '@aws-sdk/client-ecs';
import { ActionError, CancelledError, formatDuration, type Clock, type Logger } from '@allthrive/toolkit';
import { awsFailure, isAbort, isThrottling, isTransient } from './aws-errors.js';
import { describeServices } from './describe-services.js';
import { serviceName } from './inputs.js';
import { shortArn } from './task-definition.js';

export interface StartedDeployment {
  name: string;
  deploymentId: string;
  taskDefinitionArn: string;
  startedAt: number;
  /** `currentServiceDeployment` of the UpdateService answer when it names a new one (the service-deployment API). */
  serviceDeploymentArn?: string;
}

export interface UpdateTarget {
  name: string;
  /** The new task definition; undefined = redeploy the current one (force-new-deployment). */
  taskDefinitionArn?: string;
  /** The task definition the service runs now (what a redeploy without a new one deploys). */
  currentTaskDefinitionArn?: string;
  /** Deployment ids the service had before this update: a PRIMARY deployment not among them is new. */
  knownDeploymentIds?: string[];
  /** The service's currentServiceDeployment before this update (so it is never taken for ours). */
  previousServiceDeploymentArn?: string;
}

/** How often one service's UpdateService is sent at most (only when ECS surely did not apply it). */
export const UPDATE_ATTEMPTS = 4;
/** How often DescribeServices is asked whether a lost UpdateService was applied. */
const CHECK_ATTEMPTS = 3;
/** Runner and AWS clocks differ a little: a deployment created this long before we sent still counts. */
const CLOCK_SKEW_MS = 60_000;

/**
 * UpdateService with the SDK's retries switched off for this one request (the same technique as
 * ecs-exec-migrate uses for ExecuteCommand): a retried UpdateService whose first answer was lost
 * after ECS applied it starts a second deployment. The caller decides what a failure means.
 */
function updateOnce(ecs: ECSClient, input: ConstructorParameters<typeof UpdateServiceCommand>[0]): Promise<UpdateServiceCommandOutput> {
  const command = new UpdateServiceCommand(input);
  command.middlewareStack.add((next) => (args) => next(args), {
    name: 'retryMiddleware',
    step: 'finalizeRequest',
    priority: 'high',
    override: true,
    tags: ['RETRY'],
  });
  return ecs.send(command);
}

/** No answer, a 5xx, or a 2xx whose body was lost: ECS may or may not have applied the update. */
export function outcomeUnknown(error: unknown): boolean {
  if (error instanceof CancelledError || error instanceof ActionError) return false;
  const status = (error as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
  if (status === undefined) return true;
  return status >= 500 || (status >= 200 && status < 300);
}

const sameDefinition = (a?: string, b?: string) => Boolean(a && b && shortArn(a) === shortArn(b));

/**
 * The deployment our lost UpdateService created, if ECS applied it: the service's PRIMARY
 * deployment is one we had not seen before, created after we sent the update, and the service (or
 * that deployment) runs the task definition we asked for.
 */
export function appliedDeployment(
  service: { taskDefinition?: string; deployments?: Deployment[] } | undefined,
  target: UpdateTarget,
  sentAtMs: number,
): Deployment | undefined {
  const primary = service?.deployments?.find((d) => d.status === 'PRIMARY');
  if (!primary?.id || target.knownDeploymentIds?.includes(primary.id)) return undefined;
  const created = primary.createdAt ? new Date(primary.createdAt).getTime() : undefined;
  if (created !== undefined && created < sentAtMs - CLOCK_SKEW_MS) return undefined;
  const wanted = target.taskDefinitionArn ?? target.currentTaskDefinitionArn;
  // ECS updates both; some emulators only the service's: either one naming ours is enough.
  if (wanted && !sameDefinition(primary.taskDefinition, wanted) && !sameDefinition(service?.taskDefinition, wanted)) return undefined;
  return primary;
}

/**
 * Exactly one UpdateService per service reaches ECS (task definition and force flag in the same
 * call, so ECS starts one deployment, not two). The new PRIMARY deployment in the response is ours:
 * that id is what the waiter follows. When the answer is lost (connection reset, timeout, 5xx)
 * DescribeServices tells whether ECS applied it: a new PRIMARY deployment on our task definition is
 * adopted; only when there is none is the update sent again (at most UPDATE_ATTEMPTS times).
 * Throttling means ECS refused it, so it is retried without a check. On a failure part-way, the
 * message says which services were updated.
 */
export async function startDeployments(
  ecs: ECSClient,
  cluster: string,
  services: UpdateTarget[],
  forceNewDeployment: boolean,
  logger: Logger,
  clock: Clock,
  signal?: AbortSignal,
): Promise<StartedDeployment[]> {
  const started: StartedDeployment[] = [];
  const state = () => {
    const rest = services.slice(started.length).map((s) => s.name);
    const done = started.map((s) => `${s.name} (deployment ${s.deploymentId})`);
    return `${done.length ? `Already updated and rolling out on ECS: ${done.join(', ')}. ` : ''}Not updated: ${rest.join(', ')}. Re-running the step deploys all of them again.`;
  };
  const pause = async (ms: number, name: string) => {
    try {
      await clock.sleep(ms, signal);
    } catch (error) {
      if (isAbort(error, signal) || signal?.aborted) {
        throw new CancelledError(
          `Cancelled while updating ${name}, whose UpdateService answer was lost (it may have been applied). ${state()}`,
        );
      }
      throw error;
    }
  };

  for (const target of services) {
    const { name, taskDefinitionArn } = target;
    const sentAt = clock.now();
    let primary: Deployment | undefined;
    let serviceDefinition: string | undefined;
    let current: string | undefined;
    for (let attempt = 1; !primary; attempt++) {
      try {
        const response = await updateOnce(ecs, { cluster, service: name, taskDefinition: taskDefinitionArn, forceNewDeployment });
        primary = response.service?.deployments?.find((d) => d.status === 'PRIMARY');
        serviceDefinition = response.service?.taskDefinition;
        current = response.service?.currentServiceDeployment;
        if (!primary?.id) {
          throw new ActionError(`UpdateService for ${name} returned no PRIMARY deployment, so there is nothing to follow.`);
        }
        break;
      } catch (error) {
        if (error instanceof ActionError || error instanceof CancelledError) throw error;
        const unknown = outcomeUnknown(error);
        if ((!unknown && !isThrottling(error)) || attempt >= UPDATE_ATTEMPTS) {
          const tried = attempt > 1 ? ` (tried ${attempt} times; ECS did not apply any of them)` : '';
          throw awsFailure(error, 'ECS', 'UpdateService', `${tried ? `${tried.trim()}. ` : ''}${state()}`);
        }
        const delay = 1000 * 2 ** (attempt - 1);
        const what = unknown ? `got no usable answer (${(error as Error).name ?? 'error'}: ${(error as Error).message})` : 'was throttled';
        logger.info(
          `${name}: UpdateService ${what}; ${unknown ? 'checking with DescribeServices whether ECS applied it before sending it again' : `sending it again in ${formatDuration(delay)}`}.`,
        );
        await pause(delay, name);
        if (!unknown) continue;
        const found = await checkApplied(ecs, cluster, target, sentAt, logger, clock, signal, state, pause);
        if (found) {
          primary = found.deployment;
          serviceDefinition = found.serviceDefinition;
          current = found.currentServiceDeployment;
          logger.info(
            `${name}: ECS had applied the update (deployment ${primary.id} is new and PRIMARY): following it, not sending it again.`,
          );
        } else {
          logger.info(`${name}: ECS had not applied the update; sending it again (attempt ${attempt + 1} of ${UPDATE_ATTEMPTS}).`);
        }
      }
    }
    const arn = taskDefinitionArn ?? serviceDefinition ?? primary.taskDefinition ?? '';
    const serviceDeploymentArn = current && current !== target.previousServiceDeploymentArn ? current : undefined;
    started.push({
      name,
      deploymentId: primary.id!,
      taskDefinitionArn: arn,
      startedAt: clock.now(),
      ...(serviceDeploymentArn ? { serviceDeploymentArn } : {}),
    });
    logger.info(`${name}: started deployment ${primary.id} of ${shortArn(arn)}.`);
  }
  return started;
}

async function checkApplied(
  ecs: ECSClient,
  cluster: string,
  target: UpdateTarget,
  sentAt: number,
  logger: Logger,
  clock: Clock,
  signal: AbortSignal | undefined,
  state: () => string,
  pause: (ms: number, name: string) => Promise<void>,
): Promise<{ deployment: Deployment; serviceDefinition?: string; currentServiceDeployment?: string } | undefined> {
  for (let check = 1; ; check++) {
    try {
      const described = await describeServices(ecs, cluster, [target.name], signal);
      const service = described.services.get(serviceName(target.name));
      const deployment = appliedDeployment(service, target, sentAt);
      return deployment
        ? { deployment, serviceDefinition: service?.taskDefinition, currentServiceDeployment: service?.currentServiceDeployment }
        : undefined;
    } catch (error) {
      if (isAbort(error, signal) || signal?.aborted) {
        throw new CancelledError(`Cancelled while checking whether ${target.name}'s UpdateService was applied. ${state()}`);
      }
      if (!isTransient(error) || check >= CHECK_ATTEMPTS) {
        throw awsFailure(
          error,
          'ECS',
          'DescribeServices',
          `The UpdateService answer for ${target.name} was lost and whether ECS applied it cannot be checked, so it is not sent again: look at the service's deployments in the ECS console. ${state()}`,
        );
      }
      logger.debug(`${target.name}: DescribeServices failed transiently while checking the update; asking again.`);
      await pause(1000 * check, target.name);
    }
  }
}
