import { GetLogEventsCommand, type CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { DescribeTaskDefinitionCommand, type ContainerDefinition, type ECSClient, type Task } from '@aws-sdk/client-ecs';
import { awsErrorCode, describeAwsError, isAccessDenied, type Logger } from '@allthrive/toolkit';
import { isAbort } from './aws-errors.js';

/** How many stopped tasks per service and how many lines per container; `enabled: false` turns it off. */
export interface ContainerLogOptions {
  tasks: number;
  lines: number;
  enabled: boolean;
}

/** The last log lines of one container of a stopped task, for the job summary. */
export interface TaskLogExcerpt {
  service: string;
  taskId: string;
  container: string;
  exitCode?: number;
  stoppedReason: string;
  lines: string[];
}

/** Lines shown in the job summary for the first task. */
export const SUMMARY_LINES = 10;

/** A crashed task: a container exited non-zero, or a health check failed. */
export function crashed(task: Task): boolean {
  const exited = (task.containers ?? []).some((c) => c.exitCode !== undefined && c.exitCode !== null && c.exitCode !== 0);
  const unhealthy = /health ?check/i.test(task.stoppedReason ?? '') || (task.containers ?? []).some((c) => c.healthStatus === 'UNHEALTHY');
  return exited || unhealthy;
}

/**
 * Prints the last lines each container of a crashed task wrote (why a Django container died is in
 * its own output, not in ECS's events): for the `awslogs` driver from CloudWatch Logs, the group,
 * region and stream prefix read from the task definition's logConfiguration, the stream being
 * `<prefix>/<container>/<task id>` (ECS developer guide, "Using the awslogs log driver"). Each
 * task in its own folded group; other drivers get one line saying where their logs go. Remote
 * lines go through the logger like every other line (it neutralises workflow commands). A
 * missing logs:GetLogEvents permission is one warning, never a failure of the step.
 */
export class ContainerLogReporter {
  private readonly definitions = new Map<string, Promise<ContainerDefinition[] | undefined>>();
  private readonly printed = new Map<string, Set<string>>();
  private denied = false;
  /** Every excerpt printed, in order (the first goes into the job summary). */
  readonly excerpts: TaskLogExcerpt[] = [];

  constructor(
    private readonly ecs: ECSClient,
    private readonly logsFor: (region: string | undefined) => CloudWatchLogsClient,
    private readonly options: ContainerLogOptions,
    private readonly logger: Logger,
  ) {}

  /** Prints the logs of the crashed tasks among `tasks` not printed yet, up to `tasks` per service. */
  async report(service: string, tasks: Task[], signal?: AbortSignal): Promise<void> {
    if (!this.options.enabled) return;
    const done = this.printed.get(service) ?? new Set<string>();
    this.printed.set(service, done);
    for (const task of tasks.filter(crashed)) {
      if (done.size >= this.options.tasks) return;
      if (!task.taskArn || done.has(task.taskArn)) continue;
      done.add(task.taskArn);
      await this.printTask(service, task, signal);
    }
  }

  /** One folded group per task, headed by task id, stopped reason and each container's exit code. */
  private async printTask(service: string, task: Task, signal?: AbortSignal): Promise<void> {
    const taskId = task.taskArn!.slice(task.taskArn!.lastIndexOf('/') + 1);
    const containers = task.containers ?? [];
    const exits = containers.map((c) => `container ${c.name ?? '?'} exit code ${c.exitCode ?? 'none'}`).join(', ');
    const title = `${service}: task ${taskId} stopped: ${task.stoppedReason || 'no reason given'}${exits ? `; ${exits}` : ''}`;
    const definitions = await this.containerDefinitions(task, signal);
    await this.logger.group(title, async () => {
      if (!definitions) {
        this.logger.info('The task definition could not be read (DescribeTaskDefinition failed), so where its logs are is unknown.');
        return;
      }
      for (const container of containers) {
        const name = container.name ?? '?';
        const head = `container ${name} (exit code ${container.exitCode ?? 'none'}${container.reason ? `, ${container.reason}` : ''})`;
        const config = definitions.find((d) => d.name === name)?.logConfiguration;
        if (config?.logDriver !== 'awslogs') {
          this.logger.info(`${head}: ${elsewhere(config?.logDriver, config?.options)}`);
          continue;
        }
        const group = config.options?.['awslogs-group'];
        const prefix = config.options?.['awslogs-stream-prefix'];
        if (!group || !prefix) {
          this.logger.info(
            `${head}: its awslogs configuration has ${group ? 'no awslogs-stream-prefix, so the stream is named after the Docker container id' : 'no awslogs-group'}; look in CloudWatch Logs${group ? ` group ${group}` : ''}.`,
          );
          continue;
        }
        const stream = `${prefix}/${name}/${taskId}`;
        this.logger.info(`${head}: last ${this.options.lines} lines of ${group} ${stream}:`);
        const lines = await this.lastLines(config.options?.['awslogs-region'], group, stream, signal);
        if (lines === undefined) continue;
        if (!lines.length) this.logger.info(`(no log lines in ${group} ${stream})`);
        for (const line of lines) this.logger.info(line);
        if (lines.length) {
          this.excerpts.push({
            service,
            taskId,
            container: name,
            exitCode: container.exitCode ?? undefined,
            stoppedReason: task.stoppedReason ?? '',
            lines: lines.slice(-SUMMARY_LINES),
          });
        }
      }
    });
  }

  /** The last `lines` lines of the stream (GetLogEvents from the tail); undefined when not readable. */
  private async lastLines(region: string | undefined, group: string, stream: string, signal?: AbortSignal): Promise<string[] | undefined> {
    if (this.denied) {
      this.logger.info('(not shown: logs:GetLogEvents is not allowed, see the warning above)');
      return undefined;
    }
    try {
      const out = await this.logsFor(region).send(
        new GetLogEventsCommand({
          logGroupName: group,
          logStreamName: stream,
          startFromHead: false,
          limit: Math.min(this.options.lines, 10_000),
        }),
        { abortSignal: signal },
      );
      const lines = (out.events ?? []).flatMap((e) => (e.message ?? '').replace(/\r?\n$/, '').split('\n'));
      return lines.slice(-this.options.lines);
    } catch (error) {
      if (isAbort(error, signal)) throw error;
      if (isAccessDenied(error)) {
        this.denied = true;
        this.logger.warning(
          `${describeAwsError(error, { service: 'CloudWatch Logs', operation: 'GetLogEvents', iamPrefix: 'logs' })} Container logs of failed tasks are not shown; the deployment verdict does not depend on them.`,
          { title: 'Container logs not readable' },
        );
        return undefined;
      }
      const missing = awsErrorCode(error) === 'ResourceNotFoundException';
      this.logger.info(
        missing
          ? `(log stream ${group} ${stream} does not exist: the container wrote nothing, or its logs went elsewhere)`
          : `(log lines not read: ${describeAwsError(error, { service: 'CloudWatch Logs', operation: 'GetLogEvents' })})`,
      );
      return undefined;
    }
  }

  private containerDefinitions(task: Task, signal?: AbortSignal): Promise<ContainerDefinition[] | undefined> {
    const arn = task.taskDefinitionArn ?? '';
    let cached = this.definitions.get(arn);
    if (!cached) {
      cached = this.ecs
        .send(new DescribeTaskDefinitionCommand({ taskDefinition: arn }), { abortSignal: signal })
        .then((out) => out.taskDefinition?.containerDefinitions ?? [])
        .catch((error: unknown) => {
          if (isAbort(error, signal)) throw error;
          this.logger.debug(`DescribeTaskDefinition ${arn} for container logs failed: ${String(error)}`);
          return undefined;
        });
      this.definitions.set(arn, cached);
    }
    return cached;
  }
}

/** Where a container's logs go when the driver is not awslogs (one line, no API call). */
function elsewhere(driver: string | undefined, options: Record<string, string> | undefined): string {
  switch (driver) {
    case undefined:
      return 'no log configuration, so its output was not kept.';
    case 'none':
      return 'logging is off (logDriver none).';
    case 'awsfirelens':
      return `logs through FireLens${options?.Name ? ` (output ${options.Name})` : ''}: its lines are where the log router sends them.`;
    case 'splunk':
      return `logs to Splunk${options?.['splunk-url'] ? ` (${options['splunk-url']})` : ''}: look there.`;
    default:
      return `logs with the ${driver} driver: look there.`;
  }
}
