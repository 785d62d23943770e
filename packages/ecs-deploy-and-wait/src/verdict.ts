import type { Deployment, Failure, Service, ServiceDeployment } from '@aws-sdk/client-ecs';
import { failureCause, trafficShifted } from './service-deployments.js';
import { shortArn } from './task-definition.js';
import type { WaitUntil } from './types.js';

/** The deployment this run created and must follow (not "the service"). */
export interface TrackedDeployment {
  name: string;
  deploymentId: string;
  taskDefinitionArn: string;
  previousTaskDefinitionArn: string;
}

export type Verdict =
  { status: 'waiting' } | { status: 'success' | 'failed' | 'rolled-back' | 'superseded'; reason: string; replacedBy?: string };

/**
 * The state machine of one service, evaluated on each DescribeServices snapshot:
 * - failed as soon as our deployment's rolloutState is FAILED (the circuit breaker tripped), even
 *   if ECS then rolls back and the service looks "stable" again;
 * - rolled back when another deployment replaced ours and runs the previous task definition;
 * - superseded when another deployment, on some other task definition, replaced ours;
 * - success when ours is PRIMARY, COMPLETED and running = desired; without rolloutState (classic
 *   load balancer) when ours is the only deployment and running = desired;
 * - otherwise waiting.
 */
export function judge(service: Service | undefined, failure: Failure | undefined, tracked: TrackedDeployment): Verdict {
  if (!service) {
    return { status: 'failed', reason: `the service could no longer be described (${failure?.reason ?? 'MISSING'})` };
  }
  if (service.status !== 'ACTIVE') {
    return { status: 'failed', reason: `the service became ${service.status} while deploying` };
  }
  const deployments = service.deployments ?? [];
  const ours = deployments.find((d) => d.id === tracked.deploymentId);
  const primary = deployments.find((d) => d.status === 'PRIMARY');

  if (ours?.rolloutState === 'FAILED') {
    const why = ours.rolloutStateReason || 'the deployment failed';
    const rollingBack =
      primary && primary.id !== ours.id && primary.taskDefinition === tracked.previousTaskDefinitionArn
        ? `; ECS is rolling back to ${shortArn(primary.taskDefinition)} (deployment ${primary.id})`
        : '';
    return { status: 'failed', reason: `deployment ${ours.id} failed: ${why}${rollingBack}` };
  }

  if (primary && primary.id !== tracked.deploymentId) {
    const gone = ours ? `is no longer PRIMARY` : `is gone`;
    const rolledBack =
      tracked.previousTaskDefinitionArn !== tracked.taskDefinitionArn && primary.taskDefinition === tracked.previousTaskDefinitionArn;
    if (rolledBack) {
      return {
        status: 'rolled-back',
        reason: `deployment ${tracked.deploymentId} ${gone}: ECS rolled the service back to ${shortArn(primary.taskDefinition!)} (deployment ${primary.id})${primary.rolloutStateReason ? `: ${primary.rolloutStateReason}` : ''}`,
        replacedBy: primary.id,
      };
    }
    return {
      status: 'superseded',
      reason: `deployment ${tracked.deploymentId} ${gone}: deployment ${primary.id} (${shortArn(primary.taskDefinition ?? 'unknown')}) replaced it; someone or something else deployed this service meanwhile`,
      replacedBy: primary.id,
    };
  }

  if (!ours) {
    return { status: 'failed', reason: `deployment ${tracked.deploymentId} disappeared and the service has no PRIMARY deployment` };
  }

  if (ours.rolloutState) {
    if (ours.status === 'PRIMARY' && ours.rolloutState === 'COMPLETED' && ours.runningCount === ours.desiredCount) {
      return { status: 'success', reason: `deployment ${ours.id} completed: ${ours.runningCount}/${ours.desiredCount} tasks running` };
    }
    return { status: 'waiting' };
  }
  // No rolloutState (for example behind a classic load balancer): the old "stable" rule, on our deployment.
  if (deployments.length === 1 && ours.status === 'PRIMARY' && service.runningCount === service.desiredCount) {
    return {
      status: 'success',
      reason: `deployment ${ours.id} is the only one and ${service.runningCount}/${service.desiredCount} tasks are running`,
    };
  }
  return { status: 'waiting' };
}

