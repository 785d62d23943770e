import { ExecuteCommandCommand, type ExecuteCommandCommandOutput } from '@aws-sdk/client-ecs';
import { ActionError, CancelledError, awsErrorCode, describeAwsError, formatDuration } from '@allthrive/toolkit';
import { DataChannel, type SessionEnd } from './data-channel.js';
import { MarkerScanner, newNonce, wrapCommand } from './marker.js';
import { OutputLines } from './output-lines.js';
import { selectTask, taskDefinitionName, taskId } from './task-selection.js';
import { MigrationError, type MigrationDeps, type MigrationOptions, type MigrationResult } from './types.js';

/** How long to wait for a task or its ExecuteCommandAgent that is still starting. */
const AGENT_WAIT_MS = 60_000;
/** After the marker arrived, how long the session may take to close by itself. */
const CLOSE_GRACE_MS = 5000;

/**
 * Exec mode: choose a task of the PRIMARY deployment, start the wrapped command with ECS
 * ExecuteCommand, and read its output and exit-code marker over the SSM data channel.
 *
 * THE COMMAND IS NEVER STARTED TWICE. ExecuteCommand starts the command in the container as soon
 * as it succeeds, whether or not anyone connects to the stream. So: ExecuteCommand is sent with
 * the SDK's retries switched off (a retried 5xx or timeout could start a second migration next to
 * the first), and nothing after it — a failed WebSocket connection, a lost session, a missing
 * marker, a timeout — calls ExecuteCommand again. Those cases fail and say the command may still
 * be running.
 */
export async function runExec(options: MigrationOptions, deps: MigrationDeps): Promise<MigrationResult> {
  const { ecs, logger, clock, signal } = deps;
  const started = clock.now();
  const selected = await selectTask(
    {
      cluster: options.cluster,
      service: options.service,
      task: options.task,
      container: options.container,
      waitMs: Math.min(AGENT_WAIT_MS, options.timeoutMs),
    },
    { ecs, logger, clock, signal },
  );
  const id = taskId(selected.taskArn);
  logger.info(
    `Task ${id} (task definition ${taskDefinitionName(selected.taskDefinitionArn)}, container ${options.container}) runs: ${options.command}`,
  );
  if (signal.aborted) throw new CancelledError('the run was cancelled before the command was started; nothing ran');

  const nonce = newNonce();
  const response = await executeOnce(options, selected.taskArn, wrapCommand(options.command, nonce), deps, {
    mode: 'exec',
    taskArn: selected.taskArn,
    container: options.container,
  });
  const session = response.session;
  // Masked before anything else is logged: it is a bearer token for the session.
  if (session?.tokenValue) logger.secret(session.tokenValue);
  const sessionId = session?.sessionId;
  const partial = { mode: 'exec' as const, taskArn: selected.taskArn, sessionId, container: options.container };
  if (!session?.streamUrl || !session.tokenValue) {
    throw new MigrationError(
      `ECS ExecuteCommand returned no session stream for task ${id}; the command may have started anyway and is not started again. Check the task's logs.`,
      partial,
    );
  }
  logger.info(`Session ${sessionId ?? '(no id)'} started; output follows.`);

  let lineCount = 0;
  const scanner = new MarkerScanner(nonce, (line) => {
    lineCount += 1;
    logger.info(line);
  });
  const lines = new OutputLines((line) => scanner.line(line));
  const channel = new DataChannel({
    streamUrl: session.streamUrl,
    token: session.tokenValue,
    logger,
    webSocketFactory: deps.webSocketFactory,
    onOutput: (bytes) => lines.write(bytes),
  });

  const remaining = Math.max(1, options.timeoutMs - (clock.now() - started));
  const outcome = await waitForSession(channel, scanner, remaining, signal);
  lines.end();
  scanner.end();
  logger.debug(`data channel: ${JSON.stringify(channel.stats)}`);
  const durationMs = clock.now() - started;
  const stillRunning = `The command was started in task ${id} (container ${options.container}) and may still be running there; it is not started again.`;

  if (outcome.kind === 'connect-failed') {
    throw new MigrationError(
      `Could not open the session's data channel (${outcome.message}). ${stillRunning} Check that the runner can reach ssmmessages.<region>.amazonaws.com over HTTPS (proxies and firewalls).`,
      partial,
      'ECS Exec session failed',
    );
  }
  if (outcome.kind === 'timeout' || outcome.kind === 'cancelled') {
    await interrupt(channel);
    const why =
      outcome.kind === 'timeout'
        ? `The command did not finish within the timeout (${formatDuration(options.timeoutMs)})`
        : 'The run was cancelled';
    throw new MigrationError(
      `${why}: sent Ctrl-C to the remote command and ended the session. The migration may still be running in task ${id} (container ${options.container}); check it before re-running, because two migrations at once can conflict.`,
      partial,
      outcome.kind === 'timeout' ? 'Migration timed out' : undefined,
    );
  }
  channel.close();
  if (scanner.exitCode === undefined) {
    throw new MigrationError(`${noMarkerReason(outcome.end, durationMs)} ${stillRunning}`, partial, 'Exit code unknown');
  }
  logger.info(`The command exited with code ${scanner.exitCode} (session ${sessionId ?? '-'}, ${formatDuration(durationMs)}).`);
  return {
    ...partial,
    exitCode: scanner.exitCode,
    taskDefinitionArn: selected.taskDefinitionArn,
    durationMs,
    outputLines: lineCount,
  };
}

