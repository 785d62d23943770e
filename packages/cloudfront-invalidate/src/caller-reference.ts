import { createHash, randomBytes } from 'node:crypto';

export interface RunIdentity {
  /** The workflow run id (GITHUB_RUN_ID; 1 for every run under act). */
  runId?: string;
  /** The run attempt (1 for the first run, 2 after "Re-run jobs", ...). */
  runAttempt?: string;
  /** The job id (GITHUB_JOB); equal for the legs of a matrix. */
  job?: string;
  /**
   * A value unique to this step execution, made once when the step starts and kept for all of
   * its retries (see newStepId): two steps with the same paths in one job, matrix legs, a reusable
   * workflow called twice, or two runs under act never share a reference.
   */
  stepId?: string;
}

/** 8 random hex digits: one step execution. */
export function newStepId(): string {
  return randomBytes(4).toString('hex');
}

/** The first 16 hex digits of the SHA-256 of the sorted paths (one per line). */
export function pathSetHash(paths: readonly string[]): string {
  return createHash('sha256')
    .update([...paths].sort().join('\n'))
    .digest('hex')
    .slice(0, 16);
}

/** A job id in the characters a caller reference can safely hold, at most 40 of them. */
function jobPart(job: string | undefined): string {
  return job ? `${job.replace(/[^A-Za-z0-9_.]/g, '_').slice(0, 40)}-` : '';
}

/**
 * CloudFront treats a repeated CallerReference with the same paths as the same invalidation and
 * returns it instead of creating another (API_InvalidationBatch); with different paths it fails.
 * So the default is `gha-<run>-<attempt>-<job>-<step>-<paths hash>`: a retry of the same request
 * inside this step never creates a duplicate, while another step, matrix leg or run attempt always
 * creates its own. Batches get `-<n>`. `given` (the caller-reference input) replaces the generated
 * prefix. Outside Actions (no run id) `fallback` (a timestamp) stands in for the run. At most 128
 * characters, as CloudFront requires.
 */
export function callerReference(
  paths: readonly string[],
  context: RunIdentity & { given?: string; batchIndex: number; batchCount: number; fallback: string },
): string {
  const step = context.stepId ? `${context.stepId}-` : '';
  const base =
    context.given ??
    (context.runId
      ? `gha-${context.runId}-${context.runAttempt || '1'}-${jobPart(context.job)}${step}${pathSetHash(paths)}`
      : `local-${context.fallback}-${step}${pathSetHash(paths)}`);
  return context.batchCount > 1 ? `${base}-${context.batchIndex + 1}` : base;
}
