import { expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { repoRoot, runBundle, type BundleOptions, type BundleResult } from '../../harness/bundle.js';
import { excerpt, type Outcome } from './results.js';

/**
 * With RELIABILITY_BUNDLES=committed the suites run the bundles as committed at HEAD (copied out
 * with git show), not the working tree's dist/ — for running them while others rebuild dist/.
 * CI leaves it unset: the checkout's dist/ is the committed one.
 */
function committedBundle(name: string): string | undefined {
  if (process.env.RELIABILITY_BUNDLES !== 'committed') return undefined;
  const git = (...args: string[]) => execFileSync('git', args, { cwd: repoRoot, maxBuffer: 64 * 1024 * 1024 });
  // The last commit that added or changed the bundle (HEAD may have it deleted mid-rebuild).
  const commit = git('log', '-1', '--diff-filter=AM', '--format=%H', '--', `dist/${name}/index.js`).toString().trim();
  const dir = path.join(tmpdir(), 'reliability-bundles', commit, name);
  if (!existsSync(path.join(dir, 'index.js'))) {
    mkdirSync(dir, { recursive: true });
    for (const file of ['package.json', 'index.js']) {
      try {
        writeFileSync(path.join(dir, `${file}.tmp${process.pid}`), git('show', `${commit}:dist/${name}/${file}`));
        renameSync(path.join(dir, `${file}.tmp${process.pid}`), path.join(dir, file));
      } catch {
        // package.json is optional
      }
    }
  }
  return path.join(dir, 'index.js');
}

/**
 * Credentials every reliability run injects. moto does not check signatures, so these work, and
 * being random and long they cannot appear anywhere by accident: finding one in a log, output,
 * summary or report file means the action leaked it.
 */
export function injectedSecrets(): { env: Record<string, string>; values: string[] } {
  const secret = `RelSecret${randomBytes(18).toString('base64url')}`;
  const token = `IQoJRelToken${randomBytes(48).toString('base64url')}`;
  return {
    env: { AWS_ACCESS_KEY_ID: 'AKIARELIABILITYTEST1', AWS_SECRET_ACCESS_KEY: secret, AWS_SESSION_TOKEN: token },
    values: [secret, token],
  };
}

export interface Leak {
  secret: string;
  where: string;
}

function filesUnder(dir: string): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) files.push(...filesUnder(full));
    else if (entry.isFile() && statSync(full).size < 20 * 1024 * 1024) files.push(full);
  }
  return files;
}

/**
 * Every place a run could leave a secret: stdout (minus the runner's own `::add-mask::`
 * commands, which the runner consumes), stderr, outputs, the job summary, and every file the run
 * wrote under its runner directory (RUNNER_TEMP reports, state, env files).
 */
export function scanForSecrets(result: BundleResult, secrets: string[], extraFiles: string[] = []): Leak[] {
  const places: [string, string][] = [
    [
      'stdout',
      result.stdout
        .split('\n')
        .filter((line) => !line.startsWith('::add-mask::'))
        .join('\n'),
    ],
    ['stderr', result.stderr],
    ['outputs', JSON.stringify(result.outputs)],
    ['summary', result.summary],
  ];
  for (const file of [...filesUnder(result.runnerDir), ...extraFiles]) {
    const name = path.relative(result.runnerDir, file);
    if (name === 'summary.md' || name === 'output') continue;
    places.push([`file ${name}`, readFileSync(file, 'latin1')]);
  }
  const leaks: Leak[] = [];
  for (const secret of secrets) {
    for (const [where, text] of places) {
      if (secret && text.includes(secret)) leaks.push({ secret: `${secret.slice(0, 6)}…`, where });
    }
  }
  // A presigned URL is a bearer credential until it expires: none may be printed either.
  for (const [where, text] of places) {
    if (/X-Amz-Signature=[0-9a-f]{16,}/i.test(text)) leaks.push({ secret: 'presigned URL (X-Amz-Signature)', where });
  }
  return leaks;
}

