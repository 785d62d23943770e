import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import path from 'node:path';
import { node24, repoRoot, type Annotation } from './bundle.js';

/**
 * Runs real workflow files with nektos/act in host mode (`-P ubuntu-latest=-self-hosted`: no Docker,
 * steps run as processes on this machine) and parses act's JSON log into steps, outputs, job
 * summaries and annotations.
 *
 * What the harness sets up, and why:
 * - `uses: allthrive/actions[/actions/<name>]@v1` resolves to a slim copy of this working tree
 *   (`--local-repository`). act tars the whole folder for every step, so pointing it at the repo
 *   root would copy node_modules (~400 MB, ~30 s per step); the copy holds what a user's runner
 *   downloads and needs: package.json, every action.yml and dist/.
 * - Node 24 first on PATH: act runs `node` from PATH whatever `runs.using` says.
 * - A private HOME (act keeps its cache and the copied workspace there) and empty env/var/input
 *   files (act would read `.env`, `.vars`, `.input` from the working directory otherwise), no cache
 *   server. Nothing reaches GitHub: a remote `uses:` that is not mapped to a local folder fails the
 *   run (act fetches actions before evaluating `if:`), which the harness reports.
 * - The workspace is a fresh git repository (act reads the ref and sha from it).
 * - Credentials go through `--secret-file` and everything else through `--env`, like the
 *   documented local set-up (docs/local-testing.md).
 */

export interface ActOptions {
  /** The workflow file: absolute, or relative to the repository root (e.g. test/workflows/x.yml). */
  workflow: string;
  /** Only this job (`-j`). */
  job?: string;
  /** The event name (default `push`). */
  event?: string;
  /** The event payload (written to a file and passed with `-e`). */
  eventPayload?: Record<string, unknown>;
  /** `workflow_dispatch` inputs (`--input`). */
  inputs?: Record<string, string>;
  /** Files written into the workspace before the run (path relative to the workspace). */
  files?: Record<string, string | Buffer>;
  /** An existing folder to use as the workspace (it is made a git repository if it is not one). */
  workspace?: string;
  env?: Record<string, string>;
  secrets?: Record<string, string>;
  vars?: Record<string, string>;
  /** More `owner/repo@ref` → folder mappings (for stand-ins of third-party actions). */
  localRepositories?: Record<string, string>;
  timeoutMs?: number;
}

export interface ActStep {
  /** The step's `id:` (or act's index for steps without one). */
  id: string;
  /** What act calls the step (its name, `uses:` or `run:` text). */
  name: string;
  /** The Main stage's result; undefined when the step never ran (skipped by `if:`). */
  result?: 'success' | 'failure' | 'skipped' | string;
  outputs: Record<string, string>;
  /** What the step wrote to GITHUB_STEP_SUMMARY. */
  summary: string;
  annotations: Annotation[];
  /** The step's own output lines (workflow commands excluded). */
  log: string;
}

export interface ActResult {
  exitCode: number | null;
  /** Per job id: success / failure. */
  jobs: Record<string, string>;
  steps: ActStep[];
  /** The step with this id; throws (listing the steps seen) when there is none. */
  step(id: string): ActStep;
  /** All summaries of the run, in step order. */
  summary: string;
  annotations: Annotation[];
  errors: Annotation[];
  /** A readable transcript (act's messages and step output), for failure messages. */
  log: string;
  stderr: string;
  workspace: string;
  cleanup(): void;
}

interface ActEvent {
  level?: string;
  msg?: string;
  jobID?: string;
  step?: string;
  stepID?: string[];
  stage?: string;
  stepResult?: string;
  jobResult?: string;
  raw_output?: boolean;
  command?: string;
  name?: string;
  arg?: string;
  content?: string;
  kvPairs?: Record<string, string>;
}

export const ACT_VERSION = '0.2.87';

/** The act binary: $ACT_BINARY, `act` on PATH, or $(go env GOPATH)/bin/act; undefined when none. */
export function findAct(): string | undefined {
  if (process.env.ACT_BINARY) return existsSync(process.env.ACT_BINARY) ? process.env.ACT_BINARY : undefined;
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (dir && existsSync(path.join(dir, 'act'))) return path.join(dir, 'act');
  }
  const gopath = process.env.GOPATH ?? path.join(homedir(), 'go');
  const candidate = path.join(gopath, 'bin', 'act');
  return existsSync(candidate) ? candidate : undefined;
}

export function requireAct(): string {
  const act = findAct();
  if (!act)
    throw new Error(
      `act is not installed: install it with \`go install github.com/nektos/act@v${ACT_VERSION}\` (.ci/run does this) ` +
        'or point ACT_BINARY at the binary.',
    );
  return act;
}

/**
 * A slim copy of this repository as a user's runner downloads it for `uses: allthrive/actions@v1`:
 * package.json, the root and per-action action.yml files, dist/, and the harness's own fixture
 * actions. Returns the folder (remove it when done).
 */
