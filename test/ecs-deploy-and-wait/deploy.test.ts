import { describe, expect, it } from '@jest/globals';
import { ActionError, CancelledError, memoryLogger, virtualClock } from '@allthrive/toolkit';
import { failureMessage, runDeploy, type DeployOptions } from '@allthrive/ecs-deploy-and-wait';
import { webOptions } from './options.js';
import { REPO, ScriptedEcs, steps, tdArn } from './scripted-ecs.js';

const CLUSTER = 'production-allthrive-cluster';

const options = (overrides: Partial<DeployOptions> = {}) => webOptions({ services: ['web', 'celery', 'celery-beat'], ...overrides });

function product(fake: ScriptedEcs, seed: { circuitBreaker?: { enable: boolean; rollback: boolean }; noRolloutState?: boolean } = {}) {
  fake.addService({ name: 'web', desiredCount: 2, ...seed });
  fake.addService({ name: 'celery', desiredCount: 2, ...seed });
  fake.addService({ name: 'celery-beat', desiredCount: 1, ...seed });
}

function setup() {
  const fake = new ScriptedEcs();
  const logger = memoryLogger();
  const clock = virtualClock(1_000_000);
  const controller = new AbortController();
  const deps = { ecs: fake.client, logger, clock, signal: controller.signal, random: () => 0.5 };
  return { fake, logger, clock, controller, deps };
}

/** DescribeServices calls made after the UpdateService calls (the waiter's polls). */
function polls(fake: ScriptedEcs) {
  const lastUpdate = fake.calls.map((c) => c.op).lastIndexOf('UpdateService');
  return fake.calls.slice(lastUpdate + 1).filter((c) => c.op === 'DescribeServices');
}