export interface CheckedResult extends BundleResult {
  leaks: Leak[];
  /** Wall time of the run in ms. */
  elapsedMs: number;
}

/**
 * runBundle with injected secret credentials, scanned for those secrets afterwards. Every bundle
 * run of the reliability suites goes through here, so the secrets check covers all of them.
 */
export async function runChecked(
  name: string,
  options: BundleOptions & { extraSecrets?: string[]; scanFiles?: string[] } = {},
): Promise<CheckedResult> {
  const secrets = injectedSecrets();
  const started = Date.now();
  const bundle = options.bundle ?? committedBundle(name);
  const result = await runBundle(name, { timeoutMs: 60_000, ...options, bundle, env: { ...options.env, ...secrets.env } });
  const elapsedMs = Date.now() - started;
  const leaks = scanForSecrets(result, [...secrets.values, ...(options.extraSecrets ?? [])], options.scanFiles);
  return { ...result, leaks, elapsedMs };
}

/** Names the one ::error line of a failed run for assertion messages. */
export function describeRun(result: BundleResult): string {
  return `exit ${result.exitCode}${result.signal ? ` (${result.signal})` : ''}; errors: ${JSON.stringify(result.errors.map((e) => ({ title: e.properties.title, message: e.message })))}\nlog tail:\n${result.stdout.split('\n').slice(-25).join('\n')}\nstderr tail:\n${result.stderr.slice(-1500)}`;
}

/** The step failed the way the suites require of a failure: exit 1 with exactly one ::error line. */
export function expectFailedWithOneError(run: BundleResult, details: string): void {
  expect({ exit: run.exitCode, errors: run.errors.length, details }).toEqual({ exit: 1, errors: 1, details });
}

export interface CancelState {
  /** When SIGINT was sent. */
  signalledAt?: number;
  /** When the process exited. */
  exitedAt?: number;
  /** SIGKILL was needed: the action ignored SIGINT and SIGTERM for `killAfterMs`. */
  killed?: boolean;
  pollMs?: number;
  /** Generous limit after SIGINT before SIGKILL (default 10 s); the measured time is reported, not asserted. */
  killAfterMs?: number;
}

/**
 * Sends SIGINT once `ready` says the action is in the phase to interrupt, then SIGTERM 300 ms
 * later (GitHub sends SIGINT, then SIGTERM, then SIGKILL), and SIGKILL if the process is still
 * alive `killAfterMs` after SIGINT. Records when the signal went out and when the process ended.
 */
export function cancelWhen(ready: (stdoutSoFar: string) => boolean | Promise<boolean>, state: CancelState): (child: ChildProcess) => void {
  return (child) => {
    let stdout = '';
    let checking = false;
    child.stdout?.on('data', (d) => (stdout += d));
    const alive = () => child.exitCode === null && child.signalCode === null;
    const timer = setInterval(async () => {
      if (state.signalledAt !== undefined || !alive() || checking) return;
      checking = true;
      try {
        if (!(await ready(stdout))) return;
      } finally {
        checking = false;
      }
      state.signalledAt = Date.now();
      clearInterval(timer);
      child.kill('SIGINT');
      setTimeout(() => alive() && child.kill('SIGTERM'), 300).unref();
      setTimeout(() => {
        if (alive()) {
          state.killed = true;
          child.kill('SIGKILL');
        }
      }, state.killAfterMs ?? 10_000).unref();
    }, state.pollMs ?? 50);
    child.once('exit', () => {
      state.exitedAt = Date.now();
      clearInterval(timer);
    });
  };
}

/**
 * How a cancelled run ended: `exit 1` (the handlers saw SIGINT/SIGTERM and the step failed with
 * its message), or terminated by the SIGTERM that followed after it had already printed its one
 * `::error` line (the runner reports that step as cancelled too). Killed by SIGKILL (ignored both
 * signals for 10 s) or any other ending is not prompt.
 */
