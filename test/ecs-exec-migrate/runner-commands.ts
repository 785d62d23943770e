/**
 * TEST-ONLY: which workflow commands the GitHub runner would obey in a step's stdout, following
 * actions/runner: src/Runner.Common/ActionCommand.cs (TryParseV2: after TrimStart the line starts
 * with `::`, the command name runs to the next `::` or space; TryParse: `##[name …]` anywhere in the
 * line) and src/Runner.Worker/ActionCommandManager.cs (`::stop-commands::<token>` stops processing
 * until a command named `<token>` arrives; only registered command names count, case-insensitively).
 */
const REGISTERED = [
  'set-env',
  'set-output',
  'save-state',
  'add-path',
  'add-mask',
  'warning',
  'error',
  'notice',
  'debug',
  'group',
  'endgroup',
  'echo',
  'add-matcher',
  'remove-matcher',
  'stop-commands',
];

export interface ObeyedCommand {
  command: string;
  data: string;
  line: string;
}

function parse(line: string, registered: Set<string>): { command: string; data: string } | undefined {
  // C#'s TrimStart removes every Unicode white space, U+0085 included (JavaScript's \s does not).
  const trimmed = line.replace(/^[\s\u0085]+/, '');
  if (trimmed.startsWith('::')) {
    const end = trimmed.indexOf('::', 2);
    if (end >= 0) {
      const info = trimmed.slice(2, end);
      const name = info.split(' ')[0].toLowerCase();
      if (registered.has(name)) return { command: name, data: trimmed.slice(end + 2) };
    }
  }
  const prefix = line.indexOf('##[');
  if (prefix >= 0) {
    const close = line.indexOf(']', prefix);
    if (close >= 0) {
      const name = line
        .slice(prefix + 3, close)
        .split(' ')[0]
        .toLowerCase();
      if (registered.has(name)) return { command: name, data: line.slice(close + 1) };
    }
  }
  return undefined;
}

export function obeyedCommands(stdout: string): ObeyedCommand[] {
  const registered = new Set(REGISTERED);
  const obeyed: ObeyedCommand[] = [];
  let stopToken: string | undefined;
  for (const line of stdout.split(/\r?\n/)) {
    const parsed = parse(line, registered);
    if (!parsed) continue;
    if (stopToken !== undefined) {
      if (parsed.command === stopToken) {
        registered.delete(stopToken);
        stopToken = undefined;
      }
      continue;
    }
    if (parsed.command === 'stop-commands') {
      stopToken = parsed.data.toLowerCase();
      registered.add(stopToken);
      continue;
    }
    obeyed.push({ ...parsed, line });
  }
  return obeyed;
}