export function ourDeployment(service: Service | undefined, deploymentId: string): Deployment | undefined {
  return service?.deployments?.find((d) => d.id === deploymentId);
}

/** `deployment ecs-svc/1 IN_PROGRESS: running 1/2, pending 1, failed tasks 3; 2 deployments` */
export function progress(service: Service | undefined, deploymentId: string): string {
  if (!service) return 'no data';
  const ours = ourDeployment(service, deploymentId);
  const counts = ours
    ? `deployment ${ours.id} ${ours.rolloutState ?? ours.status ?? ''}: running ${ours.runningCount ?? 0}/${ours.desiredCount ?? 0}, pending ${ours.pendingCount ?? 0}, failed tasks ${ours.failedTasks ?? 0}`
    : `deployment ${deploymentId} not found`;
  const total = service.deployments?.length ?? 0;
  return `${counts}; service running ${service.runningCount ?? 0}/${service.desiredCount ?? 0}; ${total} deployment${total === 1 ? '' : 's'}`;
}

/**
 * The verdict from the service deployment (DescribeServiceDeployments), for every strategy:
 * - success only when it is SUCCESSFUL (bake included), or with `traffic-shifted` on blue/green,
 *   linear and canary once production traffic is all on the new revision and it is healthy
 *   (BAKE_TIME or later);
 * - rolled-back once ECS's rollback finished (ROLLBACK_SUCCESSFUL); failed when it failed
 *   (ROLLBACK_FAILED) or ECS stopped it without rollback (STOPPED with the cause);
 * - superseded when a newer service deployment replaced it;
 * - waiting otherwise, including while ECS rolls back (the waiter reports `failed` at once in the
 *   log and keeps following the rollback).
 * Status and stage values: ServiceDeploymentStatus / ServiceDeploymentLifecycleStage (SDK model).
 */
export function judgeServiceDeployment(
  deployment: ServiceDeployment,
  service: Service | undefined,
  tracked: TrackedDeployment,
  waitUntil: WaitUntil,
  strategy: string,
): Verdict {
  const id = tracked.deploymentId;
  const cause = failureCause(deployment);
  switch (deployment.status) {
    case 'SUCCESSFUL':
      return {
        status: 'success',
        reason: `service deployment of ${id} SUCCESSFUL${deployment.lifecycleStage ? ` (${strategy})` : ''}: ${deployment.targetServiceRevision?.runningTaskCount ?? ourDeployment(service, id)?.runningCount ?? '?'}/${deployment.targetServiceRevision?.requestedTaskCount ?? service?.desiredCount ?? '?'} tasks running`,
      };
    case 'ROLLBACK_SUCCESSFUL':
      return {
        status: 'rolled-back',
        reason: `ECS rolled deployment ${id} back${service?.taskDefinition && service.taskDefinition !== tracked.taskDefinitionArn ? ` to ${shortArn(service.taskDefinition)}` : ''}: ${cause}`,
      };
    case 'ROLLBACK_FAILED':
      return { status: 'failed', reason: `deployment ${id} failed and ECS's rollback failed too: ${cause}` };
    case 'STOPPED':
    case 'STOP_REQUESTED': {
      const newer = service?.currentServiceDeployment;
      // ECS's words ("Replaced by a new service deployment."), or the service now follows another one.
      if (
        /replaced by a new service deployment/i.test(deployment.statusReason ?? '') ||
        (newer && newer !== deployment.serviceDeploymentArn)
      ) {
        return {
          status: 'superseded',
          reason: `deployment ${id} was replaced by a newer service deployment${newer && newer !== deployment.serviceDeploymentArn ? ` (${newer.slice(newer.lastIndexOf('/') + 1)})` : ''}; someone or something else deployed this service meanwhile`,
          replacedBy: newer,
        };
      }
      return { status: 'failed', reason: `deployment ${id} ${deployment.status} by ECS without rollback: ${cause}` };
    }
    default:
      if (waitUntil === 'traffic-shifted' && strategy !== 'ROLLING' && trafficShifted(deployment)) {
        return {
          status: 'success',
          reason: `production traffic is all on the new revision and deployment ${id} is healthy (stage ${deployment.lifecycleStage}; wait-until: traffic-shifted); ECS finishes the bake without this job`,
        };
      }
      return { status: 'waiting' };
  }
}
