import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { runBundle, type BundleResult } from '../harness/bundle.js';
import type { FakeAwsEndpoint } from '../harness/fake-aws.js';
import { PayloadType } from '@allthrive/ecs-exec-migrate';
import type { FakeDataChannel } from './fake-data-channel.js';
import { CLUSTER_ARN, bundleEnv, FakeAwsError, startExecFakes, taskArn, type ExecState } from './exec-fixtures.js';
import { obeyedCommands } from './runner-commands.js';

/**
 * The production semantics of ecs-exec-migrate (issue 13 defects 1–8, issue 18 `commands`), each
 * shown on the committed bundle run as the runner runs it (Node 24), against the scripted ECS
 * endpoint and the fake Session Manager data channel running a real /bin/sh. In run-task mode the
 * fake runs the container override's `/bin/sh -c` script for real too, and serves its output as
 * the container's CloudWatch Logs events.
 */
const TOKEN = 'AAEAAproductionS3ssionT0ken==';
const RUN_TASK_ID = 'f'.repeat(32);
const digest = (c: string) => `sha256:${c.repeat(64)}`;

let channel: FakeDataChannel;
let aws: FakeAwsEndpoint;
let state: ExecState;

interface OneOff {
  /** Extra fields of the service (and its PRIMARY deployment) for run-task. */
  service: Record<string, unknown>;
  primary: Record<string, unknown>;
  /** The sidecar keeps running after the web container exits, until StopTask. */
  sidecarOutlives: boolean;
  /** ListTasks for other migrations is denied. */
  listDenied?: boolean;
  ran?: { status: number; lines: string[] };
  describeCalls: number;
  stopped: boolean;
}
let oneOff: OneOff;

/** The service as run-task sees it: the test's extra fields on the service and its PRIMARY deployment. */
function withOneOffService(answer: { services: Record<string, unknown>[] }) {
  const service = answer.services[0];
  if (service) {
    Object.assign(service, oneOff.service);
    Object.assign((service.deployments as Record<string, unknown>[])[0], oneOff.primary);
  }
  return answer;
}

beforeAll(async () => {
  ({ channel, aws } = await startExecFakes(
    () => state,
    (exec) => ({
      DescribeServices: (body) => withOneOffService(exec.DescribeServices(body) as { services: Record<string, unknown>[] }),
      DescribeTaskDefinition: (body) => {
        const answer = exec.DescribeTaskDefinition(body) as { taskDefinition: Record<string, unknown> };
        answer.taskDefinition.networkMode = 'awsvpc';
        answer.taskDefinition.containerDefinitions = [
          { name: 'log-router', essential: true },
          {
            name: 'web',
            essential: true,
            ...(state.healthCheck ? { healthCheck: { command: ['CMD-SHELL', 'curl -f http://localhost/health'] } } : {}),
            logConfiguration: {
              logDriver: 'awslogs',
              options: { 'awslogs-group': '/ecs/app', 'awslogs-region': 'us-east-1', 'awslogs-stream-prefix': 'ecs' },
            },
          },
        ];
        return answer;
      },
      RunTask: (body) => {
        // The container override runs for real: `/bin/sh -c <script>`, as ECS would start it.
        const override = (body.overrides as { containerOverrides: { name: string; command: string[] }[] }).containerOverrides[0];
        const run = spawnSync(override.command[0], override.command.slice(1), { encoding: 'utf8', timeout: 20_000 });
        oneOff.ran = { status: run.status ?? 137, lines: `${run.stdout}${run.stderr}`.split('\n').filter((l) => l !== '') };
        return { tasks: [{ taskArn: taskArn(RUN_TASK_ID), clusterArn: CLUSTER_ARN, lastStatus: 'PROVISIONING' }], failures: [] };
      },
      DescribeTasks: (body) => {
        if (!(body.tasks as string[])[0].endsWith(RUN_TASK_ID)) return exec.DescribeTasks(body);
        oneOff.describeCalls += 1;
        const webDone = oneOff.describeCalls >= 2;
        const taskStopped = webDone && (!oneOff.sidecarOutlives || oneOff.stopped);
        return {
          tasks: [
            {
              taskArn: taskArn(RUN_TASK_ID),
              lastStatus: taskStopped ? 'STOPPED' : 'RUNNING',
              desiredStatus: taskStopped || oneOff.stopped ? 'STOPPED' : 'RUNNING',
              stopCode: taskStopped ? (oneOff.stopped ? 'UserInitiated' : 'EssentialContainerExited') : undefined,
              containers: [
                { name: 'log-router', lastStatus: taskStopped ? 'STOPPED' : 'RUNNING', exitCode: taskStopped ? 0 : undefined },
                { name: 'web', lastStatus: webDone ? 'STOPPED' : 'RUNNING', exitCode: webDone ? oneOff.ran?.status : undefined },
              ],
            },
          ],
          failures: [],
        };
      },
      ListTasks: (body) => {
        if (body.startedBy && oneOff.listDenied)
          throw new FakeAwsError('AccessDeniedException', 'not authorized to perform: ecs:ListTasks');
        return exec.ListTasks(body);
      },
      StopTask: () => {
        oneOff.stopped = true;
        return { task: { taskArn: taskArn(RUN_TASK_ID), desiredStatus: 'STOPPED' } };
      },
      GetLogEvents: (body) => {
        if (body.nextToken === 'f/done') return { events: [], nextForwardToken: 'f/done' };
        const events = (oneOff.ran?.lines ?? []).map((message, i) => ({ timestamp: 1_700_000_000_000 + i, message }));
        return { events, nextForwardToken: events.length ? 'f/done' : 'f/0' };
      },
    }),
  ));
});
afterAll(async () => {
  await aws.close();
  await channel.close();
});
beforeEach(() => {
  state = { tasks: [{ id: 'a'.repeat(32) }], primaryRevision: 42, script: { token: TOKEN, shell: true } };
  oneOff = {
    service: {
      launchType: 'FARGATE',
      networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-0aaaaaaaaaaaaaaa1'], securityGroups: ['sg-0bbbbbbbbbbbbbbb1'] } },
    },
    primary: {},
    sidecarOutlives: false,
    describeCalls: 0,
    stopped: false,
  };
  aws.requests.length = 0;
  channel.sessions.length = 0;
});