export function stageActionsRepository(root: string = repoRoot): string {
  const stage = mkdtempSync(path.join(tmpdir(), 'act-actions-'));
  const copy = (relative: string) => {
    const from = path.join(root, relative);
    if (existsSync(from)) cpSync(from, path.join(stage, relative), { recursive: true });
  };
  copy('package.json');
  copy('action.yml');
  copy('dist');
  copy(path.join('test', 'act', 'fixtures'));
  const actionsDir = path.join(root, 'actions');
  for (const name of existsSync(actionsDir) ? readdirSync(actionsDir) : []) copy(path.join('actions', name, 'action.yml'));
  return stage;
}

function dotenv(values: Record<string, string>): string {
  return Object.entries(values)
    .map(([key, value]) => {
      if (/[\r\n]/.test(value)) throw new Error(`act env/secret files cannot hold multi-line values (${key})`);
      return `${key}=${value}`;
    })
    .join('\n');
}

function git(cwd: string, args: string[]): void {
  const result = spawnSync('git', ['-c', 'user.email=act@example.com', '-c', 'user.name=act', ...args], { cwd, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`git ${args.join(' ')} failed in ${cwd}: ${result.stderr}`);
}

/** Makes `dir` a git repository with one commit of its current files (act reads ref/sha from git). */
export function initGitWorkspace(dir: string): void {
  if (existsSync(path.join(dir, '.git'))) return;
  git(dir, ['init', '-q', '-b', 'main']);
  git(dir, ['add', '-A']);
  git(dir, ['commit', '-q', '--allow-empty', '-m', 'workspace']);
}

export function writeFiles(dir: string, files: Record<string, string | Buffer>): void {
  for (const [relative, content] of Object.entries(files)) {
    const file = path.join(dir, relative);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, content);
  }
}

/** The environment act itself runs with: nothing from the developer's shell that could leak in
 * (AWS profiles, tokens), Node 24 first on PATH. */
function actProcessEnv(home: string): Record<string, string> {
  const pathValue = [path.dirname(node24), process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin'].join(path.delimiter);
  return { PATH: pathValue, HOME: home, LANG: 'C.UTF-8', TMPDIR: tmpdir() };
}

export function actArguments(options: {
  workflow: string;
  workspace: string;
  stage: string;
  runnerDir: string;
  event: string;
  job?: string;
  eventFile?: string;
  env?: Record<string, string>;
  inputs?: Record<string, string>;
  localRepositories?: Record<string, string>;
}): string[] {
  const { runnerDir } = options;
  const args = [
    options.event,
    '--json',
    '-W',
    path.resolve(repoRoot, options.workflow),
    '-C',
    options.workspace,
    '-P',
    'ubuntu-latest=-self-hosted',
    '--local-repository',
    `allthrive/actions@v1=${options.stage}`,
    '--secret-file',
    path.join(runnerDir, 'secrets'),
    '--var-file',
    path.join(runnerDir, 'vars'),
    '--env-file',
    path.join(runnerDir, 'env'),
    '--input-file',
    path.join(runnerDir, 'input'),
    '--action-cache-path',
    path.join(runnerDir, 'home', '.cache', 'act'),
    '--no-cache-server',
    '--container-daemon-socket',
    '-',
  ];
  if (options.job) args.push('-j', options.job);
  if (options.eventFile) args.push('-e', options.eventFile);
  for (const [key, value] of Object.entries(options.env ?? {})) args.push('--env', `${key}=${value}`);
  for (const [key, value] of Object.entries(options.inputs ?? {})) args.push('--input', `${key}=${value}`);
  for (const [ref, dir] of Object.entries(options.localRepositories ?? {})) args.push('--local-repository', `${ref}=${dir}`);
  return args;
}

/** Parses act's `--json` log (one JSON object per line; other lines are kept as plain log). */
export function parseActLog(text: string): Omit<ActResult, 'exitCode' | 'stderr' | 'workspace' | 'cleanup'> {
  const steps = new Map<string, ActStep>();
  const jobs: Record<string, string> = {};
  const transcript: string[] = [];
  const stepFor = (event: ActEvent): ActStep | undefined => {
    if (!event.stepID?.length || event.stepID[0].startsWith('--')) return undefined;
    const id = event.stepID[0];
    let step = steps.get(id);
    if (!step) {
      step = { id, name: event.step ?? id, outputs: {}, summary: '', annotations: [], log: '' };
      steps.set(id, step);
    }
    return step;
  };
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    let event: ActEvent;
    try {
      event = JSON.parse(line) as ActEvent;
    } catch {
      transcript.push(line);
      continue;
    }
    const step = stepFor(event);
    if (event.jobResult && event.jobID) jobs[event.jobID] = event.jobResult;
    if (event.raw_output) {
      if (step) step.log += event.msg ?? '';
      transcript.push(`  | ${(event.msg ?? '').replace(/\n$/, '')}`);
      continue;
    }
    transcript.push(`[${event.jobID ?? '-'}] ${(event.msg ?? '').trim()}`);
    if (!step) continue;
    // Nested steps of a composite action report with a longer stepID; only the top-level result counts.
    if (event.stepResult && event.stage === 'Main' && event.stepID?.length === 1) step.result = event.stepResult;
    switch (event.command) {
      case 'set-output':
        if (event.name !== undefined && event.stepID?.length === 1) step.outputs[event.name] = event.arg ?? '';
        break;
      case 'summary':
        step.summary += event.content ?? '';
        break;
      case 'error':
      case 'warning':
      case 'notice':
        step.annotations.push({ level: event.command, properties: event.kvPairs ?? {}, message: event.arg ?? '' });
        break;
    }
  }
  const list = [...steps.values()];
  const annotations = list.flatMap((s) => s.annotations);
  return {
    jobs,
    steps: list,
    step(id: string) {
      const found = steps.get(id);
      if (!found) throw new Error(`no step '${id}' ran; steps seen: ${list.map((s) => `${s.id} (${s.name})`).join(', ') || 'none'}`);
      return found;
    },
    summary: list.map((s) => s.summary).join(''),
    annotations,
    errors: annotations.filter((a) => a.level === 'error'),
    log: transcript.join('\n'),
  };
}