export function cancelEnding(result: BundleResult, state: CancelState): string {
  if (state.signalledAt === undefined) return 'never signalled (the phase was not reached)';
  if (state.killed) return 'ignored SIGINT and SIGTERM: killed by SIGKILL';
  if (result.exitCode === 1) return 'exit 1';
  if (result.signal === 'SIGTERM' && result.errors.length === 1) return 'terminated by the follow-up SIGTERM after its ::error line';
  return `ended with ${result.exitCode ?? result.signal}`;
}

export const PROMPT_ENDINGS = ['exit 1', 'terminated by the follow-up SIGTERM after its ::error line'];

/**
 * The closing test of a fault suite: no injected secret reached anything any of the file's runs
 * produced (each run was scanned by runChecked), recorded for docs/reliability.md.
 */
export function testNoSecretLeaks(
  action: string,
  scanned: CheckedResult[],
  results: { record(outcome: { action: string; category: string; case: string; outcome: string }): void },
  what = { case: 'AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, presigned URLs', places: 'stdout, stderr, outputs, summary or files' },
): void {
  test("secrets: no injected credential appears in any output of this file's runs", () => {
    expect(scanned.length).toBeGreaterThan(0);
    expect(scanned.flatMap((r) => r.leaks)).toEqual([]);
    results.record({
      action,
      category: 'secrets',
      case: what.case,
      outcome: `not found in ${what.places} of ${scanned.length} runs`,
    });
  });
}

/**
 * Asserts that a cancelled run ended promptly (one of PROMPT_ENDINGS) with exactly one `::error`
 * line, and returns how it ended for the record. Each suite then checks what that line says.
 */
export function expectPromptCancellation(run: BundleResult, state: CancelState): string {
  const ending = cancelEnding(run, state);
  const details = describeRun(run);
  expect({ prompt: PROMPT_ENDINGS.includes(ending), ending, details }).toEqual({ prompt: true, ending, details });
  expect(run.errors).toHaveLength(1);
  return ending;
}

/**
 * The cancellation row of the docs table: how the run ended, the start of its one `::error` line
 * (with what the suite checked after, such as "v1 live, nothing deleted"), and the time from the
 * first signal to exit.
 */
function cancellationOutcome(
  action: string,
  caseName: string,
  run: BundleResult,
  state: CancelState,
  ending: string,
  options: OutcomeOptions = {},
): Outcome {
  return {
    action,
    category: 'cancellation',
    case: caseName,
    outcome: `${ending}${options.before ?? ''}: ${excerpt(run.errors[0].message, options.max ?? 140)}${options.after ?? ''}`,
    metrics: { exitAfterSignalMs: (state.exitedAt ?? Date.now()) - (state.signalledAt ?? 0) },
  };
}

interface OutcomeOptions {
  /** How much of the `::error` line the row quotes (default 140 characters). */
  max?: number;
  /** Said right after the ending, e.g. ", Ctrl-C sent". */
  before?: string;
  /** What the suite checked after the run, e.g. "; v1 live, nothing deleted". */
  after?: string;
}

export interface Cancellation<R extends BundleResult> {
  run: R;
  /** How the run ended: one of PROMPT_ENDINGS (cancelledRun asserted that). */
  ending: string;
  /** The docs-table row for this cancellation, to record once the suite's own checks passed. */
  outcome(action: string, caseName: string, options?: OutcomeOptions): Outcome;
}

/**
 * The cancellation step every fault suite shares: `start` launches the bundle with the given
 * `onStart` hook, which interrupts it as cancelWhen does once `ready` says the action is in the
 * phase to interrupt. Asserts the run ended promptly with exactly one `::error` line; each suite
 * then checks what that line says and what the run left behind.
 */
export async function cancelledRun<R extends BundleResult>(
  ready: (stdoutSoFar: string) => boolean | Promise<boolean>,
  start: (onStart: (child: ChildProcess) => void) => Promise<R>,
): Promise<Cancellation<R>> {
  const state: CancelState = {};
  const run = await start(cancelWhen(ready, state));
  const ending = expectPromptCancellation(run, state);
  return { run, ending, outcome: (action, caseName, options) => cancellationOutcome(action, caseName, run, state, ending, options) };
}
