import { GetLogEventsCommand, type CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { awsErrorCode, describeAwsError, isAccessDenied, type Logger } from '@allthrive/toolkit';
import { displayLine } from './output-lines.js';

/**
 * Follows one CloudWatch Logs stream with GetLogEvents and `nextForwardToken`: every event, in
 * order, none sampled away (Live Tail samples and drops under load, which is wrong for migration
 * output). The stream does not exist until the container writes; that is not an error.
 */
export class LogTail {
  private token: string | undefined;
  private disabled = false;
  lines = 0;

  constructor(
    private readonly logs: CloudWatchLogsClient,
    readonly group: string,
    readonly stream: string,
    private readonly logger: Logger,
    /** Where each line goes (default: the log). Lines arrive cleaned, `\r`-rewritten and cut. */
    private readonly onLine: (line: string) => void = (line) => logger.info(line),
  ) {}

  /** Reads every event written since the last call. Returns the number of events read. */
  async poll(signal?: AbortSignal): Promise<number> {
    if (this.disabled) return 0;
    let read = 0;
    for (let page = 0; page < 100; page++) {
      let out;
      try {
        out = await this.logs.send(
          new GetLogEventsCommand({ logGroupName: this.group, logStreamName: this.stream, startFromHead: true, nextToken: this.token }),
          { abortSignal: signal },
        );
      } catch (error) {
        if (awsErrorCode(error) === 'ResourceNotFoundException') return read;
        if (isAccessDenied(error)) {
          this.disabled = true;
          this.logger.warning(
            `${describeAwsError(error, { service: 'CloudWatch Logs', operation: 'GetLogEvents', iamPrefix: 'logs' })} The task's output is not shown; its exit code is still checked.`,
          );
          return read;
        }
        if (signal?.aborted) throw error;
        this.logger.debug(`log tail: ${describeAwsError(error, { service: 'CloudWatch Logs', operation: 'GetLogEvents' })}`);
        return read;
      }
      for (const event of out.events ?? []) {
        read += 1;
        for (const line of (event.message ?? '').replace(/\r?\n$/, '').split('\n')) {
          this.lines += 1;
          this.onLine(displayLine(line));
        }
      }
      // The same forward token again means the end of the stream for now.
      const next = out.nextForwardToken;
      const same = next === undefined || next === this.token;
      this.token = next ?? this.token;
      if (same || (out.events ?? []).length === 0) return read;
    }
    return read;
  }
}
