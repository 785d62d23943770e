import {
  DescribeTaskDefinitionCommand,
  RegisterTaskDefinitionCommand,
  type ContainerDefinition,
  type ECSClient,
  type RegisterTaskDefinitionCommandInput,
  type Tag,
  type TaskDefinition,
} from '@aws-sdk/client-ecs';
import { ActionError, awsErrorCode, type Logger } from '@allthrive/toolkit';
import { awsFailure } from './aws-errors.js';
import { sameRepository } from './image-ref.js';

/** Fields DescribeTaskDefinition returns that RegisterTaskDefinition does not accept. */
const READ_ONLY = [
  'taskDefinitionArn',
  'revision',
  'status',
  'requiresAttributes',
  'compatibilities',
  'registeredAt',
  'registeredBy',
  'deregisteredAt',
] as const;

/**
 * The RegisterTaskDefinition input that recreates `taskDefinition` as a new revision: read-only
 * fields dropped, tags kept (except the reserved `aws:` ones, which AWS refuses on input).
 */
export function registrationInput(taskDefinition: TaskDefinition, tags: Tag[] = []): RegisterTaskDefinitionCommandInput {
  const copy: Record<string, unknown> = structuredClone(taskDefinition) as Record<string, unknown>;
  for (const field of READ_ONLY) delete copy[field];
  for (const [key, value] of Object.entries(copy)) if (value === undefined || value === null) delete copy[key];
  const keptTags = tags.filter((t) => t.key && !t.key.toLowerCase().startsWith('aws:'));
  const input = copy as unknown as RegisterTaskDefinitionCommandInput;
  if (keptTags.length) input.tags = keptTags;
  return input;
}

/**
 * Puts `image` into the chosen containers: the named ones, or by default every container whose
 * image is on the new image's repository. Returns the names changed; throws when none match.
 */
export function replaceImage(
  containers: ContainerDefinition[],
  image: string,
  chosen: string[] | undefined,
  serviceLabel: string,
): { containers: ContainerDefinition[]; changed: string[] } {
  const names = containers.map((c) => c.name ?? '?');
  const describe = () => containers.map((c) => `${c.name} (${c.image})`).join(', ') || 'none';
  if (chosen) {
    const missing = chosen.filter((name) => !names.includes(name));
    if (missing.length) {
      throw new ActionError(
        `Service ${serviceLabel} has no container named ${missing.map((m) => `'${m}'`).join(', ')}; its containers are: ${describe()}. Fix the 'containers' input. Nothing was deployed.`,
        'containers',
      );
    }
  }
  const changed: string[] = [];
  const updated = containers.map((container) => {
    const match = chosen ? chosen.includes(container.name ?? '') : Boolean(container.image && sameRepository(container.image, image));
    if (!match) return container;
    changed.push(container.name ?? '?');
    return { ...container, image };
  });
  if (!changed.length) {
    throw new ActionError(
      `Service ${serviceLabel} has no container whose image is on the repository of ${image}; its containers are: ${describe()}. ` +
        "Name the containers to update with the 'containers' input. Nothing was deployed.",
      'containers',
    );
  }
  return { containers: updated, changed };
}

export interface TaskDefinitionPlan {
  /** The task definition the services run now. */
  sourceArn: string;
  family: string;
  services: string[];
  input: RegisterTaskDefinitionCommandInput;
  changedContainers: string[];
}

/**
 * Reads each service's current task definition and prepares the new revision, without changing
 * anything. Services running the same task definition share one plan, hence one new revision.
 * (Services on different revisions of one family each get their own copy: copying one
 * revision's settings onto a service running another would change more than the image.)
 */
