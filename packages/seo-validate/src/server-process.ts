/**
 * `start`: runs the site's server in the background for the checks (the seed's CI step without
 * hand-written shell), waits until `url` answers, and stops the whole process tree afterwards —
 * also on failure and cancellation — so no server outlives the step.
 *
 * node:child_process rather than @actions/exec: exec() resolves only when the command ends and
 * exposes neither the child nor its pid, so it cannot run a background server or stop it. The
 * command runs through the shell in its own process group (detached), which lets one signal reach
 * every process it started (`manage.py runserver` and its children).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { ActionError, CancelledError, formatDuration, type Clock, type Logger } from '@allthrive/toolkit';
import { FetchError, type HttpGetter } from './fetcher.js';

/** Lines of the command's output quoted in an error. */
export const TAIL_LINES = 20;
/** Lines kept for the log group (the oldest are dropped beyond it). */
const KEPT_LINES = 5000;
/** Between readiness probes. */
const PROBE_INTERVAL_MS = 500;
/** A probe waits at most this long for an answer (a server that accepts but never answers). */
const PROBE_TIMEOUT_MS = 2000;

export interface StartOptions {
  /** Shell command, run in `cwd` (the workspace). */
  command: string;
  cwd: string;
  /** The URL that must answer (any HTTP status) before the checks run. */
  url: string;
  waitTimeoutMs: number;
  /** Headers of the probe (host-header), so a server that checks Host answers it. */
  headers?: Record<string, string>;
  userAgent: string;
  getter: HttpGetter;
  logger: Logger;
  clock: Clock;
  signal?: AbortSignal;
  /** Between SIGTERM and SIGKILL. */
  graceMs?: number;
  env?: NodeJS.ProcessEnv;
}

/** The command's output as lines (stdout and stderr in arrival order). */
class OutputLines {
  readonly lines: string[] = [];
  dropped = 0;
  private partial = new Map<NodeJS.ReadableStream, string>();

  attach(stream: NodeJS.ReadableStream | null): void {
    if (!stream) return;
    stream.setEncoding?.('utf8');
    stream.on('data', (chunk: string) => {
      const text = (this.partial.get(stream) ?? '') + chunk;
      const parts = text.split(/\r?\n/);
      this.partial.set(stream, parts.pop() ?? '');
      for (const line of parts) this.push(line);
    });
    stream.on('end', () => {
      const rest = this.partial.get(stream);
      if (rest) this.push(rest);
      this.partial.delete(stream);
    });
  }

  private push(line: string): void {
    this.lines.push(line);
    if (this.lines.length > KEPT_LINES) {
      this.lines.shift();
      this.dropped++;
    }
  }

  tail(): string {
    const last = this.lines.slice(-TAIL_LINES);
    return last.length ? `Its last ${last.length} line(s) of output:\n${last.join('\n')}` : 'It printed nothing.';
  }
}

/**
 * A process's state letter and process group from /proc/<pid>/stat; undefined when it has exited.
 * "pid (comm) state ppid pgrp …": comm may hold spaces and parentheses, so read after the last ')'.
 */
function procStat(pid: string | number): { state: string; pgrp: number } | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined; // exited meanwhile
  }
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { state: fields[0], pgrp: Number(fields[2]) };
}

/** Signal 0 answers whether a process (or, with a negative id, a group member) exists, zombies included. */
function signalReaches(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Live processes of a process group. On Linux /proc tells zombies apart (a zombie needs no
 * stopping); elsewhere signal 0 to the group answers whether any member exists.
 */
export function processGroupAlive(pgid: number): boolean {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return signalReaches(-pgid);
  }
  return entries.some((entry) => {
    if (!/^\d+$/.test(entry)) return false;
    const stat = procStat(entry);
    return stat !== undefined && stat.pgrp === pgid && stat.state !== 'Z';
  });
}

/** Whether one process is alive, read as processGroupAlive reads a group (a zombie is not). */
export function processAlive(pid: number): boolean {
  if (!existsSync('/proc/self')) return signalReaches(pid);
  const stat = procStat(pid);
  return stat !== undefined && stat.state !== 'Z';
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // Already gone.
  }
}

