/**
 * The part of the runner's protocol the actions use: log lines and workflow commands on stdout,
 * outputs in the GITHUB_OUTPUT file, the job summary in the GITHUB_STEP_SUMMARY file. Written byte
 * for byte as @actions/core 3.0.1 writes them (lib/command.js, lib/core.js, lib/file-command.js,
 * lib/summary.js, lib/utils.js); test/toolkit/runner-protocol.test.ts compares the two.
 *
 * Why not @actions/core itself: its entry module imports its OIDC client (@actions/http-client,
 * which loads undici, about 1 MB of source) and its platform helpers (@actions/exec, @actions/io)
 * at load time, and its `exports` map offers no way to import the command module alone. Every step
 * paid about 50 ms of CPU to compile and run code no action here calls (measured with
 * `node --cpu-prof` on dist/s3-sync-frontend/index.js; bench/s3-sync-frontend/RESULTS.md).
 */
import { randomUUID } from 'node:crypto';
import { appendFileSync, existsSync } from 'node:fs';
import { access, appendFile } from 'node:fs/promises';
import { constants } from 'node:fs';
import { EOL } from 'node:os';

export interface CommandProperties {
  title?: string;
  file?: string;
  startLine?: number;
  endLine?: number;
  startColumn?: number;
  endColumn?: number;
}

/** toCommandValue: strings as they are, anything else as JSON, nothing as ''. */
function commandValue(input: unknown): string {
  if (input === null || input === undefined) return '';
  if (typeof input === 'string' || input instanceof String) return String(input);
  return JSON.stringify(input);
}

function escapeData(text: unknown): string {
  return commandValue(text).replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

function escapeProperty(text: unknown): string {
  return commandValue(text).replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A').replace(/:/g, '%3A').replace(/,/g, '%2C');
}

/** `::name key=value,key=value::message` (properties without a value are left out). */
export function issueCommand(command: string, properties: Record<string, unknown>, message: unknown): void {
  let line = `::${command}`;
  const pairs = Object.entries(properties)
    .filter(([, value]) => value)
    .map(([key, value]) => `${key}=${escapeProperty(value)}`);
  if (pairs.length) line += ` ${pairs.join(',')}`;
  process.stdout.write(`${line}::${escapeData(message)}${EOL}`);
}

/** The annotation properties under the runner's names (toCommandProperties). */
function annotation(properties: CommandProperties = {}): Record<string, unknown> {
  if (!Object.keys(properties).length) return {};
  return {
    title: properties.title,
    file: properties.file,
    line: properties.startLine,
    endLine: properties.endLine,
    col: properties.startColumn,
    endColumn: properties.endColumn,
  };
}

export function info(message: string): void {
  process.stdout.write(message + EOL);
}

export function debug(message: string): void {
  issueCommand('debug', {}, message);
}

export function notice(message: string, properties?: CommandProperties): void {
  issueCommand('notice', annotation(properties), message);
}

export function warning(message: string, properties?: CommandProperties): void {
  issueCommand('warning', annotation(properties), message);
}

export function error(message: string, properties?: CommandProperties): void {
  issueCommand('error', annotation(properties), message);
}

export function setSecret(secret: string): void {
  issueCommand('add-mask', {}, secret);
}

export async function group<T>(name: string, fn: () => Promise<T>): Promise<T> {
  issueCommand('group', {}, name);
  try {
    return await fn();
  } finally {
    issueCommand('endgroup', {}, '');
  }
}

/** An output: a heredoc with a random delimiter in GITHUB_OUTPUT, or the legacy command without it. */
export function setOutput(name: string, value: unknown): void {
  const file = process.env.GITHUB_OUTPUT || '';
  if (!file) {
    process.stdout.write(EOL);
    issueCommand('set-output', { name }, commandValue(value));
    return;
  }
  const delimiter = `ghadelimiter_${randomUUID()}`;
  const text = commandValue(value);
  if (name.includes(delimiter)) throw new Error(`Unexpected input: name should not contain the delimiter "${delimiter}"`);
  if (text.includes(delimiter)) throw new Error(`Unexpected input: value should not contain the delimiter "${delimiter}"`);
  if (!existsSync(file)) throw new Error(`Missing file at path: ${file}`);
  appendFileSync(file, `${name}<<${delimiter}${EOL}${text}${EOL}${delimiter}${EOL}`, { encoding: 'utf8' });
}

/** Appends text to the job summary file (summary.addRaw(text).write()). */
export async function appendSummary(text: string): Promise<void> {
  const file = process.env.GITHUB_STEP_SUMMARY;
  if (!file) {
    throw new Error(
      'Unable to find environment variable for $GITHUB_STEP_SUMMARY. Check if your runtime environment supports job summaries.',
    );
  }
  try {
    await access(file, constants.R_OK | constants.W_OK);
  } catch {
    throw new Error(`Unable to access summary file: '${file}'. Check if the file has correct read/write permissions.`);
  }
  await appendFile(file, text, { encoding: 'utf8' });
}
