import {
  CreateClusterCommand,
  CreateServiceCommand,
  RegisterTaskDefinitionCommand,
  type CreateServiceCommandInput,
  ECSClient,
  type RegisterTaskDefinitionCommandInput,
} from '@aws-sdk/client-ecs';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import type { Logger } from '@allthrive/toolkit';
import type { MigrationOptions } from '@allthrive/ecs-exec-migrate';
import { FakeAwsError, startFakeAws, type FakeAwsEndpoint, type FakeHandler } from '../harness/fake-aws.js';
import { startFakeDataChannel, type FakeDataChannel, type SessionScript } from './fake-data-channel.js';

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
  /** The deployment that started it (ECS sets `startedBy` to the deployment id, API_Task); default the PRIMARY, ecs-svc/1. */
  startedBy?: string;
  /** Task health (API_Task healthStatus): UNKNOWN when no container defines a health check. Default UNKNOWN. */
  health?: 'HEALTHY' | 'UNHEALTHY' | 'UNKNOWN';
  /** The image digest its containers run (a mutable tag resolves per deployment, API_ContainerImage). */
  digest?: string;
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
    startedBy: t.startedBy ?? 'ecs-svc/1',
    healthStatus: t.health ?? 'UNKNOWN',
    containers: (t.containers ?? ['web']).map((name) => ({
      name,
      lastStatus: 'RUNNING',
      imageDigest: t.digest ?? 'sha256:' + 'a'.repeat(64),
      healthStatus: t.health ?? 'UNKNOWN',
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
  /** The task definition's web container defines a health check (so UNKNOWN health means "not yet"). */
  healthCheck?: boolean;
  /**
   * The service uses an ECS-native service-deployment strategy (BLUE_GREEN): its current service
   * deployment's target revision runs this task definition revision and image digest.
   */
  blueGreen?: { revision: number; digest: string };
  /** ExecuteCommand answers ThrottlingException while `remaining` > 0 (the command did not start). */
  throttleExecute?: { remaining: number };
}

/** A service deployment ARN and a service revision ARN of the fake service (API_ServiceDeployment). */
export const SERVICE_DEPLOYMENT_ARN = `arn:aws:ecs:us-east-1:${ACCOUNT}:service-deployment/production-allthrive-cluster/web/Abc123`;
export const SERVICE_REVISION_ARN = `arn:aws:ecs:us-east-1:${ACCOUNT}:service-revision/production-allthrive-cluster/web/4711`;

/**
 * ListTasks: "When you specify startedBy as the filter, it must be the only filter that you use"
 * (API_ListTasks; @aws-sdk/client-ecs ListTasksRequest.startedBy). aws/aws-sdk-go-v2#1893 shows the
 * InvalidParameterException ECS answers when it is combined with family or launchType; desiredStatus
 * is treated the same way here, since the documentation allows no exception.
 */
export function rejectStartedByWithOtherFilters(body: Record<string, unknown>): void {
  if (!body.startedBy) return;
  const others = ['serviceName', 'family', 'containerInstance', 'launchType', 'desiredStatus', 'daemonName'].filter(
    (k) => body[k] !== undefined,
  );
  if (others.length) throw new FakeAwsError('InvalidParameterException', 'startedBy cannot be combined with other filters.');
}

export function execHandlers(state: ExecState, channel: () => FakeDataChannel) {
  let describeCalls = 0;
  return {
    DescribeServices: (body: Record<string, unknown>) => {
      const name = (body.services as string[])[0];
      if (name !== 'web') return { services: [], failures: [{ arn: name, reason: 'MISSING' }] };
      const blueGreen = state.blueGreen
        ? { deploymentConfiguration: { strategy: 'BLUE_GREEN', bakeTimeInMinutes: 5 }, currentServiceDeployment: SERVICE_DEPLOYMENT_ARN }
        : {};
      return {
        services: [
          {
            ...blueGreen,
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
    ListTasks: (body: Record<string, unknown> = {}) => {
      rejectStartedByWithOtherFilters(body);
      return { taskArns: body.startedBy ? [] : state.tasks.map((t) => taskArn(t.id)) };
    },
    DescribeTasks: (body: Record<string, unknown>) => {
      state.onDescribeTasks?.(++describeCalls);
      const wanted = (body.tasks as string[]).map((t) => t.slice(t.lastIndexOf('/') + 1));
      return { tasks: state.tasks.filter((t) => wanted.includes(t.id)).map(ecsTask), failures: [] };
    },
    DescribeTaskDefinition: (body: Record<string, unknown>) => ({
      taskDefinition: {
        taskDefinitionArn: String(body.taskDefinition).startsWith('arn:') ? body.taskDefinition : taskDef(state.primaryRevision),
        containerDefinitions: [
          {
            name: 'web',
            ...(state.healthCheck ? { healthCheck: { command: ['CMD-SHELL', 'curl -f http://localhost/health'] } } : {}),
          },
        ],
      },
    }),
    // Shapes per @aws-sdk/client-ecs models: ServiceDeployment.targetServiceRevision, ServiceRevision.containerImages.
    DescribeServiceDeployments: () => ({
      serviceDeployments: [
        {
          serviceDeploymentArn: SERVICE_DEPLOYMENT_ARN,
          status: 'IN_PROGRESS',
          lifecycleStage: 'BAKE_TIME',
          targetServiceRevision: { arn: SERVICE_REVISION_ARN, requestedTaskCount: 2, runningTaskCount: 2, pendingTaskCount: 0 },
        },
      ],
      failures: [],
    }),
    DescribeServiceRevisions: () => ({
      serviceRevisions: [
        {
          serviceRevisionArn: SERVICE_REVISION_ARN,
          taskDefinition: taskDef(state.blueGreen?.revision ?? state.primaryRevision),
          containerImages: [{ containerName: 'web', imageDigest: state.blueGreen?.digest, image: 'app:latest' }],
        },
      ],
      failures: [],
    }),
    ExecuteCommand: (body: Record<string, unknown>) => {
      if (state.throttleExecute && state.throttleExecute.remaining > 0) {
        state.throttleExecute.remaining -= 1;
        throw new FakeAwsError('ThrottlingException', 'Rate exceeded');
      }
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

/** A test's writeCommand: remote lines into a memory logger, the stop-commands delimiters left out. */
export function remoteLinesTo(logger: Logger): (line: string) => void {
  return (line) => {
    if (!/^::(stop-commands::[0-9a-f]{32}|[0-9a-f]{32}::)$/.test(line)) logger.info(line);
  };
}

/** A view of whichever state object `current` returns now: tests replace their state before each case. */
export function stateView(current: () => ExecState): ExecState {
  return new Proxy({} as ExecState, { get: (_t, key) => current()[key as keyof ExecState] });
}

/**
 * The scripted ECS endpoint with the exec handlers over `current()` state, plus `extra` handlers
 * (which may wrap the exec ones), and the fake data channel the sessions connect to.
 */
export async function startExecFakes(
  current: () => ExecState,
  extra: (exec: ReturnType<typeof execHandlers>) => Record<string, FakeHandler> = () => ({}),
): Promise<ExecFakes> {
  const channel = await startFakeDataChannel();
  const exec = execHandlers(stateView(current), () => channel);
  const aws = await startFakeAws({ ...exec, ...extra(exec) });
  return { channel, aws };
}

/**
 * Revision 42 as run-task mode reads it: awsvpc networking and one container `web` (with
 * `container`'s fields) logging to `logGroup` through awslogs, where the one-off task's output is read.
 */
export function awslogsTaskDefinition(logGroup: string, container: Record<string, unknown> = {}) {
  return {
    taskDefinition: {
      taskDefinitionArn: taskDef(42),
      networkMode: 'awsvpc',
      containerDefinitions: [
        {
          name: 'web',
          ...container,
          logConfiguration: {
            logDriver: 'awslogs',
            options: { 'awslogs-group': logGroup, 'awslogs-region': 'us-east-1', 'awslogs-stream-prefix': 'ecs' },
          },
        },
      ],
    },
  };
}

/** The engine's options for the product's migration (exec into web's container, 30 minutes); `overrides` are a test's own. */
export function migrationOptions(overrides: Partial<MigrationOptions> = {}): MigrationOptions {
  return {
    cluster: 'production-allthrive-cluster',
    service: 'web',
    container: 'web',
    command: 'python manage.py migrate --noinput',
    mode: 'exec',
    timeoutMs: 30 * 60_000,
    subnets: [],
    securityGroups: [],
    ...overrides,
  };
}

/** The action's inputs for the product's migration on the scripted cluster (a 45 s timeout). */
export const MIGRATE_INPUTS = {
  cluster: 'production-allthrive-cluster',
  service: 'web',
  command: 'python manage.py migrate --noinput',
  timeout: '45s',
};

/**
 * In moto: the cluster, task-definition family production-allthrive-web with `taskDefinition`'s
 * fields, and service `web` (one task) on it with `service`'s fields. Returns the task definition's ARN.
 */
export async function seedWebService(
  ecs: ECSClient,
  taskDefinition: Omit<RegisterTaskDefinitionCommandInput, 'family'>,
  service: Partial<CreateServiceCommandInput> = {},
): Promise<string> {
  await ecs.send(new CreateClusterCommand({ clusterName: 'production-allthrive-cluster' }));
  const registered = await ecs.send(new RegisterTaskDefinitionCommand({ family: 'production-allthrive-web', ...taskDefinition }));
  await ecs.send(
    new CreateServiceCommand({
      cluster: 'production-allthrive-cluster',
      serviceName: 'web',
      taskDefinition: registered.taskDefinition!.taskDefinitionArn,
      desiredCount: 1,
      ...service,
    }),
  );
  return registered.taskDefinition!.taskDefinitionArn!;
}

export interface ExecFakes {
  channel: FakeDataChannel;
  aws: FakeAwsEndpoint;
}

/** Closes what startExecFakes started. */
export async function stopExecFakes({ channel, aws }: ExecFakes): Promise<void> {
  await aws.close();
  await channel.close();
}

/** Empties the request and session logs, so each test sees only its own. */
export function clearExecFakes({ channel, aws }: ExecFakes): void {
  aws.requests.length = 0;
  channel.sessions.length = 0;
}

/** One running task on revision 42, whose session runs a real shell and answers with `token`. */
export function shellState(token: string): ExecState {
  return { tasks: [{ id: 'a'.repeat(32) }], primaryRevision: 42, script: { token, shell: true } };
}

/** The environment a bundle needs to talk to the scripted endpoint, as configure-aws-credentials would set it. */
export function bundleEnv(endpoint: string): Record<string, string> {
  return { AWS_ENDPOINT_URL: endpoint, AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', AWS_REGION: 'us-east-1' };
}

export { FakeAwsError, startFakeAws };
