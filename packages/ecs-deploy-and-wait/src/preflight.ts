import type { ECSClient, Service } from '@aws-sdk/client-ecs';
import { ActionError } from '@allthrive/toolkit';
import { awsFailure } from './aws-errors.js';
import { describeServices } from './describe-services.js';
import { serviceName } from './inputs.js';
import { deploymentPlan, type DeploymentPlan } from './strategy.js';

export interface PreflightService {
  name: string;
  service: Service;
  previousTaskDefinitionArn: string;
  /** ECS rolls the service back itself (circuit breaker or alarms with rollback). */
  ecsRollsBack: boolean;
  /** Strategy, bake time, alarms, hooks and who rolls back. */
  plan: DeploymentPlan;
}

/**
 * Checks every service before anything changes: it exists, is ACTIVE and uses the ECS deployment
 * controller (rolling, blue/green, linear or canary), the one whose deployments this action follows. All problems are
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
        `service '${name}' uses the ${controller} deployment controller; this action follows deployments of the ECS controller (rolling, blue/green, linear, canary), not CodeDeploy or external ones`,
      );
      continue;
    }
    if (!service.taskDefinition) {
      problems.push(`service '${name}' has no task definition`);
      continue;
    }
    const plan = deploymentPlan(service);
    ready.push({
      name,
      service,
      previousTaskDefinitionArn: service.taskDefinition,
      ecsRollsBack: plan.rollbackOwner === 'ecs',
      plan,
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
