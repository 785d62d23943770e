import { UpdateServiceCommand, type ECSClient } from '@aws-sdk/client-ecs';
import { ActionError, type Clock, type Logger } from '@allthrive/toolkit';
import { awsFailure } from './aws-errors.js';
import { shortArn } from './task-definition.js';

export interface StartedDeployment {
  name: string;
  deploymentId: string;
  taskDefinitionArn: string;
  startedAt: number;
}

/**
 * Exactly one UpdateService per service (task definition and force flag in the same call, so ECS
 * starts one deployment, not two). The new PRIMARY deployment in the response is ours: that id is
 * what the waiter follows. On a failure part-way, the message says which services were updated.
 */
export async function startDeployments(
  ecs: ECSClient,
  cluster: string,
  services: { name: string; taskDefinitionArn?: string }[],
  forceNewDeployment: boolean,
  logger: Logger,
  clock: Clock,
): Promise<StartedDeployment[]> {
  const started: StartedDeployment[] = [];
  for (const { name, taskDefinitionArn } of services) {
    let response;
    try {
      response = await ecs.send(
        new UpdateServiceCommand({ cluster, service: name, taskDefinition: taskDefinitionArn, forceNewDeployment }),
      );
    } catch (error) {
      const rest = services.slice(started.length).map((s) => s.name);
      const done = started.map((s) => `${s.name} (deployment ${s.deploymentId})`);
      throw awsFailure(
        error,
        'ECS',
        'UpdateService',
        `${done.length ? `Already updated and rolling out on ECS: ${done.join(', ')}. ` : ''}Not updated: ${rest.join(', ')}. Re-running the step deploys all of them again.`,
      );
    }
    const service = response.service;
    const primary = service?.deployments?.find((d) => d.status === 'PRIMARY');
    if (!primary?.id) {
      throw new ActionError(`UpdateService for ${name} returned no PRIMARY deployment, so there is nothing to follow.`);
    }
    const arn = taskDefinitionArn ?? service?.taskDefinition ?? primary.taskDefinition ?? '';
    started.push({ name, deploymentId: primary.id, taskDefinitionArn: arn, startedAt: clock.now() });
    logger.info(`${name}: started deployment ${primary.id} of ${shortArn(arn)}.`);
  }
  return started;
}
