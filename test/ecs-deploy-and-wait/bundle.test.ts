import { describe, expect, it } from '@jest/globals';
import { runBundle } from '../harness/bundle.js';
import { closeAfterEach } from '../harness/close-after-each.js';
import { FakeAwsError, startFakeAws, type FakeAwsEndpoint } from '../harness/fake-aws.js';
import { ScriptedEcsEndpoint, scenarios, type ServiceSpec } from '../harness/scripted-ecs-endpoint.js';
import {
  ACCOUNT,
  CLUSTER,
  startDeployment,
  steadyService,
  taskDefinitionArn as arn,
  taskDefinitionHandlers,
} from '../harness/ecs-service-model.mjs';

// Bundle tests of what moto cannot produce (a rollout that fails, a wait cancelled by SIGINT):
// dist/ecs-deploy-and-wait/index.js runs under Node 24 against a scripted ECS JSON endpoint.
const REPO = `${ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com/allthrive`;
const DIGEST = `sha256:${'d'.repeat(64)}`;

// JSON bodies on the wire, shaped like the ECS API documents them.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Wire = any;

type Behaviour = 'complete' | 'breaker' | 'never';

/** A small ECS control plane: each service's new deployment follows `behaviour` over the polls. */
function ecsModel(behaviours: Record<string, Behaviour>) {
  const now = () => Date.now() / 1000;
  const services = new Map<string, Record<string, Wire>>();
  let polls = 0;
  let nextId = 5000;
  const stopped: Record<string, unknown>[] = [];
  for (const name of Object.keys(behaviours)) {
    services.set(name, {
      ...steadyService(name, {
        id: `ecs-svc/${nextId++}`,
        desiredCount: name === 'celery-beat' ? 1 : 2,
        events: [{ id: `old-${name}`, createdAt: now() - 3600, message: `(service ${name}) has reached a steady state.` }],
      }),
      ours: undefined as string | undefined,
      ticks: 0,
    });
  }
  const view = (s: Record<string, Wire>) => {
    const { ours: _ours, ticks: _ticks, ...rest } = s;
    return rest;
  };
  const handlers = {
    BatchGetImage: (body: Wire) => ({
      images: [{ imageId: { imageTag: body.imageIds[0].imageTag, imageDigest: DIGEST }, repositoryName: 'allthrive' }],
      failures: [],
    }),
    ...taskDefinitionHandlers(`${REPO}:old`, { compatibilities: ['FARGATE'], registeredAt: now() }),
    UpdateService: (body: Wire) => {
      const s = services.get(body.service)!;
      s.ours = `ecs-svc/${nextId++}`;
      startDeployment(s, { id: s.ours, taskDefinition: body.taskDefinition });
      return { service: view(s) };
    },
    DescribeServices: (body: Wire) => {
      polls++;
      const out = [];
      for (const name of body.services as string[]) {
        const s = services.get(name)!;
        if (s.ours) {
          s.ticks++;
          const ours = s.deployments.find((d: Wire) => d.id === s.ours);
          const behaviour = behaviours[name];
          if (behaviour === 'complete' && s.ticks >= 2) {
            Object.assign(ours, { rolloutState: 'COMPLETED', runningCount: s.desiredCount, pendingCount: 0 });
            s.deployments = [ours];
            s.events.unshift({ id: `e-${name}-${s.ticks}`, createdAt: now(), message: `(service ${name}) has reached a steady state.` });
          }
          if (behaviour === 'breaker' && s.ticks === 2) {
            ours.failedTasks = 3;
            stopped.push({
              taskArn: `arn:aws:ecs:eu-west-1:${ACCOUNT}:task/${CLUSTER}/0f1e2d3c`,
              startedBy: s.ours,
              lastStatus: 'STOPPED',
              stopCode: 'TaskFailedToStart',
              stoppedReason: 'CannotPullContainerError: pull image manifest has been retried 7 time(s): not found',
              stoppedAt: now(),
              containers: [{ name, reason: 'CannotPullContainerError: not found' }],
            });
          }
          if (behaviour === 'breaker' && s.ticks === 3) {
            Object.assign(ours, { rolloutState: 'FAILED', rolloutStateReason: 'ECS deployment circuit breaker: tasks failed to start.' });
            ours.status = 'ACTIVE';
            s.deployments.unshift({
              id: `ecs-svc/${nextId++}`,
              status: 'PRIMARY',
              taskDefinition: arn(`${name}:1`),
              rolloutState: 'IN_PROGRESS',
              desiredCount: 2,
              runningCount: 2,
            });
            s.events.unshift({
              id: `e-${name}-fail`,
              createdAt: now(),
              message: `(service ${name}) (deployment ${s.ours}) deployment failed: tasks failed to start.`,
            });
          }
        }
        out.push(view(s));
      }
      return { services: out, failures: [] };
    },
    ListTasks: (body: Wire) => ({ taskArns: stopped.filter((t) => t.startedBy === body.startedBy).map((t) => t.taskArn) }),
    DescribeTasks: (body: Wire) => ({ tasks: stopped.filter((t) => body.tasks.includes(t.taskArn)), failures: [] }),
  };
  return { handlers, polls: () => polls };
}

