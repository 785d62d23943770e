/**
 * The workflow run a step belongs to, from the runner's variables, read as @actions/github's
 * Context reads them (lib/context.js: parseInt of GITHUB_RUN_ID and GITHUB_RUN_ATTEMPT, GITHUB_JOB
 * as it is). Read here rather than through that package because its entry module loads Octokit and
 * undici at every start, for three variables.
 */
export interface RunContext {
  /** GITHUB_RUN_ID: the same for every attempt (re-run) of a workflow run. */
  runId?: string;
  /** GITHUB_RUN_ATTEMPT: 1 for the first attempt, 2 for the first re-run… */
  runAttempt?: string;
  /** GITHUB_JOB: the job's id in the workflow. */
  job?: string;
}

export function readRunContext(env: NodeJS.ProcessEnv = process.env): RunContext {
  const number = (name: string) => {
    const value = parseInt(env[name] ?? '', 10);
    return Number.isFinite(value) ? String(value) : undefined;
  };
  return { runId: number('GITHUB_RUN_ID'), runAttempt: number('GITHUB_RUN_ATTEMPT'), job: env.GITHUB_JOB || undefined };
}
