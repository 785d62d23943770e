import { afterAll, beforeAll, beforeEach, describe, expect, test } from '@jest/globals';
import { startFakeAws, type FakeAwsEndpoint } from '../harness/fake-aws.js';
import type { BundleOptions } from '../harness/bundle.js';
import type { FaultRule } from '../harness/fault-proxy.js';
// The ecs-exec-migrate tests' own fakes (a real SSM data channel over WebSocket, ECS answers for
// exec mode), reused read-only: the bundle talks to them exactly as to AWS.
import { djangoOutput, startFakeDataChannel, type FakeDataChannel } from '../ecs-exec-migrate/fake-data-channel.js';
import {
  CLUSTER_ARN,
  MIGRATE_INPUTS,
  awslogsTaskDefinition,
  execHandlers,
  taskArn,
  taskDef,
  type ExecState,
} from '../ecs-exec-migrate/exec-fixtures.js';
import { useFaultProxy } from './lib/fault-endpoint.js';
import { describeFaults, faultMix, faultRuns, jsonBody } from './lib/faults.js';
import { excerpt, useResults } from './lib/results.js';
import { cancelledRun, describeRun, expectFailedWithOneError, runChecked, type CheckedResult, testNoSecretLeaks } from './lib/run.js';

/**
 * ecs-exec-migrate under faults. moto does not implement ExecuteCommand and its one-off tasks
 * always exit 0, so ECS (and CloudWatch Logs) are the scripted JSON endpoint behind the fault
 * proxy, and the session is the fake SSM data channel. Whatever the faults: the exit code is the
 * remote one or the step fails, and the command is never started twice.
 */

const NAME = 'ecs-exec-migrate';
const TOKEN = 'AAEAAReliabilitySsmTokenValue0123456789-must-never-be-printed==';
const RUN_TASK_ID = 'fedcba9876543210fedcba9876543210';
const results = useResults(NAME);
const scanned: CheckedResult[] = [];

let channel: FakeDataChannel;
let aws: FakeAwsEndpoint;
const faults = useFaultProxy(() => aws.endpoint);
let state: ExecState;
/** Run-task script: exit code of the web container, whether the task ever stops. */
let oneOff: { exitCode: number; stops: boolean; tokens: string[]; stopped: boolean };

beforeAll(async () => {
  channel = await startFakeDataChannel();
  const exec = execHandlers(new Proxy({} as ExecState, { get: (_t, key) => state[key as keyof ExecState] }), () => channel);
  const runTaskService = {
    serviceName: 'web',
    status: 'ACTIVE',
    taskDefinition: taskDef(42),
    launchType: 'FARGATE',
    networkConfiguration: {
      awsvpcConfiguration: { subnets: ['subnet-0aaaaaaaaaaaaaaa1'], securityGroups: ['sg-0bbbbbbbbbbbbbbb1'], assignPublicIp: 'DISABLED' },
    },
    deployments: [{ id: 'ecs-svc/2', status: 'PRIMARY', taskDefinition: taskDef(42), rolloutState: 'COMPLETED', launchType: 'FARGATE' }],
  };
  aws = await startFakeAws({
    ...exec,
    DescribeServices: (body) => (state.primaryRevision === -1 ? { services: [runTaskService], failures: [] } : exec.DescribeServices(body)),
    DescribeTaskDefinition: () => awslogsTaskDefinition('/ecs/allthrive', { image: 'app:v42' }),
    ListTasks: (body) => (body.startedBy ? { taskArns: [] } : exec.ListTasks()),
    // ECS semantics of clientToken: the same token returns the task already started.
    RunTask: (body) => {
      const token = String(body.clientToken ?? '');
      if (!oneOff.tokens.includes(token)) oneOff.tokens.push(token);
      return {
        tasks: [
          {
            taskArn: taskArn(`${RUN_TASK_ID.slice(0, 30)}${String(oneOff.tokens.indexOf(token)).padStart(2, '0')}`),
            lastStatus: 'PROVISIONING',
            clusterArn: CLUSTER_ARN,
          },
        ],
        failures: [],
      };
    },
    DescribeTasks: (body) => {
      if (state.primaryRevision !== -1) return exec.DescribeTasks(body);
      const arn = (body.tasks as string[])[0];
      const stopped = oneOff.stops || oneOff.stopped;
      return {
        tasks: [
          {
            taskArn: arn,
            lastStatus: stopped ? 'STOPPED' : 'RUNNING',
            desiredStatus: stopped ? 'STOPPED' : 'RUNNING',
            taskDefinitionArn: taskDef(42),
            stopCode: stopped ? 'EssentialContainerExited' : undefined,
            stoppedReason: stopped ? 'Essential container in task exited' : undefined,
            containers: [{ name: 'web', lastStatus: stopped ? 'STOPPED' : 'RUNNING', exitCode: stopped ? oneOff.exitCode : undefined }],
          },
        ],
        failures: [],
      };
    },
    StopTask: (body) => {
      oneOff.stopped = true;
      return { task: { taskArn: body.task, lastStatus: 'RUNNING', desiredStatus: 'STOPPED' } };
    },
    GetLogEvents: (body) => ({
      events: body.nextToken ? [] : [{ timestamp: Date.now(), message: 'Operations to perform:', ingestionTime: Date.now() }],
      nextForwardToken: 'f/1',
      nextBackwardToken: 'b/1',
    }),
  });
});
afterAll(async () => {
  await aws.close();
  await channel.close();
});
beforeEach(() => {
  state = { tasks: [{ id: 'a'.repeat(32) }], primaryRevision: 42, script: { token: TOKEN, output: (nonce) => djangoOutput(nonce, 0) } };
  oneOff = { exitCode: 0, stops: true, tokens: [], stopped: false };
  aws.requests.length = 0;
  channel.sessions.length = 0;
});

