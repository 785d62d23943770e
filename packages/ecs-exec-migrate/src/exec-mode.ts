import { ExecuteCommandCommand, type ExecuteCommandCommandOutput } from '@aws-sdk/client-ecs';
import { ActionError, CancelledError, awsErrorCode, describeAwsError, formatDuration } from '@allthrive/toolkit';
import { DataChannel, KEEP_ALIVE_MS, type SessionEnd } from './data-channel.js';
import { MarkerScanner, newNonce, stepResults, wrapCommand } from './marker.js';
import { OutputLines } from './output-lines.js';
import { RemoteOutput } from './remote-output.js';
import { selectTask, taskDefinitionName, taskId } from './task-selection.js';
import { MigrationError, type MigrationDeps, type MigrationOptions, type MigrationResult } from './types.js';

/** How long to wait for a task or its ExecuteCommandAgent that is still starting. */
const AGENT_WAIT_MS = 60_000;
/** After the marker arrived, how long the session may take to close by itself. */
const CLOSE_GRACE_MS = 5000;
/** The ECS Exec idle timeout: documented, and it cannot be changed. */
const IDLE_TIMEOUT_MS = 20 * 60_000;
/** ExecuteCommand attempts when ECS answers ThrottlingException (it rejected the call: nothing started). */
const EXECUTE_ATTEMPTS = 5;

/**
 * Exec mode: choose a task of the PRIMARY deployment, start the wrapped command with ECS
 * ExecuteCommand, and read its output and exit-code marker over the SSM data channel.
 *
 * THE COMMAND IS NEVER STARTED TWICE. ExecuteCommand starts the command in the container as soon
 * as it succeeds, whether or not anyone connects to the stream. So: ExecuteCommand is sent with
 * the SDK's retries switched off (a retried 5xx or timeout could start a second migration next to
 * the first), and nothing after it — a failed WebSocket connection, a lost session, a missing
 * marker, a timeout — calls ExecuteCommand again. Those cases fail and say the command may still
 * be running. The one exception is ThrottlingException: ECS rejected the request, so nothing
 * started, and the call is sent again after a pause.
 */
export async function runExec(options: MigrationOptions, deps: MigrationDeps): Promise<MigrationResult> {
  const { ecs, clock, signal } = deps;
  // Remote lines are shown inside a stop-commands block; the action's own messages close it first.
  const remote = new RemoteOutput(deps.logger, deps.writeCommand);
  const logger = remote.own;
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
  // The command is the workflow author's text, but it is echoed as text all the same: `##[...]` in
  // it would otherwise be obeyed by the runner.
  remote.line(
    `Task ${id} (task definition ${taskDefinitionName(selected.taskDefinitionArn)}, container ${options.container}) runs: ${describeCommands(options)}`,
  );
  if (signal.aborted) throw new CancelledError('the run was cancelled before the command was started; nothing ran');

  const nonce = newNonce();
  const response = await executeOnce(
    options,
    selected.taskArn,
    wrapCommand(options.commands ?? [options.command], nonce),
    { ...deps, logger },
    {
      mode: 'exec',
      taskArn: selected.taskArn,
      container: options.container,
    },
  );
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
  const keepAliveMs = deps.keepAliveMs ?? KEEP_ALIVE_MS;
  if (options.timeoutMs > IDLE_TIMEOUT_MS) {
    logger.info(
      `The timeout (${formatDuration(options.timeoutMs)}) is longer than the ECS Exec idle timeout (20 minutes, which cannot be changed): this client keeps the session open through the ECS Exec 20-minute idle timeout with a terminal-size message every ${formatDuration(keepAliveMs)}, so a command that prints nothing for a long time keeps its session.`,
    );
  }
  logger.info(`Session ${sessionId ?? '(no id)'} started; output follows.`);

  let lineCount = 0;
  const scanner = new MarkerScanner(nonce, (line) => {
    lineCount += 1;
    remote.line(line);
  });
  const lines = new OutputLines((line) => scanner.line(line));
  const channel = new DataChannel({
    streamUrl: session.streamUrl,
    token: session.tokenValue,
    logger,
    webSocketFactory: deps.webSocketFactory,
    onOutput: (bytes) => lines.write(bytes),
    keepAliveMs,
  });

  const remaining = Math.max(1, options.timeoutMs - (clock.now() - started));
  const outcome = await waitForSession(channel, scanner, remaining, signal);
  lines.end();
  scanner.end();
  remote.close();
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
  const steps = stepResults(options, scanner.steps, scanner.exitCode);
  const withSteps = { ...partial, ...steps };
  if (outcome.kind === 'timeout' || outcome.kind === 'cancelled') {
    const what = await interrupt(channel);
    const why =
      outcome.kind === 'timeout'
        ? `The command did not finish within the timeout (${formatDuration(options.timeoutMs)})`
        : 'The run was cancelled';
    throw new MigrationError(
      `${why}: ${what} In a terminal, Ctrl-C interrupts the command (SIGINT), and the agent ends what still runs when the session closes; a command that ignores SIGINT may still be running in task ${id} (container ${options.container}). Check it and the database before re-running, because two migrations at once can conflict.`,
      withSteps,
      outcome.kind === 'timeout' ? 'Migration timed out' : undefined,
    );
  }
  channel.close();
  if (outcome.end.kind === 'refused') {
    throw new MigrationError(
      `${outcome.end.message}. The command was not started: the agent starts it only after the session handshake completes (amazon-ssm-agent sessionplugin.go), and this client refused the handshake.`,
      withSteps,
      'ECS Exec session refused',
    );
  }
  if (scanner.exitCode === undefined) {
    throw new MigrationError(`${noMarkerReason(outcome.end, durationMs)} ${stillRunning}`, withSteps, 'Exit code unknown');
  }
  logger.info(`The command exited with code ${scanner.exitCode} (session ${sessionId ?? '-'}, ${formatDuration(durationMs)}).`);
  return {
    ...withSteps,
    exitCode: scanner.exitCode,
    taskDefinitionArn: selected.taskDefinitionArn,
    durationMs,
    outputLines: lineCount,
  };
}

