/**
 * Makes text inert for the runner's workflow-command parser, so a line that came from a remote
 * service, a file or a key (an S3 key, an ECS event, a container's output) is shown, never obeyed.
 *
 * What the runner obeys (actions/runner src/Runner.Common/ActionCommand.cs, checked at commit
 * 258d6c857db3519913f7deb6004b60172f8043ae; ActionCommandManager.ProcessCommand tries both parsers
 * on every line of stdout):
 * - TryParseV2: `message.TrimStart()` (.NET Char.IsWhiteSpace: Unicode White_Space, which includes
 *   U+0085 NEXT LINE; JavaScript's `\s` does not), then a command when the line starts with `::`.
 * - TryParse: `message.IndexOf("##[")` anywhere in the line.
 * Lines are cut at \r, \n and \r\n (StreamReader.ReadLine, src/Runner.Sdk/ProcessInvoker.cs), so a
 * lone carriage return starts a new line for the runner, though it only moves the cursor on a terminal.
 *
 * The fix: C1 control characters (U+0080–U+009F, U+0085 among them; they have no business in a
 * log) are removed, lone carriage returns become line breaks, and a zero-width space (U+200B, not
 * White_Space, so TrimStart keeps it) is put between the two colons of a leading `::` and between
 * `##` and `[`: the text stays readable and the runner sees no command.
 */
const ZWSP = '\u200b';
// JavaScript's \s plus what .NET's Char.IsWhiteSpace adds (U+0085 is removed before; U+180E was
// White_Space before Unicode 6.3, kept in case an older ICU classifies it so).
const LEADING_COMMAND = /^([\s\u0085\u180e]*):(?=:)/;

export function neutraliseWorkflowCommands(text: string): string {
  return text
    .replace(/[\u0080-\u009f]/g, '')
    .split(/\r\n|\r|\n/)
    .map((line) => line.replace(LEADING_COMMAND, `$1:${ZWSP}`).replaceAll('##[', `##${ZWSP}[`))
    .join('\n');
}