async function migrate(
  rules: FaultRule[],
  seed = 1,
  inputs: Record<string, string> = {},
  onStart?: BundleOptions['onStart'],
  timeoutMs = 90_000,
): Promise<CheckedResult> {
  const endpoint = await faults.endpoint(rules, seed);
  const run = await runChecked(NAME, {
    inputs: { ...MIGRATE_INPUTS, ...inputs },
    env: { AWS_REGION: 'us-east-1', AWS_ENDPOINT_URL: endpoint },
    timeoutMs,
    extraSecrets: [TOKEN],
    onStart,
  });
  run.cleanup();
  scanned.push(run);
  return run;
}

/** Sessions whose data channel was opened: each is one start of the command. */
const commandStarts = () => channel.sessions.filter((s) => s.openFrame !== undefined).length;

/**
 * The invariant of both modes under faults: once the command ran exactly once (`ranOnce`) and the
 * step reported its exit code, that code is the remote one and sets the step's exit; otherwise the
 * step failed with one error. Returns whether the remote exit code was reported.
 */
function expectRemoteExitOrFailure(run: CheckedResult, details: string, remote: number, ranOnce: boolean): boolean {
  if (ranOnce && run.outputs['exit-code'] !== undefined) {
    expect({ exitCode: run.outputs['exit-code'], exit: run.exitCode, details }).toEqual({
      exitCode: String(remote),
      exit: remote === 0 ? 0 : 1,
      details,
    });
    return true;
  }
  expectFailedWithOneError(run, details);
  return false;
}

