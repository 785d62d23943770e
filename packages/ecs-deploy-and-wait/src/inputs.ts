import { InputError, type Inputs } from '@allthrive/toolkit';
import { parseImage } from './image-ref.js';
import type { DeployOptions } from './types.js';

const NAME = /^[A-Za-z0-9_-]{1,255}$/;
const CLUSTER_ARN = /^arn:aws[a-z-]*:ecs:[a-z0-9-]+:\d{12}:cluster\/[A-Za-z0-9_-]{1,255}$/;
const SERVICE_ARN = /^arn:aws[a-z-]*:ecs:[a-z0-9-]+:\d{12}:service\/([A-Za-z0-9_-]{1,255}\/)?[A-Za-z0-9_-]{1,255}$/;
/** A task-definition revision: a full ARN or `family:revision` (what UpdateService accepts). */
const TASK_DEFINITION = /^(arn:aws[a-z-]*:ecs:[a-z0-9-]+:\d{12}:task-definition\/)?[A-Za-z0-9_-]{1,255}:\d+$/;

/**
 * Reads and validates every input of ecs-deploy-and-wait (the AWS ones excepted: readAwsInputs).
 * Everything is checked here, so a bad value fails the step before the first AWS call.
 */
export function readOptions(inputs: Inputs): DeployOptions {
  const cluster = inputs.string('cluster', { required: true, accepted: 'an ECS cluster name or ARN' });
  if (!NAME.test(cluster) && !CLUSTER_ARN.test(cluster)) {
    throw new InputError(
      'cluster',
      `Input 'cluster' has the value '${cluster}', which is not accepted: expected an ECS cluster name (letters, digits, - and _, up to 255) or a cluster ARN.`,
    );
  }

  const given = inputs.list('services', {
    required: true,
    accepted: 'one or more ECS service names separated by commas or newlines, such as web,celery,celery-beat',
  });
  const services: string[] = [];
  for (const service of given) {
    if (!NAME.test(service) && !SERVICE_ARN.test(service)) {
      throw new InputError(
        'services',
        `Input 'services' contains '${service}', which is not accepted: expected ECS service names (letters, digits, - and _, up to 255) or service ARNs.`,
      );
    }
    if (services.includes(service)) {
      throw new InputError('services', `Input 'services' lists '${service}' twice: give each service once.`);
    }
    services.push(service);
  }

  inputs.exclusive('image', 'task-definitions');
  const image = inputs.optional('image');
  if (image !== undefined && !parseImage(image)) {
    throw new InputError(
      'image',
      `Input 'image' has the value '${image}', which is not accepted: expected an image URI such as 123456789012.dkr.ecr.eu-west-1.amazonaws.com/app:v42 or app@sha256:<64 hex digits>.`,
    );
  }

  const containerList = inputs.list('containers');
  for (const container of containerList) {
    if (!NAME.test(container)) {
      throw new InputError(
        'containers',
        `Input 'containers' contains '${container}', which is not accepted: expected container names (letters, digits, - and _).`,
      );
    }
  }
  if (containerList.length && image === undefined) {
    throw new InputError('containers', "Input 'containers' was given without 'image': name the new image to put into those containers.");
  }

  const taskDefinitions = readTaskDefinitions(inputs, services);
  const registerOnly = inputs.boolean('register-only', false);
  if (registerOnly && image === undefined) {
    throw new InputError(
      'register-only',
      `Input 'register-only' is true but no 'image' was given${taskDefinitions ? " ('task-definitions' names revisions that are already registered)" : ''}: register-only registers new revisions with the new image, so give 'image'.`,
    );
  }

  const pinDigest = inputs.boolean('pin-digest', true);
  const forceNewDeployment = inputs.boolean('force-new-deployment', true);
  if (image === undefined && !taskDefinitions && !forceNewDeployment) {
    throw new InputError(
      'force-new-deployment',
      "Input 'force-new-deployment' is false and no 'image' was given, so nothing would be deployed: give an image, or set force-new-deployment to true to redeploy the current task definitions.",
    );
  }
  const wait = inputs.boolean('wait', true);
  const timeoutMs = inputs.duration('timeout', { default: '15m', minMs: 1000, maxMs: 6 * 3_600_000 });
  const pollIntervalMs = inputs.duration('poll-interval', { default: '10s', minMs: 1000, maxMs: 600_000 });
  const rollback = inputs.boolean('rollback', false);
  const containerLogs = {
    tasks: inputs.integer('log-tasks', { default: 3, min: 1, max: 20 }),
    lines: inputs.integer('log-lines', { default: 50, min: 1, max: 10_000 }),
    enabled: inputs.boolean('logs-on-failure', true),
  };
  const waitUntil = inputs.enumeration('wait-until', ['completed', 'traffic-shifted'] as const, 'completed');

  return {
    cluster,
    services,
    image,
    containers: containerList.length ? containerList : undefined,
    pinDigest,
    forceNewDeployment,
    wait,
    timeoutMs,
    pollIntervalMs,
    rollback,
    ...(waitUntil !== 'completed' ? { waitUntil } : {}),
    containerLogs,
    ...(registerOnly ? { registerOnly } : {}),
    ...(taskDefinitions ? { taskDefinitions } : {}),
  };
}

/**
 * `task-definitions`: the JSON object `register-only` wrote to `task-definition-arns`
 * (service → task-definition ARN). It must name exactly the services in `services`, so a
 * service is never deployed with a revision meant for another or silently left out.
 */
function readTaskDefinitions(inputs: Inputs, services: string[]): Record<string, string> | undefined {
  const accepted =
    'a JSON object mapping each service to a task-definition ARN, such as the task-definition-arns output of a register-only run';
  const value = inputs.json('task-definitions', { accepted });
  if (value === undefined) return undefined;
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    throw new InputError('task-definitions', `Input 'task-definitions' is not accepted: expected ${accepted}.`);
  }
  const names = services.map(serviceName);
  const entries = Object.entries(value as Record<string, unknown>);
  for (const [service, arn] of entries) {
    if (typeof arn !== 'string' || !TASK_DEFINITION.test(arn)) {
      throw new InputError(
        'task-definitions',
        `Input 'task-definitions' gives ${JSON.stringify(arn)} for '${service}', which is not accepted: expected a task-definition ARN (arn:aws:ecs:<region>:<account>:task-definition/<family>:<revision>) or family:revision.`,
      );
    }
  }
  const extra = entries.map(([service]) => service).filter((service) => !names.includes(service));
  const missing = names.filter((name) => !entries.some(([service]) => service === name));
  if (extra.length || missing.length) {
    throw new InputError(
      'task-definitions',
      `Input 'task-definitions' must name exactly the services in 'services' (${names.join(', ')}): ${[
        missing.length ? `missing ${missing.map((m) => `'${m}'`).join(', ')}` : '',
        extra.length ? `not in 'services': ${extra.map((e) => `'${e}'`).join(', ')}` : '',
      ]
        .filter(Boolean)
        .join('; ')}.`,
    );
  }
  return Object.fromEntries(names.map((name) => [name, (value as Record<string, string>)[name]]));
}

/** The short service name of a name or ARN (`arn:...:service/cluster/web` → `web`). */
export function serviceName(service: string): string {
  return service.startsWith('arn:') ? service.slice(service.lastIndexOf('/') + 1) : service;
}
