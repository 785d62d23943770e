import {
  DescribeServiceDeploymentsCommand,
  DescribeServiceRevisionsCommand,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  ListTasksCommand,
  type ECSClient,
  type Service,
  type ServiceRevision,
  type Task,
} from '@aws-sdk/client-ecs';
import { ActionError, errorMessage, type Clock, type Logger } from '@allthrive/toolkit';
import { ecsFailure } from './aws-errors.js';

/**
 * Which running task an exec session goes into. `aws ecs list-tasks | head -1` can pick a task of
 * the OLD deployment that is still draining, which would run the old migrations. A task qualifies
 * only when it belongs to the deployment being rolled out, is RUNNING, was started with
 * execute-command enabled, its ExecuteCommandAgent in the target container is RUNNING, and it is
 * not failing its health check.
 *
 * "Belongs to the deployment": a redeploy of the same task-definition ARN with a mutable tag
 * (`:latest`, force-new-deployment) resolves the tag to a new digest per deployment
 * (API_ContainerImage), so the ARN alone cannot tell old tasks from new ones. ECS sets a service
 * task's `startedBy` to the id of the deployment that started it (API_Task), so the task must be
 * started by the PRIMARY deployment. Services with an ECS-native service-deployment strategy
 * (BLUE_GREEN, LINEAR, CANARY) are judged against the target revision of their current service
 * deployment instead (DescribeServiceDeployments → targetServiceRevision → DescribeServiceRevisions:
 * its task definition and the image digest of each container).
 *
 * Among qualifying tasks: HEALTHY before UNKNOWN (UNKNOWN qualifies only where the task definition
 * defines no health check), then the newest.
 */

export interface SelectionRequest {
  cluster: string;
  service?: string;
  task?: string;
  container: string;
  /** How long to keep re-checking while the only problems are transient (agent still starting). */
  waitMs: number;
}

export interface SelectedTask {
  taskArn: string;
  taskDefinitionArn: string;
  /** The PRIMARY deployment's (or target revision's) task definition, when a service was given. */
  primaryTaskDefinition?: string;
  /** Every task looked at, with the reasons it did not qualify (empty for the chosen one). */
  verdicts: TaskVerdict[];
}

export interface TaskVerdict {
  taskArn: string;
  problems: string[];
  /** True when every problem can resolve by itself within seconds (task or agent still starting). */
  transient: boolean;
}

/** What a task must match to belong to the deployment being rolled out. */
export interface DeploymentTarget {
  taskDefinition: string;
  /** Rolling deployments: the PRIMARY deployment's id, which ECS puts in `startedBy` of its tasks. */
  deploymentId?: string;
  /** Service-deployment strategies: the target revision's image digest per container. */
  revision?: { arn: string; digests: Record<string, string> };
  /** The task definition defines a health check, so UNKNOWN health means "not passed yet". */
  healthChecked?: boolean;
}

const POLL_MS = 5000;
const SERVICE_DEPLOYMENT_STRATEGIES = ['BLUE_GREEN', 'LINEAR', 'CANARY'];
const EXEC_HINT =
  'Turn ECS Exec on with `aws ecs update-service --enable-execute-command --force-new-deployment` ' +
  '(tasks started before the flag was set never get the agent)';
const ROLE_HINT =
  'give the TASK role (not the execution role) ssmmessages:CreateControlChannel, ssmmessages:CreateDataChannel, ' +
  'ssmmessages:OpenControlChannel and ssmmessages:OpenDataChannel, and make sure the task can reach ssmmessages.<region>.amazonaws.com';

export function taskId(arn: string): string {
  return arn.slice(arn.lastIndexOf('/') + 1);
}

/** `family:revision` of a task definition ARN (or the text itself when it is not an ARN). */
export function taskDefinitionName(arn: string): string {
  return arn.includes('task-definition/') ? arn.slice(arn.indexOf('task-definition/') + 'task-definition/'.length) : arn;
}

