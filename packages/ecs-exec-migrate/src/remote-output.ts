import { randomBytes } from 'node:crypto';
import type { Logger } from '@allthrive/toolkit';

/**
 * Writes one line to the job log verbatim, bypassing the logger's own neutralisation: the
 * stop-commands delimiters (which the runner must obey) and the remote lines between them (which
 * the block already makes inert, so they keep exactly the text the migration printed). The runner
 * masks registered secrets in every line of the log however it was written.
 */
export type CommandWriter = (line: string) => void;

/** The runner's own way to write a log line: a line on stdout (what @actions/core does). */
export const stdoutCommandWriter: CommandWriter = (line) => {
  process.stdout.write(`${line}\n`);
};

/**
 * Shows text the action did not write (the migration's output, CloudWatch log lines) so that the
 * runner never obeys it. The runner parses `::cmd::` at the start of a line and `##[cmd]` anywhere in
 * it (actions/runner src/Runner.Common/ActionCommand.cs TryParseV2/TryParse); between
 * `::stop-commands::<token>` and `::<token>::` it processes neither, only the resume token
 * (src/Runner.Worker/ActionCommandManager.cs). So remote lines go inside such a block, with a fresh
 * random token per block that the remote side cannot know (the runner also masks it).
 *
 * The action's own messages (warnings, debug lines, masks) must be obeyed, so `own` closes the
 * block before passing them on; the next remote line opens a new one.
 */
export class RemoteOutput {
  private token: string | undefined;
  /** The logger for the action's own messages while remote output is being shown. */
  readonly own: Logger;

  constructor(
    private readonly logger: Logger,
    private readonly writeCommand: CommandWriter = stdoutCommandWriter,
  ) {
    const closing =
      <A extends unknown[]>(fn: (...args: A) => void) =>
      (...args: A) => {
        this.close();
        fn(...args);
      };
    this.own = {
      info: closing((m: string) => logger.info(m)),
      debug: closing((m: string) => logger.debug(m)),
      notice: closing((m, p) => logger.notice(m, p)),
      warning: closing((m, p) => logger.warning(m, p)),
      error: closing((m, p) => logger.error(m, p)),
      secret: closing((v: string) => logger.secret(v)),
      group: (name, fn) => {
        this.close();
        return logger.group(name, fn);
      },
    };
  }

  /** One remote line, shown as text. */
  line(text: string): void {
    if (this.token === undefined) {
      this.token = randomBytes(16).toString('hex');
      this.writeCommand(`::stop-commands::${this.token}`);
    }
    this.writeCommand(text);
  }

  /** Ends the block, if one is open. */
  close(): void {
    if (this.token === undefined) return;
    const token = this.token;
    this.token = undefined;
    this.writeCommand(`::${token}::`);
  }
}