const env = (fake: FakeAwsEndpoint) => ({
  AWS_ENDPOINT_URL: fake.endpoint,
  AWS_ACCESS_KEY_ID: 'test',
  AWS_SECRET_ACCESS_KEY: 'test',
  AWS_REGION: 'eu-west-1',
});
const inputs = { cluster: CLUSTER, services: 'web,celery,celery-beat', image: `${REPO}:v43`, 'poll-interval': '1s', timeout: '1m' };

describe('ecs-deploy-and-wait bundle against a scripted ECS endpoint', () => {
  const closing = closeAfterEach();
  /** A fake ECS endpoint answering with `handlers`, closed after the test. */
  const startFake = async (handlers: Parameters<typeof startFakeAws>[0]) => closing(await startFakeAws(handlers));

  /** A fresh fake ECS in which each service follows its behaviour, and the bundle run against it with `runInputs`. */
  async function deployWith(behaviours: Record<'web' | 'celery' | 'celery-beat', Behaviour>, runInputs: Record<string, string> = inputs) {
    const fake = await startFake(ecsModel(behaviours).handlers);
    return { fake, run: await runBundle('ecs-deploy-and-wait', { inputs: runInputs, env: env(fake) }) };
  }

  /** Every service following `behaviour`, with DescribeServices failing with `failure(n)` on its n-th call when that gives one. */
  async function startFailingDescribes(behaviour: Behaviour, failure: (call: number) => FakeAwsError | undefined) {
    const model = ecsModel({ web: behaviour, celery: behaviour, 'celery-beat': behaviour });
    let describes = 0;
    return closing(
      await startFakeAws({
        ...model.handlers,
        DescribeServices: (body) => {
          const error = failure(++describes);
          if (error) throw error;
          return model.handlers.DescribeServices(body);
        },
      }),
    );
  }

  it('fails the step when the circuit breaker fails web, naming web, the breaker reason and the stopped task', async () => {
    const { fake, run } = await deployWith({ web: 'breaker', celery: 'complete', 'celery-beat': 'complete' });
    try {
      expect(run.exitCode).toBe(1);
      expect(run.outputs.result).toBe('failed');
      const services = JSON.parse(run.outputs.services);
      expect(services.web.status).toBe('failed');
      expect(services.web.reason).toContain('ECS deployment circuit breaker: tasks failed to start.');
      expect(services.celery.status).toBe('success');
      expect(services['celery-beat']).toMatchObject({ status: 'success', runningCount: 1, desiredCount: 1 });
      expect(run.outputs.image).toBe(`${REPO}@${DIGEST}`);
      const last = run.errors.at(-1)!;
      expect(last.message).toContain('1 of 3 services did not deploy: web failed');
      expect(last.properties.title).toBe('ECS deploy failed');
      expect(run.log).toContain(
        'web: task 0f1e2d3c stopped (TaskFailedToStart): CannotPullContainerError: pull image manifest has been retried 7 time(s)',
      );
      expect(run.log.match(/task 0f1e2d3c stopped/g)).toHaveLength(1);
      expect(run.log).toContain('web: (service web) (deployment ecs-svc/');
      expect(run.summary).toContain('<td>web</td><td>web:2 (was web:1)</td>');
      expect(run.summary).toContain('<td>failed</td>');
      // One DescribeServices per tick for the three services; no per-service calls.
      const describes = fake.requests.filter((r) => r.operation === 'DescribeServices');
      expect(describes.every((r) => (r.body.services as string[]).length >= 1)).toBe(true);
      expect(describes.slice(1, 3).map((r) => r.body.services)).toEqual([
        ['web', 'celery', 'celery-beat'],
        ['web', 'celery', 'celery-beat'],
      ]);
      expect(fake.count('UpdateService')).toBe(3);
    } finally {
      run.cleanup();
    }
  });

  it('stops promptly on SIGINT during the wait and says the deployments keep rolling out', async () => {
    const model = ecsModel({ web: 'never', celery: 'never', 'celery-beat': 'never' });
    const fake = await startFake(model.handlers);
    let pollsAtSignal = 0;
    const run = await runBundle('ecs-deploy-and-wait', {
      inputs,
      env: env(fake),
      onStart: (child) => {
        const timer = setInterval(() => {
          if (model.polls() >= 3) {
            clearInterval(timer);
            pollsAtSignal = model.polls();
            child.kill('SIGINT');
          }
        }, 20);
      },
    });
    try {
      expect(run.signal).toBeNull();
      expect(run.exitCode).toBe(1);
      expect(run.log).toContain('Received SIGINT: stopping.');
      const error = run.errors.at(-1)!.message;
      expect(error).toContain('Cancelled while waiting; stopped polling.');
      expect(error).toMatch(/Still rolling out on ECS, which continues without this job: web \(deployment ecs-svc\/\d+\), celery/);
      expect(error).toContain('Re-running the step is safe');
      expect(model.polls() - pollsAtSignal).toBeLessThanOrEqual(1);
    } finally {
      run.cleanup();
    }
  });

  it('rides out a throttling storm from the real SDK (no SDK retries) and still reports success', async () => {
    // Calls 2-4 (the first polls) are throttled, as AWS answers when the account's budget is spent.
    const endpoint = await startFailingDescribes('complete', (call) =>
      call >= 2 && call <= 4 ? new FakeAwsError('ThrottlingException', 'Rate exceeded') : undefined,
    );
    const run = await runBundle('ecs-deploy-and-wait', { inputs: { ...inputs, 'max-attempts': '1' }, env: env(endpoint) });
    try {
      expect(run.errors).toEqual([]);
      expect(run.exitCode).toBe(0);
      expect(run.outputs.result).toBe('success');
      expect(run.log).toContain('DescribeServices throttled (attempt 1); retrying in');
    } finally {
      run.cleanup();
    }
  });

  it('fails at once on AccessDenied from ECS while waiting, naming the IAM action', async () => {
    const endpoint = await startFailingDescribes('never', (call) =>
      call >= 3
        ? new FakeAwsError(
            'AccessDeniedException',
            'User: arn:aws:sts::123456789012:assumed-role/ci is not authorized to perform: ecs:DescribeServices',
          )
        : undefined,
    );
    const run = await runBundle('ecs-deploy-and-wait', { inputs, env: env(endpoint) });
    try {
      expect(run.exitCode).toBe(1);
      expect(run.errors).toHaveLength(1);
      expect(run.errors[0].properties.title).toBe('AccessDenied');
      expect(run.errors[0].message).toContain('ECS DescribeServices failed: AccessDeniedException');
      expect(run.errors[0].message).toContain('Grant the IAM action ecs:DescribeServices');
      expect(endpoint.count('DescribeServices')).toBe(3);
    } finally {
      run.cleanup();
    }
  });

  it('register-only registers the new revisions, sets task-definition-arns and image, and updates no service', async () => {
    const { fake, run } = await deployWith(
      { web: 'never', celery: 'never', 'celery-beat': 'never' },
      { ...inputs, 'register-only': 'true' },
    );
    try {
      expect(run.errors).toEqual([]);
      expect(run.exitCode).toBe(0);
      expect(run.outputs.result).toBe('registered');
      expect(JSON.parse(run.outputs['task-definition-arns'])).toEqual({
        web: arn('web:2'),
        celery: arn('celery:2'),
        'celery-beat': arn('celery-beat:2'),
      });
      expect(run.outputs.image).toBe(`${REPO}@${DIGEST}`);
      expect(fake.count('RegisterTaskDefinition')).toBe(3);
      expect(fake.count('UpdateService')).toBe(0);
      expect(run.summary).toContain('no service was updated (register-only)');
    } finally {
      run.cleanup();
    }
  });

  it('task-definitions deploys exactly the given revisions and registers nothing', async () => {
    const given = { web: arn('web:7'), celery: arn('celery:7'), 'celery-beat': arn('celery-beat:7') };
    const { image: _image, ...rest } = inputs;
    const { fake, run } = await deployWith(
      { web: 'complete', celery: 'complete', 'celery-beat': 'complete' },
      { ...rest, 'task-definitions': JSON.stringify(given) },
    );
    try {
      expect(run.errors).toEqual([]);
      expect(run.outputs.result).toBe('success');
      expect(fake.count('RegisterTaskDefinition')).toBe(0);
      const updates = fake.requests.filter((r) => r.operation === 'UpdateService').map((r) => [r.body.service, r.body.taskDefinition]);
      expect(updates).toEqual(Object.entries(given));
      expect(JSON.parse(run.outputs['task-definition-arns'])).toEqual(given);
    } finally {
      run.cleanup();
    }
  });

  it('rejects a bad input with one error naming it, before any AWS request', async () => {
    const fake = await startFake({
      DescribeServices: () => {
        throw new FakeAwsError('AccessDeniedException', 'must not be called');
      },
    });
    const run = await runBundle('ecs-deploy-and-wait', { inputs: { ...inputs, 'poll-interval': '100ms' }, env: env(fake) });
    try {
      expect(run.exitCode).toBe(1);
      expect(run.errors).toHaveLength(1);
      expect(run.errors[0].properties.title).toBe('poll-interval');
      expect(run.errors[0].message).toContain("Input 'poll-interval' has the value '100ms'");
      expect(fake.requests).toHaveLength(0);
    } finally {
      run.cleanup();
    }
  });
});

