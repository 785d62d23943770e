import { FakeAwsError, startFakeAws, type FakeAwsEndpoint, type FakeHandler } from './fake-aws.js';

/**
 * A scripted ECS control plane served over HTTP (JSON 1.1, through startFakeAws), so every
 * response goes through the real @aws-sdk/client-ecs deserializer. It models what no emulator
 * produces: ECS service deployments moving through their lifecycle stages over time, for each
 * deployment strategy (ROLLING, BLUE_GREEN, LINEAR, CANARY), with bake time, lifecycle hooks that
 * hold a stage, CloudWatch-alarm and circuit-breaker failures (with or without ECS's rollback), and
 * StopServiceDeployment.
 *
 * Field names and enum values follow the SDK model (node_modules/@aws-sdk/client-ecs/dist-types/
 * models/models_0.d.ts: ServiceDeployment, ServiceDeploymentAlarms, ServiceDeploymentCircuitBreaker,
 * DeploymentLifecycleHookDetail, ServiceRevisionSummary, Rollback, DeploymentConfiguration;
 * models_1.d.ts: Service.currentServiceDeployment, ListServiceDeployments, StopServiceDeployment;
 * enums.d.ts: ServiceDeploymentStatus, ServiceDeploymentLifecycleStage, DeploymentStrategy,
 * DeploymentLifecycleHookStatus, ServiceDeploymentRollbackMonitorsStatus), checked against the
 * SDK's schemas by test/harness/scripted-ecs-endpoint.test.ts. Behaviour follows the AWS guide
 * pages "Amazon ECS blue/green deployments", "linear deployments", "canary deployments",
 * "Lifecycle hooks for Amazon ECS service deployments" and "How CloudWatch alarms detect Amazon
 * ECS deployment failures": the service deployment stays IN_PROGRESS during BAKE_TIME with both
 * revisions running, and becomes SUCCESSFUL only after the bake (and CLEAN_UP).
 *
 * Time comes from `now()` (Date.now by default; tests of the engine pass their virtual clock), and
 * each deployment follows its service's scenario: a list of timed phases, then an ending.
 * Timestamps go on the wire as epoch seconds, as the awsJson1_1 protocol sends them.
 */

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Wire = any;

export type Strategy = 'ROLLING' | 'BLUE_GREEN' | 'LINEAR' | 'CANARY';
export type Stage =
  | 'RECONCILE_SERVICE'
  | 'PRE_SCALE_UP'
  | 'SCALE_UP'
  | 'POST_SCALE_UP'
  | 'TEST_TRAFFIC_SHIFT'
  | 'POST_TEST_TRAFFIC_SHIFT'
  | 'PRODUCTION_TRAFFIC_SHIFT'
  | 'POST_PRODUCTION_TRAFFIC_SHIFT'
  | 'BAKE_TIME'
  | 'CLEAN_UP';

export interface Phase {
  stage: Stage;
  ms: number;
  /** Percent of production / test traffic on the new revision during this phase. */
  production?: number;
  test?: number;
  /** Tasks of the new revision running; default 0 before SCALE_UP, the desired count from it on. */
  running?: number;
  /** A lifecycle hook (a Lambda function) that answers IN_PROGRESS for the whole phase. */
  hookArn?: string;
}

export type Ending =
  | { kind: 'success' }
  /** Keeps the last phase forever (a hook that never answers, a bake longer than the test). */
  | { kind: 'never' }
  /** A CloudWatch alarm goes to ALARM; ECS rolls back when the service's alarms have rollback on. */
  | { kind: 'alarm'; alarm: string; rollbackMs?: number }
  /** Tasks fail (exit code 1) until the circuit breaker trips; ECS rolls back when rollback is on. */
  | { kind: 'breaker'; failures?: number; rollbackMs?: number };

export interface Scenario {
  phases: Phase[];
  end: Ending;
}

export interface ContainerSpec {
  name: string;
  image?: string;
  logConfiguration?: { logDriver: string; options?: Record<string, string> };
}

export interface ServiceSpec {
  name: string;
  desiredCount?: number;
  strategy?: Strategy;
  bakeTimeInMinutes?: number;
  circuitBreaker?: { enable: boolean; rollback: boolean };
  alarms?: { alarmNames: string[]; enable: boolean; rollback: boolean };
  lifecycleHooks?: { hookTargetArn: string; lifecycleStages: Stage[] }[];
  linearConfiguration?: { stepPercent: number; stepBakeTimeInMinutes: number };
  canaryConfiguration?: { canaryPercent: number; canaryBakeTimeInMinutes: number };
  /** false: a service whose deployments predate the service-deployment API (no currentServiceDeployment; MISSING). */
  serviceDeployments?: boolean;
  containers?: ContainerSpec[];
  /** What the next deployment of this service does. */
  scenario: Scenario;
  /** What the deployments after the first do (for example the rollback an action starts); default `scenario`. */
  later?: Scenario;
}

