import { describe, expect, it } from '@jest/globals';
import { ECSClient } from '@aws-sdk/client-ecs';
import { memoryLogger, virtualClock } from '@allthrive/toolkit';
import { runDeploy } from '@allthrive/ecs-deploy-and-wait';
import { closeAfterEach } from '../harness/close-after-each.js';
import { FakeAwsError } from '../harness/fake-aws.js';
import { webOptions } from './options.js';
import {
  ScriptedEcsEndpoint,
  scenarios,
  taskDefinitionArn,
  type Scenario,
  type ServiceSpec,
  type Strategy,
} from '../harness/scripted-ecs-endpoint.js';

// The engine against the scripted ECS endpoint over HTTP (real SDK serializer and deserializer),
// with a virtual clock shared by the engine and the endpoint: minutes of bake run in milliseconds.
const HOOK = 'arn:aws:lambda:eu-west-1:123456789012:function:smoke-test';
const MIN = 60_000;

const options = webOptions;

describe('runDeploy follows the service deployment of every ECS strategy', () => {
  const closing = closeAfterEach();

  async function setup(...specs: ServiceSpec[]) {
    const clock = virtualClock(Date.UTC(2026, 11, 7, 12, 0, 0));
    const fake = closing(new ScriptedEcsEndpoint(clock.now));
    for (const spec of specs) fake.addService(spec);
    await fake.start();
    const ecs = new ECSClient({
      endpoint: fake.endpoint,
      region: 'eu-west-1',
      credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
      maxAttempts: 1,
    });
    const logger = memoryLogger();
    return { fake, clock, logger, deps: { ecs, logger, clock, random: () => 0.5 } };
  }

  /** web deployed with `strategy` and a bake of `bakeMinutes`, played out by `scenario` (`extra` may replace it). */
  const web = (strategy: Strategy, bakeMinutes: number, scenario: Scenario, extra: Partial<ServiceSpec> = {}): ServiceSpec => ({
    name: 'web',
    strategy,
    bakeTimeInMinutes: bakeMinutes,
    scenario,
    ...extra,
  });
  const blueGreen = (bakeMinutes: number, extra: Partial<ServiceSpec> = {}) =>
    web('BLUE_GREEN', bakeMinutes, scenarios.blueGreen({ stepMs: 20_000, bakeMs: bakeMinutes * MIN }), extra);
  /** LINEAR: `stepPercent` more production traffic each minute; the scenario plays out the same numbers as the configuration. */
  const linear = (stepPercent: number, bakeMinutes: number) =>
    web('LINEAR', bakeMinutes, scenarios.linear({ stepPercent, stepMs: MIN, bakeMs: bakeMinutes * MIN }), {
      linearConfiguration: { stepPercent, stepBakeTimeInMinutes: 1 },
    });
  /** CANARY: `canaryPercent` of production traffic for `canaryMinutes`, then all of it; configuration and scenario agree. */
  const canary = (canaryPercent: number, canaryMinutes: number, bakeMinutes: number) =>
    web(
      'CANARY',
      bakeMinutes,
      scenarios.canary({ canaryPercent, canaryMs: canaryMinutes * MIN, bakeMs: bakeMinutes * MIN, stepMs: 20_000 }),
      { canaryConfiguration: { canaryPercent, canaryBakeTimeInMinutes: canaryMinutes } },
    );

  it('blue/green with a 20-minute bake: success only after the bake with wait-until completed (timeout 30m)', async () => {
    const { fake, logger, deps } = await setup(blueGreen(20));
    const result = await runDeploy(options({ timeoutMs: 30 * MIN }), deps);
    expect(result.services.web.status).toBe('success');
    expect(result.services.web.reason).toContain('SUCCESSFUL (BLUE_GREEN)');
    // 7 stages of 20 s, 20 min of bake, 20 s of clean-up: the verdict comes after all of it.
    expect(result.services.web.durationSeconds).toBeGreaterThanOrEqual(7 * 20 + 20 * 60 + 20);
    const log = logger.text();
    expect(log).toContain('web: strategy BLUE_GREEN, bake time 20 min, no alarms, no lifecycle hooks; no rollback');
    expect(log).toContain(
      'web: service deployment IN_PROGRESS at stage TEST_TRAFFIC_SHIFT: production traffic 0% on the new revision, test traffic 100%',
    );
    expect(log).toContain(
      'web: service deployment IN_PROGRESS at stage PRODUCTION_TRAFFIC_SHIFT: production traffic 100% on the new revision',
    );
    expect(log).toMatch(
      /web: service deployment IN_PROGRESS at stage BAKE_TIME: the new revision is healthy and baking, production traffic fully shifted; baking until about 12:2\d:\d\d UTC \(bake time 20 min\)/,
    );
    expect(log.match(/at stage BAKE_TIME/g)).toHaveLength(1);
    // One DescribeServices and one DescribeServiceDeployments per tick.
    expect(fake.count('DescribeServiceDeployments')).toBe(fake.count('DescribeServices') - 1);
  });

  it('blue/green with a 20-minute bake and the default 15m timeout: timed-out, saying it was healthy and baking, with the way out', async () => {
    const { deps } = await setup(blueGreen(20));
    const result = await runDeploy(options(), deps);
    expect(result.services.web.status).toBe('timed-out');
    expect(result.services.web.reason).toContain('no verdict within 15m: service deployment IN_PROGRESS at stage BAKE_TIME');
    expect(result.services.web.reason).toContain(
      'The service was healthy and only baking: to finish once production traffic has shifted use wait-until: traffic-shifted, or give a longer timeout',
    );
  });

  it('blue/green with wait-until traffic-shifted: success once production traffic has shifted, before the bake ends', async () => {
    const { fake, deps } = await setup(blueGreen(20));
    const result = await runDeploy(options({ waitUntil: 'traffic-shifted' }), deps);
    expect(result.services.web.status).toBe('success');
    expect(result.services.web.reason).toContain('production traffic is all on the new revision');
    expect(result.services.web.durationSeconds).toBeLessThan(7 * 20 + 30);
    expect(fake.deploymentsOf('web').at(-1)!.status).toBe('IN_PROGRESS');
  });

  it('rollback: true with a bake longer than the timeout sends no rollback of any kind and says the service was baking', async () => {
    const { fake, deps } = await setup(blueGreen(30));
    const result = await runDeploy(options({ rollback: true }), deps);
    expect(result.services.web.status).toBe('timed-out');
    expect(result.services.web.reason).toContain('healthy and only baking');
    expect(result.services.web.reason).toContain('not rolled back by this action: the deployment was healthy and baking');
    expect(fake.count('UpdateService')).toBe(1);
    expect(fake.count('StopServiceDeployment')).toBe(0);
  });

  it('an alarm during the bake: failed at once in the log, then rolled-back by ECS with the alarm name, and no UpdateService from the action', async () => {
    const { fake, logger, deps } = await setup(
      blueGreen(20, {
        alarms: { alarmNames: ['web-5xx', 'web-latency'], enable: true, rollback: true },
        scenario: scenarios.blueGreen({ stepMs: 20_000, bakeMs: 3 * MIN, end: { kind: 'alarm', alarm: 'web-5xx', rollbackMs: 60_000 } }),
      }),
    );
    const result = await runDeploy(options({ rollback: true }), deps);
    expect(result.services.web.status).toBe('rolled-back');
    expect(result.services.web.reason).toContain('CloudWatch alarm web-5xx in ALARM');
    expect(result.result).toBe('rolled-back');
    expect(logger.text()).toMatch(/at stage BAKE_TIME[^\n]*\n[^\n]*deployment failed: CloudWatch alarm/);
    expect(logger.text()).toContain('web: service deployment ROLLBACK_IN_PROGRESS at stage BAKE_TIME');
    const warnings = logger.entries.filter((e) => e.level === 'warning').map((e) => e.message);
    expect(warnings[0]).toMatch(/^web: failed: ECS is rolling back deployment ecs-svc\/\d+: CloudWatch alarm web-5xx in ALARM/);
    expect(logger.text()).toContain(
      'alarms web-5xx, web-latency (with rollback), no lifecycle hooks; rollback by ECS (alarms); rollback: true adds none',
    );
    expect(fake.count('UpdateService')).toBe(1);
    expect(fake.count('StopServiceDeployment')).toBe(0);
  });

  it('a hook holding PRE_SCALE_UP: the log names the stage and the hook ARN, and so does the timed-out reason', async () => {
    const { logger, deps } = await setup(
      blueGreen(5, {
        lifecycleHooks: [{ hookTargetArn: HOOK, lifecycleStages: ['PRE_SCALE_UP'] }],
        scenario: scenarios.blueGreen({ bakeMs: 5 * MIN, hold: { stage: 'PRE_SCALE_UP', ms: 60 * MIN, hookArn: HOOK } }),
      }),
    );
    const result = await runDeploy(options({ timeoutMs: 2 * MIN }), deps);
    expect(logger.text()).toContain(`lifecycle hooks PRE_SCALE_UP → ${HOOK}`);
    expect(logger.text()).toContain(
      `web: service deployment IN_PROGRESS at stage PRE_SCALE_UP, held by lifecycle hook ${HOOK} (IN_PROGRESS, times out at`,
    );
    expect(result.services.web.status).toBe('timed-out');
    expect(result.services.web.reason).toContain(`at stage PRE_SCALE_UP, held by lifecycle hook ${HOOK}`);
  });

  it('a hook that lets go after a while: the deployment goes on to success', async () => {
    const { logger, deps } = await setup(
      blueGreen(1, { scenario: scenarios.blueGreen({ bakeMs: MIN, hold: { stage: 'PRE_SCALE_UP', ms: 3 * MIN, hookArn: HOOK } }) }),
    );
    const result = await runDeploy(options(), deps);
    expect(result.services.web.status).toBe('success');
    expect(logger.text()).toContain('held by lifecycle hook');
    expect(logger.text()).toContain('at stage BAKE_TIME');
  });

  it('linear: one log line per traffic step, then success after the bake', async () => {
    const { logger, deps } = await setup(linear(25, 2));
    const result = await runDeploy(options(), deps);
    expect(result.services.web.status).toBe('success');
    const steps = logger.text().match(/stage PRODUCTION_TRAFFIC_SHIFT: production traffic (\d+)%/g)!;
    expect(steps.map((s) => s.replace(/.*traffic /, ''))).toEqual(['25%', '50%', '75%', '100%']);
  });

  it('canary: the canary share, then all traffic, then success', async () => {
    const { logger, deps } = await setup(canary(5, 3, 1));
    const result = await runDeploy(options(), deps);
    expect(result.services.web.status).toBe('success');
    expect(logger.text()).toContain('stage PRODUCTION_TRAFFIC_SHIFT: production traffic 5% on the new revision');
    expect(logger.text()).toContain('stage PRODUCTION_TRAFFIC_SHIFT: production traffic 100% on the new revision');
  });

  it('rolling with the circuit breaker: failed at once, then rolled-back once ECS finished, with the failed task', async () => {
    const { fake, logger, deps } = await setup({
      name: 'web',
      circuitBreaker: { enable: true, rollback: true },
      scenario: scenarios.rolling({ scaleUpMs: 30_000, end: { kind: 'breaker', rollbackMs: 30_000 } }),
    });
    const result = await runDeploy(options({ rollback: true }), deps);
    expect(result.services.web.status).toBe('rolled-back');
    expect(result.services.web.reason).toContain('circuit breaker tripped (3 failed tasks)');
    expect(result.services.web.reason).toContain('ECS rolled deployment');
    expect(logger.text()).toMatch(
      /web: task \w+ stopped \(EssentialContainerExited\): Essential container in task exited; container web: exit code 1/,
    );
    expect(logger.entries.some((e) => e.level === 'warning' && e.message.startsWith('web: failed: ECS is rolling back'))).toBe(true);
    expect(fake.count('UpdateService')).toBe(1);
  });

  it('rolling with alarms but no rollback: ECS stops the deployment and the action rolls back with an UpdateService', async () => {
    const { fake, deps } = await setup({
      name: 'web',
      alarms: { alarmNames: ['web-5xx'], enable: true, rollback: false },
      scenario: scenarios.rolling({ bakeMs: 2 * MIN, end: { kind: 'alarm', alarm: 'web-5xx' } }),
      later: scenarios.rolling({ scaleUpMs: 30_000 }),
    });
    const result = await runDeploy(options({ rollback: true }), deps);
    expect(fake.deploymentsOf('web')[0].status).toBe('STOPPED');
    expect(result.services.web.status).toBe('rolled-back');
    expect(result.services.web.reason).toContain('STOPPED by ECS without rollback: CloudWatch alarm web-5xx in ALARM');
    const updates = fake.requests.filter((r) => r.operation === 'UpdateService').map((r) => r.body.taskDefinition);
    expect(updates).toEqual([taskDefinitionArn('web:2'), taskDefinitionArn('web:1')]);
  });

  it('blue/green without ECS rollback, timed out before the bake with rollback: true: StopServiceDeployment ROLLBACK, no UpdateService', async () => {
    const { fake, logger, deps } = await setup(
      blueGreen(5, { scenario: scenarios.blueGreen({ bakeMs: 5 * MIN, hold: { stage: 'PRE_SCALE_UP', ms: 60 * MIN, hookArn: HOOK } }) }),
    );
    const result = await runDeploy(options({ rollback: true, timeoutMs: 2 * MIN }), deps);
    expect(fake.requests.filter((r) => r.operation === 'StopServiceDeployment').map((r) => r.body)).toEqual([
      { serviceDeploymentArn: fake.deploymentsOf('web')[0].arn, stopType: 'ROLLBACK' },
    ]);
    expect(fake.count('UpdateService')).toBe(1);
    expect(result.services.web.status).toBe('rolled-back');
    expect(result.services.web.reason).toContain("rolled back by ECS at this action's request (StopServiceDeployment ROLLBACK) to web:1");
    expect(logger.text()).toContain(
      'rollback: true asks ECS to roll back (StopServiceDeployment ROLLBACK) after a timeout, never during the bake',
    );
    expect(logger.text()).toMatch(/web: ECS is rolling back deployment ecs-svc\/\d+ at this action's request\./);
    expect(logger.entries.some((e) => e.level === 'warning' && e.message.includes('ECS is rolling back'))).toBe(false);
  });

  it('a newer deployment replaces ours: superseded, naming it', async () => {
    const { fake, deps } = await setup(blueGreen(5));
    // Someone else deploys during our third poll interval: tied to the waiter's own ticks, not to
    // real time, because the virtual clock lets the whole timeout pass in a few milliseconds.
    let ticks = 0;
    const sleep = deps.clock.sleep;
    const clock = {
      ...deps.clock,
      sleep: async (ms: number, signal?: AbortSignal) => {
        if (++ticks === 3) await fake.supersede('web');
        return sleep(ms, signal);
      },
    };
    const result = await runDeploy(options({ timeoutMs: 5 * MIN }), { ...deps, clock });
    expect(result.services.web.status).toBe('superseded');
    expect(result.services.web.reason).toContain('was replaced by a newer service deployment');
  });

  it('ten services: one DescribeServices and one DescribeServiceDeployments per tick', async () => {
    const names = Array.from({ length: 10 }, (_, i) => `svc-${i}`);
    const { fake, deps } = await setup(
      ...names.map((name, i) => ({
        ...blueGreen(1),
        name,
        scenario: scenarios.blueGreen({ stepMs: 10_000 * (1 + (i % 3)), bakeMs: MIN }),
      })),
    );
    const result = await runDeploy(options({ services: names }), deps);
    expect(result.result).toBe('success');
    const afterUpdates = fake.requests.slice(fake.requests.map((r) => r.operation).lastIndexOf('UpdateService') + 1);
    const ticks: string[][] = [];
    for (const r of afterUpdates) {
      if (r.operation === 'DescribeServices') ticks.push([]);
      ticks.at(-1)!.push(r.operation);
    }
    expect(ticks.length).toBeGreaterThan(5);
    for (const tick of ticks) expect(tick).toEqual(['DescribeServices', 'DescribeServiceDeployments']);
    expect(afterUpdates.filter((r) => r.operation === 'DescribeServiceDeployments')[0].body.serviceDeploymentArns).toHaveLength(10);
  });

  it('a service without service deployments (older, or a classic load balancer) is followed through the deployments array', async () => {
    const { fake, deps } = await setup({ name: 'web', serviceDeployments: false, scenario: scenarios.rolling({ scaleUpMs: 30_000 }) });
    const result = await runDeploy(options(), deps);
    expect(result.services.web.status).toBe('success');
    expect(result.services.web.reason).toContain('completed');
    expect(fake.count('DescribeServiceDeployments')).toBe(0);
  });

  it('without ecs:DescribeServiceDeployments: one warning naming the permission, then the deployments array', async () => {
    const { fake, logger, deps } = await setup(blueGreen(1));
    fake.errors.set('DescribeServiceDeployments', [
      new FakeAwsError(
        'AccessDeniedException',
        'User: arn:aws:sts::123456789012:assumed-role/ci is not authorized to perform: ecs:DescribeServiceDeployments',
      ),
    ]);
    const result = await runDeploy(options(), deps);
    expect(result.services.web.status).toBe('success');
    const warnings = logger.entries.filter((e) => e.level === 'warning');
    expect(warnings).toHaveLength(1);
    expect(warnings[0].message).toContain('grant ecs:ListServiceDeployments and ecs:DescribeServiceDeployments');
    expect(fake.count('DescribeServiceDeployments')).toBe(1);
  });
});