const env = () => bundleEnv(aws.endpoint);

async function bundle(inputs: Record<string, string>, options: Parameters<typeof runBundle>[1] = {}): Promise<BundleResult> {
  const run = await runBundle('ecs-exec-migrate', {
    ...options,
    inputs: { cluster: 'production-allthrive-cluster', service: 'web', ...inputs },
    env: env(),
  });
  run.cleanup();
  return run;
}
const requestBody = (operation: string) => aws.requests.find((r) => r.operation === operation)?.body;

describe('defect 1: the task of the PRIMARY deployment, healthy, newest', () => {
  it('passes over a task of an older deployment on the same task definition, an unhealthy and an older one, one line each', async () => {
    state.healthCheck = true;
    state.tasks = [
      // Same revision 42, started by the previous deployment: the old image digest (mutable tag).
      { id: '0'.repeat(32), startedBy: 'ecs-svc/0', health: 'HEALTHY', startedAt: 1_700_000_000_000 },
      { id: '1'.repeat(32), health: 'HEALTHY', startedAt: 1_700_000_100_000 },
      { id: '2'.repeat(32), health: 'HEALTHY', startedAt: 1_700_000_200_000 },
      { id: '3'.repeat(32), health: 'UNHEALTHY', startedAt: 1_700_000_300_000 },
    ];
    const run = await bundle({ command: 'echo migrated' });
    expect(run.exitCode).toBe(0);
    expect(run.outputs['task-arn']).toBe(taskArn('2'.repeat(32)));
    const passed = run.log.split('\n').filter((l) => l.startsWith('Passed over task'));
    expect(passed).toHaveLength(3);
    expect(passed.find((l) => l.includes('0'.repeat(32)))).toMatch(/started by ecs-svc\/0, not by the PRIMARY deployment ecs-svc\/1/);
    expect(passed.find((l) => l.includes('1'.repeat(32)))).toMatch(/started earlier than task 2{32}/);
    expect(passed.find((l) => l.includes('3'.repeat(32)))).toMatch(/UNHEALTHY/);
  });

  it('takes a HEALTHY task over a newer one whose health check has not passed yet; UNKNOWN is fine without a health check', async () => {
    state.healthCheck = true;
    state.tasks = [
      { id: '1'.repeat(32), health: 'HEALTHY', startedAt: 1_700_000_100_000 },
      { id: '2'.repeat(32), health: 'UNKNOWN', startedAt: 1_700_000_200_000 },
    ];
    const checked = await bundle({ command: 'true' });
    expect(checked.outputs['task-arn']).toBe(taskArn('1'.repeat(32)));
    expect(checked.log).toMatch(/Passed over task 2{32}: its health check has not passed yet \(UNKNOWN\)/);

    // Without a health check every task is UNKNOWN (API_Task healthStatus): the newest is taken.
    state.healthCheck = false;
    state.tasks = state.tasks.map((t) => ({ ...t, health: 'UNKNOWN' }));
    const unchecked = await bundle({ command: 'true' });
    expect(unchecked.outputs['task-arn']).toBe(taskArn('2'.repeat(32)));
  });

  it('with a blue/green service, takes a task of the current service deployment target revision (task definition and image digest)', async () => {
    state.primaryRevision = 43;
    state.blueGreen = { revision: 43, digest: digest('b') };
    state.tasks = [
      { id: '0'.repeat(32), revision: 43, digest: digest('a'), startedAt: 1_700_000_000_000 },
      { id: '1'.repeat(32), revision: 43, digest: digest('b'), startedAt: 1_700_000_100_000 },
      { id: '2'.repeat(32), revision: 42, digest: digest('a'), startedAt: 1_700_000_200_000 },
    ];
    const run = await bundle({ command: 'true' });
    expect(run.exitCode).toBe(0);
    expect(run.outputs['task-arn']).toBe(taskArn('1'.repeat(32)));
    expect(run.log).toMatch(
      new RegExp(`Passed over task 0{32}: container web runs ${digest('a')}, not the target service revision's ${digest('b')}`),
    );
    expect(run.log).toMatch(
      /Passed over task 2{32}: runs task definition production-allthrive-web:42, not the target service revision's production-allthrive-web:43/,
    );
    expect(aws.count('DescribeServiceDeployments')).toBe(1);
  });
});