/** A service's PRIMARY deployment that finished rolling out: what every seeded service starts with. */
export function settledPrimaryDeployment(id: string, taskDefinition: string, desired: number) {
  return {
    id,
    status: 'PRIMARY',
    taskDefinition,
    desiredCount: desired,
    runningCount: desired,
    pendingCount: 0,
    failedTasks: 0,
    rolloutState: 'COMPLETED',
    rolloutStateReason: 'ECS deployment completed.',
  } as const;
}

export const ACCOUNT = '123456789012';
export const REGION = 'eu-west-1';
export const CLUSTER = 'production-allthrive-cluster';
export const REPO = `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/allthrive`;
export const DIGEST = `sha256:${'d'.repeat(64)}`;
export const taskDefinitionArn = (familyRevision: string) => `arn:aws:ecs:${REGION}:${ACCOUNT}:task-definition/${familyRevision}`;
const TERMINAL = new Set(['SUCCESSFUL', 'STOPPED', 'ROLLBACK_SUCCESSFUL', 'ROLLBACK_FAILED']);

/** An alarm ends the deployment where it fires: during the bake, before CLEAN_UP. */
function ending(phases: Phase[], end: Ending = { kind: 'success' }): Scenario {
  return { phases: end.kind === 'alarm' ? phases.filter((p) => p.stage !== 'CLEAN_UP') : phases, end };
}

/** Scenario builders, one per strategy, in the stage order the AWS guides describe. */
export const scenarios = {
  /** ROLLING: scale up, (bake when alarms are on), clean up. */
  rolling: (o: { scaleUpMs?: number; bakeMs?: number; end?: Ending } = {}): Scenario =>
    ending(
      [
        { stage: 'SCALE_UP', ms: o.scaleUpMs ?? 1500, running: 1, production: 100 },
        ...(o.bakeMs ? [{ stage: 'BAKE_TIME' as Stage, ms: o.bakeMs, production: 100 }] : []),
        { stage: 'CLEAN_UP', ms: 200, production: 100 },
      ],
      o.end,
    ),
  /** BLUE_GREEN: green scaled up, test traffic, then all production traffic at once, bake, clean up. */
  blueGreen: (o: { stepMs?: number; bakeMs: number; hold?: { stage: Stage; ms: number; hookArn: string }; end?: Ending }): Scenario => {
    const step = o.stepMs ?? 300;
    const phases: Phase[] = [
      { stage: 'PRE_SCALE_UP', ms: step, running: 0 },
      { stage: 'SCALE_UP', ms: step, running: 1 },
      { stage: 'POST_SCALE_UP', ms: step },
      { stage: 'TEST_TRAFFIC_SHIFT', ms: step, test: 100 },
      { stage: 'POST_TEST_TRAFFIC_SHIFT', ms: step, test: 100 },
      { stage: 'PRODUCTION_TRAFFIC_SHIFT', ms: step, test: 100, production: 100 },
      { stage: 'POST_PRODUCTION_TRAFFIC_SHIFT', ms: step, test: 100, production: 100 },
      { stage: 'BAKE_TIME', ms: o.bakeMs, test: 100, production: 100 },
      { stage: 'CLEAN_UP', ms: step, test: 100, production: 100 },
    ];
    if (o.hold) {
      const held = phases.find((p) => p.stage === o.hold!.stage)!;
      Object.assign(held, { ms: o.hold.ms, hookArn: o.hold.hookArn });
    }
    return ending(phases, o.end);
  },
  /** LINEAR: production traffic in equal steps (stepPercent), a wait after each, then bake. */
  linear: (o: { stepPercent: number; stepMs: number; bakeMs: number; end?: Ending }): Scenario => {
    const phases: Phase[] = [
      { stage: 'SCALE_UP', ms: o.stepMs, running: 1 },
      { stage: 'POST_SCALE_UP', ms: 100 },
    ];
    for (let shifted = o.stepPercent; shifted < 100 + o.stepPercent; shifted += o.stepPercent) {
      phases.push({ stage: 'PRODUCTION_TRAFFIC_SHIFT', ms: o.stepMs, production: Math.min(100, shifted) });
    }
    phases.push({ stage: 'BAKE_TIME', ms: o.bakeMs, production: 100 }, { stage: 'CLEAN_UP', ms: 100, production: 100 });
    return ending(phases, o.end);
  },
  /** CANARY: canaryPercent of production traffic for the canary bake, then the rest, then bake. */
  canary: (o: { canaryPercent: number; canaryMs: number; bakeMs: number; stepMs?: number; end?: Ending }): Scenario =>
    ending(
      [
        { stage: 'SCALE_UP', ms: o.stepMs ?? 300, running: 1 },
        { stage: 'PRODUCTION_TRAFFIC_SHIFT', ms: o.canaryMs, production: o.canaryPercent },
        { stage: 'PRODUCTION_TRAFFIC_SHIFT', ms: o.stepMs ?? 300, production: 100 },
        { stage: 'BAKE_TIME', ms: o.bakeMs, production: 100 },
        { stage: 'CLEAN_UP', ms: 100, production: 100 },
      ],
      o.end,
    ),
};

