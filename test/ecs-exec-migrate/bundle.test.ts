import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { runBundle } from '../harness/bundle.js';
import type { FakeAwsEndpoint } from '../harness/fake-aws.js';
import type { FakeDataChannel } from './fake-data-channel.js';
import { obeyedCommands } from './runner-commands.js';
import {
  CLUSTER_ARN,
  bundleEnv,
  clearExecFakes,
  shellState,
  startExecFakes,
  stopExecFakes,
  taskArn,
  awslogsTaskDefinition,
  type ExecState,
} from './exec-fixtures.js';

/**
 * The committed bundle (dist/ecs-exec-migrate) run exactly as the runner runs it, under Node 24,
 * against loopback fakes: a scripted ECS/Logs JSON endpoint (moto implements no ExecuteCommand
 * and its tasks always exit 0) and the fake Session Manager data channel running a real /bin/sh.
 */
const TOKEN = 'AAEAAbundleS3cr3tSessionT0ken+/==';
let channel: FakeDataChannel;
let aws: FakeAwsEndpoint;
let state: ExecState;
let runTaskExit: number | null = 0;

beforeAll(async () => {
  ({ channel, aws } = await startExecFakes(
    () => state,
    (exec) => ({
      DescribeServices: (body) => {
        const answer = exec.DescribeServices(body) as { services: Record<string, unknown>[] };
        answer.services[0].launchType = 'FARGATE';
        answer.services[0].networkConfiguration = {
          awsvpcConfiguration: { subnets: ['subnet-0aaaaaaaaaaaaaaa1'], securityGroups: ['sg-0bbbbbbbbbbbbbbb1'] },
        };
        return answer;
      },
      DescribeTaskDefinition: () => awslogsTaskDefinition('/ecs/app'),
      ListTasks: (body) => (body.startedBy ? { taskArns: [] } : { taskArns: state.tasks.map((t) => taskArn(t.id)) }),
      DescribeTasks: (body) => {
        if ((body.tasks as string[])[0] === taskArn('r'.repeat(32))) {
          return {
            tasks: [
              {
                taskArn: taskArn('r'.repeat(32)),
                lastStatus: 'STOPPED',
                stopCode: runTaskExit === null ? 'TaskFailedToStart' : 'EssentialContainerExited',
                stoppedReason:
                  runTaskExit === null ? 'ResourceInitializationError: unable to pull secrets' : 'Essential container in task exited',
                containers: [{ name: 'web', exitCode: runTaskExit ?? undefined }],
              },
            ],
          };
        }
        return exec.DescribeTasks(body);
      },
      RunTask: () => ({ tasks: [{ taskArn: taskArn('r'.repeat(32)), clusterArn: CLUSTER_ARN }], failures: [] }),
      GetLogEvents: (body) =>
        body.nextToken === 'f/2'
          ? { events: [], nextForwardToken: 'f/2' }
          : {
              events: [
                { timestamp: 1, message: 'Operations to perform:' },
                { timestamp: 2, message: `  Applying core.0042_plans... ${runTaskExit === 0 ? 'OK' : 'FAILED'}` },
              ],
              nextForwardToken: 'f/2',
            },
    }),
  ));
});
afterAll(() => stopExecFakes({ channel, aws }));
beforeEach(() => {
  state = shellState(TOKEN);
  clearExecFakes({ channel, aws });
});

const env = () => bundleEnv(aws.endpoint);
const commands: Record<number, string> = {
  0: 'echo "Applying core.0042_plans... OK"',
  1: 'echo "CommandError: Conflicting migrations detected" >&2; exit 1',
  3: 'exit 3',
  137: `sh -c 'kill -9 $$'`,
};

