import type { ECSClient, Service } from '@aws-sdk/client-ecs';
import { ActionError } from '@allthrive/toolkit';
import { awsFailure } from './aws-errors.js';
import { describeServices } from './describe-services.js';
import { serviceName } from './inputs.js';

export interface PreflightService {
  name: string;
  service: Service;
  previousTaskDefinitionArn: string;
  /** ECS rolls the service back itself when its circuit breaker trips. */
  ecsRollsBack: boolean;
}

/**
 * Checks every service before anything changes: it exists, is ACTIVE and uses the ECS (rolling)
 * deployment controller, the only one whose deployments this action can follow. All problems are
 * reported together, so one run tells the whole story.
 */
export async function preflight(ecs: ECSClient, cluster: string, services: string[], signal?: AbortSignal): Promise<PreflightService[]> {
  const names = services.map(serviceName);
  let described;
  try {
    described = await describeServices(ecs, cluster, services, signal);
  } catch (error) {
    throw awsFailure(error, 'ECS', 'DescribeServices', `Checking the services in cluster ${cluster} failed before anything was changed.`);
  }
  const problems: string[] = [];
  const ready: PreflightService[] = [];
  for (const name of names) {
    const service = described.services.get(name);
    const failure = described.failures.get(name);
    if (!service) {
      const why =
        failure?.reason === 'MISSING' || !failure
          ? 'does not exist'
          : `could not be described (${failure.reason}${failure.detail ? `: ${failure.detail}` : ''})`;
      problems.push(`service '${name}' ${why} in cluster ${cluster}`);
      continue;
    }
    if (service.status !== 'ACTIVE') {
      problems.push(`service '${name}' is ${service.status ?? 'in an unknown state'}, not ACTIVE`);
      continue;
    }
    const controller = service.deploymentController?.type ?? 'ECS';
    if (controller !== 'ECS') {
      problems.push(
        `service '${name}' uses the ${controller} deployment controller; this action follows ECS rolling deployments only (use CodeDeploy for blue/green)`,
      );
      continue;
    }
    if (!service.taskDefinition) {
      problems.push(`service '${name}' has no task definition`);
      continue;
    }
    const breaker = service.deploymentConfiguration?.deploymentCircuitBreaker;
    ready.push({
      name,
      service,
      previousTaskDefinitionArn: service.taskDefinition,
      ecsRollsBack: Boolean(breaker?.enable && breaker?.rollback),
    });
  }
  if (problems.length) {
    throw new ActionError(
      `Nothing was deployed: ${problems.join('; ')}. Check the 'cluster' and 'services' inputs (service names as shown in the ECS console).`,
      'ecs-deploy-and-wait preflight',
    );
  }
  return ready;
}