interface Record_ {
  arn: string;
  /** The `ecs-svc/...` id of the matching entry in Service.deployments (= Task.startedBy). */
  deploymentId: string;
  service: string;
  createdAt: number;
  scenario: Scenario;
  sourceTaskDefinition: string;
  targetTaskDefinition: string;
  status: string;
  statusReason?: string;
  stage?: Stage;
  phase?: Phase;
  finishedAt?: number;
  stoppedAt?: number;
  updatedAt: number;
  rollback?: { reason: string; startedAt: number; serviceRevisionArn: string };
  rollbackEndsAt?: number;
  triggeredAlarms: string[];
  breakerFailures: number;
  breakerTripped: boolean;
  endApplied: boolean;
}

export interface StoppedTaskSpec {
  taskArn: string;
  taskId: string;
  startedBy: string;
  taskDefinitionArn: string;
  containers: { name: string; exitCode: number; reason?: string }[];
  stoppedReason: string;
  stopCode: string;
  stoppedAt: number;
}

export class ScriptedEcsEndpoint {
  readonly services = new Map<string, Wire>();
  readonly specs = new Map<string, ServiceSpec>();
  readonly taskDefinitions = new Map<string, Wire>();
  readonly serviceDeployments: Record_[] = [];
  readonly stoppedTasks: StoppedTaskSpec[] = [];
  /** Every response body sent, by operation (for the shape test). */
  readonly responses: { operation: string; body: unknown }[] = [];
  /** Called when a task of a deployment stops (for example to write its log lines to CloudWatch Logs). */
  onTaskStopped?: (task: StoppedTaskSpec) => void | Promise<void>;
  /** Errors to answer, in order, for the next calls of an operation. */
  readonly errors = new Map<string, FakeAwsError[]>();
  private nextId = 5000;
  private revisions = new Map<string, number>();
  private server?: FakeAwsEndpoint;

  constructor(readonly now: () => number = Date.now) {}

  get endpoint(): string {
    return this.server!.endpoint;
  }
  get requests(): FakeAwsEndpoint['requests'] {
    return this.server!.requests;
  }
  count(operation: string): number {
    return this.server!.count(operation);
  }

  async start(extra: Record<string, FakeHandler> = {}): Promise<this> {
    const handlers: Record<string, FakeHandler> = {
      DescribeServices: (b) => this.describeServices(b),
      UpdateService: (b) => this.updateService(b),
      DescribeTaskDefinition: (b) => this.describeTaskDefinition(b),
      RegisterTaskDefinition: (b) => this.registerTaskDefinition(b),
      ListTasks: (b) => this.listTasks(b),
      DescribeTasks: (b) => this.describeTasks(b),
      ListServiceDeployments: (b) => this.listServiceDeployments(b),
      DescribeServiceDeployments: (b) => this.describeServiceDeployments(b),
      StopServiceDeployment: (b) => this.stopServiceDeployment(b),
      // ECR, for digest pinning: every tag resolves to DIGEST.
      BatchGetImage: (b: Wire) => ({
        images: [{ imageId: { imageTag: b.imageIds[0].imageTag, imageDigest: DIGEST }, repositoryName: b.repositoryName }],
        failures: [],
      }),
      ...extra,
    };
    const wrapped: Record<string, FakeHandler> = {};
    for (const [operation, handler] of Object.entries(handlers)) {
      wrapped[operation] = async (body, request) => {
        const error = this.errors.get(operation)?.shift();
        if (error) throw error;
        await this.advance();
        const response = await handler(body, request);
        this.responses.push({ operation, body: response });
        return response;
      };
    }
    this.server = await startFakeAws(wrapped);
    return this;
  }

