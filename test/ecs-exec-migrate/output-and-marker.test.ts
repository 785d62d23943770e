import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { memoryLogger } from '@allthrive/toolkit';
import {
  MAX_LINE_LENGTH,
  MarkerScanner,
  OutputLines,
  RemoteOutput,
  cleanLine,
  markerLine,
  shellQuote,
  wrapCommand,
} from '@allthrive/ecs-exec-migrate';
import { shlexSplit } from './fake-data-channel.js';

/** Feeds `bytes` to a line writer + marker scanner in the given chunk sizes; returns the logged lines and the code. */
function scan(bytes: Buffer, cuts: number[], nonce: string): { lines: string[]; exitCode?: number } {
  const lines: string[] = [];
  const scanner = new MarkerScanner(nonce, (line) => lines.push(line));
  const writer = new OutputLines((line) => scanner.line(line));
  let at = 0;
  for (const cut of [...cuts].sort((a, b) => a - b)) {
    writer.write(bytes.subarray(at, cut));
    at = cut;
  }
  writer.write(bytes.subarray(at));
  writer.end();
  scanner.end();
  return { lines, exitCode: scanner.exitCode };
}

const NONCE = 'a1b2c3d4e5f60718293a4b5c';

describe('output line writer', () => {
  it('strips carriage returns and terminal escapes (colour, cursor, OSC title)', () => {
    expect(cleanLine('\x1b[32;1m  Applying core.0001_initial...\x1b[0m OK\r')).toBe('  Applying core.0001_initial... OK');
    expect(cleanLine('\x1b]0;title\x07\x1b[2Kdone\x1b[1A')).toBe('done');
    expect(cleanLine('tab\tkept')).toBe('tab\tkept');
  });

  it('keeps workflow-command text as it was printed (the stop-commands block makes it inert)', () => {
    expect(cleanLine('::add-mask::x')).toBe('::add-mask::x');
    expect(cleanLine('text ##[error]x')).toBe('text ##[error]x');
    expect(cleanLine('\u0085::error::x\u009b')).toBe('::error::x');
  });

  it('treats a carriage return as "rewrite this line": a progress bar becomes its last state', () => {
    const bar = ['  0%|          | 0/10', ' 50%|#####     | 5/10', '100%|##########| 10/10'].map((s) => `\r${s}`).join('');
    expect(scan(Buffer.from(`${bar}\r\r\nnext\r\n`), [], NONCE).lines).toEqual(['100%|##########| 10/10', 'next']);
    // A line ending in CR CR LF (a program's own CR LF through the PTY) keeps its text.
    expect(scan(Buffer.from('done\r\r\n'), [4, 5], NONCE).lines).toEqual(['done']);
  });

  it('keeps only the live segment of a progress bar that never ends its line, whatever the chunking', () => {
    const lines: string[] = [];
    const writer = new OutputLines((line) => lines.push(line));
    for (let i = 0; i <= 100_000; i++) writer.write(Buffer.from(`\rstep ${i}`));
    writer.end();
    expect(lines).toEqual(['step 100000']);
  });

  it('cuts a very long line and says how much was cut', () => {
    const lines: string[] = [];
    const writer = new OutputLines((line) => lines.push(line));
    writer.write(Buffer.from('x'.repeat(MAX_LINE_LENGTH + 1234)));
    writer.write(Buffer.from('x'.repeat(50_000) + '\r\nshort\r\n'));
    writer.end();
    expect(lines).toEqual([`${'x'.repeat(MAX_LINE_LENGTH)} … [line cut: ${1234 + 50_000} more characters]`, 'short']);
  });

  it('keeps multi-byte UTF-8 characters whole when a chunk ends inside one', () => {
    const bytes = Buffer.from('schéma ✓ 🚀\r\n', 'utf8');
    for (let cut = 1; cut < bytes.length; cut++) {
      expect(scan(bytes, [cut], NONCE).lines).toEqual(['schéma ✓ 🚀']);
    }
  });

  it('flushes a last line without a line break', () => {
    expect(scan(Buffer.from('one\r\ntwo'), [], NONCE).lines).toEqual(['one', 'two']);
  });
});