async function executeOnce(
  options: MigrationOptions,
  taskArn: string,
  command: string,
  deps: MigrationDeps,
  partial: MigrationError['partial'],
): Promise<ExecuteCommandCommandOutput> {
  const request = new ExecuteCommandCommand({
    cluster: options.cluster,
    task: taskArn,
    container: options.container,
    interactive: true, // the only mode ECS accepts
    command,
  });
  // Replaces the client's retry middleware for this one request: a retried ExecuteCommand could
  // start the command a second time. One attempt, whatever the error.
  request.middlewareStack.add((next) => (args) => next(args), {
    name: 'retryMiddleware',
    step: 'finalizeRequest',
    priority: 'high',
    override: true,
    tags: ['RETRY'],
  });
  const { signal } = deps;
  try {
    // The cancellation aborts the call: GitHub kills the step a few seconds after SIGINT, so waiting
    // for a held answer is not an option. ECS may have started the command before the answer was
    // lost; the error says so, and this run never sends ExecuteCommand again.
    return await deps.ecs.send(request, { abortSignal: signal });
  } catch (error) {
    if (signal.aborted) {
      throw new MigrationError(
        `The run was cancelled while starting the command with ECS ExecuteCommand (no answer had arrived yet). ECS may already have started it in task ${taskId(taskArn)} (container ${options.container}), and it may still be running there; this run did not send it again and did not connect to its output. Re-running the step starts the command once more: first check the task's logs and the database, because two migrations at once can conflict.`,
        partial,
        'Migration cancelled',
      );
    }
    throw new ActionError(`${describeAwsError(error, { service: 'ECS', operation: 'ExecuteCommand' })} ${executeHint(error)}`.trim());
  }
}

function executeHint(error: unknown): string {
  const code = awsErrorCode(error);
  const notRetried = 'ExecuteCommand is not retried, so the command is never started twice; re-run the step when the cause is fixed.';
  if (code === 'InvalidParameterException') {
    return `The task must have been started with execute-command enabled and its ExecuteCommandAgent must be RUNNING (enable it on the service and force a new deployment). ${notRetried}`;
  }
  if (code === 'TargetNotConnectedException') {
    return `The agent in the container is not connected to Session Manager: give the TASK role ssmmessages:CreateControlChannel/CreateDataChannel/OpenControlChannel/OpenDataChannel, make sure the task reaches ssmmessages.<region>.amazonaws.com (VPC endpoint), and that its root filesystem is writable. ${notRetried}`;
  }
  return notRetried;
}

type WaitOutcome =
  { kind: 'ended'; end: SessionEnd } | { kind: 'connect-failed'; message: string } | { kind: 'timeout' } | { kind: 'cancelled' };

async function waitForSession(channel: DataChannel, scanner: MarkerScanner, timeoutMs: number, signal: AbortSignal): Promise<WaitOutcome> {
  // The session runs on real time (it is network I/O), not on the injected clock.
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const stop = new Promise<WaitOutcome>((resolve) => {
    timer = setTimeout(() => resolve({ kind: 'timeout' }), timeoutMs);
    onAbort = () => resolve({ kind: 'cancelled' });
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    const connected = await Promise.race([
      channel.connect(signal).then(
        () => undefined,
        (error: Error) => ({ kind: 'connect-failed' as const, message: error.message }),
      ),
      stop,
    ]);
    if (connected) return connected;
    const markerThenGrace = (async (): Promise<WaitOutcome | undefined> => {
      while (!scanner.found && !channel.isEnded) await new Promise((r) => setTimeout(r, 50));
      if (channel.isEnded) return undefined;
      await new Promise((r) => setTimeout(r, CLOSE_GRACE_MS).unref?.());
      return { kind: 'ended', end: { kind: 'channel-closed', output: '' } };
    })();
    const ended = channel.ended.then((end): WaitOutcome => ({ kind: 'ended', end }));
    const first = await Promise.race([ended, stop, markerThenGrace.then((o) => o ?? ended)]);
    return first;
  } finally {
    clearTimeout(timer);
    if (onAbort) signal.removeEventListener('abort', onAbort);
  }
}

/** Ctrl-C to the remote command, then ask the agent to end the session, then close: within ~1.5 s. */
async function interrupt(channel: DataChannel): Promise<void> {
  if (!(await channel.whenOpen(1000))) {
    channel.close('the client ended the session');
    return;
  }
  channel.sendInput(Buffer.from([0x03]));
  await channel.drain(700);
  channel.sendTerminate();
  await channel.drain(500);
  channel.close('the client ended the session');
}

function noMarkerReason(end: SessionEnd, durationMs: number): string {
  const prefix = 'The session ended before the command reported its exit code, so the outcome is unknown';
  const idle =
    durationMs >= 19 * 60_000 ? ' The ECS Exec session idle timeout is 20 minutes: use mode: run-task for long, quiet migrations.' : '';
  switch (end.kind) {
    case 'channel-closed':
      return end.output
        ? `${prefix}: Session Manager closed the channel with "${end.output.trim()}".${idle}`
        : `${prefix}: Session Manager closed the channel without a message (the task may have stopped or the shell was killed).${idle}`;
    case 'socket-closed':
      return `${prefix}: the WebSocket closed without channel_closed (code ${end.code}${end.reason ? `, ${end.reason}` : ''}).${idle}`;
    case 'failed':
      return `${prefix}: ${end.message}.`;
  }
}