  close(): Promise<void> {
    return this.server?.close() ?? Promise.resolve();
  }

  private seconds(ms: number): number {
    return ms / 1000;
  }

  addTaskDefinition(family: string, containers: ContainerSpec[]): string {
    const revision = (this.revisions.get(family) ?? 0) + 1;
    this.revisions.set(family, revision);
    const arn = taskDefinitionArn(`${family}:${revision}`);
    this.taskDefinitions.set(arn, {
      taskDefinitionArn: arn,
      family,
      revision,
      status: 'ACTIVE',
      containerDefinitions: containers.map((c) => ({ memory: 512, essential: true, image: `${REPO}:old`, ...c })),
      cpu: '256',
      memory: '512',
      networkMode: 'awsvpc',
      requiresCompatibilities: ['FARGATE'],
      compatibilities: ['EC2', 'FARGATE'],
      registeredAt: this.seconds(this.now()) - 3600,
    });
    return arn;
  }

  addService(spec: ServiceSpec): this {
    const desired = spec.desiredCount ?? 2;
    const taskDefinition = this.addTaskDefinition(spec.name, spec.containers ?? [{ name: spec.name }]);
    this.specs.set(spec.name, spec);
    const strategy = spec.strategy ?? 'ROLLING';
    const configuration: Wire = {
      deploymentCircuitBreaker: spec.circuitBreaker ?? { enable: false, rollback: false },
      maximumPercent: 200,
      minimumHealthyPercent: 100,
      strategy,
    };
    if (spec.alarms) configuration.alarms = spec.alarms;
    if (spec.bakeTimeInMinutes !== undefined) configuration.bakeTimeInMinutes = spec.bakeTimeInMinutes;
    if (spec.lifecycleHooks) {
      configuration.lifecycleHooks = spec.lifecycleHooks.map((h) => ({
        targetType: 'AWS_LAMBDA',
        hookTargetArn: h.hookTargetArn,
        roleArn: `arn:aws:iam::${ACCOUNT}:role/ecs-hooks`,
        lifecycleStages: h.lifecycleStages,
      }));
    }
    if (spec.linearConfiguration) configuration.linearConfiguration = spec.linearConfiguration;
    if (spec.canaryConfiguration) configuration.canaryConfiguration = spec.canaryConfiguration;
    const id = `ecs-svc/${this.nextId++}`;
    this.services.set(spec.name, {
      serviceName: spec.name,
      serviceArn: `arn:aws:ecs:${REGION}:${ACCOUNT}:service/${CLUSTER}/${spec.name}`,
      clusterArn: `arn:aws:ecs:${REGION}:${ACCOUNT}:cluster/${CLUSTER}`,
      status: 'ACTIVE',
      taskDefinition,
      desiredCount: desired,
      runningCount: desired,
      pendingCount: 0,
      launchType: 'FARGATE',
      deploymentController: { type: 'ECS' },
      deploymentConfiguration: configuration,
      deployments: [
        {
          ...settledPrimaryDeployment(id, taskDefinition, desired),
          createdAt: this.seconds(this.now()) - 7200,
          updatedAt: this.seconds(this.now()) - 7000,
        },
      ],
      events: [
        {
          id: `old-${spec.name}`,
          createdAt: this.seconds(this.now()) - 3600,
          message: `(service ${spec.name}) has reached a steady state.`,
        },
      ],
      createdAt: this.seconds(this.now()) - 86400,
    });
    return this;
  }

  /** The service deployments of a service, oldest first. */
  deploymentsOf(service: string): Record_[] {
    return this.serviceDeployments.filter((d) => d.service === service);
  }

  private event(service: Wire, message: string): void {
    service.events.unshift({ id: `ev-${this.nextId++}`, createdAt: this.seconds(this.now()), message });
  }

  /** A deployment started by someone else (another workflow, the console). */
  async supersede(
    name: string,
    scenario: Scenario = { phases: [{ stage: 'SCALE_UP', ms: 60_000 }], end: { kind: 'never' } },
  ): Promise<void> {
    await this.advance();
    const service = this.services.get(name)!;
    const family = name;
    const arn = this.addTaskDefinition(family, this.taskDefinitions.get(service.taskDefinition).containerDefinitions);
    this.startDeployment(name, arn, scenario);
  }