describe('defect 2: a silent migration and the 20-minute idle timeout', () => {
  it('exec mode with a timeout above 20 minutes says in the log how the session is kept alive', async () => {
    const run = await bundle({ command: 'true', timeout: '45m' });
    expect(run.exitCode).toBe(0);
    expect(run.log).toMatch(/keeps the session open through the ECS Exec 20-minute idle timeout with a terminal-size message every 5m\b/);
  });
});

const FORGED = ['::add-mask::x', '##[add-mask]x', '::set-output name=a::b', '::error::x', '##[error]x', '  text then ##[warning]y'];

describe('defect 3: workflow commands in remote output stay text', () => {
  it('exec: the runner obeys none of them, and each line reaches the log as printed', async () => {
    const run = await bundle({ command: FORGED.map((l) => `printf '%s\\n' '${l}'`).join('; ') });
    expect(run.exitCode).toBe(0);
    const obeyed = obeyedCommands(run.stdout).filter((c) => c.command !== 'debug');
    // Only the action's own commands: the token mask and no annotation at all.
    expect(obeyed.map((c) => c.command)).toEqual(['add-mask']);
    expect(obeyed[0].data).toBe(TOKEN);
    for (const line of FORGED) expect(run.stdout.split('\n')).toContain(line);
    expect(run.outputs.a).toBeUndefined();
  });

  it('run-task: CloudWatch lines are shown the same way', async () => {
    const run = await bundle({ command: FORGED.map((l) => `printf '%s\\n' '${l}'`).join('; '), mode: 'run-task' });
    expect(run.exitCode).toBe(0);
    expect(obeyedCommands(run.stdout).filter((c) => c.command !== 'debug')).toEqual([]);
    for (const line of FORGED) expect(run.stdout.split('\n')).toContain(line);
  });
});

describe('defect 4: progress bars and long lines', () => {
  it('a carriage return rewrites the line, and a huge line is cut with a note', async () => {
    const run = await bundle({
      command: `for p in 10 50 100; do printf '\\r%3s%%|bar|' $p; done; printf '\\n'; head -c 9000 /dev/zero | tr '\\0' y; printf '\\nend\\n'`,
    });
    expect(run.exitCode).toBe(0);
    const lines = run.log.split('\n');
    expect(lines).toContain('100%|bar|');
    expect(lines.some((l) => l.includes(' 10%|bar|'))).toBe(false);
    expect(lines).toContain(`${'y'.repeat(4000)} … [line cut: 5000 more characters]`);
    expect(lines).toContain('end');
  });
});

