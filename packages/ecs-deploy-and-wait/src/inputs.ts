import { InputError, type Inputs } from '@allthrive/toolkit';
import { parseImage } from './image-ref.js';
import type { DeployOptions } from './types.js';

const NAME = /^[A-Za-z0-9_-]{1,255}$/;
const CLUSTER_ARN = /^arn:aws[a-z-]*:ecs:[a-z0-9-]+:\d{12}:cluster\/[A-Za-z0-9_-]{1,255}$/;
const SERVICE_ARN = /^arn:aws[a-z-]*:ecs:[a-z0-9-]+:\d{12}:service\/([A-Za-z0-9_-]{1,255}\/)?[A-Za-z0-9_-]{1,255}$/;

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

  const pinDigest = inputs.boolean('pin-digest', true);
  const forceNewDeployment = inputs.boolean('force-new-deployment', true);
  if (image === undefined && !forceNewDeployment) {
    throw new InputError(
      'force-new-deployment',
      "Input 'force-new-deployment' is false and no 'image' was given, so nothing would be deployed: give an image, or set force-new-deployment to true to redeploy the current task definitions.",
    );
  }
  const wait = inputs.boolean('wait', true);
  const timeoutMs = inputs.duration('timeout', { default: '15m', minMs: 1000, maxMs: 6 * 3_600_000 });
  const pollIntervalMs = inputs.duration('poll-interval', { default: '10s', minMs: 1000, maxMs: 600_000 });
  const rollback = inputs.boolean('rollback', false);

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
  };
}

/** The short service name of a name or ARN (`arn:...:service/cluster/web` → `web`). */
export function serviceName(service: string): string {
  return service.startsWith('arn:') ? service.slice(service.lastIndexOf('/') + 1) : service;
}