  private startDeployment(name: string, taskDefinition: string, scenario: Scenario): Record_ {
    const service = this.services.get(name)!;
    const spec = this.specs.get(name)!;
    const now = this.now();
    for (const previous of this.deploymentsOf(name)) {
      if (!TERMINAL.has(previous.status)) {
        previous.status = 'STOPPED';
        previous.statusReason = 'Replaced by a new service deployment.';
        previous.stoppedAt = previous.finishedAt = previous.updatedAt = now;
      }
    }
    for (const d of service.deployments) if (d.status === 'PRIMARY') d.status = 'ACTIVE';
    const id = `ecs-svc/${this.nextId++}`;
    service.deployments.unshift({
      id,
      status: 'PRIMARY',
      taskDefinition,
      desiredCount: service.desiredCount,
      runningCount: 0,
      pendingCount: service.desiredCount,
      failedTasks: 0,
      rolloutState: 'IN_PROGRESS',
      rolloutStateReason: 'ECS deployment in progress.',
      createdAt: this.seconds(now),
      updatedAt: this.seconds(now),
    });
    const record: Record_ = {
      arn: `arn:aws:ecs:${REGION}:${ACCOUNT}:service-deployment/${CLUSTER}/${name}/${id.slice('ecs-svc/'.length)}`,
      deploymentId: id,
      service: name,
      createdAt: now,
      updatedAt: now,
      scenario,
      sourceTaskDefinition: service.taskDefinition,
      targetTaskDefinition: taskDefinition,
      status: 'PENDING',
      triggeredAlarms: [],
      breakerFailures: 0,
      breakerTripped: false,
      endApplied: false,
    };
    this.serviceDeployments.push(record);
    service.taskDefinition = taskDefinition;
    if (spec.serviceDeployments !== false) service.currentServiceDeployment = record.arn;
    this.event(service, `(service ${name}) has started ${service.desiredCount} tasks: (deployment ${id}).`);
    return record;
  }

  /** Moves every service deployment on to where its scenario puts it at now(). */
  async advance(): Promise<void> {
    const now = this.now();
    for (const record of this.serviceDeployments) {
      if (TERMINAL.has(record.status)) continue;
      const service = this.services.get(record.service)!;
      const ours = service.deployments.find((d: Wire) => d.id === record.deploymentId);
      if (record.rollbackEndsAt !== undefined) {
        if (record.status === 'ROLLBACK_REQUESTED') record.status = 'ROLLBACK_IN_PROGRESS';
        if (now >= record.rollbackEndsAt) this.finishRollback(record, service, now);
        continue;
      }
      let elapsed = now - record.createdAt;
      let phase: Phase | undefined;
      for (const p of record.scenario.phases) {
        if (elapsed < p.ms) {
          phase = p;
          break;
        }
        elapsed -= p.ms;
      }
      const ending = record.scenario.end;
      if (!phase && ending.kind === 'never') phase = record.scenario.phases.at(-1);
      if (phase) {
        if (record.stage !== phase.stage || record.phase !== phase) record.updatedAt = now;
        record.status = 'IN_PROGRESS';
        record.stage = phase.stage;
        record.phase = phase;
        // The new revision has no tasks before SCALE_UP, all of them after it (unless the phase says otherwise).
        const running = phase.running ?? (['RECONCILE_SERVICE', 'PRE_SCALE_UP'].includes(phase.stage) ? 0 : service.desiredCount);
        if (ours) Object.assign(ours, { runningCount: running, pendingCount: Math.max(0, service.desiredCount - running) });
        continue;
      }
      if (record.endApplied) continue;
      record.endApplied = true;
      record.updatedAt = now;
      const spec = this.specs.get(record.service)!;
      if (ending.kind === 'success') {
        record.status = 'SUCCESSFUL';
        record.statusReason = 'Service deployment completed successfully.';
        record.stage = 'CLEAN_UP';
        record.finishedAt = now;
        Object.assign(ours, {
          rolloutState: 'COMPLETED',
          rolloutStateReason: `ECS deployment ${ours.id} completed.`,
          runningCount: service.desiredCount,
          pendingCount: 0,
        });
        service.deployments = [ours];
        service.runningCount = service.desiredCount;
        this.event(service, `(service ${record.service}) has reached a steady state.`);
        this.event(service, `(service ${record.service}) (deployment ${ours.id}) deployment completed.`);
      } else if (ending.kind === 'alarm') {
        record.triggeredAlarms = [ending.alarm];
        const reason = `CloudWatch alarm(s) ${ending.alarm} in ALARM state.`;
        this.fail(record, service, ours, reason, Boolean(spec.alarms?.rollback), ending.rollbackMs ?? 1000, now);
      } else if (ending.kind === 'breaker') {
        record.breakerTripped = true;
        record.breakerFailures = ending.failures ?? 3;
        ours.failedTasks = record.breakerFailures;
        const reason = 'ECS deployment circuit breaker: tasks failed to start.';
        for (let i = 0; i < record.breakerFailures; i++) await this.stopTask(record, i);
        this.fail(record, service, ours, reason, Boolean(spec.circuitBreaker?.rollback), ending.rollbackMs ?? 1000, now);
      }
    }
  }

