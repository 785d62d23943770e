import {
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  ECSClient,
  ListTasksCommand,
  RegisterTaskDefinitionCommand,
  UpdateServiceCommand,
  type Deployment,
  type Service,
  type Tag,
  type Task,
  type TaskDefinition,
  type TaskStopCode,
} from '@aws-sdk/client-ecs';
import { mockClient } from 'aws-sdk-client-mock';
import { settledPrimaryDeployment } from '../harness/scripted-ecs-endpoint.js';

/**
 * A scripted ECS control plane for unit tests of the waiter: it keeps services, deployments,
 * task definitions and stopped tasks like ECS does (UpdateService creates a new PRIMARY
 * deployment, the old one becomes ACTIVE), and per-service scripts move the new deployment on at
 * each DescribeServices call (IN_PROGRESS → COMPLETED / FAILED / rolled back / superseded).
 * Wired through aws-sdk-client-mock into a real ECSClient, so the engine runs its real SDK calls.
 */
export type Step = (ctx: StepContext) => void;

export interface StepContext {
  service: Service;
  /** The deployment created by the action's UpdateService. */
  ours: Deployment;
  fake: ScriptedEcs;
}

export interface ServiceSeed {
  name: string;
  taskDefinition?: string;
  desiredCount?: number;
  status?: string;
  controller?: 'ECS' | 'CODE_DEPLOY' | 'EXTERNAL';
  circuitBreaker?: { enable: boolean; rollback: boolean };
  /** Omit rolloutState on deployments (classic load balancer). */
  noRolloutState?: boolean;
}

const ACCOUNT = '123456789012';
export const tdArn = (familyRev: string) => `arn:aws:ecs:eu-west-1:${ACCOUNT}:task-definition/${familyRev}`;
export const REPO = `${ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com/allthrive`;

