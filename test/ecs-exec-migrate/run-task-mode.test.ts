import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { ActionError, memoryLogger, virtualClock } from '@allthrive/toolkit';
import { MigrationError, STARTED_BY, runMigration, type MigrationOptions } from '@allthrive/ecs-exec-migrate';
import { FakeAwsError, startFakeAws, type FakeAwsEndpoint } from '../harness/fake-aws.js';
import { CLUSTER_ARN, clientsFor, migrationOptions, taskArn, taskDef, remoteLinesTo } from './exec-fixtures.js';

/**
 * Run-task mode against a scripted ECS + CloudWatch Logs endpoint: moto's one-off tasks always
 * exit 0 and never write logs, so non-zero and null exit codes and log streaming need a script.
 */

/** The service's network configuration, which the one-off task must run with too. */
const SERVICE_NETWORK = {
  awsvpcConfiguration: { subnets: ['subnet-0aaaaaaaaaaaaaaa1'], securityGroups: ['sg-0bbbbbbbbbbbbbbb1'], assignPublicIp: 'DISABLED' },
};

const TASK_ID = '0123456789abcdef0123456789abcdef';

interface Script {
  /** lastStatus per DescribeTasks call; the last one repeats. */
  statuses: string[];
  webExitCode?: number | null;
  sidecarExitCode?: number | null;
  stopCode?: string;
  stoppedReason?: string;
  containerReason?: string;
  /** [visible from DescribeTasks call n, message]; n = 'late' means only after STOPPED was seen and read once. */
  events: [number | 'late', string][];
  runFailures?: { arn?: string; reason: string }[];
  otherMigrations?: string[];
  onDescribe?: (call: number) => void;
  logGroupRegion?: string;
}

let aws: FakeAwsEndpoint;
let script: Script;
let describeCalls = 0;
let stoppedSeen = false;
let readsAfterStop = 0;

const service = {
  serviceName: 'web',
  status: 'ACTIVE',
  taskDefinition: taskDef(42),
  capacityProviderStrategy: [{ capacityProvider: 'FARGATE_SPOT', weight: 1 }],
  platformVersion: '1.4.0',
  networkConfiguration: {
    awsvpcConfiguration: { subnets: ['subnet-0aaaaaaaaaaaaaaa1'], securityGroups: ['sg-0bbbbbbbbbbbbbbb1'], assignPublicIp: 'DISABLED' },
  },
  deployments: [
    {
      id: 'ecs-svc/2',
      status: 'PRIMARY',
      taskDefinition: taskDef(42),
      capacityProviderStrategy: [{ capacityProvider: 'FARGATE_SPOT', weight: 1 }],
      platformVersion: '1.4.0',
      networkConfiguration: SERVICE_NETWORK,
    },
    { id: 'ecs-svc/1', status: 'ACTIVE', taskDefinition: taskDef(41) },
  ],
};

function visibleEvents(): string[] {
  return script.events.filter(([at]) => (at === 'late' ? stoppedSeen && readsAfterStop > 1 : describeCalls >= at)).map(([, m]) => m);
}

beforeAll(async () => {
  aws = await startFakeAws({
    DescribeServices: () => ({ services: [service], failures: [] }),
    DescribeTaskDefinition: () => ({
      taskDefinition: {
        taskDefinitionArn: taskDef(42),
        networkMode: 'awsvpc',
        containerDefinitions: [
          { name: 'log-router', image: 'fluent-bit' },
          {
            name: 'web',
            image: 'app:v42',
            logConfiguration: {
              logDriver: 'awslogs',
              options: {
                'awslogs-group': '/ecs/production-allthrive',
                'awslogs-region': script.logGroupRegion ?? 'us-east-1',
                'awslogs-stream-prefix': 'ecs',
              },
            },
          },
        ],
      },
    }),
    ListTasks: () => ({ taskArns: script.otherMigrations ?? [] }),
    RunTask: () =>
      script.runFailures
        ? { tasks: [], failures: script.runFailures }
        : { tasks: [{ taskArn: taskArn(TASK_ID), lastStatus: 'PROVISIONING', clusterArn: CLUSTER_ARN }], failures: [] },
    DescribeTasks: () => {
      describeCalls += 1;
      script.onDescribe?.(describeCalls);
      const status = script.statuses[Math.min(describeCalls, script.statuses.length) - 1];
      if (status === 'MISSING') return { tasks: [], failures: [{ arn: taskArn(TASK_ID), reason: 'MISSING' }] };
      if (status === 'STOPPED') stoppedSeen = true;
      const stopped = status === 'STOPPED';
      return {
        tasks: [
          {
            taskArn: taskArn(TASK_ID),
            lastStatus: status,
            desiredStatus: stopped ? 'STOPPED' : 'RUNNING',
            taskDefinitionArn: taskDef(42),
            stopCode: stopped ? (script.stopCode ?? 'EssentialContainerExited') : undefined,
            stoppedReason: stopped ? (script.stoppedReason ?? 'Essential container in task exited') : undefined,
            containers: [
              { name: 'log-router', lastStatus: status, exitCode: stopped ? (script.sidecarExitCode ?? 0) : undefined },
              {
                name: 'web',
                lastStatus: status,
                exitCode: stopped ? (script.webExitCode === null ? undefined : script.webExitCode) : undefined,
                reason: stopped ? script.containerReason : undefined,
              },
            ],
          },
        ],
        failures: [],
      };
    },
    StopTask: () => ({ task: { taskArn: taskArn(TASK_ID), lastStatus: 'RUNNING', desiredStatus: 'STOPPED' } }),
    GetLogEvents: (body) => {
      if (stoppedSeen) readsAfterStop += 1;
      const visible = visibleEvents();
      if (visible.length === 0 && describeCalls < 2)
        throw new FakeAwsError('ResourceNotFoundException', 'The specified log stream does not exist.');
      const from = body.nextToken ? Number(String(body.nextToken).slice(2)) : 0;
      const events = visible.slice(from).map((message, i) => ({ timestamp: 1_700_000_000_000 + from + i, message, ingestionTime: 1 }));
      return { events, nextForwardToken: `f/${from + events.length}`, nextBackwardToken: 'b/0' };
    },
  });
});
afterAll(() => aws.close());
beforeEach(() => {
  aws.requests.length = 0;
  describeCalls = 0;
  stoppedSeen = false;
  readsAfterStop = 0;
  script = {
    statuses: ['PROVISIONING', 'RUNNING', 'RUNNING', 'STOPPED'],
    webExitCode: 0,
    events: [
      [2, 'Operations to perform:'],
      [2, '  Apply all migrations: admin, auth, core'],
      [3, '\u001b[32m  Applying core.0042_plans... OK\u001b[0m\r'],
      ['late', 'Seeded 3 plans'],
    ],
  };
});