  private async stopTask(record: Record_, index: number): Promise<void> {
    const taskId = `${record.deploymentId.slice('ecs-svc/'.length)}${index}`.padEnd(32, 'a');
    const definition = this.taskDefinitions.get(record.targetTaskDefinition);
    const task: StoppedTaskSpec = {
      taskArn: `arn:aws:ecs:${REGION}:${ACCOUNT}:task/${CLUSTER}/${taskId}`,
      taskId,
      startedBy: record.deploymentId,
      taskDefinitionArn: record.targetTaskDefinition,
      containers: (definition?.containerDefinitions ?? []).map((c: Wire) => ({ name: c.name, exitCode: 1, reason: undefined })),
      stoppedReason: 'Essential container in task exited',
      stopCode: 'EssentialContainerExited',
      stoppedAt: this.now(),
    };
    this.stoppedTasks.push(task);
    await this.onTaskStopped?.(task);
  }

  private fail(record: Record_, service: Wire, ours: Wire, reason: string, ecsRollsBack: boolean, rollbackMs: number, now: number) {
    Object.assign(ours, { rolloutState: 'FAILED', rolloutStateReason: reason });
    this.event(service, `(service ${record.service}) (deployment ${ours.id}) deployment failed: ${reason}`);
    if (ecsRollsBack) {
      this.beginRollback(record, reason, rollbackMs, now);
    } else {
      record.status = 'STOPPED';
      record.statusReason = reason;
      record.stoppedAt = record.finishedAt = now;
    }
  }

  private beginRollback(record: Record_, reason: string, rollbackMs: number, now: number) {
    record.status = 'ROLLBACK_IN_PROGRESS';
    record.statusReason = reason;
    record.rollback = {
      reason,
      startedAt: now,
      serviceRevisionArn: `arn:aws:ecs:${REGION}:${ACCOUNT}:service-revision/${CLUSTER}/${record.service}/${this.nextId++}`,
    };
    record.rollbackEndsAt = now + rollbackMs;
  }

  /** ECS's rollback finished: the previous revision is PRIMARY again, ours is gone. */
  private finishRollback(record: Record_, service: Wire, now: number) {
    record.status = 'ROLLBACK_SUCCESSFUL';
    record.finishedAt = record.updatedAt = now;
    const id = `ecs-svc/${this.nextId++}`;
    service.deployments = [
      {
        id,
        status: 'PRIMARY',
        taskDefinition: record.sourceTaskDefinition,
        desiredCount: service.desiredCount,
        runningCount: service.desiredCount,
        pendingCount: 0,
        failedTasks: 0,
        rolloutState: 'COMPLETED',
        rolloutStateReason: `ECS deployment ${id} completed.`,
        createdAt: this.seconds(record.rollback!.startedAt),
        updatedAt: this.seconds(now),
      },
    ];
    service.taskDefinition = record.sourceTaskDefinition;
    service.runningCount = service.desiredCount;
    this.event(service, `(service ${record.service}) rolling back to deployment ${id}.`);
    this.event(service, `(service ${record.service}) has reached a steady state.`);
  }

  private describeServices(body: Wire) {
    const services: Wire[] = [];
    const failures: Wire[] = [];
    if ((body.services as string[]).length > 10) throw new FakeAwsError('InvalidParameterException', 'services can have at most 10 items.');
    for (const name of body.services as string[]) {
      const service = this.services.get(name.slice(name.lastIndexOf('/') + 1));
      if (!service) failures.push({ arn: `arn:aws:ecs:${REGION}:${ACCOUNT}:service/${CLUSTER}/${name}`, reason: 'MISSING' });
      else services.push(structuredClone(service));
    }
    return { services, failures };
  }