describe('exec mode under faults', () => {
  // [seed, remote exit code] per run at each fault level.
  test.each(
    faultRuns(
      [
        [71, 0],
        [72, 3],
        [74, 137],
      ],
      [
        [73, 3],
        [75, 0],
        [76, 1],
      ],
    ),
  )(
    '%d%% faults on ECS (%s, seed %d), remote exit %d: the exit code is the remote one or the step fails; never started twice',
    async (percent, category, seed, remote) => {
      state.script = { token: TOKEN, output: (nonce) => djangoOutput(nonce, remote) };
      const run = await migrate(faultMix(percent / 100), seed);
      const details = `${describeFaults(faults.proxy.requests)}\n${describeRun(run)}`;
      expect({ executeCommandAtMostOnce: aws.count('ExecuteCommand') <= 1, startedAtMostOnce: commandStarts() <= 1, details }).toEqual({
        executeCommandAtMostOnce: true,
        startedAtMostOnce: true,
        details,
      });
      const outcome = expectRemoteExitOrFailure(run, details, remote, commandStarts() === 1)
        ? `exit ${run.exitCode}, exit-code=${remote} (the remote one); command started once`
        : `exit 1 before the command ran: ${excerpt(run.errors[0].message, 100)}`;
      results.record({
        action: NAME,
        category,
        case: `exec mode, ${percent}% mixed faults (seed ${seed}), remote exit ${remote}`,
        outcome,
        metrics: {
          requests: faults.proxy.requests.length,
          faulted: faults.proxy.faults().length,
          executeCommandSent: aws.count('ExecuteCommand'),
        },
      });
    },
  );

  test('ExecuteCommand throttled on every attempt: retried (ECS refused it, so nothing started), then the step fails and says so', async () => {
    const run = await migrate([{ fault: 'throttle', operation: 'ExecuteCommand' }]);
    expect({ exit: run.exitCode, errors: run.errors.length, details: describeRun(run) }).toMatchObject({ exit: 1, errors: 1 });
    expect(faults.proxy.requests.filter((r) => r.operation === 'ExecuteCommand')).toHaveLength(5);
    expect(commandStarts()).toBe(0);
    expect(run.errors[0].message).toMatch(/throttled 5 times \(the command was not started\)/);
    results.record({
      action: NAME,
      category: 'faults-30',
      case: 'exec mode: ExecuteCommand throttled',
      outcome: `exit 1 after 5 attempts, nothing started: ${excerpt(run.errors[0].message, 120)}`,
    });
  });

  test('ExecuteCommand answered 500: not retried (the command may have started); the step fails and says so', async () => {
    const run = await migrate([{ fault: 'internal', operation: 'ExecuteCommand' }]);
    expect({ exit: run.exitCode, errors: run.errors.length, details: describeRun(run) }).toMatchObject({ exit: 1, errors: 1 });
    expect(faults.proxy.requests.filter((r) => r.operation === 'ExecuteCommand')).toHaveLength(1);
    expect(run.errors[0].message).toMatch(/never started twice|not retried/i);
    results.record({
      action: NAME,
      category: 'faults-30',
      case: 'exec mode: ExecuteCommand answered 500',
      outcome: `exit 1, one attempt: ${excerpt(run.errors[0].message, 120)}`,
    });
  });

  test('the ExecuteCommand response is lost after ECS started the session: not sent again', async () => {
    const run = await migrate([{ fault: 'reset-after', operation: 'ExecuteCommand' }]);
    expect({ exit: run.exitCode, errors: run.errors.length, details: describeRun(run) }).toMatchObject({ exit: 1, errors: 1 });
    expect(aws.count('ExecuteCommand')).toBe(1);
    expect(commandStarts()).toBe(0);
    results.record({
      action: NAME,
      category: 'connection',
      case: 'exec mode: ExecuteCommand response lost (reset after forwarding)',
      outcome: `exit 1, ExecuteCommand sent once: ${excerpt(run.errors[0].message, 120)}`,
    });
  });
});

describe('run-task mode under faults', () => {
  beforeEach(() => {
    state.primaryRevision = -1;
  });

  // [seed, container exit code] per run at each fault level.
  test.each(
    faultRuns(
      [[81, 0]],
      [
        [83, 3],
        [84, 137],
      ],
    ),
  )(
    '%d%% faults on ECS and Logs (%s, seed %d), container exit %d: one task (one clientToken), the container’s exit code',
    async (percent, category, seed, remote) => {
      oneOff.exitCode = remote;
      const run = await migrate(faultMix(percent / 100), seed, { mode: 'run-task' });
      const details = `${describeFaults(faults.proxy.requests)}\n${describeRun(run)}`;
      const tokens = new Set(
        faults.proxy.requests.filter((r) => r.operation === 'RunTask' && r.forwarded).map((r) => jsonBody(r).clientToken),
      );
      expect({ tokens: tokens.size <= 1, tasks: oneOff.tokens.length <= 1, details }).toEqual({ tokens: true, tasks: true, details });
      const outcome = expectRemoteExitOrFailure(run, details, remote, oneOff.tokens.length === 1)
        ? `exit ${run.exitCode}, exit-code=${remote}; one task (RunTask sent ${faults.proxy.count('RunTask')}× with one clientToken)`
        : `exit 1: ${excerpt(run.errors[0].message, 100)}`;
      results.record({
        action: NAME,
        category,
        case: `run-task mode, ${percent}% mixed faults (seed ${seed}), container exit ${remote}`,
        outcome,
        metrics: { requests: faults.proxy.requests.length, faulted: faults.proxy.faults().length },
      });
    },
    60_000,
  );

  test('the RunTask response is lost twice: the retries carry the same clientToken, so one task runs', async () => {
    oneOff.exitCode = 3;
    const run = await migrate([{ fault: 'reset-after', operation: 'RunTask', times: 2 }], 1, { mode: 'run-task' });
    const sent = faults.proxy.requests.filter((r) => r.operation === 'RunTask' && r.forwarded);
    expect(new Set(sent.map((r) => jsonBody(r).clientToken)).size).toBe(1);
    expect(oneOff.tokens).toHaveLength(1);
    expect({ exitCode: run.outputs['exit-code'], exit: run.exitCode, details: describeRun(run) }).toMatchObject({ exitCode: '3', exit: 1 });
    results.record({
      action: NAME,
      category: 'connection',
      case: 'run-task: RunTask response lost twice',
      outcome: `exit 1, exit-code=3; RunTask sent ${sent.length}× with one clientToken → one task`,
    });
  }, 60_000);
});