describe('defect 5: timeouts, cancellation and the KMS refusal say what happened', () => {
  it('on timeout sends Ctrl-C as input, closes the session and says exactly that', async () => {
    state.script = { token: TOKEN, shell: true, end: 'never' };
    const run = await bundle({ command: 'echo started; sleep 60', timeout: '10s' });
    expect(run.exitCode).toBe(1);
    expect(channel.sessions[0].ctrlC).toBe(true);
    expect(channel.sessions[0].terminated).toBe(false);
    expect(run.errors[0].message).toMatch(
      /did not finish within the timeout \(10s\): sent Ctrl-C \(0x03\) to the command as terminal input, which the agent acknowledged, and closed the session/,
    );
    expect(run.outputs['exit-code']).toBe('');
  }, 60_000);

  it('a KMS-encrypted session is refused before the agent starts the command, and the message says it was not started', async () => {
    state.script = {
      token: TOKEN,
      output: () => '',
      end: 'never',
      prelude: [
        {
          payloadType: PayloadType.HandshakeRequest,
          payload: JSON.stringify({ RequestedClientActions: [{ ActionType: 'KMSEncryption', ActionParameters: { KMSKeyId: 'k' } }] }),
        },
      ],
    };
    const run = await bundle({ command: 'python manage.py migrate' });
    expect(run.exitCode).toBe(1);
    expect(run.errors[0].message).toMatch(/KMS/);
    expect(run.errors[0].message).toMatch(/The command was not started/);
    expect(run.errors[0].message).not.toMatch(/may still be running/);
  });
});

describe('defect 6: run-task', () => {
  it('(a) the target container exit ends the wait; the sidecar that outlives it is stopped', async () => {
    oneOff.sidecarOutlives = true;
    const run = await bundle({ command: 'echo done', mode: 'run-task', timeout: '5m' });
    expect(run.exitCode).toBe(0);
    expect(run.outputs['exit-code']).toBe('0');
    expect(aws.count('StopTask')).toBe(1);
    expect(String(requestBody('StopTask')?.reason)).toMatch(/container web exited/);
    expect(run.log).toMatch(/Container web exited with code 0 while log-router still runs: stopping the task/);
  });

  it('(b) uses on-demand capacity instead of the service FARGATE_SPOT strategy, unless capacity-provider-strategy says otherwise', async () => {
    oneOff.service = {
      ...oneOff.service,
      launchType: undefined,
      capacityProviderStrategy: [
        { capacityProvider: 'FARGATE_SPOT', weight: 4 },
        { capacityProvider: 'FARGATE', weight: 1, base: 1 },
      ],
    };
    const run = await bundle({ command: 'true', mode: 'run-task' });
    expect(run.exitCode).toBe(0);
    expect(requestBody('RunTask')?.capacityProviderStrategy).toEqual([{ capacityProvider: 'FARGATE', weight: 1, base: 1 }]);
    expect(run.log).toMatch(/FARGATE_SPOT.*left out/);

    aws.requests.length = 0;
    const given = await bundle({ command: 'true', mode: 'run-task', 'capacity-provider-strategy': 'FARGATE_SPOT:1' });
    expect(given.exitCode).toBe(0);
    expect(requestBody('RunTask')?.capacityProviderStrategy).toEqual([{ capacityProvider: 'FARGATE_SPOT', weight: 1 }]);
  });

  it('(c) carries EBS volume configurations, placement constraints and strategy, and tags', async () => {
    const volume = {
      name: 'data',
      managedEBSVolume: { roleArn: 'arn:aws:iam::123456789012:role/ebs', sizeInGiB: 20, volumeType: 'gp3', filesystemType: 'ext4' },
    };
    oneOff.service = {
      ...oneOff.service,
      launchType: 'EC2',
      placementConstraints: [{ type: 'memberOf', expression: 'attribute:ecs.instance-type =~ m5.*' }],
      placementStrategy: [{ type: 'spread', field: 'attribute:ecs.availability-zone' }],
      tags: [
        { key: 'team', value: 'web' },
        { key: 'aws:cloudformation:stack-name', value: 'prod' },
      ],
      enableECSManagedTags: true,
    };
    oneOff.primary = { volumeConfigurations: [volume] };
    const run = await bundle({ command: 'true', mode: 'run-task' });
    expect(run.exitCode).toBe(0);
    expect(requestBody('DescribeServices')?.include).toEqual(['TAGS']);
    expect(requestBody('RunTask')).toMatchObject({
      volumeConfigurations: [volume],
      placementConstraints: [{ type: 'memberOf', expression: 'attribute:ecs.instance-type =~ m5.*' }],
      placementStrategy: [{ type: 'spread', field: 'attribute:ecs.availability-zone' }],
      tags: [{ key: 'team', value: 'web' }],
      enableECSManagedTags: true,
    });
  });
});

