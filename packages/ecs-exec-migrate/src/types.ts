import type { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import type { ECSClient } from '@aws-sdk/client-ecs';
import { ActionError, type Clock, type Logger } from '@allthrive/toolkit';
import type { WebSocketFactory } from './data-channel.js';
import type { CommandWriter } from './remote-output.js';

export type Mode = 'exec' | 'run-task';

export interface MigrationOptions {
  cluster: string;
  /** The service whose PRIMARY deployment gives the task (exec) or the task definition and network (run-task). */
  service?: string;
  /** exec only: a task ARN or id to use instead of choosing one from the service. */
  task?: string;
  container: string;
  /** Run by `/bin/sh -c` in both modes. With `commands`, all of them joined by newlines (for display). */
  command: string;
  /** The `commands` input: run in order in one session or task, stopping at the first failure. */
  commands?: string[];
  mode: Mode;
  timeoutMs: number;
  /** run-task only: family, family:revision or ARN; default the service's PRIMARY deployment's. */
  taskDefinition?: string;
  /** run-task only: override the service's awsvpc configuration / launch type. */
  subnets: string[];
  securityGroups: string[];
  assignPublicIp?: 'ENABLED' | 'DISABLED';
  launchType?: 'FARGATE' | 'EC2' | 'EXTERNAL';
  /** run-task only: the capacity provider strategy to use instead of on-demand capacity. */
  capacityProviderStrategy?: { capacityProvider: string; weight?: number; base?: number }[];
}

export interface MigrationDeps {
  ecs: ECSClient;
  logs: CloudWatchLogsClient;
  logger: Logger;
  clock: Clock;
  signal: AbortSignal;
  /** exec only: how the data-channel WebSocket is opened (default: the `ws` library). */
  webSocketFactory?: WebSocketFactory;
  /** Writes the remote output block to the job log verbatim (default: stdout); see RemoteOutput. */
  writeCommand?: CommandWriter;
  /** exec only: the keep-alive interval of the session (default KEEP_ALIVE_MS, 5 minutes). */
  keepAliveMs?: number;
}

/** One command's result when several ran (`commands`), in order; commands after a failure are absent. */
export interface CommandResult {
  command: string;
  exitCode: number;
}

export interface MigrationResult {
  /** The command's own exit code (0 is success). */
  exitCode: number;
  taskArn: string;
  mode: Mode;
  /** exec: the Session Manager session id. */
  sessionId?: string;
  /** run-task: `<log group>/<log stream>` of the target container, when it logs with awslogs. */
  logStream?: string;
  taskDefinitionArn?: string;
  container: string;
  durationMs: number;
  /** Output lines shown in the log. */
  outputLines: number;
  /** Each command's exit code, in order, as far as they ran and reported it. */
  commandResults?: CommandResult[];
  /** The command that failed (the first non-zero exit code), when known. */
  failedCommand?: string;
}

/**
 * The outcome is unknown or the command never ran (no marker, session lost, null exit code,
 * timeout): a failure that still carries what is known, so outputs such as `task-arn` can be set.
 */
export class MigrationError extends ActionError {
  constructor(
    message: string,
    readonly partial: Partial<MigrationResult> & { mode: Mode },
    title?: string,
  ) {
    super(message, title);
    this.name = 'MigrationError';
  }
}
