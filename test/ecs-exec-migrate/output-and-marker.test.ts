import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { MarkerScanner, OutputLines, cleanLine, markerLine, shellQuote, wrapCommand } from '@allthrive/ecs-exec-migrate';
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

  it('neutralises workflow commands in remote output', () => {
    expect(cleanLine('::stop-commands::abc')).toBe(':\u200b:stop-commands::abc');
    expect(cleanLine('  ::error::x')).toBe('  :\u200b:error::x');
    expect(cleanLine('a :: b')).toBe('a :: b');
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
