import { InputError, type Inputs } from '@allthrive/toolkit';
import type { MigrationOptions } from './types.js';

const NAME = /^[A-Za-z0-9_-]{1,255}$/;
const CLUSTER_ARN = /^arn:aws[a-z-]*:ecs:[a-z0-9-]+:\d{12}:cluster\/[A-Za-z0-9_-]{1,255}$/;
const SERVICE_ARN = /^arn:aws[a-z-]*:ecs:[a-z0-9-]+:\d{12}:service\/([A-Za-z0-9_-]{1,255}\/)?[A-Za-z0-9_-]{1,255}$/;
const TASK_ID = /^[a-f0-9]{32}$|^[a-f0-9-]{36}$/;
const TASK_ARN = /^arn:aws[a-z-]*:ecs:[a-z0-9-]+:\d{12}:task\/([A-Za-z0-9_-]{1,255}\/)?[A-Za-z0-9-]+$/;
const TASK_DEFINITION = /^([A-Za-z0-9_-]{1,255})(:\d+)?$|^arn:aws[a-z-]*:ecs:[a-z0-9-]+:\d{12}:task-definition\/[A-Za-z0-9_-]{1,255}:\d+$/;
const RUN_TASK_ONLY = [
  'task-definition',
  'subnets',
  'security-groups',
  'assign-public-ip',
  'launch-type',
  'capacity-provider-strategy',
] as const;
const CAPACITY_ITEM = /^([A-Za-z0-9_-]{1,255})(?::(\d{1,4}))?(?::(\d{1,6}))?$/;

function reject(input: string, value: string, accepted: string): never {
  throw new InputError(input, `Input '${input}' has the value '${value}', which is not accepted: expected ${accepted}.`);
}

/**
 * Reads and validates every input of ecs-exec-migrate (the AWS ones excepted: readAwsInputs), so a
 * bad value fails the step before the first AWS call.
 */