describe('defect 7: ExecuteCommand is retried only when it provably did not start', () => {
  it('retries ThrottlingException', async () => {
    state.throttleExecute = { remaining: 2 };
    const run = await bundle({ command: 'echo ok' });
    expect(run.exitCode).toBe(0);
    expect(aws.count('ExecuteCommand')).toBe(3);
    expect(run.log).toMatch(/ExecuteCommand was throttled \(ThrottlingException: the command was not started\); trying again/);
  });

  it('never retries an answer that may have started the command', async () => {
    state.execute = () => {
      throw new FakeAwsError('ServerException', 'internal error', 500);
    };
    const run = await bundle({ command: 'echo ok' });
    expect(run.exitCode).toBe(1);
    expect(aws.count('ExecuteCommand')).toBe(1);
  });
});

describe('defect 8: ListTasks filters', () => {
  it('looks up other migrations with startedBy as the only filter, and a failed look-up is a warning', async () => {
    const run = await bundle({ command: 'true', mode: 'run-task' });
    expect(run.exitCode).toBe(0);
    const lookup = aws.requests.find((r) => r.operation === 'ListTasks' && r.body.startedBy);
    expect(lookup?.body).toEqual({ cluster: 'production-allthrive-cluster', startedBy: 'ecs-exec-migrate' });
    expect(run.annotations.filter((a) => a.level === 'warning')).toEqual([]);

    oneOff = { ...oneOff, listDenied: true, describeCalls: 0 };
    const denied = await bundle({ command: 'true', mode: 'run-task' });
    expect(denied.exitCode).toBe(0);
    expect(denied.annotations.filter((a) => a.level === 'warning').map((a) => a.message)).toEqual([
      expect.stringMatching(/Could not check for other migration tasks: .*AccessDeniedException.*concurrency group/),
    ]);
  });
});

describe('issue 18: several commands in one session or task', () => {
  const commands = ['echo seed_topics', 'sh -c "exit 4"', 'echo never'].join('\n');
  it.each(['exec', 'run-task'])('%s: runs them in order, stops at the first failure, reports it', async (mode) => {
    const run = await bundle({ commands, mode });
    expect(run.exitCode).toBe(1);
    expect(run.outputs['exit-code']).toBe('4');
    expect(run.outputs['failed-command']).toBe('sh -c "exit 4"');
    expect(JSON.parse(run.outputs['exit-codes'])).toEqual([
      { command: 'echo seed_topics', exitCode: 0 },
      { command: 'sh -c "exit 4"', exitCode: 4 },
    ]);
    expect(run.log).toContain('seed_topics');
    expect(run.log).not.toMatch(/^never$/m);
    expect(run.errors[0].message).toMatch(/Command 2 of 3, `sh -c "exit 4"`, exited with code 4/);
    expect(aws.count(mode === 'exec' ? 'ExecuteCommand' : 'RunTask')).toBe(1);
  });

  it('all succeed: exit-codes lists each, failed-command is empty', async () => {
    const run = await bundle({ commands: 'echo a\necho b' });
    expect(run.exitCode).toBe(0);
    expect(run.outputs['failed-command']).toBe('');
    expect(JSON.parse(run.outputs['exit-codes'])).toEqual([
      { command: 'echo a', exitCode: 0 },
      { command: 'echo b', exitCode: 0 },
    ]);
  });

  it('refuses command and commands together', async () => {
    const run = await bundle({ commands: 'echo a', command: 'echo b' });
    expect(run.exitCode).toBe(1);
    expect(run.errors[0].message).toMatch(/'command' and 'commands'/);
    expect(aws.requests).toEqual([]);
  });
});
