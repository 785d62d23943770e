import { randomBytes } from 'node:crypto';
import type { CommandResult } from './types.js';

/**
 * ECS Exec never reports the remote command's exit status (the session ends the same way whatever
 * the command did), so the command is wrapped: after it, the remote shell prints a marker line
 * carrying a random per-run nonce and `$?`. The nonce makes the marker unforgeable by the
 * migration's own output; no marker means the outcome is unknown, which is a failure.
 */
export const MARKER_PREFIX = '__ECS_EXEC_MIGRATE_';

export function newNonce(): string {
  return randomBytes(12).toString('hex');
}

/** The marker line for `nonce` and an exit code, as the wrapper prints it (for tests and fakes). */
export function markerLine(nonce: string, exitCode: number): string {
  return `${MARKER_PREFIX}${nonce}_RC=${exitCode}__`;
}

/**
 * The string given to ExecuteCommand. ECS Exec does not use a shell: the agent splits the string
 * with google/shlex and execs the words. So the whole script is one single-quoted word for
 * `/bin/sh -c` (an embedded `'` becomes `'"'"'`, which shlex joins back into one word). The user's
 * command runs in a subshell on its own lines, so `exit 3`, `&&`, variables and a trailing
 * `# comment` all behave as in a workflow `run:` step, and the marker is still printed afterwards.
 */
export function wrapCommand(command: string | string[], nonce: string): string {
  const commands = typeof command === 'string' ? [command] : command;
  const finalMarker = `printf '\\n${MARKER_PREFIX}%s_RC=%s__\\n' '${nonce}' "$__rc"; exit "$__rc"`;
  if (commands.length === 1) return `/bin/sh -c ${shellQuote(['(', commands[0], ')', `__rc=$?; ${finalMarker}`].join('\n'))}`;
  return `/bin/sh -c ${shellQuote(`${stepScript(commands, nonce)}\n${finalMarker}`)}`;
}

/**
 * Several commands in one shell: each in its own subshell, in order, each followed by a step marker
 * with its exit code; after the first failure the rest are skipped. `$__rc` is the last exit code.
 */
export function stepScript(commands: string[], nonce: string): string {
  const lines = ['__rc=0'];
  commands.forEach((command, i) => {
    lines.push(
      'if [ "$__rc" -eq 0 ]; then (',
      command,
      `); __rc=$?; printf '\\n${MARKER_PREFIX}%s_STEP=%s_RC=%s__\\n' '${nonce}' ${i + 1} "$__rc"; fi`,
    );
  });
  return lines.join('\n');
}

/** The `/bin/sh -c` script of a one-off task running several commands: its exit code is the last one run. */
export function runTaskScript(commands: string[], nonce: string): string {
  return `${stepScript(commands, nonce)}\nexit "$__rc"`;
}

/** Each command's result from the step markers (several commands) or the exit code (one command). */
export function stepResults(
  options: { command: string; commands?: string[] },
  steps: Map<number, number>,
  exitCode: number | undefined,
): { commandResults?: CommandResult[]; failedCommand?: string } {
  const results: CommandResult[] = options.commands
    ? [...steps.entries()]
        .filter(([step]) => step >= 1 && step <= options.commands!.length)
        .sort(([a], [b]) => a - b)
        .map(([step, code]) => ({ command: options.commands![step - 1], exitCode: code }))
    : exitCode === undefined
      ? []
      : [{ command: options.command, exitCode }];
  if (results.length === 0) return {};
  return { commandResults: results, failedCommand: results.find((r) => r.exitCode !== 0)?.command };
}

/** Single-quotes a word for both POSIX sh and google/shlex. */
export function shellQuote(word: string): string {
  return `'${word.replace(/'/g, `'"'"'`)}'`;
}

/**
 * Reads complete output lines, takes the marker line out of the stream (it never reaches the log)
 * and remembers its exit code. Lines reach the scanner whole, so a marker cut anywhere by the
 * agent's 1,024-byte chunks is still found. The blank line the wrapper's leading `\n` leaves when
 * the command's output already ended with a newline is dropped with the marker.
 */
export class MarkerScanner {
  private readonly pattern: RegExp;
  private readonly stepPattern: RegExp;
  private pendingBlank = false;
  exitCode: number | undefined;
  /** Step number (1-based) → exit code, from the step markers of several commands. */
  readonly steps = new Map<number, number>();

  constructor(
    nonce: string,
    private readonly onLine: (line: string) => void,
  ) {
    this.pattern = new RegExp(`^\\s*${MARKER_PREFIX}${nonce}_RC=(\\d{1,3})__\\s*$`);
    this.stepPattern = new RegExp(`^\\s*${MARKER_PREFIX}${nonce}_STEP=(\\d{1,4})_RC=(\\d{1,3})__\\s*$`);
  }

  get found(): boolean {
    return this.exitCode !== undefined;
  }

  line(text: string): void {
    const step = this.exitCode === undefined ? this.stepPattern.exec(text) : null;
    if (step) {
      this.pendingBlank = false;
      if (!this.steps.has(Number(step[1]))) this.steps.set(Number(step[1]), Number(step[2]));
      return;
    }
    const match = this.exitCode === undefined ? this.pattern.exec(text) : null;
    if (match) {
      this.pendingBlank = false;
      this.exitCode = Number(match[1]);
      return;
    }
    if (this.pendingBlank) {
      this.pendingBlank = false;
      this.onLine('');
    }
    if (text === '' && this.exitCode === undefined) {
      this.pendingBlank = true;
      return;
    }
    this.onLine(text);
  }

  end(): void {
    if (this.pendingBlank) {
      this.pendingBlank = false;
      this.onLine('');
    }
  }
}