/** Why `task` cannot take the exec session; empty when it can. `target` is absent for a task named by the user. */
export function evaluateTask(task: Task, container: string, target?: DeploymentTarget): TaskVerdict {
  const problems: string[] = [];
  let transient = true;
  const hard = (text: string) => {
    problems.push(text);
    transient = false;
  };
  const definition = task.taskDefinitionArn ?? '';
  const whose = target?.revision ? "the target service revision's" : "the PRIMARY deployment's";
  if (target && taskDefinitionName(definition) !== taskDefinitionName(target.taskDefinition)) {
    hard(
      `runs task definition ${taskDefinitionName(definition)}, not ${whose} ${taskDefinitionName(target.taskDefinition)} (a task of an older deployment)`,
    );
  } else if (target?.revision) {
    for (const c of task.containers ?? []) {
      const wanted = target.revision.digests[c.name ?? ''];
      if (wanted && c.imageDigest && c.imageDigest !== wanted) {
        hard(`container ${c.name} runs ${c.imageDigest}, not the target service revision's ${wanted} (a task of the source revision)`);
        break;
      }
    }
  } else if (target?.deploymentId && task.startedBy !== target.deploymentId) {
    hard(
      `was started by ${task.startedBy ?? 'nobody known'}, not by the PRIMARY deployment ${target.deploymentId} (a task of an older deployment: same task definition, possibly an older image)`,
    );
  }
  if (task.desiredStatus && task.desiredStatus !== 'RUNNING') hard(`is being stopped (desired status ${task.desiredStatus})`);
  if (task.lastStatus !== 'RUNNING') {
    const starting = ['PROVISIONING', 'PENDING', 'ACTIVATING'].includes(task.lastStatus ?? '');
    if (starting) problems.push(`is ${task.lastStatus}, not yet RUNNING`);
    else hard(`is ${task.lastStatus ?? 'in an unknown state'}, not RUNNING`);
  }
  if (task.healthStatus === 'UNHEALTHY') hard('is UNHEALTHY (its health check fails)');
  else if (task.healthStatus !== 'HEALTHY' && target?.healthChecked) {
    problems.push(`its health check has not passed yet (${task.healthStatus ?? 'UNKNOWN'})`);
  }
  if (!task.enableExecuteCommand) hard(`was started without execute-command enabled. ${EXEC_HINT}`);
  const targetContainer = (task.containers ?? []).find((c) => c.name === container);
  if (!targetContainer) {
    const names = (task.containers ?? []).map((c) => c.name).join(', ') || 'none';
    hard(`has no container named '${container}' (its containers: ${names}); set the 'container' input`);
  } else if (task.enableExecuteCommand) {
    const agent = (targetContainer.managedAgents ?? []).find((a) => a.name === 'ExecuteCommandAgent');
    if (!agent) hard(`has no ExecuteCommandAgent in container '${container}'. ${EXEC_HINT}`);
    else if (agent.lastStatus === 'PENDING') problems.push(`its ExecuteCommandAgent in '${container}' is PENDING (still starting)`);
    else if (agent.lastStatus !== 'RUNNING') {
      hard(
        `its ExecuteCommandAgent in '${container}' is ${agent.lastStatus ?? 'in an unknown state'}${agent.reason ? ` (${agent.reason})` : ''}: ${ROLE_HINT}`,
      );
    }
  }
  return { taskArn: task.taskArn ?? '', problems, transient: problems.length > 0 && transient };
}

type Deps = { ecs: ECSClient; logger: Logger; clock: Clock; signal?: AbortSignal };

async function describeService(ecs: ECSClient, cluster: string, service: string): Promise<Service> {
  let described;
  try {
    described = await ecs.send(new DescribeServicesCommand({ cluster, services: [service] }));
  } catch (error) {
    throw ecsFailure(error, 'DescribeServices', { cluster });
  }
  const found = described.services?.[0];
  if (!found || found.status === 'INACTIVE') {
    const reason = described.failures?.[0]?.reason ?? found?.status ?? 'MISSING';
    throw new ActionError(
      `Service '${service}' was not found in cluster '${cluster}' (${reason}): check the 'cluster' and 'service' inputs.`,
    );
  }
  return found;
}