export class ScriptedEcs {
  readonly client = new ECSClient({ region: 'eu-west-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });
  readonly mock = mockClient(this.client);
  readonly services = new Map<string, Service>();
  readonly taskDefinitions = new Map<string, { taskDefinition: TaskDefinition; tags?: Tag[] }>();
  readonly stoppedTasks: Task[] = [];
  readonly calls: { op: string; input: Record<string, unknown> }[] = [];
  /** Steps per service, consumed one per DescribeServices that includes the service after its update. */
  readonly scripts = new Map<string, Step[]>();
  /** Errors to throw, in order, for the next calls of an operation. */
  readonly errors = new Map<string, Error[]>();
  /** Called on every DescribeServices (after the scripts ran). */
  onDescribe?: (n: number) => void;
  private nextDeployment = 1000;
  private nextEvent = 1;
  private revisions = new Map<string, number>();
  readonly ours = new Map<string, string>();
  describeCount = 0;

  constructor() {
    this.mock.on(DescribeServicesCommand).callsFake((input) => this.describeServices(input));
    this.mock.on(UpdateServiceCommand).callsFake((input) => this.updateService(input));
    this.mock.on(DescribeTaskDefinitionCommand).callsFake((input) => this.describeTaskDefinition(input));
    this.mock.on(RegisterTaskDefinitionCommand).callsFake((input) => this.registerTaskDefinition(input));
    this.mock.on(ListTasksCommand).callsFake((input) => this.listTasks(input));
    this.mock.on(DescribeTasksCommand).callsFake((input) => this.describeTasks(input));
  }

  count(op: string): number {
    return this.calls.filter((c) => c.op === op).length;
  }

  private record(op: string, input: Record<string, unknown>) {
    this.calls.push({ op, input: structuredClone(input) });
    const queue = this.errors.get(op);
    const error = queue?.shift();
    if (error) throw error;
  }

  addTaskDefinition(family: string, revision: number, containers: { name: string; image: string }[], tags?: Tag[]): string {
    const arn = tdArn(`${family}:${revision}`);
    this.revisions.set(family, Math.max(revision, this.revisions.get(family) ?? 0));
    this.taskDefinitions.set(arn, {
      taskDefinition: {
        taskDefinitionArn: arn,
        family,
        revision,
        status: 'ACTIVE',
        containerDefinitions: containers.map((c) => ({ ...c, memory: 512, essential: true })),
        cpu: '256',
        memory: '512',
        networkMode: 'awsvpc',
        requiresCompatibilities: ['FARGATE'],
        compatibilities: ['EC2', 'FARGATE'],
        requiresAttributes: [{ name: 'com.amazonaws.ecs.capability.docker-remote-api.1.18' }],
        registeredAt: new Date(0),
        registeredBy: 'arn:aws:iam::123456789012:role/ci',
      },
      tags,
    });
    return arn;
  }

  addService(seed: ServiceSeed): Service {
    const taskDefinition = seed.taskDefinition ?? this.addTaskDefinition(seed.name, 1, [{ name: seed.name, image: `${REPO}:old` }]);
    const desired = seed.desiredCount ?? 2;
    const { rolloutState, rolloutStateReason, ...withoutRollout } = settledPrimaryDeployment(
      `ecs-svc/${this.nextDeployment++}`,
      taskDefinition,
      desired,
    );
    const deployment: Deployment = seed.noRolloutState ? withoutRollout : { ...withoutRollout, rolloutState, rolloutStateReason };
    const service: Service = {
      serviceName: seed.name,
      serviceArn: `arn:aws:ecs:eu-west-1:${ACCOUNT}:service/production-allthrive-cluster/${seed.name}`,
      status: seed.status ?? 'ACTIVE',
      taskDefinition,
      desiredCount: desired,
      runningCount: desired,
      pendingCount: 0,
      deploymentController: { type: seed.controller ?? 'ECS' },
      deploymentConfiguration: { deploymentCircuitBreaker: seed.circuitBreaker ?? { enable: false, rollback: false } },
      deployments: [deployment],
      events: [{ id: `old-${seed.name}`, createdAt: new Date(0), message: `(service ${seed.name}) has reached a steady state.` }],
    };
    (service as Service & { _noRollout?: boolean })._noRollout = seed.noRolloutState;
    this.services.set(seed.name, service);
    return service;
  }

  script(name: string, steps: Step[]): void {
    this.scripts.set(name, steps);
  }

  event(service: Service, message: string): void {
    service.events = [
      { id: `ev-${this.nextEvent++}`, createdAt: new Date(1_000_000 + this.nextEvent), message },
      ...(service.events ?? []),
    ];
  }

  /** A new deployment that ECS (or someone else) creates, becoming PRIMARY. */
  newDeployment(service: Service, taskDefinition: string, fields: Partial<Deployment> = {}): Deployment {
    for (const d of service.deployments ?? []) if (d.status === 'PRIMARY') d.status = 'ACTIVE';
    const noRollout = (service as Service & { _noRollout?: boolean })._noRollout;
    const deployment: Deployment = {
      id: `ecs-svc/${this.nextDeployment++}`,
      status: 'PRIMARY',
      taskDefinition,
      desiredCount: service.desiredCount,
      runningCount: 0,
      pendingCount: 0,
      failedTasks: 0,
      createdAt: new Date(),
      ...(noRollout ? {} : { rolloutState: 'IN_PROGRESS', rolloutStateReason: 'ECS deployment in progress.' }),
      ...fields,
    };
    service.deployments = [deployment, ...(service.deployments ?? [])];
    service.taskDefinition = taskDefinition;
    return deployment;
  }

  stopTask(deploymentId: string, task: Partial<Task>): void {
    this.stoppedTasks.push({
      taskArn: `arn:aws:ecs:eu-west-1:${ACCOUNT}:task/production-allthrive-cluster/${'t' + this.stoppedTasks.length}abc`,
      startedBy: deploymentId,
      lastStatus: 'STOPPED',
      desiredStatus: 'STOPPED',
      stoppedAt: new Date(2_000_000 + this.stoppedTasks.length),
      ...task,
    });
  }

  private describeServices(input: { cluster: string; services: string[] }) {
    this.record('DescribeServices', input);
    this.describeCount++;
    const services: Service[] = [];
    const failures: { arn: string; reason: string }[] = [];
    for (const name of input.services) {
      const service = this.services.get(name);
      if (!service) {
        failures.push({ arn: `arn:aws:ecs:eu-west-1:${ACCOUNT}:service/${input.cluster}/${name}`, reason: 'MISSING' });
        continue;
      }
      const oursId = this.ours.get(name);
      const ours = service.deployments?.find((d) => d.id === oursId);
      const steps = this.scripts.get(name);
      if (oursId && steps?.length) {
        const step = steps.shift()!;
        step({ service, ours: ours ?? { id: oursId }, fake: this });
      }
      services.push(structuredClone(service));
    }
    this.onDescribe?.(this.describeCount);
    return { services, failures };
  }

  private updateService(input: { cluster: string; service: string; taskDefinition?: string; forceNewDeployment?: boolean }) {
    this.record('UpdateService', input);
    const service = this.services.get(input.service)!;
    const deployment = this.newDeployment(service, input.taskDefinition ?? service.taskDefinition!);
    this.ours.set(input.service, deployment.id!);
    this.event(service, `(service ${input.service}) has started 1 tasks: (task new).`);
    return { service: structuredClone(service) };
  }

  private describeTaskDefinition(input: { taskDefinition: string }) {
    this.record('DescribeTaskDefinition', input);
    const entry = this.taskDefinitions.get(input.taskDefinition);
    if (!entry) throw Object.assign(new Error('Unable to describe task definition.'), { name: 'ClientException', $metadata: {} });
    return structuredClone(entry);
  }

  private registerTaskDefinition(input: TaskDefinition & { tags?: Tag[] }) {
    this.record('RegisterTaskDefinition', input as Record<string, unknown>);
    const family = input.family!;
    const revision = (this.revisions.get(family) ?? 0) + 1;
    const { tags, ...rest } = input;
    const arn = this.addTaskDefinition(family, revision, []);
    this.taskDefinitions.set(arn, { taskDefinition: { ...rest, taskDefinitionArn: arn, revision, status: 'ACTIVE' }, tags });
    return { taskDefinition: { ...rest, taskDefinitionArn: arn, revision }, tags };
  }

  private listTasks(input: { startedBy?: string; desiredStatus?: string }) {
    this.record('ListTasks', input);
    return {
      taskArns: this.stoppedTasks.filter((t) => t.startedBy === input.startedBy && input.desiredStatus === 'STOPPED').map((t) => t.taskArn),
    };
  }

  private describeTasks(input: { tasks: string[] }) {
    this.record('DescribeTasks', input);
    return { tasks: this.stoppedTasks.filter((t) => input.tasks.includes(t.taskArn!)), failures: [] };
  }
}

/** Step helpers: what ECS does to a deployment between two polls. */
export const steps = {
  wait: (): Step => () => undefined,
  progress:
    (running: number): Step =>
    ({ service, ours }) => {
      ours.runningCount = running;
      ours.pendingCount = Math.max(0, (ours.desiredCount ?? 0) - running);
      service.runningCount = running;
    },
  complete:
    (): Step =>
    ({ service, ours, fake }) => {
      ours.runningCount = ours.desiredCount;
      ours.pendingCount = 0;
      if (ours.rolloutState) {
        ours.rolloutState = 'COMPLETED';
        ours.rolloutStateReason = 'ECS deployment ecs-svc completed.';
      }
      service.deployments = service.deployments?.filter((d) => d.id === ours.id);
      service.runningCount = service.desiredCount;
      fake.event(service, `(service ${service.serviceName}) has reached a steady state.`);
    },
  event:
    (message: string): Step =>
    ({ service, fake }) =>
      fake.event(service, message),
  failTask:
    (stopCode: TaskStopCode, stoppedReason: string, exitCode?: number): Step =>
    ({ ours, fake }) => {
      ours.failedTasks = (ours.failedTasks ?? 0) + 1;
      fake.stopTask(ours.id!, {
        stopCode,
        stoppedReason,
        containers: [
          { name: 'web', exitCode, reason: exitCode === undefined ? 'CannotPullContainerError: pull access denied' : undefined },
        ],
      });
    },
  breakerTrips:
    (rollbackTo?: string): Step =>
    ({ service, ours, fake }) => {
      ours.rolloutState = 'FAILED';
      ours.rolloutStateReason = 'ECS deployment circuit breaker: tasks failed to start.';
      fake.event(service, `(service ${service.serviceName}) (deployment ${ours.id}) deployment failed: tasks failed to start.`);
      if (rollbackTo) fake.newDeployment(service, rollbackTo, { runningCount: service.desiredCount });
    },
  /** The rollback finished: only the rollback deployment is left, running = desired ("stable"). */
  rollbackCompletes:
    (): Step =>
    ({ service }) => {
      const primary = service.deployments!.find((d) => d.status === 'PRIMARY')!;
      primary.rolloutState = 'COMPLETED';
      primary.runningCount = primary.desiredCount;
      service.deployments = [primary];
      service.runningCount = service.desiredCount;
    },
  supersede:
    (taskDefinition: string): Step =>
    ({ service, fake }) => {
      fake.newDeployment(service, taskDefinition);
    },
};
