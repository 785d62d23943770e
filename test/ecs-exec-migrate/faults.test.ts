import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import type { ChildProcess } from 'node:child_process';
import { runBundle, type BundleResult } from '../harness/bundle.js';
import { startFaultProxy, type FaultProxy, type FaultRule } from '../harness/fault-proxy.js';
import { CLUSTER_ARN, MIGRATE_INPUTS, bundleEnv, execHandlers, startFakeAws, taskArn, taskDef, type ExecState } from './exec-fixtures.js';
import { djangoOutput, startFakeDataChannel, type FakeDataChannel } from './fake-data-channel.js';
import type { FakeAwsEndpoint } from '../harness/fake-aws.js';

/**
 * Bundle tests under held answers: dist/ecs-exec-migrate/index.js talks to the scripted ECS
 * endpoint through the fault proxy, which holds one operation's answer. moto cannot run
 * ExecuteCommand nor keep a one-off task running, so ECS is scripted; the session is the fake SSM
 * data channel.
 */
const TOKEN = 'AAEAAFaultsTestSsmTokenValue0123456789-never-printed==';
const ONE_OFF = taskArn('0123456789abcdef0123456789abcdef');

let channel: FakeDataChannel;
let aws: FakeAwsEndpoint;
let proxy: FaultProxy | undefined;
let state: ExecState;
let oneOff: { started: number; stopped: boolean };

beforeAll(async () => {
  channel = await startFakeDataChannel();
  const exec = execHandlers(new Proxy({} as ExecState, { get: (_t, key) => state[key as keyof ExecState] }), () => channel);
  aws = await startFakeAws({
    ...exec,
    DescribeTaskDefinition: () => ({
      taskDefinition: { taskDefinitionArn: taskDef(42), networkMode: 'bridge', containerDefinitions: [{ name: 'web', image: 'app:v42' }] },
    }),
    ListTasks: (body) => (body.startedBy ? { taskArns: [] } : exec.ListTasks()),
    RunTask: () => {
      oneOff.started += 1;
      return { tasks: [{ taskArn: ONE_OFF, lastStatus: 'PROVISIONING', clusterArn: CLUSTER_ARN }], failures: [] };
    },
    DescribeTasks: (body) => {
      if ((body.tasks as string[])[0] !== ONE_OFF) return exec.DescribeTasks(body);
      const status = oneOff.stopped ? 'STOPPED' : 'RUNNING';
      return {
        tasks: [{ taskArn: ONE_OFF, lastStatus: status, desiredStatus: status, containers: [{ name: 'web', lastStatus: status }] }],
        failures: [],
      };
    },
    StopTask: (body) => {
      oneOff.stopped = true;
      return { task: { taskArn: body.task, lastStatus: 'RUNNING', desiredStatus: 'STOPPED' } };
    },
  });
});
afterAll(async () => {
  await aws.close();
  await channel.close();
});
beforeEach(() => {
  state = { tasks: [{ id: 'a'.repeat(32) }], primaryRevision: 42, script: { token: TOKEN, output: (nonce) => djangoOutput(nonce, 0) } };
  oneOff = { started: 0, stopped: false };
  aws.requests.length = 0;
  channel.sessions.length = 0;
});
afterEach(async () => {
  await proxy?.close();
  proxy = undefined;
});

async function migrate(rules: FaultRule[], inputs: Record<string, string>, onStart?: (child: ChildProcess) => void): Promise<BundleResult> {
  proxy = await startFaultProxy({ upstream: aws.endpoint, rules });
  return runBundle('ecs-exec-migrate', {
    inputs: { ...MIGRATE_INPUTS, ...inputs },
    env: bundleEnv(proxy.endpoint),
    timeoutMs: 30_000,
    onStart,
  });
}

describe('ecs-exec-migrate bundle with a held answer', () => {
  it('run-task: DescribeTasks held 60 s with timeout 10s: the call is abandoned at the timeout, the task stopped, the step fails saying so', async () => {
    const run = await migrate([{ fault: 'delay', operation: 'DescribeTasks', delayMs: 60_000 }], { mode: 'run-task', timeout: '10s' });
    try {
      // Not a timing assertion: the 30 s runner limit did not kill it.
      expect(run.signal).toBeNull();
      expect(run.exitCode).toBe(1);
      expect(oneOff.started).toBe(1);
      expect(aws.count('StopTask')).toBe(1);
      expect(run.errors).toHaveLength(1);
      expect(run.errors[0].properties.title).toBe('Migration timed out');
      expect(run.errors[0].message).toContain(
        'The task did not stop within the timeout (10s): task 0123456789abcdef0123456789abcdef was stopped (StopTask).',
      );
      expect(run.outputs['task-arn']).toBe(ONE_OFF);
    } finally {
      run.cleanup();
    }
  }, 45_000);

  it('exec: SIGINT then SIGTERM while the ExecuteCommand answer is held: exits with one error saying ECS may have started the command', async () => {
    let signalled = false;
    const run = await migrate([{ fault: 'delay', operation: 'ExecuteCommand', delayMs: 30_000 }], {}, (child) => {
      const timer = setInterval(() => {
        if (!proxy?.requests.some((r) => r.operation === 'ExecuteCommand')) return;
        clearInterval(timer);
        signalled = true;
        child.kill('SIGINT');
        setTimeout(() => child.exitCode === null && child.kill('SIGTERM'), 300).unref();
      }, 20);
    });
    try {
      expect(signalled).toBe(true);
      // exit 1, or ended by the follow-up SIGTERM after the ::error line; never the runner's kill.
      expect(run.exitCode === 1 || run.signal === 'SIGTERM').toBe(true);
      expect(run.errors).toHaveLength(1);
      const message = run.errors[0].message;
      expect(message).toContain('The run was cancelled while starting the command with ECS ExecuteCommand');
      expect(message).toContain('ECS may already have started it in task aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa');
      expect(message).toContain('this run did not send it again');
      expect(message).toContain('Re-running the step starts the command once more');
      expect(message).not.toMatch(/ExecuteCommand failed|AbortError/);
      expect(aws.count('ExecuteCommand')).toBe(1);
      expect(channel.sessions.filter((s) => s.openFrame !== undefined)).toHaveLength(0);
    } finally {
      run.cleanup();
    }
  }, 45_000);
});