/** The target revision of the service's current service deployment, or undefined when it has none. */
async function targetRevision(ecs: ECSClient, found: Service, logger: Logger): Promise<ServiceRevision | undefined> {
  const strategy = found.deploymentConfiguration?.strategy;
  if (!found.currentServiceDeployment || !SERVICE_DEPLOYMENT_STRATEGIES.includes(strategy ?? '')) return undefined;
  try {
    const deployments = await ecs.send(new DescribeServiceDeploymentsCommand({ serviceDeploymentArns: [found.currentServiceDeployment] }));
    const arn = deployments.serviceDeployments?.[0]?.targetServiceRevision?.arn;
    if (!arn) throw new Error(`service deployment ${found.currentServiceDeployment} names no target revision`);
    const revisions = await ecs.send(new DescribeServiceRevisionsCommand({ serviceRevisionArns: [arn] }));
    const revision = revisions.serviceRevisions?.[0];
    if (!revision?.taskDefinition) throw new Error(`service revision ${arn} was not found`);
    return revision;
  } catch (error) {
    // Without the revision the PRIMARY deployment still names the new task definition.
    logger.warning(
      `The ${strategy} service's current deployment could not be read (${errorMessage(error)}): tasks are judged by the PRIMARY deployment's task definition and id instead. Allow ecs:DescribeServiceDeployments and ecs:DescribeServiceRevisions.`,
    );
    return undefined;
  }
}

/** Whether the task definition defines a health check (then UNKNOWN health means "not passed yet"). */
async function definesHealthCheck(ecs: ECSClient, taskDefinition: string, logger: Logger): Promise<boolean> {
  try {
    const out = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition }));
    return (out.taskDefinition?.containerDefinitions ?? []).some((c) => (c.healthCheck?.command ?? []).length > 0);
  } catch (error) {
    logger.warning(
      `Could not read task definition ${taskDefinitionName(taskDefinition)} (${errorMessage(error)}): HEALTHY tasks are still preferred, but a task whose health is UNKNOWN may be chosen.`,
    );
    return false;
  }
}

async function deploymentTarget(ecs: ECSClient, cluster: string, service: string, logger: Logger): Promise<DeploymentTarget> {
  const found = await describeService(ecs, cluster, service);
  const primary = (found.deployments ?? []).find((d) => d.status === 'PRIMARY');
  const revision = await targetRevision(ecs, found, logger);
  const taskDefinition = revision?.taskDefinition ?? primary?.taskDefinition ?? found.taskDefinition;
  if (!taskDefinition) throw new ActionError(`Service '${service}' has no PRIMARY deployment to take a task definition from.`);
  const target: DeploymentTarget = { taskDefinition };
  if (revision) {
    const digests: Record<string, string> = {};
    for (const image of revision.containerImages ?? [])
      if (image.containerName && image.imageDigest) digests[image.containerName] = image.imageDigest;
    target.revision = { arn: revision.serviceRevisionArn ?? '', digests };
  } else if (primary?.id) {
    target.deploymentId = primary.id;
  }
  target.healthChecked = await definesHealthCheck(ecs, taskDefinition, logger);
  return target;
}

async function describeTasks(ecs: ECSClient, cluster: string, arns: string[]): Promise<Task[]> {
  const tasks: Task[] = [];
  for (let i = 0; i < arns.length; i += 100) {
    try {
      const out = await ecs.send(new DescribeTasksCommand({ cluster, tasks: arns.slice(i, i + 100) }));
      tasks.push(...(out.tasks ?? []));
    } catch (error) {
      throw ecsFailure(error, 'DescribeTasks', { cluster });
    }
  }
  return tasks;
}

async function serviceTasks(ecs: ECSClient, cluster: string, service: string): Promise<string[]> {
  const arns: string[] = [];
  let nextToken: string | undefined;
  do {
    try {
      // serviceName and desiredStatus may be combined; only startedBy must stand alone (API_ListTasks).
      const out = await ecs.send(new ListTasksCommand({ cluster, serviceName: service, desiredStatus: 'RUNNING', nextToken }));
      arns.push(...(out.taskArns ?? []));
      nextToken = out.nextToken;
    } catch (error) {
      throw ecsFailure(error, 'ListTasks', { cluster });
    }
  } while (nextToken);
  return arns;
}