describe('ecs-exec-migrate: a hung request against the timeout', () => {
  test('run-task: DescribeTasks held 60 s with timeout 10s: the step ends at its timeout and stops the task', async () => {
    state.primaryRevision = -1;
    oneOff.stops = false;
    const run = await migrate(
      [{ fault: 'delay', operation: 'DescribeTasks', delayMs: 60_000 }],
      1,
      { mode: 'run-task', timeout: '10s' },
      undefined,
      30_000,
    );
    // Not a timing assertion: the generous 25 s kill timer did not fire.
    expect({ signal: run.signal, exit: run.exitCode, details: describeRun(run) }).toMatchObject({ signal: null, exit: 1 });
    expect(run.errors).toHaveLength(1);
    expect(run.errors[0].message).not.toMatch(/^Input '/);
    expect(run.errors[0].message).toMatch(/time/i);
    results.record({
      action: NAME,
      category: 'connection',
      case: 'run-task: DescribeTasks held 60 s (timeout 10s)',
      outcome: `exit 1${oneOff.stopped ? ', task stopped' : ''}: ${excerpt(run.errors[0].message, 120)}`,
      metrics: { elapsedMs: run.elapsedMs },
    });
  }, 45_000);
});

describe('ecs-exec-migrate: cancelled while ExecuteCommand is in flight', () => {
  test('SIGINT during ExecuteCommand: reported as a cancellation that may have started the command', async () => {
    const hang: FaultRule[] = [{ fault: 'delay', operation: 'ExecuteCommand', delayMs: 30_000 }];
    const cancelled = await cancelledRun(
      () => faults.started?.requests.some((r) => r.operation === 'ExecuteCommand') ?? false,
      (onStart) => migrate(hang, 1, {}, onStart),
    );
    const { run } = cancelled;
    // ECS may have started the session before the answer was lost: the step must say so, not blame ECS.
    expect(run.errors[0].message).toMatch(/cancel/i);
    expect(run.errors[0].message).toMatch(/may (have started|still be running)|unknown/i);
    results.record(cancelled.outcome(NAME, 'while the ExecuteCommand answer is held (30 s)'));
  }, 45_000);
});

describe('ecs-exec-migrate cancellation', () => {
  test('SIGINT then SIGTERM during the exec session: Ctrl-C sent, exits promptly, says the migration may still be running', async () => {
    state.script = { token: TOKEN, shell: true, end: 'never' };
    const cancelled = await cancelledRun(
      () => (channel.sessions[0]?.sent.length ?? 0) > 0,
      (onStart) => migrate([], 1, { command: 'echo started; sleep 30' }, onStart),
    );
    const { run } = cancelled;
    expect(run.errors[0].message).toMatch(/cancel/i);
    expect(run.errors[0].message).toMatch(/may still be running|still running/i);
    expect(channel.sessions[0].ctrlC).toBe(true);
    results.record(cancelled.outcome(NAME, 'during the exec session (remote command running)', { before: ', Ctrl-C sent' }));
  }, 60_000);

  test('SIGINT then SIGTERM while waiting for the one-off task: exits promptly and says what it left', async () => {
    state.primaryRevision = -1;
    oneOff.stops = false;
    const cancelled = await cancelledRun(
      () => aws.count('DescribeTasks') >= 1,
      (onStart) => migrate([], 1, { mode: 'run-task' }, onStart),
    );
    const { run } = cancelled;
    expect(run.errors[0].message).toMatch(/cancel/i);
    expect(run.errors[0].message).toContain(RUN_TASK_ID.slice(0, 30));
    results.record(
      cancelled.outcome(NAME, 'run-task: while waiting for the task to stop', {
        before: oneOff.stopped ? ', task stopped (StopTask)' : ', task left running',
      }),
    );
  }, 60_000);
});

// The SSM session token is scanned for too: migrate() passes it to runChecked as an extra secret.
testNoSecretLeaks(NAME, scanned, results, {
  case: 'SSM session tokenValue, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, presigned URLs',
  places: 'stdout, stderr, outputs, summary or files',
});