/** The migration as a one-off task that also seeds the plans. */
const options = (overrides: Partial<MigrationOptions> = {}) =>
  migrationOptions({ command: 'python manage.py migrate --noinput && python manage.py seed_plans', mode: 'run-task', ...overrides });

async function run(overrides: Partial<MigrationOptions> = {}, signal = new AbortController().signal) {
  const { ecs, logs } = clientsFor(aws);
  const logger = memoryLogger();
  const clock = virtualClock();
  try {
    const result = await runMigration(options(overrides), { ecs, logs, logger, clock, signal, writeCommand: remoteLinesTo(logger) });
    return { result, logger, clock, error: undefined };
  } catch (error) {
    return { result: undefined, logger, clock, error: error as Error };
  } finally {
    ecs.destroy();
    logs.destroy();
  }
}

const body = (operation: string) => aws.requests.find((r) => r.operation === operation)?.body;

describe('run-task mode (scripted ECS + Logs)', () => {
  it.each([
    [0, 137],
    [1, 0],
    [3, 0],
    [137, 0],
  ])('returns the TARGET container exit code %i (the sidecar exited %i)', async (web, sidecar) => {
    script.webExitCode = web;
    script.sidecarExitCode = sidecar;
    const { result, error } = await run();
    expect(error).toBeUndefined();
    expect(result).toMatchObject({
      exitCode: web,
      mode: 'run-task',
      taskArn: taskArn(TASK_ID),
      logStream: `/ecs/production-allthrive/ecs/web/${TASK_ID}`,
      taskDefinitionArn: taskDef(42),
    });
  });

  it('starts the task from the PRIMARY deployment with the override, startedBy, the copied network and on-demand capacity', async () => {
    const { logger } = await run();
    expect(logger.text()).toMatch(/uses FARGATE_SPOT, which is left out for the migration task/);
    expect(body('RunTask')).toEqual({
      cluster: 'production-allthrive-cluster',
      taskDefinition: taskDef(42),
      count: 1,
      startedBy: STARTED_BY,
      clientToken: expect.stringMatching(/^[0-9a-f-]{36}$/),
      overrides: {
        containerOverrides: [
          { name: 'web', command: ['/bin/sh', '-c', 'python manage.py migrate --noinput && python manage.py seed_plans'] },
        ],
      },
      // The service runs on FARGATE_SPOT only: the migration goes to on-demand FARGATE.
      capacityProviderStrategy: [{ capacityProvider: 'FARGATE', weight: 1 }],
      platformVersion: '1.4.0',
      networkConfiguration: SERVICE_NETWORK,
    });
  });

  it('uses the inputs instead of the service where given (task definition, subnets, launch type)', async () => {
    await run({
      taskDefinition: 'production-allthrive-web:43',
      subnets: ['subnet-0ccccccccccccccc1'],
      securityGroups: ['sg-0ddddddddddddddd1'],
      assignPublicIp: 'ENABLED',
      launchType: 'FARGATE',
    });
    expect(body('DescribeTaskDefinition')).toEqual({ taskDefinition: 'production-allthrive-web:43' });
    expect(body('RunTask')).toMatchObject({
      launchType: 'FARGATE',
      networkConfiguration: {
        awsvpcConfiguration: { subnets: ['subnet-0ccccccccccccccc1'], securityGroups: ['sg-0ddddddddddddddd1'], assignPublicIp: 'ENABLED' },
      },
    });
    expect(body('RunTask')).not.toHaveProperty('capacityProviderStrategy');
    aws.requests.length = 0;
    await run({ launchType: 'EC2' });
    expect(body('RunTask')).toMatchObject({ launchType: 'EC2' });
    expect(body('RunTask')).not.toHaveProperty('platformVersion');
  });

  it('streams every CloudWatch Logs line in order, cleaned, including lines that arrive after STOPPED', async () => {
    const { logger } = await run();
    const text = logger.text(['info']);
    const order = [
      'Operations to perform:',
      '  Apply all migrations: admin, auth, core',
      '  Applying core.0042_plans... OK',
      'Seeded 3 plans',
    ];
    const at = order.map((line) => logger.entries.findIndex((e) => e.message === line));
    expect(at.every((i) => i >= 0)).toBe(true);
    expect([...at].sort((a, b) => a - b)).toEqual(at);
    expect(text).not.toContain('\u001b');
    expect(body('GetLogEvents')).toMatchObject({
      logGroupName: '/ecs/production-allthrive',
      logStreamName: `ecs/web/${TASK_ID}`,
      startFromHead: true,
    });
  });

  it('fails on a null exit code (the container never ran), printing stopCode and stoppedReason', async () => {
    script.webExitCode = null;
    script.stopCode = 'TaskFailedToStart';
    script.stoppedReason = 'CannotPullContainerError: pull image manifest has been retried 5 time(s): app:v42 not found';
    script.events = [];
    const { error } = await run();
    expect(error).toBeInstanceOf(MigrationError);
    expect(error!.message).toMatch(/stopped without an exit code for container 'web': the command never ran/);
    expect(error!.message).toMatch(/stopCode TaskFailedToStart/);
    expect(error!.message).toMatch(/CannotPullContainerError/);
    expect((error as MigrationError).partial).toMatchObject({ taskArn: taskArn(TASK_ID), mode: 'run-task' });
  });

  it('retries DescribeTasks while a new task is MISSING (eventual consistency)', async () => {
    script.statuses = ['MISSING', 'MISSING', 'RUNNING', 'STOPPED'];
    script.webExitCode = 3;
    expect((await run()).result?.exitCode).toBe(3);
  });

  it('stops the task on timeout and fails', async () => {
    script.statuses = ['RUNNING'];
    const { error, clock } = await run({ timeoutMs: 60_000 });
    expect(error?.message).toMatch(
      /did not stop within the timeout \(1m\): task 0123456789abcdef0123456789abcdef was stopped \(StopTask\)/,
    );
    expect(body('StopTask')).toEqual({
      cluster: 'production-allthrive-cluster',
      task: taskArn(TASK_ID),
      reason: 'ecs-exec-migrate: timed out after 1m',
    });
    expect(clock.now()).toBeGreaterThanOrEqual(60_000);
  });

  it('stops the task when the run is cancelled', async () => {
    script.statuses = ['RUNNING'];
    const controller = new AbortController();
    script.onDescribe = (call) => {
      if (call === 2) controller.abort(new Error('SIGINT'));
    };
    const { error } = await run({}, controller.signal);
    expect(error?.message).toMatch(/cancelled: task 0123456789abcdef0123456789abcdef was stopped \(StopTask\)/);
    expect(aws.count('StopTask')).toBe(1);
  });

  it('fails with the reasons when RunTask starts nothing', async () => {
    script.runFailures = [{ arn: 'arn:x', reason: 'RESOURCE:MEMORY' }];
    const { error } = await run();
    expect(error).toBeInstanceOf(ActionError);
    expect(error!.message).toMatch(/RunTask started no task: RESOURCE:MEMORY/);
  });

  it('checks the container and the network before starting anything', async () => {
    expect((await run({ container: 'worker' })).error?.message).toMatch(
      /has no container named 'worker' \(its containers: log-router, web\)/,
    );
    expect((await run({ service: undefined, taskDefinition: 'production-allthrive-web:42' })).error?.message).toMatch(
      /uses awsvpc networking: give the 'subnets'/,
    );
    expect(aws.count('RunTask')).toBe(0);
  });

  it('warns when another migration task is still running', async () => {
    script.otherMigrations = [taskArn('f'.repeat(32))];
    const { logger } = await run();
    // startedBy must be the only filter (API_ListTasks); the default desiredStatus is RUNNING.
    expect(body('ListTasks')).toEqual({ cluster: 'production-allthrive-cluster', startedBy: 'ecs-exec-migrate' });
    expect(logger.entries.find((e) => e.level === 'warning')?.message).toMatch(/Another migration task .*\(f{32}\)/);
  });

  it('does not stream logs kept in another region, but still checks the exit code', async () => {
    script.logGroupRegion = 'eu-west-1';
    script.webExitCode = 1;
    const { result, logger } = await run();
    expect(result?.exitCode).toBe(1);
    expect(aws.count('GetLogEvents')).toBe(0);
    expect(logger.text(['warning'])).toMatch(/logs to eu-west-1/);
  });
});
