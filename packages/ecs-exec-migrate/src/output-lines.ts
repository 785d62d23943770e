import { StringDecoder } from 'node:string_decoder';
import { stripVTControlCharacters } from 'node:util';

/**
 * One line of remote output as it should appear in the job log: terminal escape sequences (colour,
 * cursor movement, OSC titles) removed by Node's own `stripVTControlCharacters`, carriage returns
 * and other control characters (tab kept) dropped, workflow commands neutralised. A PTY ends lines with CR LF and Django colours
 * its output when it sees TERM=xterm-256color, so both must go before GitHub shows the line.
 */
export function cleanLine(text: string): string {
  // eslint-disable-next-line no-control-regex
  const line = stripVTControlCharacters(text).replace(/[\x00-\x08\x0b-\x1f\x7f]/g, '');
  // Remote output is not trusted: a line starting with `::` would be read by the runner as a
  // workflow command (`::stop-commands::`, `::add-mask::`, `::error::`). A zero-width space
  // between the colons keeps the text readable and inert.
  return /^\s*::/.test(line) ? line.replace('::', ':\u200b:') : line;
}

/**
 * Turns a byte stream that arrives in arbitrary chunks (the agent cuts output every 1,024 bytes,
 * through lines and through multi-byte UTF-8 characters) into complete, cleaned lines.
 * `StringDecoder` keeps an incomplete UTF-8 sequence until its remaining bytes arrive.
 */
export class OutputLines {
  private readonly decoder = new StringDecoder('utf8');
  private partial = '';

  constructor(private readonly onLine: (line: string) => void) {}

  write(bytes: Buffer): void {
    this.push(this.decoder.write(bytes));
  }

  /** Flushes a last line that has no line break (a dropped session can end mid-line). */
  end(): void {
    this.push(this.decoder.end());
    if (this.partial) {
      const last = this.partial;
      this.partial = '';
      this.onLine(cleanLine(last));
    }
  }

  private push(text: string): void {
    if (!text) return;
    const parts = (this.partial + text).split('\n');
    this.partial = parts.pop() ?? '';
    for (const part of parts) this.onLine(cleanLine(part));
  }
}