describe('runDeploy: the waiter against a scripted ECS', () => {
  it('deploys web, celery and celery-beat and reports success per service with one DescribeServices per tick', async () => {
    const { fake, logger, deps } = setup();
    product(fake);
    fake.script('web', [steps.progress(1), steps.complete()]);
    fake.script('celery', [steps.wait(), steps.progress(1), steps.complete()]);
    fake.script('celery-beat', [steps.complete()]);

    const result = await runDeploy(options(), deps);

    expect(result.result).toBe('success');
    expect(Object.keys(result.services)).toEqual(['web', 'celery', 'celery-beat']);
    for (const name of ['web', 'celery', 'celery-beat']) {
      expect(result.services[name].status).toBe('success');
      expect(result.services[name].deploymentId).toBe(fake.ours.get(name));
      expect(result.services[name].previousTaskDefinitionArn).toBe(tdArn(`${name}:1`));
      expect(result.taskDefinitionArns[name]).toBe(tdArn(`${name}:2`));
    }
    expect(result.services.web).toMatchObject({ runningCount: 2, desiredCount: 2, durationSeconds: 10 });
    expect(result.services.celery.durationSeconds).toBe(20);
    // Exactly one UpdateService per service, and each poll is a single call for all pending services.
    expect(fake.count('UpdateService')).toBe(3);
    const ticks = polls(fake);
    expect(ticks.map((t) => t.input.services)).toEqual([['web', 'celery', 'celery-beat'], ['web', 'celery'], ['celery']]);
    // Service events are printed once each; events from before the deployment are not.
    const log = logger.text();
    expect(log.match(/web: \(service web\) has reached a steady state\./g)).toHaveLength(1);
    expect(log).not.toContain('web: (service web) has reached a steady state.\nweb: (service web) has reached');
    expect(fake.calls.filter((c) => c.op === 'DescribeServices').every((c) => (c.input.services as string[]).length <= 10)).toBe(true);
    expect(failureMessage(result)).toBeUndefined();
  });

  it('covers twelve services with two DescribeServices calls per tick (at most 10 services per call)', async () => {
    const { fake, deps } = setup();
    const names = Array.from({ length: 12 }, (_, i) => `svc-${i}`);
    for (const name of names) {
      fake.addService({ name, desiredCount: 1 });
      fake.script(name, [steps.wait(), steps.complete()]);
    }
    const result = await runDeploy(options({ services: names }), deps);
    expect(result.result).toBe('success');
    const ticks = polls(fake);
    expect(ticks.map((t) => (t.input.services as string[]).length)).toEqual([10, 2, 10, 2]);
  });

  it('fails at once when the circuit breaker fails our deployment, naming the service and the reason, though ECS rolls back to a stable service', async () => {
    const { fake, logger, deps } = setup();
    product(fake, { circuitBreaker: { enable: true, rollback: true } });
    fake.script('web', [
      steps.failTask('TaskFailedToStart', 'Essential container in task exited', 1),
      steps.breakerTrips(tdArn('web:1')),
      steps.rollbackCompletes(),
    ]);
    fake.script('celery', [steps.complete()]);
    fake.script('celery-beat', [steps.complete()]);

    const result = await runDeploy(options(), deps);

    expect(result.result).toBe('failed');
    expect(result.services.web.status).toBe('failed');
    expect(result.services.web.reason).toContain('ECS deployment circuit breaker: tasks failed to start.');
    expect(result.services.web.reason).toContain('ECS is rolling back to web:1');
    expect(result.services.celery.status).toBe('success');
    // The verdict came on the tick the breaker tripped, not after the rollback had stabilised.
    expect(result.services.web.durationSeconds).toBe(10);
    expect(fake.scripts.get('web')).toHaveLength(1);
    const message = failureMessage(result)!;
    expect(message).toContain('1 of 3 services did not deploy: web failed');
    expect(message).toContain('circuit breaker');
    expect(logger.entries.some((e) => e.level === 'warning' && e.message.startsWith('web: failed'))).toBe(true);
    // ECS rolls back by itself here, so the action does not (even with rollback: true it would not).
    expect(fake.count('UpdateService')).toBe(3);
  });

  it('reports rolled-back when our deployment vanished and the new PRIMARY runs the previous task definition', async () => {
    const { fake, deps } = setup();
    product(fake, { circuitBreaker: { enable: true, rollback: true } });
    fake.script('web', [
      steps.wait(),
      ({ service, fake: f }) => {
        // Between two polls the breaker tripped and ECS finished the rollback: ours is gone.
        service.deployments = [];
        f.newDeployment(service, tdArn('web:1'), { rolloutState: 'COMPLETED', runningCount: 2 });
      },
    ]);
    fake.script('celery', [steps.complete()]);
    fake.script('celery-beat', [steps.complete()]);
    const result = await runDeploy(options(), deps);
    expect(result.result).toBe('rolled-back');
    expect(result.services.web.status).toBe('rolled-back');
    expect(result.services.web.reason).toMatch(/deployment ecs-svc\/\d+ is gone: ECS rolled the service back to web:1/);
    expect(failureMessage(result)).toContain('web rolled-back');
  });

  it('reports superseded (a failure) with the other deployment id when a different deployment replaced ours', async () => {
    const { fake, deps } = setup();
    product(fake);
    const other = fake.addTaskDefinition('web', 7, [{ name: 'web', image: `${REPO}:hotfix` }]);
    fake.script('web', [steps.progress(1), steps.supersede(other)]);
    fake.script('celery', [steps.complete()]);
    fake.script('celery-beat', [steps.complete()]);
    const result = await runDeploy(options(), deps);
    expect(result.result).toBe('failed');
    expect(result.services.web.status).toBe('superseded');
    const otherId = fake.services.get('web')!.deployments![0].id!;
    expect(otherId).not.toBe(result.services.web.deploymentId);
    expect(result.services.web.reason).toContain(`deployment ${otherId} (web:7) replaced it`);
  });

  it("prints the stop code, reason and exit codes of our deployment's stopped tasks once each", async () => {
    const { fake, logger, deps } = setup();
    product(fake);
    fake.script('web', [
      steps.failTask('TaskFailedToStart', 'CannotPullContainerError: pull image manifest has been retried 5 time(s)'),
      steps.wait(),
      steps.failTask('EssentialContainerExited', 'Essential container in task exited', 3),
      steps.wait(),
      steps.complete(),
    ]);
    // A stopped task of some other deployment must not be listed.
    fake.stopTask('ecs-svc/other', { stopCode: 'UserInitiated', stoppedReason: 'Scaling activity' });
    fake.script('celery', [steps.complete()]);
    fake.script('celery-beat', [steps.complete()]);

    const result = await runDeploy(options(), deps);
    expect(result.result).toBe('success');
    const log = logger.text();
    expect(log.match(/web: task \w+ stopped \(TaskFailedToStart\): CannotPullContainerError: pull image manifest/g)).toHaveLength(1);
    expect(
      log.match(/web: task \w+ stopped \(EssentialContainerExited\): Essential container in task exited; container web: exit code 3/g),
    ).toHaveLength(1);
    expect(log).not.toContain('Scaling activity');
    const listed = fake.calls.filter((c) => c.op === 'ListTasks');
    expect(listed.every((c) => c.input.startedBy === result.services.web.deploymentId && c.input.desiredStatus === 'STOPPED')).toBe(true);
    expect(listed).toHaveLength(2); // only when failedTasks rose
  });

  it('without rolloutState (classic load balancer) waits until ours is the only deployment and running equals desired', async () => {
    const { fake, deps } = setup();
    product(fake, { noRolloutState: true });
    fake.script('web', [
      steps.progress(2), // 2 running on ours, but the old deployment is still there
      steps.complete(),
    ]);
    fake.script('celery', [steps.complete()]);
    fake.script('celery-beat', [steps.complete()]);
    const result = await runDeploy(options(), deps);
    expect(result.result).toBe('success');
    expect(result.services.web.durationSeconds).toBe(10);
    expect(result.services.web.reason).toContain('is the only one');
  });

  it('makes a final poll at the deadline, then reports timed-out with counts and the last events', async () => {
    const { fake, clock, deps } = setup();
    product(fake);
    const never = Array.from({ length: 10 }, () => steps.wait());
    fake.script('web', [
      steps.progress(1),
      steps.event('(service web) was unable to place a task because no container instance met all of its requirements.'),
      ...never,
    ]);
    // celery completes exactly on the poll at the deadline: 0, 25, 50, 60 s.
    fake.script('celery', [steps.wait(), steps.wait(), steps.wait(), steps.complete()]);
    fake.script('celery-beat', [steps.complete()]);

    const result = await runDeploy(options({ timeoutMs: 60_000, pollIntervalMs: 25_000 }), deps);

    expect(clock.sleeps).toEqual([25_000, 25_000, 10_000]);
    expect(result.services.celery.status).toBe('success');
    expect(result.services.web.status).toBe('timed-out');
    expect(result.result).toBe('timed-out');
    expect(result.services.web.reason).toMatch(
      /no verdict within 1m: deployment ecs-svc\/\d+ IN_PROGRESS: running 1\/2, pending 1, failed tasks 0/,
    );
    expect(result.services.web.reason).toContain('last events:');
    expect(result.services.web.reason).toContain('unable to place a task');
    expect(result.services.web.durationSeconds).toBe(60);
  });

  it('keeps polling through a throttling storm and still reaches the verdict', async () => {
    const { fake, logger, deps } = setup();
    product(fake);
    fake.script('web', [steps.wait(), steps.complete()]);
    fake.script('celery', [steps.complete()]);
    fake.script('celery-beat', [steps.complete()]);
    let describes = 0;
    const throttle = () => Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $metadata: { httpStatusCode: 400 } });
    fake.onDescribe = () => {
      describes++;
      // After the first poll, the next 6 DescribeServices calls are throttled.
      if (describes === 2) fake.errors.set('DescribeServices', Array.from({ length: 6 }, throttle));
    };
    const result = await runDeploy(options(), deps);
    expect(result.result).toBe('success');
    expect(logger.text()).toContain('DescribeServices throttled (attempt 1); retrying');
    expect(fake.count('DescribeServices')).toBeGreaterThanOrEqual(1 + 2 + 6);
  });

  it('fails at once on AccessDenied while waiting, naming the IAM action to grant', async () => {
    const { fake, deps } = setup();
    product(fake);
    fake.script('web', [steps.wait(), steps.wait()]);
    fake.onDescribe = (n) => {
      if (n === 2) {
        fake.errors.set('DescribeServices', [
          Object.assign(new Error('User is not authorized to perform: ecs:DescribeServices'), {
            name: 'AccessDeniedException',
            $metadata: { httpStatusCode: 400, requestId: 'req-1' },
          }),
        ]);
      }
    };
    const error = await runDeploy(options(), deps).catch((e) => e);
    expect(error).toBeInstanceOf(ActionError);
    expect(error.message).toContain('Grant the IAM action ecs:DescribeServices');
    expect(error.message).toContain('keep rolling out on ECS');
    expect(fake.count('DescribeServices')).toBe(3); // preflight, first poll, the denied one: no retries
  });

  it('stops promptly on SIGINT during the wait and says what is left and what a re-run does', async () => {
    const { fake, controller, deps } = setup();
    product(fake);
    fake.script(
      'web',
      Array.from({ length: 50 }, () => steps.wait()),
    );
    fake.script('celery', [steps.complete()]);
    fake.script(
      'celery-beat',
      Array.from({ length: 50 }, () => steps.wait()),
    );
    fake.onDescribe = (n) => {
      if (n === 3) controller.abort(new CancelledError('the run was cancelled (SIGINT)'));
    };
    const error = await runDeploy(options(), deps).catch((e) => e);
    expect(error).toBeInstanceOf(CancelledError);
    expect(error.message).toContain('Cancelled while waiting; stopped polling.');
    expect(error.message).toMatch(
      /Still rolling out on ECS, which continues without this job: web \(deployment ecs-svc\/\d+\), celery-beat/,
    );
    expect(error.message).not.toContain('celery (deployment');
    expect(error.message).toContain('Re-running the step is safe: it registers new task-definition revisions');
    expect(fake.count('DescribeServices')).toBe(3); // no poll after the signal
    expect(fake.calls.some((c) => c.op === 'DeregisterTaskDefinition')).toBe(false);
  });

  it('jitters the poll interval by at most ±10%', async () => {
    const { fake, clock, deps } = setup();
    fake.addService({ name: 'web' });
    fake.script('web', [steps.wait(), steps.wait(), steps.wait(), steps.complete()]);
    let i = 0;
    const randoms = [0, 1, 0.25];
    await runDeploy(options({ services: ['web'] }), { ...deps, random: () => randoms[i++ % 3] });
    expect(clock.sleeps).toEqual([9_000, 11_000, 9_500]);
  });
});