const started = (task: Task) => task.startedAt?.getTime() ?? 0;

/** HEALTHY before anything else, then the newest: the task most likely to run the new code and to stay. */
function rank(a: Task, b: Task): number {
  const healthy = Number(b.healthStatus === 'HEALTHY') - Number(a.healthStatus === 'HEALTHY');
  return healthy || started(b) - started(a);
}

function passedOverReason(task: Task, chosen: Task): string {
  if (chosen.healthStatus === 'HEALTHY' && task.healthStatus !== 'HEALTHY')
    return `its health is ${task.healthStatus ?? 'UNKNOWN'}, task ${taskId(chosen.taskArn ?? '')} is HEALTHY`;
  return `it qualifies too, but started earlier than task ${taskId(chosen.taskArn ?? '')} (the newest is chosen)`;
}

export async function selectTask(request: SelectionRequest, deps: Deps): Promise<SelectedTask> {
  const { ecs, logger, clock, signal } = deps;
  const startedAt = clock.now();
  let announcedWait = false;
  while (true) {
    let target: DeploymentTarget | undefined;
    let arns: string[];
    if (request.task) {
      arns = [request.task];
    } else {
      target = await deploymentTarget(ecs, request.cluster, request.service!, logger);
      arns = await serviceTasks(ecs, request.cluster, request.service!);
    }
    const tasks = arns.length ? await describeTasks(ecs, request.cluster, arns) : [];
    if (request.task && tasks.length === 0) {
      throw new ActionError(`Task '${request.task}' was not found in cluster '${request.cluster}': check the 'task' and 'cluster' inputs.`);
    }
    const verdicts = tasks.map((t) => evaluateTask(t, request.container, target));
    const good = tasks.filter((_, i) => verdicts[i].problems.length === 0).sort(rank);
    if (good.length > 0) {
      const chosen = good[0];
      // One line per task passed over, with the reason, so a reader can check the choice.
      tasks.forEach((task, i) => {
        if (task === chosen) return;
        const reason = verdicts[i].problems.length ? verdicts[i].problems.join('; ') : passedOverReason(task, chosen);
        logger.info(`Passed over task ${taskId(task.taskArn ?? '')}: ${reason}.`);
      });
      return {
        taskArn: chosen.taskArn!,
        taskDefinitionArn: chosen.taskDefinitionArn ?? '',
        primaryTaskDefinition: target?.taskDefinition,
        verdicts,
      };
    }

    const transient = verdicts.some((v) => v.transient);
    const elapsed = clock.now() - startedAt;
    if (transient && elapsed + POLL_MS <= request.waitMs) {
      if (!announcedWait) {
        logger.info(
          'No task is ready for ECS Exec yet (a task, its ExecuteCommandAgent or its health check is still starting); checking again every 5s.',
        );
        announcedWait = true;
      }
      await clock.sleep(POLL_MS, signal);
      continue;
    }
    throw new ActionError(noTaskMessage(request, verdicts, target?.taskDefinition), 'No task can run the command');
  }
}

function noTaskMessage(request: SelectionRequest, verdicts: TaskVerdict[], primaryTaskDefinition?: string): string {
  const where = request.task ? `Task '${request.task}'` : `Service '${request.service}' in cluster '${request.cluster}'`;
  if (verdicts.length === 0) {
    return `${where} has no RUNNING task to run the command in${primaryTaskDefinition ? ` (PRIMARY deployment: ${taskDefinitionName(primaryTaskDefinition)})` : ''}. Wait for the service to be stable, or use mode: run-task.`;
  }
  const lines = verdicts.map((v) => `task ${taskId(v.taskArn)} ${v.problems.join('; ')}`);
  return `${where}: no task qualifies for ECS Exec. ${lines.join('. ')}.`;
}