export function readOptions(inputs: Inputs): MigrationOptions {
  const mode = inputs.enumeration('mode', ['exec', 'run-task'] as const, 'exec');
  const cluster = inputs.string('cluster', { required: true, accepted: 'an ECS cluster name or ARN' });
  if (!NAME.test(cluster) && !CLUSTER_ARN.test(cluster))
    reject('cluster', cluster, 'an ECS cluster name (letters, digits, - and _) or a cluster ARN');

  const service = inputs.optional('service');
  if (service !== undefined && !NAME.test(service) && !SERVICE_ARN.test(service)) {
    reject('service', service, 'an ECS service name (letters, digits, - and _) or a service ARN');
  }
  const task = inputs.optional('task');
  if (task !== undefined) {
    if (mode !== 'exec')
      throw new InputError('task', "Input 'task' is only used with mode: exec (run-task starts its own task): remove it.");
    if (!TASK_ID.test(task) && !TASK_ARN.test(task)) reject('task', task, 'a task ARN or a 32-character task id');
  }

  const container = inputs.string('container', { default: 'web' });
  if (!NAME.test(container)) reject('container', container, 'a container name (letters, digits, - and _)');

  inputs.exclusive('command', 'commands');
  const list = inputs.lines('commands');
  const commands = list.length ? list : undefined;
  const command = commands
    ? commands.join('\n')
    : inputs.string('command', {
        required: true,
        accepted: "a shell command such as `python manage.py migrate --noinput` (or 'commands': one command per line)",
      });
  // eslint-disable-next-line no-control-regex
  if (/\x00/.test(command)) reject(commands ? 'commands' : 'command', command, 'text without NUL characters');

  const timeoutMs = inputs.duration('timeout', { default: '30m', bareUnit: 'm', minMs: 10_000, maxMs: 24 * 3_600_000 });

  const taskDefinition = inputs.optional('task-definition');
  if (taskDefinition !== undefined && !TASK_DEFINITION.test(taskDefinition)) {
    reject('task-definition', taskDefinition, 'a task definition family, family:revision, or ARN');
  }
  const subnets = inputs.list('subnets');
  for (const subnet of subnets)
    if (!/^subnet-[0-9a-f]{8,17}$/.test(subnet)) reject('subnets', subnet, 'subnet ids such as subnet-0123456789abcdef0');
  const securityGroups = inputs.list('security-groups');
  for (const group of securityGroups)
    if (!/^sg-[0-9a-f]{8,17}$/.test(group)) reject('security-groups', group, 'security group ids such as sg-0123456789abcdef0');
  const publicIp = inputs.optional('assign-public-ip');
  const assignPublicIp = publicIp === undefined ? undefined : inputs.enumeration('assign-public-ip', ['ENABLED', 'DISABLED'] as const);
  const launch = inputs.optional('launch-type');
  const launchType = launch === undefined ? undefined : inputs.enumeration('launch-type', ['FARGATE', 'EC2', 'EXTERNAL'] as const);
  inputs.exclusive('launch-type', 'capacity-provider-strategy');
  const capacityProviderStrategy = capacityStrategy(inputs.list('capacity-provider-strategy'));

  if (mode === 'exec') {
    const given = {
      'task-definition': taskDefinition,
      subnets: subnets.join(),
      'security-groups': securityGroups.join(),
      'assign-public-ip': publicIp,
      'launch-type': launch,
      'capacity-provider-strategy': capacityProviderStrategy ? 'given' : undefined,
    };
    for (const name of RUN_TASK_ONLY) {
      if (given[name]) throw new InputError(name, `Input '${name}' is only used with mode: run-task: remove it, or set mode: run-task.`);
    }
    if (!service && !task)
      throw new InputError(
        'service',
        "Input 'service' is required with mode: exec unless 'task' is given: name the service whose task runs the command.",
      );
  } else if (!service && !taskDefinition) {
    throw new InputError(
      'service',
      "Input 'service' is required with mode: run-task unless 'task-definition' is given: name the service to copy the task definition and network from.",
    );
  }
  if (securityGroups.length && !subnets.length) {
    throw new InputError(
      'security-groups',
      "Input 'security-groups' was given without 'subnets': give both, or neither to copy the service's.",
    );
  }

  return {
    cluster,
    service,
    task,
    container,
    command,
    commands,
    mode,
    timeoutMs,
    taskDefinition,
    subnets,
    securityGroups,
    assignPublicIp,
    launchType,
    capacityProviderStrategy,
  };
}

/** `provider[:weight[:base]]` items, as RunTask's capacityProviderStrategy (at most 20, one base). */
function capacityStrategy(items: string[]): MigrationOptions['capacityProviderStrategy'] {
  if (!items.length) return undefined;
  const accepted = '`provider[:weight[:base]]` items such as `FARGATE:1` or `FARGATE_SPOT:3,FARGATE:1:1` (commas or newlines)';
  if (items.length > 20) reject('capacity-provider-strategy', items.join(','), `at most 20 items: ${accepted}`);
  const strategy = items.map((item) => {
    const match = CAPACITY_ITEM.exec(item);
    if (!match) reject('capacity-provider-strategy', item, accepted);
    const weight = match[2] === undefined ? undefined : Number(match[2]);
    const base = match[3] === undefined ? undefined : Number(match[3]);
    if (weight !== undefined && weight > 1000) reject('capacity-provider-strategy', item, `a weight from 0 to 1000: ${accepted}`);
    if (base !== undefined && base > 100_000) reject('capacity-provider-strategy', item, `a base from 0 to 100000: ${accepted}`);
    return { capacityProvider: match[1], ...(weight !== undefined ? { weight } : {}), ...(base !== undefined ? { base } : {}) };
  });
  if (strategy.filter((s) => s.base !== undefined && s.base > 0).length > 1) {
    reject('capacity-provider-strategy', items.join(','), `a base on one item only: ${accepted}`);
  }
  return strategy;
}
