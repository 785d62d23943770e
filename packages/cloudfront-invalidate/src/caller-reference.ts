import { createHash } from 'node:crypto';

export interface RunIdentity {
  /** GITHUB_RUN_ID. */
  runId?: string;
  /** GITHUB_RUN_ATTEMPT (1 for the first run, 2 after "Re-run jobs", ...). */
  runAttempt?: string;
}

/** The first 16 hex digits of the SHA-256 of the sorted paths (one per line). */
export function pathSetHash(paths: readonly string[]): string {
  return createHash('sha256')
    .update([...paths].sort().join('\n'))
    .digest('hex')
    .slice(0, 16);
}

/**
 * CloudFront treats a repeated CallerReference with the same paths as the same invalidation and
 * returns it instead of creating another; with different paths it fails. So the default is
 * deterministic per run, attempt and path set: a retry of the same request inside this step never
 * creates a duplicate, and a re-run attempt (new GITHUB_RUN_ATTEMPT) creates a fresh one.
 * Batches get `-<n>` so two batches never share a reference. `given` (the caller-reference input)
 * replaces the generated prefix. Outside Actions (no run id) `fallback` (a timestamp) stands in.
 */
export function callerReference(
  paths: readonly string[],
  context: RunIdentity & { given?: string; batchIndex: number; batchCount: number; fallback: string },
): string {
  const base =
    context.given ??
    (context.runId
      ? `gha-${context.runId}-${context.runAttempt || '1'}-${pathSetHash(paths)}`
      : `local-${context.fallback}-${pathSetHash(paths)}`);
  return context.batchCount > 1 ? `${base}-${context.batchIndex + 1}` : base;
}