describe('exit-code marker', () => {
  it('reads the exit code and hides the marker line and the blank line before it', () => {
    const out = Buffer.from(`Applying x... OK\r\n\r\n${markerLine(NONCE, 3)}\r\n`);
    expect(scan(out, [], NONCE)).toEqual({ lines: ['Applying x... OK'], exitCode: 3 });
  });

  it('keeps a last line that had no newline before the marker', () => {
    const out = Buffer.from(`no newline\r\n${markerLine(NONCE, 0)}\r\n`);
    expect(scan(out, [], NONCE)).toEqual({ lines: ['no newline'], exitCode: 0 });
  });

  it('finds the marker wherever the chunks cut it, and never logs it (property)', () => {
    const body = Buffer.from(`Opérations ✓\r\n\x1b[32mOK\x1b[0m\r\n\r\n${markerLine(NONCE, 137)}\r\n`, 'utf8');
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: body.length - 1 }), { maxLength: 8 }), (cuts) => {
        const result = scan(body, cuts, NONCE);
        expect(result).toEqual({ lines: ['Opérations ✓', 'OK'], exitCode: 137 });
      }),
    );
  });

  it('ignores a marker with another nonce (output cannot forge the exit code)', () => {
    const forged = markerLine('ffffffffffffffffffffffff', 0);
    const result = scan(Buffer.from(`${forged}\r\n`), [], NONCE);
    expect(result.exitCode).toBeUndefined();
    expect(result.lines).toEqual([forged]);
  });

  it('keeps blank lines that are not right before the marker', () => {
    const result = scan(Buffer.from(`a\r\n\r\nb\r\n\r\n${markerLine(NONCE, 0)}\r\n`), [], NONCE);
    expect(result.lines).toEqual(['a', '', 'b']);
  });
});

describe('command wrapper', () => {
  it('is one /bin/sh -c word after google/shlex splitting, whatever quotes the command has', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 60 }), (command) => {
        const argv = shlexSplit(wrapCommand(command, NONCE));
        expect(argv.slice(0, 2)).toEqual(['/bin/sh', '-c']);
        expect(argv).toHaveLength(3);
        expect(argv[2]).toContain(`\n${command}\n`);
      }),
    );
  });

  it('quotes for shlex and sh alike', () => {
    expect(shlexSplit(`x ${shellQuote(`it's "q" $HOME # no`)}`)).toEqual(['x', `it's "q" $HOME # no`]);
  });

  it('does not contain the marker text itself, so echoing the command cannot forge it', () => {
    expect(wrapCommand('python manage.py migrate', NONCE)).not.toContain(markerLine(NONCE, 0).slice(0, 40));
  });
});

describe('remote output block', () => {
  it('wraps remote lines in ::stop-commands::<token> … ::<token>:: and closes it before the action speaks', () => {
    const logger = memoryLogger();
    const written: string[] = [];
    const raw = (line: string) => {
      written.push(line);
      logger.info(`RAW ${line}`);
    };
    const out = new RemoteOutput(logger, raw);
    out.line('::add-mask::x');
    out.line('##[error]x');
    out.own.warning('the action itself warns');
    out.line('after');
    out.close();
    out.close();
    const text = logger.entries.map((e) => `${e.level} ${e.message}`);
    const [first, second] = [written[0].slice('::stop-commands::'.length), written[4].slice('::stop-commands::'.length)];
    expect(first).toMatch(/^[0-9a-f]{32}$/);
    expect(second).not.toBe(first);
    expect(text).toEqual([
      `info RAW ::stop-commands::${first}`,
      'info RAW ::add-mask::x',
      'info RAW ##[error]x',
      `info RAW ::${first}::`,
      'warning the action itself warns',
      `info RAW ::stop-commands::${second}`,
      'info RAW after',
      `info RAW ::${second}::`,
    ]);
  });
});