/** The command, or the numbered commands, as one log line. */
export function describeCommands(options: MigrationOptions): string {
  if (!options.commands) return options.command;
  return options.commands.map((c, i) => `(${i + 1}) ${c}`).join('  ');
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
  for (let attempt = 1; ; attempt++) {
    try {
      // The cancellation aborts the call: GitHub kills the step a few seconds after SIGINT, so waiting
      // for a held answer is not an option. ECS may have started the command before the answer was
      // lost; the error says so, and this run never sends ExecuteCommand again.
      return await deps.ecs.send(request, { abortSignal: signal });
    } catch (error) {
      // A ThrottlingException is ECS refusing the request before acting on it: the command was not
      // started, so sending it again cannot start a second one. Any other failure (a 5xx, a timeout,
      // a lost answer) may come after the command started, and is never retried.
      if (!signal.aborted && awsErrorCode(error) === 'ThrottlingException' && attempt < EXECUTE_ATTEMPTS) {
        const pause = 1000 * 2 ** (attempt - 1);
        deps.logger.info(
          `ExecuteCommand was throttled (ThrottlingException: the command was not started); trying again in ${formatDuration(pause)} (attempt ${attempt + 1} of ${EXECUTE_ATTEMPTS}).`,
        );
        await deps.clock.sleep(pause, signal).catch(() => undefined);
        if (!signal.aborted) continue;
      }
      throw executeFailure(error, signal, taskArn, options, partial);
    }
  }
}

function executeFailure(
  error: unknown,
  signal: AbortSignal,
  taskArn: string,
  options: MigrationOptions,
  partial: MigrationError['partial'],
): Error {
  {
    if (signal.aborted) {
      return new MigrationError(
        `The run was cancelled while starting the command with ECS ExecuteCommand (no answer had arrived yet). ECS may already have started it in task ${taskId(taskArn)} (container ${options.container}), and it may still be running there; this run did not send it again and did not connect to its output. Re-running the step starts the command once more: first check the task's logs and the database, because two migrations at once can conflict.`,
        partial,
        'Migration cancelled',
      );
    }
    return new ActionError(`${describeAwsError(error, { service: 'ECS', operation: 'ExecuteCommand' })} ${executeHint(error)}`.trim());
  }
}

function executeHint(error: unknown): string {
  const code = awsErrorCode(error);
  const notRetried =
    code === 'ThrottlingException'
      ? `ExecuteCommand was throttled ${EXECUTE_ATTEMPTS} times (the command was not started); re-run the step later.`
      : 'ExecuteCommand is not retried after an answer that may have started the command, so it is never started twice; re-run the step when the cause is fixed.';
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

/**
 * Ctrl-C (0x03) as terminal input, then close the session: within ~2 s. No TerminateSession flag:
 * the agent's shell plugin ignores it (amazon-ssm-agent agent/session/shell/shell_unix.go,
 * InputStreamMessageHandler handles only Output and Size); Ctrl-C reaches the command through the
 * PTY. Returns what was done, in words, for the error message.
 */
async function interrupt(channel: DataChannel): Promise<string> {
  if (!(await channel.whenOpen(1000))) {
    channel.close('the client ended the session');
    return 'the session was not open, so Ctrl-C could not be sent; the client stopped connecting.';
  }
  channel.sendInput(Buffer.from([0x03]));
  await channel.drain(1500);
  const acknowledged = channel.unacknowledged === 0;
  channel.close('the client ended the session');
  return acknowledged
    ? 'sent Ctrl-C (0x03) to the command as terminal input, which the agent acknowledged, and closed the session.'
    : 'sent Ctrl-C (0x03) to the command as terminal input, which the agent did not acknowledge within 1.5s, and closed the session.';
}

function noMarkerReason(end: SessionEnd, durationMs: number): string {
  const prefix = 'The session ended before the command reported its exit code, so the outcome is unknown';
  const idleEnd = end.kind === 'channel-closed' && /inactivity/i.test(end.output);
  const idle =
    idleEnd || durationMs >= 19 * 60_000
      ? ' Session Manager ends an ECS Exec session after 20 minutes without traffic; this client sends a terminal-size message every 5 minutes to prevent it, so the session was ended anyway: use mode: run-task for long, quiet migrations.'
      : '';
  switch (end.kind) {
    case 'refused':
      return `${prefix}: ${end.message}.`;
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