/** Runs one workflow with act in host mode and returns what happened. */
export async function runAct(options: ActOptions): Promise<ActResult> {
  const act = requireAct();
  const runnerDir = mkdtempSync(path.join(tmpdir(), 'act-run-'));
  const home = path.join(runnerDir, 'home');
  mkdirSync(home);
  writeFileSync(path.join(runnerDir, 'secrets'), dotenv(options.secrets ?? {}));
  writeFileSync(path.join(runnerDir, 'vars'), dotenv(options.vars ?? {}));
  writeFileSync(path.join(runnerDir, 'env'), '');
  writeFileSync(path.join(runnerDir, 'input'), '');
  const workspace = options.workspace ?? path.join(runnerDir, 'workspace');
  mkdirSync(workspace, { recursive: true });
  writeFiles(workspace, options.files ?? {});
  initGitWorkspace(workspace);
  let eventFile: string | undefined;
  if (options.eventPayload) {
    eventFile = path.join(runnerDir, 'event.json');
    writeFileSync(eventFile, JSON.stringify(options.eventPayload));
  }
  const stage = stageActionsRepository();
  const args = actArguments({
    workflow: options.workflow,
    workspace,
    stage,
    runnerDir,
    event: options.event ?? 'push',
    job: options.job,
    eventFile,
    env: options.env,
    inputs: options.inputs,
    localRepositories: options.localRepositories,
  });

  const { stdout, stderr, exitCode } = await new Promise<{ stdout: string; stderr: string; exitCode: number | null }>((resolve, reject) => {
    const child = spawn(act, args, { cwd: workspace, env: actProcessEnv(home), stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    // act and the step processes it starts share one process group: stop them all on timeout.
    const killGroup = (signal: NodeJS.Signals) => {
      try {
        if (child.pid) process.kill(-child.pid, signal);
      } catch {
        // already gone
      }
    };
    const timer = setTimeout(() => {
      err += `\n[harness] act did not finish within ${options.timeoutMs ?? 120_000} ms; killed\n`;
      killGroup('SIGTERM');
      setTimeout(() => killGroup('SIGKILL'), 2000).unref();
    }, options.timeoutMs ?? 120_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ stdout: out, stderr: err, exitCode: code });
    });
  });
  rmSync(stage, { recursive: true, force: true });
  // act writes its JSON log to stderr or stdout depending on the message; parse both.
  const parsed = parseActLog(`${stdout}\n${stderr}`);
  return {
    ...parsed,
    exitCode,
    stderr,
    workspace,
    cleanup: () => rmSync(runnerDir, { recursive: true, force: true }),
  };
}

/** Static test credentials for act runs. Deliberately not the word `testing`: act masks secret
 * values everywhere in its log and outputs, so a common word would turn into `***` in outputs. */
export const ACT_TEST_SECRETS = {
  AWS_ACCESS_KEY_ID: 'AKIAACTLOCALTEST0001',
  AWS_SECRET_ACCESS_KEY: 'act-local-test-secret-0001',
} as const;

/** `--env` and `--secret-file` values that point a workflow's AWS steps at a moto endpoint. */
export function motoActSettings(moto: { endpoint: string }): { env: Record<string, string>; secrets: Record<string, string> } {
  return {
    env: { AWS_ENDPOINT_URL: moto.endpoint, AWS_REGION: 'us-east-1', AWS_DEFAULT_REGION: 'us-east-1' },
    secrets: { ...ACT_TEST_SECRETS },
  };
}