export async function planTaskDefinitions(
  ecs: ECSClient,
  services: { name: string; taskDefinitionArn: string }[],
  image: string,
  containers: string[] | undefined,
  signal?: AbortSignal,
): Promise<TaskDefinitionPlan[]> {
  const plans = new Map<string, TaskDefinitionPlan>();
  for (const { name, taskDefinitionArn } of services) {
    const existing = plans.get(taskDefinitionArn);
    if (existing) {
      existing.services.push(name);
      continue;
    }
    let response;
    try {
      response = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: taskDefinitionArn, include: ['TAGS'] }), {
        abortSignal: signal,
      });
    } catch (error) {
      throw awsFailure(
        error,
        'ECS',
        'DescribeTaskDefinition',
        `Reading the task definition of service ${name} failed; nothing was deployed.`,
      );
    }
    const taskDefinition = response.taskDefinition;
    if (!taskDefinition?.family) throw new ActionError(`ECS returned no task definition for ${taskDefinitionArn} (service ${name}).`);
    const input = registrationInput(taskDefinition, response.tags);
    const replaced = replaceImage(input.containerDefinitions ?? [], image, containers, name);
    input.containerDefinitions = replaced.containers;
    plans.set(taskDefinitionArn, {
      sourceArn: taskDefinitionArn,
      family: taskDefinition.family,
      services: [name],
      input,
      changedContainers: replaced.changed,
    });
  }
  return [...plans.values()];
}

/**
 * Registers one new revision per plan, one at a time (RegisterTaskDefinition allows 1 call/s
 * sustained per account; the SDK retries throttling). Returns source ARN → new ARN.
 */
export async function registerTaskDefinitions(ecs: ECSClient, plans: TaskDefinitionPlan[], logger: Logger): Promise<Map<string, string>> {
  const registered = new Map<string, string>();
  for (const plan of plans) {
    let response;
    try {
      response = await ecs.send(new RegisterTaskDefinitionCommand(plan.input));
    } catch (error) {
      const done = [...registered.values()];
      throw awsFailure(
        error,
        'ECS',
        'RegisterTaskDefinition',
        `No service was updated${done.length ? ` (already registered, unused and harmless: ${done.join(', ')})` : ''}.`,
      );
    }
    const arn = response.taskDefinition?.taskDefinitionArn;
    if (!arn) throw new ActionError(`ECS registered no task definition for family ${plan.family}.`);
    registered.set(plan.sourceArn, arn);
    logger.info(
      `Registered ${shortArn(arn)} from ${shortArn(plan.sourceArn)} (containers ${plan.changedContainers.join(', ')}) for ${plan.services.join(', ')}.`,
    );
  }
  return registered;
}

/**
 * `task-definitions`: every given revision must exist before any service is updated, so a typo
 * fails the step with nothing changed rather than half-way through the UpdateService calls.
 */
export async function checkTaskDefinitionsExist(ecs: ECSClient, given: Record<string, string>, signal?: AbortSignal): Promise<void> {
  const problems: string[] = [];
  for (const arn of new Set(Object.values(given))) {
    const services = Object.keys(given).filter((name) => given[name] === arn);
    try {
      const response = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: arn }), { abortSignal: signal });
      if (response.taskDefinition?.status && response.taskDefinition.status !== 'ACTIVE') {
        problems.push(`${shortArn(arn)} (for ${services.join(', ')}) is ${response.taskDefinition.status}`);
      }
    } catch (error) {
      if (awsErrorCode(error) !== 'ClientException') {
        throw awsFailure(error, 'ECS', 'DescribeTaskDefinition', 'Checking the given task definitions failed; nothing was deployed.');
      }
      problems.push(`${shortArn(arn)} (for ${services.join(', ')}) does not exist (${(error as Error).message})`);
    }
  }
  if (problems.length) {
    throw new ActionError(
      `Nothing was deployed: ${problems.join('; ')}. Check the 'task-definitions' input (the task-definition-arns output of a register-only run).`,
      'task-definitions',
    );
  }
}

/** `arn:aws:ecs:...:task-definition/web:42` → `web:42`. */
export function shortArn(arn: string): string {
  return arn.includes('/') ? arn.slice(arn.lastIndexOf('/') + 1) : arn;
}
