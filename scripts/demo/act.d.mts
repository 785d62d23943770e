// Types for act.mjs (used by the TypeScript workflow tests through test/harness/act.ts).
export interface ActAnnotation {
  level: 'error' | 'warning' | 'notice' | 'debug';
  properties: Record<string, string>;
  message: string;
}

export interface ActStep {
  /** The step's `id:` (or act's index for steps without one). */
  id: string;
  /** The id of the job it ran in, and act's path to it (`<caller job>/<workflow>/<job>` in a called workflow). */
  job: string;
  jobPath: string;
  /** What act calls the step (its name, `uses:` or `run:` text). */
  name: string;
  /** The Main stage's result; undefined when the step never ran (skipped by `if:`). */
  result?: string;
  outputs: Record<string, string>;
  /** What the step wrote to GITHUB_STEP_SUMMARY. */
  summary: string;
  annotations: ActAnnotation[];
  /** The step's own output (workflow commands excluded). */
  log: string;
}

export interface ActLog {
  /** Per job id: `success` or `failure`. */
  jobs: Record<string, string>;
  /** Per act job path (`staging/<called workflow>/deploy` for a job of a called workflow). */
  jobPaths: Record<string, string>;
  steps: ActStep[];
  /** The step with this id (in `job`, by job id or act's job path such as `staging/reusable/deploy`,
   * when several jobs have one); throws (listing the steps seen) when there is none or more than one. */
  step(id: string, job?: string): ActStep;
  /** All job summaries of the run, in step order. */
  summary: string;
  annotations: ActAnnotation[];
  errors: ActAnnotation[];
  /** act's own error messages (unreadable workflow or action.yml, failed fetch, a step's exit status). */
  failures: string[];
  /** A readable transcript (act's messages and step output), for failure messages. */
  log: string;
}

export interface ActResult extends ActLog {
  exitCode: number | null;
  stderr: string;
  workspace: string;
  cleanup(): void;
}

export interface ActOptions {
  /** The workflow file: absolute, or relative to the repository root. */
  workflow: string;
  job?: string;
  /** Default `push`. */
  event?: string;
  eventPayload?: Record<string, unknown>;
  inputs?: Record<string, string>;
  /** Files written into the workspace before the run (paths relative to it). */
  files?: Record<string, string | Buffer>;
  /** An existing folder to use as the workspace (made a git repository if it is not one). */
  workspace?: string;
  env?: Record<string, string>;
  secrets?: Record<string, string>;
  vars?: Record<string, string>;
  /** More `owner/repo@ref` → folder mappings (stand-ins for third-party actions). */
  localRepositories?: Record<string, string>;
  /** Refs of `allthrive/actions@<ref>` besides v1 that resolve to this checkout. */
  allthriveRefs?: string[];
  timeoutMs?: number;
  onEvent?: (event: Record<string, unknown>) => void;
}

export const repoRoot: string;
export const node24: string;
export const ACT_VERSION: string;
export function findAct(): string | undefined;
export function requireAct(): string;
export function stageActionsRepository(root?: string): string;
export function initGitWorkspace(dir: string): void;
export function writeFiles(dir: string, files: Record<string, string | Buffer>): void;
export function parseActLog(text: string): ActLog;
export function runAct(options: ActOptions): Promise<ActResult>;
