import { describe, expect, it } from '@jest/globals';
import { neutraliseWorkflowCommands } from '@allthrive/toolkit';

// The runner's two parsers (actions/runner src/Runner.Common/ActionCommand.cs): `::` after
// TrimStart (any Unicode White_Space, U+0085 included), and `##[` anywhere in a line.
const obeyed = (text: string) => text.split(/\r\n|\r|\n/).some((line) => /^[\s\u0085\u180e]*::/.test(line) || line.includes('##['));

describe('neutraliseWorkflowCommands', () => {
  it.each([
    '::add-mask::x',
    '  ::error::x',
    '\t::warning::x',
    '\u0085::error::x',
    '\u00a0::error::x',
    '\u2028::error::x',
    '\u3000::error::x',
    'text ##[error]x',
    '##[set-output name=a;]b',
    'first line\r::add-mask::x',
    'first line\n  ::stop-commands::token',
    'a\r\n##[group]x',
  ])('%j is not a command any more', (text) => {
    expect(obeyed(text)).toBe(true);
    expect(obeyed(neutraliseWorkflowCommands(text))).toBe(false);
  });

  it('keeps ordinary text and the words of hostile text', () => {
    expect(neutraliseWorkflowCommands('uploaded index.html (12 kB) a::b')).toBe('uploaded index.html (12 kB) a::b');
    expect(neutraliseWorkflowCommands('::add-mask::x').replace(/\u200b/g, '')).toBe('::add-mask::x');
  });

  it('drops C1 control characters', () => {
    expect(neutraliseWorkflowCommands('a\u0085b\u009bc\u0080')).toBe('abc');
  });
});
