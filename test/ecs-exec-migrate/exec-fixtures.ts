import { ECSClient } from '@aws-sdk/client-ecs';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { FakeAwsError, startFakeAws, type FakeAwsEndpoint } from '../harness/fake-aws.js';
import type { FakeDataChannel, SessionScript } from './fake-data-channel.js';

export const ACCOUNT = '123456789012';
export const CLUSTER_ARN = `arn:aws:ecs:us-east-1:${ACCOUNT}:cluster/production-allthrive-cluster`;
export const taskDef = (rev: number) => `arn:aws:ecs:us-east-1:${ACCOUNT}:task-definition/production-allthrive-web:${rev}`;
export const taskArn = (id: string) => `arn:aws:ecs:us-east-1:${ACCOUNT}:task/production-allthrive-cluster/${id}`;

export interface FakeTask {
  id: string;
  revision?: number;
  lastStatus?: string;
  enableExecuteCommand?: boolean;
  agent?: string | null;
  startedAt?: number;
  containers?: string[];
}

export function ecsTask(t: FakeTask) {
  return {
    taskArn: taskArn(t.id),
    clusterArn: CLUSTER_ARN,
    taskDefinitionArn: taskDef(t.revision ?? 42),
    lastStatus: t.lastStatus ?? 'RUNNING',
    desiredStatus: 'RUNNING',
    enableExecuteCommand: t.enableExecuteCommand ?? true,
    startedAt: (t.startedAt ?? 1_700_000_000_000) / 1000,
    containers: (t.containers ?? ['web']).map((name) => ({
      name,
      lastStatus: 'RUNNING',
      managedAgents: t.agent === null ? [] : [{ name: 'ExecuteCommandAgent', lastStatus: t.agent ?? 'RUNNING' }],
    })),
  };
}

/** Mutable state a test sets before running; the fake ECS endpoint reads it on every request. */
export interface ExecState {
  tasks: FakeTask[];
  primaryRevision: number;
  script: SessionScript;
  /** Overrides the ExecuteCommand answer (for errors or odd sessions). */
  execute?: (body: Record<string, unknown>) => unknown;
  /** Called on every DescribeTasks (to change tasks between polls). */
  onDescribeTasks?: (call: number) => void;
}

export function execHandlers(state: ExecState, channel: () => FakeDataChannel) {
  let describeCalls = 0;
  return {
    DescribeServices: (body: Record<string, unknown>) => {
      const name = (body.services as string[])[0];
      if (name !== 'web') return { services: [], failures: [{ arn: name, reason: 'MISSING' }] };
      return {
        services: [
          {
            serviceName: 'web',
            status: 'ACTIVE',
            taskDefinition: taskDef(state.primaryRevision),
            deployments: [
              { id: 'ecs-svc/1', status: 'PRIMARY', taskDefinition: taskDef(state.primaryRevision), rolloutState: 'COMPLETED' },
              { id: 'ecs-svc/0', status: 'ACTIVE', taskDefinition: taskDef(state.primaryRevision - 1), rolloutState: 'COMPLETED' },
            ],
          },
        ],
        failures: [],
      };
    },
    ListTasks: () => ({ taskArns: state.tasks.map((t) => taskArn(t.id)) }),
    DescribeTasks: (body: Record<string, unknown>) => {
      state.onDescribeTasks?.(++describeCalls);
      const wanted = (body.tasks as string[]).map((t) => t.slice(t.lastIndexOf('/') + 1));
      return { tasks: state.tasks.filter((t) => wanted.includes(t.id)).map(ecsTask), failures: [] };
    },
    ExecuteCommand: (body: Record<string, unknown>) => {
      if (state.execute) return state.execute(body);
      const session = channel().createSession(String(body.command), state.script);
      return {
        clusterArn: CLUSTER_ARN,
        containerName: body.container,
        interactive: true,
        taskArn: body.task,
        session,
      };
    },
  };
}

export function clientsFor(fake: FakeAwsEndpoint) {
  const config = {
    endpoint: fake.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    maxAttempts: 3,
  };
  return { ecs: new ECSClient(config), logs: new CloudWatchLogsClient(config) };
}

export { FakeAwsError, startFakeAws };
