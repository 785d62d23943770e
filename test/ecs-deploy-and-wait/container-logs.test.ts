import { afterEach, describe, expect, it } from '@jest/globals';
import { CloudWatchLogsClient, CreateLogGroupCommand, CreateLogStreamCommand, PutLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { ECSClient } from '@aws-sdk/client-ecs';
import { memoryLogger, virtualClock } from '@allthrive/toolkit';
import { buildSummary, runDeploy } from '@allthrive/ecs-deploy-and-wait';
import { runBundle } from '../harness/bundle.js';
import { FakeAwsError, startFakeAws, type FakeAwsEndpoint } from '../harness/fake-aws.js';
import { useMoto } from '../harness/moto.js';
import { webOptions } from './options.js';
import { CLUSTER, REPO, ScriptedEcsEndpoint, scenarios, type ServiceSpec, type StoppedTaskSpec } from '../harness/scripted-ecs-endpoint.js';

// Container logs of a failed deployment: the scripted ECS endpoint runs a deployment whose tasks
// exit 1; CloudWatch Logs is moto, holding the lines each task wrote to its awslogs stream.
const moto = useMoto();
const GROUP = '/ecs/allthrive-web';
const DJANGO = 'django.core.exceptions.ImproperlyConfigured: The SECRET_KEY setting must not be empty.';

const web = (scenario = scenarios.rolling({ scaleUpMs: 1500, end: { kind: 'breaker', rollbackMs: 1500 } })): ServiceSpec => ({
  name: 'web',
  circuitBreaker: { enable: true, rollback: true },
  containers: [
    {
      name: 'web',
      image: `${REPO}:old`,
      logConfiguration: {
        logDriver: 'awslogs',
        options: { 'awslogs-group': GROUP, 'awslogs-region': 'eu-west-1', 'awslogs-stream-prefix': 'web' },
      },
    },
    { name: 'log-router', image: `${REPO}:old`, logConfiguration: { logDriver: 'awsfirelens', options: { Name: 'datadog' } } },
  ],
  scenario,
});

describe('ecs-deploy-and-wait: container logs of a failed deployment', () => {
  let ecs: ScriptedEcsEndpoint | undefined;
  let fakeLogs: FakeAwsEndpoint | undefined;
  afterEach(async () => {
    await ecs?.close();
    await fakeLogs?.close();
    ecs = fakeLogs = undefined;
  });

  /** Each stopped task wrote 80 lines to `web/web/<task id>`, ending with Django's error. */
  async function writeLogs(task: StoppedTaskSpec) {
    const logs = new CloudWatchLogsClient({ ...moto.clientConfig, region: 'eu-west-1' });
    await logs.send(new CreateLogGroupCommand({ logGroupName: GROUP })).catch(() => undefined);
    const stream = `web/web/${task.taskId}`;
    await logs.send(new CreateLogStreamCommand({ logGroupName: GROUP, logStreamName: stream }));
    const now = Date.now();
    const messages = [...Array.from({ length: 79 }, (_, i) => `boot line ${i + 1} of task ${task.taskId}`), DJANGO];
    await logs.send(
      new PutLogEventsCommand({
        logGroupName: GROUP,
        logStreamName: stream,
        logEvents: messages.map((message, i) => ({ message, timestamp: now + i })),
      }),
    );
  }

  async function bundle(spec: ServiceSpec, extra: Record<string, string> = {}) {
    ecs = new ScriptedEcsEndpoint().addService(spec);
    ecs.onTaskStopped = writeLogs;
    await ecs.start();
    return runBundle('ecs-deploy-and-wait', {
      inputs: { cluster: CLUSTER, services: 'web', image: `${REPO}:v43`, 'poll-interval': '1s', timeout: '1m', ...extra },
      env: {
        AWS_ENDPOINT_URL: ecs.endpoint,
        AWS_ENDPOINT_URL_CLOUDWATCH_LOGS: moto.endpoint,
        AWS_ACCESS_KEY_ID: 'testing',
        AWS_SECRET_ACCESS_KEY: 'testing',
        AWS_REGION: 'eu-west-1',
      },
    });
  }

  it('a deployment whose tasks exit 1: the last lines of each crashed task in a folded group, and the first in the summary', async () => {
    const run = await bundle(web(), { 'log-tasks': '2', 'log-lines': '20' });
    try {
      expect(run.outputs.result).toBe('rolled-back');
      const groups = run.stdout.split('\n').filter((l) => l.startsWith('::group::web: task'));
      // Three tasks crashed; log-tasks 2 prints two of them, each in its own folded group.
      expect(groups).toHaveLength(2);
      expect(groups[0]).toMatch(
        /^::group::web: task \w+ stopped: Essential container in task exited; container web exit code 1, container log-router exit code 1$/,
      );
      const firstTask = /task (\w+) stopped/.exec(groups[0])![1];
      expect(run.log).toContain(`container web (exit code 1): last 20 lines of ${GROUP} web/web/${firstTask}:`);
      expect(run.log).toContain(DJANGO);
      expect(run.log).toContain(`boot line 61 of task ${firstTask}`);
      expect(run.log).not.toContain(`boot line 60 of task ${firstTask}`);
      expect(run.log).toContain(
        'container log-router (exit code 1): logs through FireLens (output datadog): its lines are where the log router sends them.',
      );
      expect(run.summary).toContain(
        `Last 10 log lines of web task ${firstTask} (container web, exit code 1: Essential container in task exited)`,
      );
      expect(run.summary).toContain(DJANGO);
      expect(run.summary).toContain(`boot line 71 of task ${firstTask}`);
      expect(run.summary).not.toContain(`boot line 70 of task ${firstTask}`);
    } finally {
      run.cleanup();
    }
  });

  it('a successful deployment prints no container logs and the summary has none', async () => {
    const run = await bundle(web(scenarios.rolling({ scaleUpMs: 1500 })));
    try {
      expect(run.outputs.result).toBe('success');
      expect(run.stdout).not.toContain('::group::web: task');
      expect(run.summary).not.toContain('log lines');
    } finally {
      run.cleanup();
    }
  });

  it('logs-on-failure: false prints none', async () => {
    const run = await bundle(web(), { 'logs-on-failure': 'false' });
    try {
      expect(run.outputs.result).toBe('rolled-back');
      expect(run.stdout).not.toContain('::group::web: task');
      expect(run.log).not.toContain(DJANGO);
    } finally {
      run.cleanup();
    }
  });

  it('without logs:GetLogEvents: one warning naming the permission, and the verdict is unchanged', async () => {
    const clock = virtualClock(Date.UTC(2026, 11, 7, 12));
    ecs = await new ScriptedEcsEndpoint(clock.now)
      .addService(web(scenarios.rolling({ scaleUpMs: 30_000, end: { kind: 'breaker', rollbackMs: 30_000 } })))
      .start();
    fakeLogs = await startFakeAws({
      GetLogEvents: () => {
        throw new FakeAwsError(
          'AccessDeniedException',
          'User: arn:aws:sts::123456789012:assumed-role/ci is not authorized to perform: logs:GetLogEvents',
        );
      },
    });
    const credentials = { accessKeyId: 'a', secretAccessKey: 'b' };
    const logger = memoryLogger();
    const options = webOptions();
    const result = await runDeploy(options, {
      ecs: new ECSClient({ endpoint: ecs.endpoint, region: 'eu-west-1', credentials, maxAttempts: 1 }),
      logs: () => new CloudWatchLogsClient({ endpoint: fakeLogs!.endpoint, region: 'eu-west-1', credentials, maxAttempts: 1 }),
      logger,
      clock,
      random: () => 0.5,
    });
    expect(result.services.web.status).toBe('rolled-back');
    const warnings = logger.entries.filter((e) => e.level === 'warning' && e.message.includes('GetLogEvents'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0].message).toContain('logs:GetLogEvents');
    expect(fakeLogs.count('GetLogEvents')).toBe(1);
    expect(buildSummary(result, options).sections).toBeUndefined();
  });
});