describe('runDeploy: preflight, task definitions and options', () => {
  it('refuses missing, inactive and CodeDeploy services before changing anything', async () => {
    const { fake, deps } = setup();
    fake.addService({ name: 'web' });
    fake.addService({ name: 'celery', status: 'DRAINING' });
    fake.addService({ name: 'celery-beat', controller: 'CODE_DEPLOY' });
    const error = await runDeploy(options({ services: ['web', 'celery', 'celery-beat', 'worker'] }), deps).catch((e) => e);
    expect(error).toBeInstanceOf(ActionError);
    expect(error.message).toContain("service 'celery' is DRAINING, not ACTIVE");
    expect(error.message).toContain("service 'celery-beat' uses the CODE_DEPLOY deployment controller");
    expect(error.message).toContain(`service 'worker' does not exist in cluster ${CLUSTER}`);
    expect(fake.calls.map((c) => c.op)).toEqual(['DescribeServices']);
  });

  it('copies the task definition without read-only fields, keeps tags, and shares one revision between services on the same one', async () => {
    const { fake, deps } = setup();
    const shared = fake.addTaskDefinition(
      'allthrive-worker',
      4,
      [
        { name: 'app', image: `${REPO}:old` },
        { name: 'datadog', image: 'public.ecr.aws/datadog/agent:7' },
      ],
      [
        { key: 'team', value: 'platform' },
        { key: 'aws:cloudformation:stack-name', value: 'x' },
      ],
    );
    fake.addService({ name: 'celery', taskDefinition: shared });
    fake.addService({ name: 'celery-beat', taskDefinition: shared, desiredCount: 1 });
    fake.script('celery', [steps.complete()]);
    fake.script('celery-beat', [steps.complete()]);
    const image = `${REPO}@sha256:${'b'.repeat(64)}`;
    const result = await runDeploy(options({ services: ['celery', 'celery-beat'], image }), deps);

    const registered = fake.calls.filter((c) => c.op === 'RegisterTaskDefinition');
    expect(registered).toHaveLength(1);
    const input = registered[0].input as Record<string, unknown> & { containerDefinitions: { name: string; image: string }[] };
    for (const field of [
      'taskDefinitionArn',
      'revision',
      'status',
      'requiresAttributes',
      'compatibilities',
      'registeredAt',
      'registeredBy',
    ]) {
      expect(input).not.toHaveProperty(field);
    }
    expect(input.containerDefinitions.map((c) => [c.name, c.image])).toEqual([
      ['app', image],
      ['datadog', 'public.ecr.aws/datadog/agent:7'],
    ]);
    expect(input.tags).toEqual([{ key: 'team', value: 'platform' }]);
    expect(input).toMatchObject({ family: 'allthrive-worker', cpu: '256', memory: '512', networkMode: 'awsvpc' });
    expect(result.taskDefinitionArns).toEqual({ celery: tdArn('allthrive-worker:5'), 'celery-beat': tdArn('allthrive-worker:5') });
    expect(fake.calls.filter((c) => c.op === 'UpdateService').map((c) => c.input)).toEqual([
      { cluster: CLUSTER, service: 'celery', taskDefinition: tdArn('allthrive-worker:5'), forceNewDeployment: true },
      { cluster: CLUSTER, service: 'celery-beat', taskDefinition: tdArn('allthrive-worker:5'), forceNewDeployment: true },
    ]);
  });

  it('fails before registering anything when a service has no container on the image repository, listing its containers', async () => {
    const { fake, deps } = setup();
    fake.addService({ name: 'web' });
    fake.addService({
      name: 'celery',
      taskDefinition: fake.addTaskDefinition('celery', 3, [{ name: 'worker', image: 'ghcr.io/allthrive/worker:1' }]),
    });
    const error = await runDeploy(options({ services: ['web', 'celery'] }), deps).catch((e) => e);
    expect(error.message).toContain('Service celery has no container whose image is on the repository of');
    expect(error.message).toContain('worker (ghcr.io/allthrive/worker:1)');
    expect(fake.count('RegisterTaskDefinition')).toBe(0);
    expect(fake.count('UpdateService')).toBe(0);

    const named = await runDeploy(options({ services: ['web'], containers: ['nginx'] }), deps).catch((e) => e);
    expect(named.message).toContain("Service web has no container named 'nginx'; its containers are: web (");
    expect(fake.count('RegisterTaskDefinition')).toBe(0);
  });

  it('without image, redeploys the current task definitions with forceNewDeployment and registers nothing', async () => {
    const { fake, deps } = setup();
    product(fake);
    for (const name of ['web', 'celery', 'celery-beat']) fake.script(name, [steps.complete()]);
    const result = await runDeploy(options({ image: undefined }), deps);
    expect(result.result).toBe('success');
    expect(result.image).toBe('');
    expect(fake.count('RegisterTaskDefinition')).toBe(0);
    expect(fake.calls.filter((c) => c.op === 'UpdateService').map((c) => c.input)).toEqual(
      ['web', 'celery', 'celery-beat'].map((service) => ({ cluster: CLUSTER, service, forceNewDeployment: true })),
    );
    expect(result.taskDefinitionArns.web).toBe(tdArn('web:1'));
  });

  it('with task-definitions naming a revision that does not exist, fails before updating any service', async () => {
    const { fake, deps } = setup();
    product(fake);
    const given = { web: tdArn('web:1'), celery: tdArn('celery:1'), 'celery-beat': tdArn('celery-beat:9') };
    const error = await runDeploy(options({ image: undefined, taskDefinitions: given }), deps).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ActionError);
    expect((error as Error).message).toContain('Nothing was deployed: celery-beat:9 (for celery-beat) does not exist');
    expect(fake.count('UpdateService')).toBe(0);
    expect(fake.count('RegisterTaskDefinition')).toBe(0);
  });

  it('with wait: false starts the deployments and returns started without polling', async () => {
    const { fake, deps } = setup();
    product(fake);
    const result = await runDeploy(options({ wait: false }), deps);
    expect(result.result).toBe('started');
    expect(result.services.web.status).toBe('started');
    expect(polls(fake)).toHaveLength(0);
  });

  it('with rollback: true rolls a failed service without circuit-breaker rollback back to its previous task definition', async () => {
    const { fake, logger, deps } = setup();
    product(fake, { circuitBreaker: { enable: true, rollback: false } });
    fake.script('web', [
      steps.failTask('TaskFailedToStart', 'ResourceInitializationError: unable to pull secrets'),
      steps.breakerTrips(),
      // after the action's own rollback UpdateService:
      steps.complete(),
    ]);
    fake.script('celery', [steps.complete()]);
    fake.script('celery-beat', [steps.complete()]);
    const result = await runDeploy(options({ rollback: true }), deps);
    expect(result.services.web.status).toBe('rolled-back');
    expect(result.services.web.reason).toContain('rolled back to web:1 by this action');
    expect(result.services.web.reason).toContain('ResourceInitializationError');
    expect(result.result).toBe('rolled-back');
    const updates = fake.calls.filter((c) => c.op === 'UpdateService').map((c) => c.input);
    expect(updates).toHaveLength(4);
    expect(updates[3]).toEqual({ cluster: CLUSTER, service: 'web', taskDefinition: tdArn('web:1'), forceNewDeployment: false });
    expect(logger.text()).toContain('Rolling back web to web:1 (rollback: true).');
  });

  it('with rollback: true leaves a timed-out service to ECS when its circuit breaker rolls back, and says so', async () => {
    const { fake, deps } = setup();
    fake.addService({ name: 'web', circuitBreaker: { enable: true, rollback: true } });
    fake.script('web', [steps.wait(), steps.wait(), steps.wait(), steps.wait(), steps.wait()]);
    const result = await runDeploy(options({ services: ['web'], rollback: true, timeoutMs: 30_000 }), deps);
    expect(result.services.web.status).toBe('timed-out');
    expect(result.services.web.reason).toContain('not rolled back by this action: ECS owns the rollback of this service');
    expect(fake.count('UpdateService')).toBe(1);
  });

  it('with rollback: true rolls back a timed-out service, giving the rollback a fresh timeout', async () => {
    const { fake, deps } = setup();
    fake.addService({ name: 'web', circuitBreaker: { enable: true, rollback: false } });
    // Four polls (0, 10, 20, 30 s = the deadline) without progress, then the rollback completes.
    fake.script('web', [steps.wait(), steps.wait(), steps.wait(), steps.wait(), steps.wait(), steps.complete()]);
    const result = await runDeploy(options({ services: ['web'], rollback: true, timeoutMs: 30_000 }), deps);
    expect(result.services.web.status).toBe('rolled-back');
    expect(result.services.web.reason).toMatch(/^no verdict within 30s: .*; rolled back to web:1 by this action$/);
    expect(result.services.web.durationSeconds).toBe(40);
    expect(fake.calls.filter((c) => c.op === 'UpdateService').map((c) => c.input.taskDefinition)).toEqual([tdArn('web:2'), tdArn('web:1')]);
  });

  it('with rollback: true leaves a superseded service alone', async () => {
    const { fake, deps } = setup();
    fake.addService({ name: 'web' });
    fake.script('web', [steps.supersede(fake.addTaskDefinition('web', 9, [{ name: 'web', image: `${REPO}:x` }]))]);
    const result = await runDeploy(options({ services: ['web'], rollback: true }), deps);
    expect(result.services.web.status).toBe('superseded');
    expect(fake.count('UpdateService')).toBe(1);
  });
});