describe('bundle: exec mode', () => {
  it.each([0, 1, 3, 137])('exit code %i becomes the exit-code output and the step result', async (code) => {
    const run = await runBundle('ecs-exec-migrate', {
      inputs: { cluster: 'production-allthrive-cluster', service: 'web', command: commands[code] },
      env: env(),
    });
    try {
      expect(run.outputs['exit-code']).toBe(String(code));
      expect(run.outputs['task-arn']).toBe(taskArn('a'.repeat(32)));
      expect(run.outputs.mode).toBe('exec');
      expect(run.outputs['session-id']).toBe(channel.sessions[0].sessionId);
      expect(run.exitCode).toBe(code === 0 ? 0 : 1);
      if (code === 0) expect(run.errors).toEqual([]);
      else expect(run.errors[0].message).toMatch(new RegExp(`exited with code ${code}`));
      expect(run.summary).toContain(code === 0 ? 'succeeded (exit code 0)' : `failed (exit code ${code})`);
      // The token is registered with ::add-mask:: before anything else mentions the session,
      // and appears on no other line.
      const lines = run.stdout.split('\n');
      const maskAt = lines.indexOf(`::add-mask::${TOKEN}`);
      expect(maskAt).toBeGreaterThanOrEqual(0);
      expect(maskAt).toBeLessThan(lines.findIndex((l) => l.includes('Session ecs-execute-command-')));
      expect(lines.filter((l, i) => i !== maskAt && l.includes(TOKEN))).toEqual([]);
      expect(run.stdout).not.toContain('__ECS_EXEC_MIGRATE_');
      expect(aws.count('ExecuteCommand')).toBe(1);
    } finally {
      run.cleanup();
    }
  });

  it('shows the remote output in the log, cleaned, and workflow commands in it stay inert', async () => {
    const run = await runBundle('ecs-exec-migrate', {
      inputs: {
        cluster: 'production-allthrive-cluster',
        service: 'web',
        command: `printf '\\033[32mApplying ✓\\033[0m\\n'; echo '::error::forged by the migration'`,
      },
      env: env(),
    });
    expect(run.log).toContain('\nApplying ✓\n');
    expect(run.exitCode).toBe(0);
    // Parsed as the runner does (stop-commands honoured): the forged annotation is text.
    expect(obeyedCommands(run.stdout).filter((c) => c.command === 'error')).toEqual([]);
    expect(run.stdout).toContain('\n::error::forged by the migration\n');
    run.cleanup();
  });

  it('on SIGINT sends Ctrl-C to the remote command, ends the session and fails', async () => {
    state.script = { token: TOKEN, shell: true, end: 'never' };
    const run = await runBundle('ecs-exec-migrate', {
      inputs: { cluster: 'production-allthrive-cluster', service: 'web', command: 'echo started; sleep 30' },
      env: env(),
      onStart: (child) => {
        const timer = setInterval(() => {
          if (channel.sessions[0]?.sent.length) {
            clearInterval(timer);
            child.kill('SIGINT');
          }
        }, 50);
      },
    });
    expect(run.exitCode).toBe(1);
    expect(run.errors[0].message).toMatch(
      /cancelled: sent Ctrl-C \(0x03\) to the command as terminal input.*closed the session.*may still be running/,
    );
    expect(channel.sessions[0].ctrlC).toBe(true);
    expect(run.outputs['exit-code']).toBe('');
    run.cleanup();
  });

  it('rejects a bad input with one ::error line naming it, before any AWS call', async () => {
    const run = await runBundle('ecs-exec-migrate', {
      inputs: { cluster: 'production-allthrive-cluster', service: 'web', command: 'x', subnets: 'subnet-0aaaaaaaaaaaaaaa1' },
      env: env(),
    });
    expect(run.exitCode).toBe(1);
    expect(run.errors).toEqual([
      { level: 'error', properties: { title: 'subnets' }, message: expect.stringMatching(/only used with mode: run-task/) },
    ]);
    expect(aws.requests).toEqual([]);
    run.cleanup();
  });
});

describe('bundle: run-task mode', () => {
  it.each([0, 1, 3, 137])('exit code %i becomes the exit-code output and the step result', async (code) => {
    runTaskExit = code;
    const run = await runBundle('ecs-exec-migrate', {
      inputs: { cluster: 'production-allthrive-cluster', service: 'web', command: 'python manage.py migrate --noinput', mode: 'run-task' },
      env: env(),
    });
    try {
      expect(run.outputs).toMatchObject({
        'exit-code': String(code),
        'task-arn': taskArn('r'.repeat(32)),
        mode: 'run-task',
        'log-stream': `/ecs/app/ecs/web/${'r'.repeat(32)}`,
      });
      expect(run.exitCode).toBe(code === 0 ? 0 : 1);
      expect(run.log).toContain('Applying core.0042_plans...');
      expect(aws.requests.find((r) => r.operation === 'RunTask')?.body).toMatchObject({
        startedBy: 'ecs-exec-migrate',
        launchType: 'FARGATE',
      });
    } finally {
      run.cleanup();
    }
  });

  it('fails with stopCode and stoppedReason when the container never ran', async () => {
    runTaskExit = null;
    const run = await runBundle('ecs-exec-migrate', {
      inputs: { cluster: 'production-allthrive-cluster', service: 'web', command: 'python manage.py migrate', mode: 'run-task' },
      env: env(),
    });
    expect(run.exitCode).toBe(1);
    expect(run.errors[0].message).toMatch(/stopCode TaskFailedToStart.*ResourceInitializationError/);
    expect(run.outputs['exit-code']).toBe('');
    expect(run.outputs['task-arn']).toBe(taskArn('r'.repeat(32)));
    run.cleanup();
  });
});
