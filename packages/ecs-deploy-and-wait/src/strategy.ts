import type { Service } from '@aws-sdk/client-ecs';

/**
 * Who rolls a failed deployment back:
 * - `ecs`: ECS itself (circuit breaker or CloudWatch alarms with rollback on); the action never
 *   adds a rollback of its own, which would compete with ECS's;
 * - `stop-deployment`: blue/green, linear or canary without ECS rollback; `rollback: true` asks ECS
 *   to roll back with StopServiceDeployment(stopType ROLLBACK), never with an UpdateService;
 * - `update-service`: rolling without ECS rollback; `rollback: true` updates the service back to
 *   its previous task definition.
 */
export type RollbackOwner = 'ecs' | 'stop-deployment' | 'update-service';

/** What the service's deploymentConfiguration says about how its deployments run and end. */
export interface DeploymentPlan {
  strategy: 'ROLLING' | 'BLUE_GREEN' | 'LINEAR' | 'CANARY';
  /** Minutes both revisions keep running after the production traffic shift (undefined: not set). */
  bakeTimeInMinutes?: number;
  alarms: string[];
  alarmsRollback: boolean;
  breakerRollback: boolean;
  hooks: { arn: string; stages: string[] }[];
  rollbackOwner: RollbackOwner;
}

/** Field names: DeploymentConfiguration in @aws-sdk/client-ecs dist-types/models/models_0.d.ts. */
export function deploymentPlan(service: Service): DeploymentPlan {
  const config = service.deploymentConfiguration ?? {};
  const strategy = (config.strategy ?? 'ROLLING') as DeploymentPlan['strategy'];
  const alarms = config.alarms?.enable ? (config.alarms.alarmNames ?? []) : [];
  const alarmsRollback = Boolean(config.alarms?.enable && config.alarms.rollback);
  const breakerRollback = Boolean(config.deploymentCircuitBreaker?.enable && config.deploymentCircuitBreaker.rollback);
  const rollbackOwner: RollbackOwner =
    alarmsRollback || breakerRollback ? 'ecs' : strategy === 'ROLLING' ? 'update-service' : 'stop-deployment';
  return {
    strategy,
    bakeTimeInMinutes: config.bakeTimeInMinutes,
    alarms,
    alarmsRollback,
    breakerRollback,
    hooks: (config.lifecycleHooks ?? []).map((h) => ({ arn: h.hookTargetArn ?? h.targetType ?? 'hook', stages: h.lifecycleStages ?? [] })),
    rollbackOwner,
  };
}

/**
 * The pre-flight line: strategy, bake time, alarms, hooks and which rollback applies, e.g.
 * `BLUE_GREEN, bake time 20 min, alarms web-5xx (ECS rolls back), hooks PRE_SCALE_UP → arn:...;
 * rollback: by ECS (alarms); rollback: true will not add one`.
 */
export function describePlan(plan: DeploymentPlan, actionRollback: boolean): string {
  const parts = [`strategy ${plan.strategy}`];
  if (plan.strategy === 'LINEAR' || plan.strategy === 'CANARY' || plan.strategy === 'BLUE_GREEN' || plan.bakeTimeInMinutes !== undefined) {
    parts.push(`bake time ${plan.bakeTimeInMinutes ?? 0} min`);
  } else if (plan.alarms.length) {
    parts.push('bake time computed by ECS (alarms)');
  }
  parts.push(
    plan.alarms.length ? `alarms ${plan.alarms.join(', ')}${plan.alarmsRollback ? ' (with rollback)' : ' (no rollback)'}` : 'no alarms',
  );
  parts.push(
    plan.hooks.length
      ? `lifecycle hooks ${plan.hooks.map((h) => `${h.stages.join('+') || 'no stage'} → ${h.arn}`).join(', ')}`
      : 'no lifecycle hooks',
  );
  const owner = {
    ecs: `rollback by ECS (${[plan.breakerRollback ? 'circuit breaker' : '', plan.alarmsRollback ? 'alarms' : ''].filter(Boolean).join(' and ')})${actionRollback ? '; rollback: true adds none' : ''}`,
    'stop-deployment': actionRollback
      ? 'no ECS rollback; rollback: true asks ECS to roll back (StopServiceDeployment ROLLBACK) after a timeout, never during the bake'
      : 'no rollback (neither ECS nor rollback: true)',
    'update-service': actionRollback
      ? 'no ECS rollback; rollback: true redeploys the previous task definition after a failure or timeout, never during a bake'
      : 'no rollback (neither ECS nor rollback: true)',
  }[plan.rollbackOwner];
  return `${parts.join(', ')}; ${owner}`;
}
