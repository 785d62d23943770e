import type { ECRClient } from '@aws-sdk/client-ecr';
import type { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import type { ECSClient } from '@aws-sdk/client-ecs';
import type { ContainerLogOptions, TaskLogExcerpt } from './container-logs.js';
import type { Clock, Logger } from '@allthrive/toolkit';

/** What the action (or the root action) asks for, validated by readOptions before any AWS call. */
export interface DeployOptions {
  cluster: string;
  /** Service names (or ARNs), deduplicated, in the order given. */
  services: string[];
  /** New image URI; undefined = redeploy the current task definitions. */
  image?: string;
  /** Containers that get `image`; undefined = every container on the image's repository. */
  containers?: string[];
  pinDigest: boolean;
  forceNewDeployment: boolean;
  wait: boolean;
  timeoutMs: number;
  pollIntervalMs: number;
  rollback: boolean;
  /**
   * `completed` (default): the service deployment is SUCCESSFUL, bake included. `traffic-shifted`:
   * on blue/green, linear and canary, production traffic is all on the new revision and the
   * deployment is healthy (BAKE_TIME or later); on rolling deployments the same as `completed`.
   */
  waitUntil?: WaitUntil;
  /** Register the new revisions and stop: no service is updated (result `registered`). */
  registerOnly?: boolean;
  /** Container logs of crashed tasks of a failed deployment (default: 3 tasks, 50 lines, on). */
  containerLogs?: ContainerLogOptions;
  /** Service → task-definition ARN to deploy as given (nothing is copied or registered); exclusive with `image`. */
  taskDefinitions?: Record<string, string>;
}

export type WaitUntil = 'completed' | 'traffic-shifted';

/** The SDK clients and the runtime collaborators the engine uses; injected so tests run in ms. */
export interface DeployDeps {
  ecs: ECSClient;
  /** Needed only when `image` is an ECR image given by tag and `pinDigest` is on. */
  ecr?: ECRClient;
  /** CloudWatch Logs client for a region (undefined = the cluster's); without it no container logs are read. */
  logs?: (region: string | undefined) => CloudWatchLogsClient;
  logger: Logger;
  clock: Clock;
  signal?: AbortSignal;
  /** For the ±10% poll jitter; Math.random by default. */
  random?: () => number;
}

/** Per-service verdict. `started` only when `wait` is false; `registered` only with `registerOnly`. */
export type ServiceStatus = 'success' | 'failed' | 'rolled-back' | 'superseded' | 'timed-out' | 'started' | 'registered';

/** The step's verdict: the worst over all services (`superseded` counts as `failed`). */
export type DeployVerdict = 'success' | 'failed' | 'rolled-back' | 'timed-out' | 'started' | 'registered';

export interface ServiceResult {
  status: ServiceStatus;
  deploymentId: string;
  taskDefinitionArn: string;
  previousTaskDefinitionArn: string;
  runningCount: number;
  desiredCount: number;
  durationSeconds: number;
  reason: string;
}

export interface DeployResult {
  result: DeployVerdict;
  /** Keyed by service name, in the order given. */
  services: Record<string, ServiceResult>;
  /** Service → the task definition ARN it was deployed with. */
  taskDefinitionArns: Record<string, string>;
  /** The image actually deployed (digest-pinned where resolved); '' when no image was given. */
  image: string;
  /** The last lines of the crashed tasks' containers that were printed (the first goes into the job summary). */
  logs?: TaskLogExcerpt[];
}
