import { randomBytes } from 'node:crypto';

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
export function wrapCommand(command: string, nonce: string): string {
  const script = ['(', command, ')', `__rc=$?; printf '\\n${MARKER_PREFIX}%s_RC=%s__\\n' '${nonce}' "$__rc"; exit "$__rc"`].join('\n');
  return `/bin/sh -c ${shellQuote(script)}`;
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
  private pendingBlank = false;
  exitCode: number | undefined;

  constructor(
    nonce: string,
    private readonly onLine: (line: string) => void,
  ) {
    this.pattern = new RegExp(`^\\s*${MARKER_PREFIX}${nonce}_RC=(\\d{1,3})__\\s*$`);
  }

  get found(): boolean {
    return this.exitCode !== undefined;
  }

  line(text: string): void {
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