describe('ecs-deploy-and-wait bundle against the scripted ECS endpoint with service deployments', () => {
  const closing = closeAfterEach();
  let ecs: ScriptedEcsEndpoint | undefined;
  const web = (spec: Partial<ServiceSpec>): ServiceSpec => ({
    name: 'web',
    strategy: 'BLUE_GREEN',
    bakeTimeInMinutes: 1,
    scenario: scenarios.blueGreen({ stepMs: 300, bakeMs: 4000 }),
    ...spec,
  });
  const run = async (spec: ServiceSpec, extra: Record<string, string>) => {
    ecs = closing(await new ScriptedEcsEndpoint().addService(spec).start());
    return runBundle('ecs-deploy-and-wait', {
      inputs: { cluster: CLUSTER, services: 'web', image: `${REPO}:v43`, 'poll-interval': '1s', timeout: '1m', ...extra },
      env: { AWS_ENDPOINT_URL: ecs.endpoint, AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', AWS_REGION: 'eu-west-1' },
    });
  };

  it('blue/green with a bake longer than the poll interval: success after the bake with wait-until completed', async () => {
    const result = await run(web({}), {});
    try {
      expect(result.errors).toEqual([]);
      expect(result.outputs.result).toBe('success');
      expect(ecs!.deploymentsOf('web')[0].status).toBe('SUCCESSFUL');
      expect(result.log).toContain('web: service deployment IN_PROGRESS at stage BAKE_TIME: the new revision is healthy and baking');
      expect(JSON.parse(result.outputs.services).web.reason).toContain('SUCCESSFUL (BLUE_GREEN)');
    } finally {
      result.cleanup();
    }
  });

  it('blue/green with wait-until traffic-shifted: success before the bake ends', async () => {
    const result = await run(web({ scenario: scenarios.blueGreen({ stepMs: 300, bakeMs: 60_000 }) }), { 'wait-until': 'traffic-shifted' });
    try {
      expect(result.errors).toEqual([]);
      expect(result.outputs.result).toBe('success');
      expect(ecs!.deploymentsOf('web')[0]).toMatchObject({ status: 'IN_PROGRESS', stage: 'BAKE_TIME' });
      expect(JSON.parse(result.outputs.services).web.reason).toContain('production traffic is all on the new revision');
    } finally {
      result.cleanup();
    }
  });

  it('an alarm during the bake: failed, then rolled-back with the alarm name, and no UpdateService from the action', async () => {
    const result = await run(
      web({
        alarms: { alarmNames: ['web-5xx'], enable: true, rollback: true },
        scenario: scenarios.blueGreen({ stepMs: 300, bakeMs: 2000, end: { kind: 'alarm', alarm: 'web-5xx', rollbackMs: 1500 } }),
      }),
      { rollback: 'true' },
    );
    try {
      expect(result.exitCode).toBe(1);
      expect(result.outputs.result).toBe('rolled-back');
      const warning = result.annotations.find((a) => a.level === 'warning' && a.message.startsWith('web: failed:'));
      expect(warning?.message).toMatch(/^web: failed: ECS is rolling back deployment ecs-svc\/\d+: CloudWatch alarm web-5xx in ALARM/);
      const services = JSON.parse(result.outputs.services);
      expect(services.web.status).toBe('rolled-back');
      expect(services.web.reason).toContain('CloudWatch alarm web-5xx in ALARM');
      expect(ecs!.count('UpdateService')).toBe(1);
      expect(ecs!.count('StopServiceDeployment')).toBe(0);
    } finally {
      result.cleanup();
    }
  });

  it('rollback: true with a bake longer than the timeout: no rollback of any kind, and the reason says healthy and baking', async () => {
    const result = await run(web({ bakeTimeInMinutes: 30, scenario: scenarios.blueGreen({ stepMs: 300, bakeMs: 60_000 }) }), {
      rollback: 'true',
      timeout: '5s',
    });
    try {
      expect(result.exitCode).toBe(1);
      expect(result.outputs.result).toBe('timed-out');
      const reason = JSON.parse(result.outputs.services).web.reason;
      expect(reason).toContain('the new revision is healthy and baking');
      expect(reason).toContain('use wait-until: traffic-shifted, or give a longer timeout');
      expect(reason).toContain('not rolled back by this action: the deployment was healthy and baking');
      expect(ecs!.count('UpdateService')).toBe(1);
      expect(ecs!.count('StopServiceDeployment')).toBe(0);
    } finally {
      result.cleanup();
    }
  });
});
