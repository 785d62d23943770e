import {
  DescribeServiceDeploymentsCommand,
  ListServiceDeploymentsCommand,
  type ECSClient,
  type Failure,
  type ServiceDeployment,
} from '@aws-sdk/client-ecs';
import { batches } from './describe-services.js';

/** DescribeServiceDeploymentsRequest.serviceDeploymentArns: "You can specify a maximum of 20 ARNs." (SDK model). */
export const DESCRIBE_DEPLOYMENTS_BATCH = 20;

/** ServiceDeploymentLifecycleStage in the order a deployment goes through them (SDK model, lifecycleStage). */
export const STAGE_ORDER = [
  'RECONCILE_SERVICE',
  'PRE_SCALE_UP',
  'SCALE_UP',
  'POST_SCALE_UP',
  'TEST_TRAFFIC_SHIFT',
  'POST_TEST_TRAFFIC_SHIFT',
  'PRODUCTION_TRAFFIC_SHIFT',
  'POST_PRODUCTION_TRAFFIC_SHIFT',
  'BAKE_TIME',
  'CLEAN_UP',
] as const;

export const ROLLING_BACK = new Set(['ROLLBACK_REQUESTED', 'ROLLBACK_IN_PROGRESS']);
export const FINISHED = new Set(['SUCCESSFUL', 'STOPPED', 'ROLLBACK_SUCCESSFUL', 'ROLLBACK_FAILED']);

export function stageIndex(stage: string | undefined): number {
  return STAGE_ORDER.indexOf(stage as (typeof STAGE_ORDER)[number]);
}

/** Production traffic is all on the new revision and the deployment is healthy: BAKE_TIME or later. */
export function trafficShifted(deployment: ServiceDeployment): boolean {
  return deployment.status === 'IN_PROGRESS' && stageIndex(deployment.lifecycleStage) >= stageIndex('BAKE_TIME');
}

/** Healthy and only baking: IN_PROGRESS at BAKE_TIME with no alarm or breaker triggered. */
export function baking(deployment: ServiceDeployment | undefined): boolean {
  return Boolean(
    deployment &&
    deployment.status === 'IN_PROGRESS' &&
    deployment.lifecycleStage === 'BAKE_TIME' &&
    deployment.alarms?.status !== 'TRIGGERED' &&
    deployment.deploymentCircuitBreaker?.status !== 'TRIGGERED',
  );
}

export interface DescribedDeployments {
  deployments: Map<string, ServiceDeployment>;
  failures: Map<string, Failure>;
}

/** One DescribeServiceDeployments call per 20 ARNs (so one per tick for up to 20 services). Errors propagate. */
export async function describeServiceDeployments(ecs: ECSClient, arns: string[], signal?: AbortSignal): Promise<DescribedDeployments> {
  const result: DescribedDeployments = { deployments: new Map(), failures: new Map() };
  for (const batch of batches(arns, DESCRIBE_DEPLOYMENTS_BATCH)) {
    const response = await ecs.send(new DescribeServiceDeploymentsCommand({ serviceDeploymentArns: batch }), { abortSignal: signal });
    for (const d of response.serviceDeployments ?? []) if (d.serviceDeploymentArn) result.deployments.set(d.serviceDeploymentArn, d);
    for (const f of response.failures ?? []) if (f.arn) result.failures.set(f.arn, f);
  }
  return result;
}

/**
 * The service deployment our UpdateService created, when its response did not name it
 * (`currentServiceDeployment`): the oldest one created since we sent the update that is not the
 * one the service had before. Undefined when the service has none (deployments before 2024-10-25,
 * or an endpoint without the API).
 */
export async function findServiceDeployment(
  ecs: ECSClient,
  cluster: string,
  service: string,
  sentAtMs: number,
  previousArn: string | undefined,
  signal?: AbortSignal,
): Promise<string | undefined> {
  const response = await ecs.send(
    new ListServiceDeploymentsCommand({ cluster, service, createdAt: { after: new Date(sentAtMs - 60_000) } }),
    { abortSignal: signal },
  );
  const candidates = (response.serviceDeployments ?? [])
    .filter((d) => d.serviceDeploymentArn && d.serviceDeploymentArn !== previousArn)
    .sort((a, b) => time(a.createdAt) - time(b.createdAt));
  return candidates[0]?.serviceDeploymentArn;
}

function time(date: Date | undefined): number {
  return date ? new Date(date).getTime() : 0;
}

/** Why ECS failed a deployment: the triggered alarms, the tripped circuit breaker, its own words. */
export function failureCause(deployment: ServiceDeployment): string {
  const causes: string[] = [];
  const alarms = deployment.alarms?.triggeredAlarmNames ?? [];
  if (alarms.length) causes.push(`CloudWatch alarm${alarms.length === 1 ? '' : 's'} ${alarms.join(', ')} in ALARM`);
  if (deployment.deploymentCircuitBreaker?.status === 'TRIGGERED') {
    causes.push(`circuit breaker tripped (${deployment.deploymentCircuitBreaker.failureCount ?? '?'} failed tasks)`);
  }
  for (const text of new Set([deployment.statusReason, deployment.rollback?.reason])) {
    // ECS's own sentence repeats the alarm names already given.
    if (text && !alarms.some((a) => text.includes(a))) causes.push(text);
  }
  return causes.join('; ') || 'no reason given';
}

/** `production traffic 30% on the new revision, test 100%` */
export function trafficLine(deployment: ServiceDeployment): string {
  const target = deployment.targetServiceRevision;
  const production = target?.requestedProductionTrafficWeight;
  const test = target?.requestedTestTrafficWeight;
  const parts: string[] = [];
  if (production !== undefined) parts.push(`production traffic ${production}% on the new revision`);
  if (test) parts.push(`test traffic ${test}%`);
  if (target?.runningTaskCount !== undefined)
    parts.push(`${target.runningTaskCount}/${target.requestedTaskCount ?? '?'} new tasks running`);
  return parts.join(', ');
}

/** The hook holding the current stage, if one is running or awaiting action. */
export function heldBy(deployment: ServiceDeployment): string | undefined {
  const hook = (deployment.lifecycleHookDetails ?? []).find((h) => h.status === 'IN_PROGRESS' || h.status === 'AWAITING_ACTION');
  if (!hook) return undefined;
  return `${hook.targetArn ?? `${hook.targetType ?? 'PAUSE'} hook ${hook.hookId ?? ''}`.trim()} (${hook.status}${hook.expiresAt ? `, times out at ${clockTime(new Date(hook.expiresAt).getTime())}` : ''})`;
}

/** `12:34:56 UTC` (a date too when it is not today's). */
export function clockTime(ms: number, nowMs = ms): string {
  const iso = new Date(ms).toISOString();
  const sameDay = iso.slice(0, 10) === new Date(nowMs).toISOString().slice(0, 10);
  return `${sameDay ? '' : `${iso.slice(0, 10)} `}${iso.slice(11, 19)} UTC`;
}
