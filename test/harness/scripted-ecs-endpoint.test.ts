import { describe, expect, it } from '@jest/globals';
import * as ecsSdk from '@aws-sdk/client-ecs';
import {
  DescribeServiceDeploymentsCommand,
  DescribeServicesCommand,
  ECSClient,
  ListServiceDeploymentsCommand,
  StopServiceDeploymentCommand,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import { virtualClock } from '@allthrive/toolkit';
import { closeAfterEach } from './close-after-each.js';
import { CLUSTER, ScriptedEcsEndpoint, scenarios } from './scripted-ecs-endpoint.js';

// The SDK's own schemas (dist-cjs/index.js: `[3, namespace, name, traits, memberNames, memberSchemas]`
// for a structure, `[1, ..., member]` for a list, `[2, ..., key, value]` for a map; numbers are
// simple types, 64|x a list of them, 128|x a map) say which field names exist. Enum values come
// from the SDK's enum objects (dist-types/models/enums.d.ts).
type Schema = number | unknown[] | (() => Schema);
const sdk = ecsSdk as unknown as Record<string, Schema & Record<string, string>>;
const ENUMS: Record<string, Record<string, string>> = {
  'ServiceDeployment.status': sdk.ServiceDeploymentStatus,
  'ServiceDeploymentBrief.status': sdk.ServiceDeploymentStatus,
  'ServiceDeployment.lifecycleStage': sdk.ServiceDeploymentLifecycleStage,
  'DeploymentConfiguration.strategy': sdk.DeploymentStrategy,
  'ServiceDeploymentAlarms.status': sdk.ServiceDeploymentRollbackMonitorsStatus,
  'ServiceDeploymentCircuitBreaker.status': sdk.ServiceDeploymentRollbackMonitorsStatus,
  'DeploymentLifecycleHookDetail.status': sdk.DeploymentLifecycleHookStatus,
  'DeploymentLifecycleHookDetail.targetType': sdk.DeploymentLifecycleHookTargetType,
  'DeploymentLifecycleHookDetail.timeoutAction': sdk.DeploymentLifecycleHookAction,
  'DeploymentLifecycleHook.lifecycleStages': sdk.DeploymentLifecycleHookStage,
  'Deployment.rolloutState': sdk.DeploymentRolloutState,
  'Task.stopCode': sdk.TaskStopCode,
};

function checkShape(schema: Schema, value: unknown, path: string, problems: string[], enumKey?: string): void {
  const resolved = typeof schema === 'function' ? schema() : schema;
  if (Array.isArray(resolved)) {
    const [kind, , name] = resolved as [number, string, string];
    if (kind === 3) {
      if (!value || typeof value !== 'object' || Array.isArray(value)) return void problems.push(`${path}: expected a ${name} object`);
      const names = resolved[4] as string[];
      const members = resolved[5] as Schema[];
      for (const [key, member] of Object.entries(value)) {
        const index = names.indexOf(key);
        if (index < 0) problems.push(`${path}.${key}: no such field in ${name}`);
        else checkShape(members[index], member, `${path}.${key}`, problems, `${name}.${key}`);
      }
    } else if (kind === 1) {
      if (!Array.isArray(value)) return void problems.push(`${path}: expected a list`);
      value.forEach((item, i) => checkShape(resolved[4] as Schema, item, `${path}[${i}]`, problems, enumKey));
    } else if (kind === 2) {
      for (const [key, item] of Object.entries(value as object)) checkShape(resolved[5] as Schema, item, `${path}.${key}`, problems);
    }
    return;
  }
  if ((resolved as number) & 64) {
    if (!Array.isArray(value)) return void problems.push(`${path}: expected a list`);
    value.forEach((item, i) => checkShape((resolved as number) & 63, item, `${path}[${i}]`, problems, enumKey));
    return;
  }
  if ((resolved as number) & 128) return;
  const type = { 0: 'string', 1: 'number', 2: 'boolean', 4: 'number' }[resolved as 0 | 1 | 2 | 4];
  if (type && typeof value !== type) problems.push(`${path}: expected a ${type}, got ${JSON.stringify(value)}`);
  const allowed = enumKey ? ENUMS[enumKey] : undefined;
  if (allowed && !Object.values(allowed).includes(value as string))
    problems.push(`${path}: ${JSON.stringify(value)} is not a ${enumKey} value`);
}

describe('scripted ECS endpoint (service deployments over time)', () => {
  const closing = closeAfterEach();

  it('answers in the shapes and enum values of the SDK model, through the real deserializer', async () => {
    const clock = virtualClock(1_700_000_000_000);
    const fake = closing(new ScriptedEcsEndpoint(clock.now));
    await fake
      .addService({
        name: 'web',
        strategy: 'BLUE_GREEN',
        bakeTimeInMinutes: 20,
        alarms: { alarmNames: ['web-5xx'], enable: true, rollback: true },
        lifecycleHooks: [{ hookTargetArn: 'arn:aws:lambda:eu-west-1:123456789012:function:smoke', lifecycleStages: ['PRE_SCALE_UP'] }],
        scenario: scenarios.blueGreen({
          bakeMs: 5000,
          hold: { stage: 'PRE_SCALE_UP', ms: 2000, hookArn: 'arn:aws:lambda:eu-west-1:123456789012:function:smoke' },
          end: { kind: 'alarm', alarm: 'web-5xx' },
        }),
      })
      .addService({
        name: 'celery',
        circuitBreaker: { enable: true, rollback: true },
        scenario: scenarios.rolling({ end: { kind: 'breaker' } }),
      })
      .addService({
        name: 'beat',
        strategy: 'LINEAR',
        linearConfiguration: { stepPercent: 50, stepBakeTimeInMinutes: 1 },
        scenario: scenarios.linear({ stepPercent: 50, stepMs: 500, bakeMs: 500 }),
      })
      .start();
    const ecs = new ECSClient({
      endpoint: fake.endpoint,
      region: 'eu-west-1',
      credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
      maxAttempts: 1,
    });
    const seen: string[] = [];
    const arns: Record<string, string> = {};
    for (const service of ['web', 'celery', 'beat']) {
      const updated = await ecs.send(
        new UpdateServiceCommand({ cluster: CLUSTER, service, taskDefinition: `${service}:1`, forceNewDeployment: true }),
      );
      arns[service] = updated.service!.currentServiceDeployment!;
    }
    for (let t = 0; t < 18; t++) {
      const described = await ecs.send(new DescribeServiceDeploymentsCommand({ serviceDeploymentArns: Object.values(arns) }));
      for (const d of described.serviceDeployments ?? []) {
        seen.push(`${d.serviceDeploymentArn!.split('/')[2]} ${d.status} ${d.lifecycleStage ?? ''}`);
        // Deserialized: timestamps are Dates, numbers are numbers.
        expect(d.createdAt).toBeInstanceOf(Date);
      }
      await ecs.send(new DescribeServicesCommand({ cluster: CLUSTER, services: ['web', 'celery', 'beat'] }));
      if (t === 3)
        await ecs.send(new ListServiceDeploymentsCommand({ cluster: CLUSTER, service: 'web', createdAt: { after: new Date(0) } }));
      clock.advance(700);
    }
    expect(seen).toContain('web IN_PROGRESS PRE_SCALE_UP');
    expect(seen).toContain('web IN_PROGRESS BAKE_TIME');
    expect(seen).toContain('web ROLLBACK_IN_PROGRESS BAKE_TIME');
    expect(seen).toContain('web ROLLBACK_SUCCESSFUL BAKE_TIME');
    expect(seen).toContain('celery ROLLBACK_SUCCESSFUL SCALE_UP');
    expect(seen).toContain('beat IN_PROGRESS PRODUCTION_TRAFFIC_SHIFT');
    expect(seen).toContain('beat SUCCESSFUL CLEAN_UP');
    await fake.supersede('beat');
    const stop = await ecs.send(new UpdateServiceCommand({ cluster: CLUSTER, service: 'beat', forceNewDeployment: true }));
    await ecs.send(
      new StopServiceDeploymentCommand({ serviceDeploymentArn: stop.service!.currentServiceDeployment!, stopType: 'ROLLBACK' }),
    );
    await ecs.send(new DescribeServiceDeploymentsCommand({ serviceDeploymentArns: [stop.service!.currentServiceDeployment!] }));

    const problems: string[] = [];
    const operations = new Set<string>();
    for (const { operation, body } of fake.responses) {
      operations.add(operation);
      checkShape(sdk[`${operation}Response$`] as Schema, body, operation, problems);
    }
    expect(problems).toEqual([]);
    expect([...operations].sort()).toEqual([
      'DescribeServiceDeployments',
      'DescribeServices',
      'ListServiceDeployments',
      'StopServiceDeployment',
      'UpdateService',
    ]);
  });

  it('the shape check finds a misspelt field and a value outside an enum', () => {
    const problems: string[] = [];
    checkShape(
      sdk.DescribeServiceDeploymentsResponse$ as Schema,
      { serviceDeployments: [{ status: 'DONE', lifeCycleStage: 'BAKE_TIME' }] },
      'r',
      problems,
    );
    expect(problems).toEqual([
      'r.serviceDeployments[0].status: "DONE" is not a ServiceDeployment.status value',
      'r.serviceDeployments[0].lifeCycleStage: no such field in ServiceDeployment',
    ]);
  });
});