  private updateService(body: Wire) {
    const service = this.services.get(body.service);
    if (!service) throw new FakeAwsError('ServiceNotFoundException', 'Service not found.');
    const taskDefinition = body.taskDefinition
      ? body.taskDefinition.startsWith('arn:')
        ? body.taskDefinition
        : taskDefinitionArn(body.taskDefinition)
      : service.taskDefinition;
    if (!this.taskDefinitions.has(taskDefinition)) throw new FakeAwsError('ClientException', 'TaskDefinition not found.');
    const spec = this.specs.get(body.service)!;
    const first = this.deploymentsOf(body.service).length === 0;
    this.startDeployment(body.service, taskDefinition, first ? spec.scenario : (spec.later ?? spec.scenario));
    return { service: structuredClone(service) };
  }

  private describeTaskDefinition(body: Wire) {
    const arn = body.taskDefinition.startsWith('arn:') ? body.taskDefinition : taskDefinitionArn(body.taskDefinition);
    const taskDefinition = this.taskDefinitions.get(arn);
    if (!taskDefinition) throw new FakeAwsError('ClientException', 'Unable to describe task definition.');
    return { taskDefinition, tags: [] };
  }

  private registerTaskDefinition(body: Wire) {
    const { tags: _tags, ...input } = body;
    const arn = this.addTaskDefinition(input.family, input.containerDefinitions);
    Object.assign(this.taskDefinitions.get(arn), { ...input, taskDefinitionArn: arn, revision: this.revisions.get(input.family) });
    return { taskDefinition: this.taskDefinitions.get(arn) };
  }

  private listTasks(body: Wire) {
    // startedBy with desiredStatus STOPPED: the stopped tasks of one deployment (API_ListTasks).
    const tasks = this.stoppedTasks.filter((t) => t.startedBy === body.startedBy && body.desiredStatus === 'STOPPED');
    return { taskArns: tasks.map((t) => t.taskArn) };
  }

  private describeTasks(body: Wire) {
    const tasks = this.stoppedTasks
      .filter((t) => (body.tasks as string[]).includes(t.taskArn))
      .map((t) => ({
        taskArn: t.taskArn,
        clusterArn: `arn:aws:ecs:${REGION}:${ACCOUNT}:cluster/${CLUSTER}`,
        taskDefinitionArn: t.taskDefinitionArn,
        startedBy: t.startedBy,
        lastStatus: 'STOPPED',
        desiredStatus: 'STOPPED',
        stopCode: t.stopCode,
        stoppedReason: t.stoppedReason,
        stoppedAt: this.seconds(t.stoppedAt),
        containers: t.containers.map((c) => ({
          name: c.name,
          exitCode: c.exitCode,
          lastStatus: 'STOPPED',
          ...(c.reason ? { reason: c.reason } : {}),
        })),
      }));
    return { tasks, failures: [] };
  }

  private listServiceDeployments(body: Wire) {
    const name = String(body.service).slice(String(body.service).lastIndexOf('/') + 1);
    if (this.specs.get(name)?.serviceDeployments === false) return { serviceDeployments: [] };
    const after = body.createdAt?.after;
    const records = this.deploymentsOf(name)
      .filter((d) => after === undefined || d.createdAt / 1000 >= after)
      .filter((d) => !body.status || (body.status as string[]).includes(d.status))
      .reverse();
    return {
      serviceDeployments: records.map((d) => ({
        serviceDeploymentArn: d.arn,
        serviceArn: this.services.get(name).serviceArn,
        clusterArn: `arn:aws:ecs:${REGION}:${ACCOUNT}:cluster/${CLUSTER}`,
        createdAt: this.seconds(d.createdAt),
        startedAt: this.seconds(d.createdAt),
        ...(d.finishedAt ? { finishedAt: this.seconds(d.finishedAt) } : {}),
        targetServiceRevisionArn: `arn:aws:ecs:${REGION}:${ACCOUNT}:service-revision/${CLUSTER}/${name}/${d.deploymentId.slice(8)}`,
        status: d.status,
        ...(d.statusReason ? { statusReason: d.statusReason } : {}),
      })),
    };
  }

  private describeServiceDeployments(body: Wire) {
    const arns = body.serviceDeploymentArns as string[];
    // DescribeServiceDeploymentsRequest: "You can specify a maximum of 20 ARNs."
    if (arns.length > 20) throw new FakeAwsError('InvalidParameterException', 'serviceDeploymentArns can have at most 20 items.');
    const serviceDeployments: Wire[] = [];
    const failures: Wire[] = [];
    for (const arn of arns) {
      const d = this.serviceDeployments.find((r) => r.arn === arn);
      if (!d || this.specs.get(d.service)?.serviceDeployments === false) {
        failures.push({ arn, reason: 'MISSING' });
        continue;
      }
      serviceDeployments.push(this.wireDeployment(d));
    }
    return { serviceDeployments, failures };
  }

