import { describe, expect, it } from '@jest/globals';
import { CloudWatchLogsClient, CreateLogGroupCommand, CreateLogStreamCommand, PutLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { DescribeTasksCommand, ECSClient, ListTasksCommand, RunTaskCommand } from '@aws-sdk/client-ecs';
import { memoryLogger, virtualClock } from '@allthrive/toolkit';
import { runMigration } from '@allthrive/ecs-exec-migrate';
import { defaultNetwork, useMoto } from '../harness/moto.js';
import { migrationOptions, remoteLinesTo, seedWebService } from './exec-fixtures.js';

/**
 * Integration: run-task mode against moto's real ECS and CloudWatch Logs emulation. moto's tasks
 * always exit 0 and never log, so the test plays the container: right after RunTask it writes
 * the task's log stream, which the action must then stream from moto.
 */
const moto = useMoto();

describe('run-task mode against moto', () => {
  it('launches the one-off task from the service (override, startedBy, network), streams its logs and reads the exit code', async () => {
    const ecs = new ECSClient(moto.clientConfig);
    const logs = new CloudWatchLogsClient(moto.clientConfig);
    const { subnet, securityGroup: group } = await defaultNetwork(moto);
    const taskDefinitionArn = await seedWebService(
      ecs,
      {
        requiresCompatibilities: ['FARGATE'],
        networkMode: 'awsvpc',
        cpu: '512',
        memory: '1024',
        containerDefinitions: [
          {
            name: 'web',
            image: '123456789012.dkr.ecr.us-east-1.amazonaws.com/allthrive:v42',
            memory: 1024,
            essential: true,
            logConfiguration: {
              logDriver: 'awslogs',
              options: { 'awslogs-group': '/ecs/production-allthrive', 'awslogs-region': 'us-east-1', 'awslogs-stream-prefix': 'ecs' },
            },
          },
        ],
      },
      {
        launchType: 'FARGATE',
        networkConfiguration: { awsvpcConfiguration: { subnets: [subnet], securityGroups: [group], assignPublicIp: 'ENABLED' } },
      },
    );
    await logs.send(new CreateLogGroupCommand({ logGroupName: '/ecs/production-allthrive' }));

    // The "container": once RunTask has returned, it writes its output to its awslogs stream.
    const original = ecs.send.bind(ecs);
    const playingContainer = Object.assign(Object.create(ecs), {
      send: async (command: unknown, ...rest: unknown[]) => {
        const out = await (original as (c: unknown, ...r: unknown[]) => Promise<unknown>)(command, ...rest);
        if (command instanceof RunTaskCommand) {
          const arn = (out as { tasks: { taskArn: string }[] }).tasks[0].taskArn;
          const stream = `ecs/web/${arn.slice(arn.lastIndexOf('/') + 1)}`;
          await logs.send(new CreateLogStreamCommand({ logGroupName: '/ecs/production-allthrive', logStreamName: stream }));
          await logs.send(
            new PutLogEventsCommand({
              logGroupName: '/ecs/production-allthrive',
              logStreamName: stream,
              logEvents: ['Operations to perform:', '  Apply all migrations: core', '  Applying core.0042_plans... OK'].map(
                (message, i) => ({
                  timestamp: Date.now() + i,
                  message,
                }),
              ),
            }),
          );
        }
        return out;
      },
    }) as ECSClient;

    const logger = memoryLogger();
    const result = await runMigration(migrationOptions({ mode: 'run-task' }), {
      ecs: playingContainer,
      logs,
      logger,
      clock: virtualClock(),
      signal: new AbortController().signal,
      writeCommand: remoteLinesTo(logger),
    });

    expect(result.exitCode).toBe(0); // moto's tasks always exit 0; non-zero codes are covered by the scripted tests
    expect(result.mode).toBe('run-task');
    const id = result.taskArn.slice(result.taskArn.lastIndexOf('/') + 1);
    expect(result.logStream).toBe(`/ecs/production-allthrive/ecs/web/${id}`);
    expect(logger.text(['info'])).toContain('  Applying core.0042_plans... OK');

    // What moto recorded about the launched task.
    const listed = await ecs.send(new ListTasksCommand({ cluster: 'production-allthrive-cluster', startedBy: 'ecs-exec-migrate' }));
    expect(listed.taskArns).toEqual([result.taskArn]);
    const [task] = (await ecs.send(new DescribeTasksCommand({ cluster: 'production-allthrive-cluster', tasks: [result.taskArn] }))).tasks!;
    expect(task.startedBy).toBe('ecs-exec-migrate');
    expect(task.taskDefinitionArn).toBe(taskDefinitionArn);
    expect(task.launchType).toBe('FARGATE');
    expect(task.overrides?.containerOverrides).toEqual([{ name: 'web', command: ['/bin/sh', '-c', 'python manage.py migrate --noinput'] }]);
    expect(task.attachments?.[0]?.details).toEqual(expect.arrayContaining([{ name: 'subnetId', value: subnet }]));
    ecs.destroy();
    logs.destroy();
  });
});
