import { StringDecoder } from 'node:string_decoder';
import { stripVTControlCharacters } from 'node:util';

/** Longest remote line shown; the rest is cut with a note (a runaway line must not flood the log). */
export const MAX_LINE_LENGTH = 4000;

/**
 * One line of remote output as it should appear in the job log: terminal escape sequences (colour,
 * cursor movement, OSC titles) removed by Node's own `stripVTControlCharacters`, and other control
 * characters (tab kept; C1 included) dropped. A PTY colours Django's output when it sees TERM=xterm-256color.
 * Workflow-command text (`::error::`, `##[add-mask]`) is kept as printed: the caller shows remote
 * lines inside a `::stop-commands::` block (RemoteOutput), where the runner treats them as text.
 */
export function cleanLine(text: string): string {
  // C0 and C1 controls (U+0085 among them) have no place in a log line.
  // eslint-disable-next-line no-control-regex
  return stripVTControlCharacters(text).replace(/[\x00-\x08\x0b-\x1f\x7f-\x9f]/g, '');
}

/**
 * Where the visible part of a line starts: a carriage return means "rewrite this line" (tqdm and
 * other progress bars redraw with `\r`), so only the text after the last `\r` that still has text
 * after it is what a terminal would show. Trailing `\r`s (a PTY's CR LF, or CR CR LF when the
 * program printed CR LF itself) end the line, they do not erase it.
 */
function liveStart(text: string): number {
  let end = text.length;
  while (end > 0 && text[end - 1] === '\r') end--;
  if (end === 0) return 0;
  return text.lastIndexOf('\r', end - 1) + 1;
}

/** A complete remote line (without its `\n`) as shown: live segment, cleaned, cut to MAX_LINE_LENGTH. */
export function displayLine(raw: string, alreadyCut = 0): string {
  const line = cleanLine(raw.slice(liveStart(raw)));
  const cut = alreadyCut + Math.max(0, line.length - MAX_LINE_LENGTH);
  return cut > 0 ? `${line.slice(0, MAX_LINE_LENGTH)} … [line cut: ${cut} more characters]` : line;
}

/**
 * Turns a byte stream that arrives in arbitrary chunks (the agent cuts output every 1,024 bytes,
 * through lines and through multi-byte UTF-8 characters) into complete display lines.
 * `StringDecoder` keeps an incomplete UTF-8 sequence until its remaining bytes arrive. The
 * unfinished line is kept bounded: a progress bar that redraws for an hour without a `\n` keeps only
 * its live segment, and a line without any break keeps its first part and counts the rest.
 */
export class OutputLines {
  private readonly decoder = new StringDecoder('utf8');
  private partial = '';
  /** Characters dropped from the unfinished line. */
  private cut = 0;

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
      this.onLine(displayLine(last, this.cut));
    }
    this.cut = 0;
  }

  private push(text: string): void {
    if (!text) return;
    const parts = (this.partial + text).split('\n');
    this.partial = parts.pop() ?? '';
    for (const [i, part] of parts.entries()) {
      this.onLine(displayLine(part, i === 0 ? this.cut : 0));
      if (i === 0) this.cut = 0;
    }
    this.bound();
  }

  private bound(): void {
    const start = liveStart(this.partial);
    if (start > 0) {
      this.partial = this.partial.slice(start);
      this.cut = 0;
    }
    // Room for escape sequences that cleaning removes; what is beyond is counted, not kept.
    const keep = MAX_LINE_LENGTH * 4;
    if (this.partial.length > keep) {
      this.cut += this.partial.length - keep;
      this.partial = this.partial.slice(0, keep);
    }
  }
}