  private wireDeployment(d: Record_): Wire {
    const spec = this.specs.get(d.service)!;
    const service = this.services.get(d.service)!;
    const phase = d.phase;
    const production = d.status === 'SUCCESSFUL' ? 100 : (phase?.production ?? 0);
    const test = d.status === 'SUCCESSFUL' ? 100 : (phase?.test ?? 0);
    const running = service.deployments.find((x: Wire) => x.id === d.deploymentId)?.runningCount ?? 0;
    const revision = (td: string, n: number, prod: number, tst: number) => ({
      arn: `arn:aws:ecs:${REGION}:${ACCOUNT}:service-revision/${CLUSTER}/${d.service}/${td.split(':').pop()}`,
      requestedTaskCount: service.desiredCount,
      runningTaskCount: n,
      pendingTaskCount: Math.max(0, service.desiredCount - n),
      requestedTestTrafficWeight: tst,
      requestedProductionTrafficWeight: prod,
    });
    const wire: Wire = {
      serviceDeploymentArn: d.arn,
      serviceArn: service.serviceArn,
      clusterArn: service.clusterArn,
      createdAt: this.seconds(d.createdAt),
      startedAt: this.seconds(d.createdAt),
      updatedAt: this.seconds(d.updatedAt),
      sourceServiceRevisions: [revision(d.sourceTaskDefinition, service.desiredCount, 100 - production, 100 - test)],
      targetServiceRevision: revision(d.targetTaskDefinition, running, production, test),
      status: d.status,
      deploymentConfiguration: service.deploymentConfiguration,
      deploymentCircuitBreaker: {
        status: !spec.circuitBreaker?.enable
          ? 'DISABLED'
          : d.breakerTripped
            ? 'TRIGGERED'
            : TERMINAL.has(d.status)
              ? 'MONITORING_COMPLETE'
              : 'MONITORING',
        failureCount: d.breakerFailures,
        threshold: 3,
      },
      alarms: spec.alarms?.enable
        ? {
            status: d.triggeredAlarms.length ? 'TRIGGERED' : TERMINAL.has(d.status) ? 'MONITORING_COMPLETE' : 'MONITORING',
            alarmNames: spec.alarms.alarmNames,
            triggeredAlarmNames: d.triggeredAlarms,
          }
        : { status: 'DISABLED' },
    };
    if (d.statusReason) wire.statusReason = d.statusReason;
    if (d.stage) wire.lifecycleStage = d.stage;
    if (d.finishedAt) wire.finishedAt = this.seconds(d.finishedAt);
    if (d.stoppedAt) wire.stoppedAt = this.seconds(d.stoppedAt);
    if (d.rollback) wire.rollback = { ...d.rollback, startedAt: this.seconds(d.rollback.startedAt) };
    if (phase?.hookArn && d.status === 'IN_PROGRESS') {
      wire.lifecycleHookDetails = [
        {
          hookId: `hook-${d.deploymentId.slice(8)}`,
          targetType: 'AWS_LAMBDA',
          targetArn: phase.hookArn,
          status: 'IN_PROGRESS',
          expiresAt: this.seconds(d.createdAt + 24 * 3_600_000),
          timeoutAction: 'ROLLBACK',
        },
      ];
    }
    return wire;
  }

  private stopServiceDeployment(body: Wire) {
    const d = this.serviceDeployments.find((r) => r.arn === body.serviceDeploymentArn);
    if (!d) throw new FakeAwsError('ServiceDeploymentNotFoundException', 'The service deployment does not exist.');
    if (TERMINAL.has(d.status) || d.status.startsWith('ROLLBACK')) {
      throw new FakeAwsError('ConflictException', `The service deployment is ${d.status} and cannot be stopped.`);
    }
    if (body.stopType === 'ROLLBACK') this.beginRollback(d, 'Rollback requested with StopServiceDeployment.', 1000, this.now());
    else {
      d.status = 'STOPPED';
      d.statusReason = 'Stopped with StopServiceDeployment.';
      d.stoppedAt = d.finishedAt = this.now();
    }
    d.status = body.stopType === 'ROLLBACK' ? 'ROLLBACK_REQUESTED' : d.status;
    return { serviceDeploymentArn: d.arn };
  }
}
