import {
  DescribeServicesCommand,
  DescribeTasksCommand,
  ListTasksCommand,
  type ECSClient,
  type Service,
  type Task,
} from '@aws-sdk/client-ecs';
import { ActionError, type Clock, type Logger } from '@allthrive/toolkit';
import { ecsFailure } from './aws-errors.js';

/**
 * Which running task an exec session goes into. `aws ecs list-tasks | head -1` can pick a task of
 * the OLD deployment that is still draining, which would run the old migrations. A task qualifies
 * only when it runs the PRIMARY deployment's task definition, is RUNNING, was started with
 * execute-command enabled, and its ExecuteCommandAgent in the target container is RUNNING.
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
  /** The PRIMARY deployment's task definition, when a service was given. */
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

const POLL_MS = 5000;
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

/** Why `task` cannot take the exec session; empty when it can. */
export function evaluateTask(task: Task, container: string, primaryTaskDefinition?: string): TaskVerdict {
  const problems: string[] = [];
  let transient = true;
  const hard = (text: string) => {
    problems.push(text);
    transient = false;
  };
  const definition = task.taskDefinitionArn ?? '';
  if (primaryTaskDefinition && taskDefinitionName(definition) !== taskDefinitionName(primaryTaskDefinition)) {
    hard(
      `runs task definition ${taskDefinitionName(definition)}, not the PRIMARY deployment's ${taskDefinitionName(primaryTaskDefinition)} (a task of an older deployment)`,
    );
  }
  if (task.desiredStatus && task.desiredStatus !== 'RUNNING') hard(`is being stopped (desired status ${task.desiredStatus})`);
  if (task.lastStatus !== 'RUNNING') {
    const starting = ['PROVISIONING', 'PENDING', 'ACTIVATING'].includes(task.lastStatus ?? '');
    if (starting) problems.push(`is ${task.lastStatus}, not yet RUNNING`);
    else hard(`is ${task.lastStatus ?? 'in an unknown state'}, not RUNNING`);
  }
  if (!task.enableExecuteCommand) hard(`was started without execute-command enabled. ${EXEC_HINT}`);
  const target = (task.containers ?? []).find((c) => c.name === container);
  if (!target) {
    const names = (task.containers ?? []).map((c) => c.name).join(', ') || 'none';
    hard(`has no container named '${container}' (its containers: ${names}); set the 'container' input`);
  } else if (task.enableExecuteCommand) {
    const agent = (target.managedAgents ?? []).find((a) => a.name === 'ExecuteCommandAgent');
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

async function primaryDeployment(ecs: ECSClient, cluster: string, service: string): Promise<{ service: Service; taskDefinition: string }> {
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
  const primary = (found.deployments ?? []).find((d) => d.status === 'PRIMARY');
  const taskDefinition = primary?.taskDefinition ?? found.taskDefinition;
  if (!taskDefinition) throw new ActionError(`Service '${service}' has no PRIMARY deployment to take a task definition from.`);
  return { service: found, taskDefinition };
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
      const out = await ecs.send(new ListTasksCommand({ cluster, serviceName: service, desiredStatus: 'RUNNING', nextToken }));
      arns.push(...(out.taskArns ?? []));
      nextToken = out.nextToken;
    } catch (error) {
      throw ecsFailure(error, 'ListTasks', { cluster });
    }
  } while (nextToken);
  return arns;
}

export async function selectTask(
  request: SelectionRequest,
  deps: { ecs: ECSClient; logger: Logger; clock: Clock; signal?: AbortSignal },
): Promise<SelectedTask> {
  const { ecs, logger, clock, signal } = deps;
  const started = clock.now();
  let announcedWait = false;
  while (true) {
    let primaryTaskDefinition: string | undefined;
    let arns: string[];
    if (request.task) {
      arns = [request.task];
    } else {
      const primary = await primaryDeployment(ecs, request.cluster, request.service!);
      primaryTaskDefinition = primary.taskDefinition;
      arns = await serviceTasks(ecs, request.cluster, request.service!);
    }
    const tasks = arns.length ? await describeTasks(ecs, request.cluster, arns) : [];
    if (request.task && tasks.length === 0) {
      throw new ActionError(`Task '${request.task}' was not found in cluster '${request.cluster}': check the 'task' and 'cluster' inputs.`);
    }
    const verdicts = tasks.map((t) => evaluateTask(t, request.container, primaryTaskDefinition));
    const good = tasks
      .filter((_, i) => verdicts[i].problems.length === 0)
      .sort((a, b) => (a.startedAt?.getTime() ?? 0) - (b.startedAt?.getTime() ?? 0));
    if (good.length > 0) {
      // The longest-running task of the new deployment: it has passed its health checks for longest.
      const chosen = good[0];
      return { taskArn: chosen.taskArn!, taskDefinitionArn: chosen.taskDefinitionArn ?? '', primaryTaskDefinition, verdicts };
    }

    const transient = verdicts.some((v) => v.transient);
    const elapsed = clock.now() - started;
    if (transient && elapsed + POLL_MS <= request.waitMs) {
      if (!announcedWait) {
        logger.info('No task is ready for ECS Exec yet (a task or its ExecuteCommandAgent is still starting); checking again every 5s.');
        announcedWait = true;
      }
      await clock.sleep(POLL_MS, signal);
      continue;
    }
    throw new ActionError(noTaskMessage(request, verdicts, primaryTaskDefinition), 'No task can run the command');
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
