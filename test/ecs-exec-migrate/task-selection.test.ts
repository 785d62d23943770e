import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { ActionError, memoryLogger, virtualClock } from '@allthrive/toolkit';
import { evaluateTask, selectTask } from '@allthrive/ecs-exec-migrate';
import type { FakeAwsEndpoint } from '../harness/fake-aws.js';
import type { FakeDataChannel } from './fake-data-channel.js';
import { clientsFor, ecsTask, execHandlers, startFakeAws, taskArn, taskDef, type ExecState } from './exec-fixtures.js';

let aws: FakeAwsEndpoint;
let state: ExecState;

beforeAll(async () => {
  const view = new Proxy({} as ExecState, { get: (_t, key) => state[key as keyof ExecState] });
  aws = await startFakeAws(execHandlers(view, () => ({}) as FakeDataChannel));
});
afterAll(() => aws.close());
beforeEach(() => {
  state = { tasks: [], primaryRevision: 42, script: { token: 't' } };
  aws.requests.length = 0;
});

async function select(request: { service?: string; task?: string; container?: string; waitMs?: number } = {}) {
  const { ecs } = clientsFor(aws);
  const logger = memoryLogger();
  const clock = virtualClock();
  try {
    const selected = await selectTask(
      { cluster: 'production-allthrive-cluster', service: 'web', container: 'web', waitMs: 60_000, ...request },
      { ecs, logger, clock },
    );
    return { selected, logger, clock };
  } catch (error) {
    return { error: error as Error, logger, clock };
  } finally {
    ecs.destroy();
  }
}

describe('task selection for ECS Exec', () => {
  it('picks a task of the PRIMARY deployment, never one of the old deployment still draining', async () => {
    state.tasks = [
      { id: 'old0000000000000000000000000000a', revision: 41, startedAt: 1000 },
      { id: 'new0000000000000000000000000000b', revision: 42, startedAt: 5000 },
      { id: 'new0000000000000000000000000000c', revision: 42, startedAt: 3000 },
    ];
    const { selected, logger } = await select();
    // The newest task of the PRIMARY deployment.
    expect(selected?.taskArn).toBe(taskArn('new0000000000000000000000000000b'));
    expect(logger.text()).toMatch(/Passed over task new0000000000000000000000000000c: it qualifies too, but started earlier/);
    expect(selected?.primaryTaskDefinition).toBe(taskDef(42));
    expect(selected?.verdicts.find((v) => v.taskArn.endsWith('a'))?.problems[0]).toMatch(
      /not the PRIMARY deployment's production-allthrive-web:42/,
    );
  });

  it('explains, per task, which condition failed and what to change', async () => {
    state.tasks = [
      { id: 'old0000000000000000000000000000a', revision: 41 },
      { id: 'noexec00000000000000000000000000', enableExecuteCommand: false, agent: null },
      { id: 'agent000000000000000000000000000', agent: 'STOPPED' },
      { id: 'sidecar0000000000000000000000000', containers: ['nginx'] },
    ];
    const { error } = await select();
    expect(error).toBeInstanceOf(ActionError);
    const message = error!.message;
    expect(message).toMatch(/task old0000000000000000000000000000a runs task definition production-allthrive-web:41/);
    expect(message).toMatch(
      /task noexec00000000000000000000000000 was started without execute-command enabled.*--enable-execute-command --force-new-deployment/,
    );
    expect(message).toMatch(
      /task agent000000000000000000000000000 its ExecuteCommandAgent in 'web' is STOPPED.*ssmmessages:CreateControlChannel/,
    );
    expect(message).toMatch(/task sidecar0000000000000000000000000 has no container named 'web' \(its containers: nginx\)/);
    expect(aws.count('ExecuteCommand')).toBe(0);
  });

  it('waits (virtual time) while the ExecuteCommandAgent is still PENDING, then uses the task', async () => {
    state.tasks = [{ id: 'a'.repeat(32), agent: 'PENDING' }];
    state.onDescribeTasks = (call) => {
      if (call === 3) state.tasks = [{ id: 'a'.repeat(32), agent: 'RUNNING' }];
    };
    const { selected, clock, logger } = await select();
    expect(selected?.taskArn).toBe(taskArn('a'.repeat(32)));
    expect(clock.sleeps).toEqual([5000, 5000]);
    expect(logger.text()).toMatch(/still starting/);
  });

  it('gives up after the wait when the agent never starts', async () => {
    state.tasks = [{ id: 'a'.repeat(32), agent: 'PENDING' }];
    const { error, clock } = await select({ waitMs: 20_000 });
    expect(error?.message).toMatch(/ExecuteCommandAgent in 'web' is PENDING/);
    expect(clock.sleeps.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(20_000);
  });

  it('fails clearly when the service has no running task or does not exist', async () => {
    expect((await select()).error?.message).toMatch(/has no RUNNING task.*PRIMARY deployment: production-allthrive-web:42.*mode: run-task/);
    expect((await select({ service: 'nope' })).error?.message).toMatch(
      /Service 'nope' was not found in cluster 'production-allthrive-cluster' \(MISSING\)/,
    );
  });

  it('uses an explicitly named task without looking at the service', async () => {
    state.tasks = [{ id: 'b'.repeat(32), revision: 40 }];
    const { selected } = await select({ service: undefined, task: 'b'.repeat(32) });
    expect(selected?.taskArn).toBe(taskArn('b'.repeat(32)));
    expect(aws.count('DescribeServices')).toBe(0);
    expect((await select({ service: undefined, task: 'c'.repeat(32) })).error?.message).toMatch(/Task 'c+' was not found/);
  });

  it('evaluates a single task without I/O', () => {
    const verdict = evaluateTask({ ...ecsTask({ id: 'x', lastStatus: 'PENDING' }) } as never, 'web', { taskDefinition: taskDef(42) });
    expect(verdict).toEqual({ taskArn: taskArn('x'), problems: ['is PENDING, not yet RUNNING'], transient: true });
  });
});
