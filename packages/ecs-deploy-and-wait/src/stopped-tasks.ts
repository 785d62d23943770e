import { DescribeTasksCommand, ListTasksCommand, type ECSClient, type Task } from '@aws-sdk/client-ecs';
import { deadlineSignal, describeAwsError, formatDuration, isAccessDenied, type Logger } from '@allthrive/toolkit';
import { isAbort } from './aws-errors.js';

/**
 * Why our deployment's tasks stopped. ECS tags every task a deployment starts with
 * `startedBy = <deployment id>`, so ListTasks(startedBy, STOPPED) + DescribeTasks gives exactly
 * our crashed tasks (they stay visible for at least an hour). Each task is printed once.
 */
export class StoppedTaskReporter {
  private readonly printed = new Set<string>();
  private disabled = false;
  /** One line per stopped task, for the service's failure reason. */
  readonly reasons: string[] = [];
  /** The stopped tasks printed so far, oldest first (for their container logs). */
  readonly tasks: Task[] = [];

  constructor(
    private readonly ecs: ECSClient,
    private readonly cluster: string,
    private readonly service: string,
    private readonly logger: Logger,
  ) {}

  /** Lists and prints the stopped tasks of `deploymentId` not printed yet. Never throws, except on cancellation. */
  async report(deploymentId: string, signal?: AbortSignal, budgetMs?: number): Promise<void> {
    if (this.disabled) return;
    let operation = 'ListTasks';
    // The whole report is abandoned after budgetMs (the waiter's deadline): a held answer must not hold the step.
    const callSignal = budgetMs === undefined ? signal : deadlineSignal(budgetMs, signal);
    try {
      const arns: string[] = [];
      let nextToken: string | undefined;
      do {
        const page = await this.ecs.send(
          new ListTasksCommand({ cluster: this.cluster, startedBy: deploymentId, desiredStatus: 'STOPPED', nextToken }),
          { abortSignal: callSignal },
        );
        arns.push(...(page.taskArns ?? []));
        nextToken = page.nextToken;
      } while (nextToken && arns.length < 500);
      const fresh = arns.filter((arn) => !this.printed.has(arn));
      operation = 'DescribeTasks';
      for (let i = 0; i < fresh.length; i += 100) {
        const response = await this.ecs.send(new DescribeTasksCommand({ cluster: this.cluster, tasks: fresh.slice(i, i + 100) }), {
          abortSignal: callSignal,
        });
        const tasks = [...(response.tasks ?? [])].sort((a, b) => stoppedAt(a) - stoppedAt(b));
        for (const task of tasks) {
          if (!task.taskArn || this.printed.has(task.taskArn)) continue;
          this.printed.add(task.taskArn);
          this.tasks.push(task);
          const line = describeStoppedTask(task);
          this.reasons.push(line);
          this.logger.info(`${this.service}: ${line}`);
        }
      }
    } catch (error) {
      if (isAbort(error, signal)) throw error;
      if (callSignal?.aborted && budgetMs !== undefined) {
        this.logger.debug(`${this.service}: ${operation} did not answer within ${formatDuration(budgetMs)}; stopped tasks not listed.`);
        return;
      }
      if (isAccessDenied(error)) {
        // Reasons are a diagnosis aid; a missing permission for them must not fail a deployment.
        this.disabled = true;
        this.logger.warning(
          `${this.service}: cannot list stopped tasks: ${describeAwsError(error, { service: 'ECS', operation })} Stopped-task reasons will not be shown.`,
        );
      } else {
        this.logger.debug(`${this.service}: listing stopped tasks failed (will retry on the next tick): ${String(error)}`);
      }
    }
  }
}

function stoppedAt(task: Task): number {
  return task.stoppedAt ? new Date(task.stoppedAt).getTime() : 0;
}

/** `task 0123abcd stopped (TaskFailedToStart): CannotPullContainerError: ...; container web exit 1 (reason)` */
export function describeStoppedTask(task: Task): string {
  const id = task.taskArn ? task.taskArn.slice(task.taskArn.lastIndexOf('/') + 1) : 'unknown';
  const parts = [`task ${id} stopped${task.stopCode ? ` (${task.stopCode})` : ''}: ${task.stoppedReason || 'no reason given'}`];
  for (const container of task.containers ?? []) {
    const details: string[] = [];
    if (container.exitCode !== undefined && container.exitCode !== null) details.push(`exit code ${container.exitCode}`);
    if (container.reason) details.push(container.reason);
    if (details.length) parts.push(`container ${container.name}: ${details.join(', ')}`);
  }
  return parts.join('; ');
}