/** SIGTERM to the whole group, then SIGKILL after `graceMs` if anything is still running. */
async function stopGroup(child: ChildProcess, options: StartOptions): Promise<void> {
  const pgid = child.pid;
  if (pgid === undefined || !processGroupAlive(pgid)) return;
  const { clock, logger } = options;
  const graceMs = options.graceMs ?? 5000;
  signalGroup(pgid, 'SIGTERM');
  const until = clock.now() + graceMs;
  while (processGroupAlive(pgid) && clock.now() < until) await clock.sleep(100);
  if (!processGroupAlive(pgid)) return;
  logger.warning(
    `The start command was still running ${formatDuration(graceMs)} after SIGTERM; sent SIGKILL to its process group ${pgid}.`,
  );
  signalGroup(pgid, 'SIGKILL');
  const killedBy = clock.now() + 2000;
  while (processGroupAlive(pgid) && clock.now() < killedBy) await clock.sleep(50);
}

/** Waits until `url` answers with any HTTP status; fails at once when the command exits first. */
async function waitUntilAnswering(output: OutputLines, exited: Promise<string>, options: StartOptions): Promise<void> {
  const { clock, signal, url } = options;
  let exit: string | undefined;
  const exitSeen = new AbortController();
  void exited.then((how) => {
    exit = how;
    exitSeen.abort();
  });
  const waitSignal = signal ? AbortSignal.any([signal, exitSeen.signal]) : exitSeen.signal;
  const started = clock.now();
  const deadline = started + options.waitTimeoutMs;
  let lastError = 'no answer yet';
  for (;;) {
    if (signal?.aborted) {
      throw new CancelledError(
        `the run was cancelled while waiting for ${url} to answer; the start command was stopped and nothing was checked`,
      );
    }
    if (exit !== undefined) {
      throw new ActionError(
        `The start command ${exit} before ${url} answered (after ${formatDuration(clock.now() - started)}), so nothing was checked. ${output.tail()}`,
      );
    }
    const remaining = deadline - clock.now();
    if (remaining <= 0) {
      throw new ActionError(
        `${url} did not answer within ${formatDuration(options.waitTimeoutMs)} of starting the start command (last attempt: ${lastError}). Check the command and the port it listens on, or raise wait-timeout. ${output.tail()}`,
      );
    }
    try {
      await options.getter(url, {
        maxBytes: 1,
        maxRedirects: 0,
        timeoutMs: Math.max(1, Math.min(PROBE_TIMEOUT_MS, remaining)),
        signal: waitSignal,
        userAgent: options.userAgent,
        headers: options.headers,
      });
      options.logger.info(`${url} answered after ${formatDuration(clock.now() - started)}.`);
      return;
    } catch (error) {
      if (error instanceof FetchError) lastError = error.reason;
      else if (!(error instanceof CancelledError)) throw error;
    }
    try {
      await clock.sleep(Math.max(1, Math.min(PROBE_INTERVAL_MS, deadline - clock.now())), waitSignal);
    } catch {
      // Cancelled or the command exited: the checks at the top of the loop say which.
    }
  }
}

/**
 * Starts `options.command`, waits for `options.url`, runs `checks`, and stops the command's
 * process tree whatever happens; the command's output is folded in a log group at the end.
 */
export async function withStartedServer<T>(options: StartOptions, checks: () => Promise<T>): Promise<T> {
  const { logger } = options;
  const child = spawn(options.command, {
    shell: true,
    cwd: options.cwd,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: options.env ?? process.env,
  });
  const output = new OutputLines();
  output.attach(child.stdout);
  output.attach(child.stderr);
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const exited = new Promise<string>((resolve) => {
    child.once('error', (error) => resolve(`could not be started (${error.message})`));
    child.once('exit', (code, signal) => {
      // Its last output may still be in the pipes: wait for them to close (not for long: a
      // background child of the command may hold them open).
      const how = code !== null ? `exited with code ${code}` : `was ended by ${signal}`;
      void Promise.race([closed, options.clock.sleep(500)]).then(() => resolve(how));
    });
  });
  logger.info(
    `Started \`${options.command}\` (process group ${child.pid}); waiting up to ${formatDuration(options.waitTimeoutMs)} for ${options.url}.`,
  );
  try {
    await waitUntilAnswering(output, exited, options);
    return await checks();
  } finally {
    await stopGroup(child, options);
    // What the command printed last may still be in the pipes: read it until they close (briefly:
    // a process that escaped the group could hold them open).
    await Promise.race([closed, options.clock.sleep(500)]);
    child.stdout?.destroy();
    child.stderr?.destroy();
    await logger.group('Output of the start command', async () => {
      if (output.dropped) logger.info(`(${output.dropped} earlier line(s) not kept)`);
      for (const line of output.lines) logger.info(line);
    });
  }
}
