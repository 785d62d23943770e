import { collapsePaths } from './collapse.js';
import { isWildcard, normalizePaths } from './paths.js';

/** CloudFront's per-distribution limits on paths in active invalidations. */
export const MAX_FILE_PATHS_PER_BATCH = 3000;
export const MAX_WILDCARD_PATHS_PER_BATCH = 15;

export interface PlanOptions {
  /** Collapse into wildcards when more distinct paths than this are given. */
  maxPaths: number;
  maxFilePathsPerBatch?: number;
  maxWildcardPathsPerBatch?: number;
}

export interface InvalidationPlan {
  /** Normalized, de-duplicated input paths (what the caller asked for). */
  inputPaths: string[];
  /** What will be submitted, all batches together. */
  paths: string[];
  /** Submission batches, in order; each within CloudFront's per-request limits. */
  batches: string[][];
  /** Wildcards introduced by collapsing. */
  collapsedInto: string[];
  /** Notes for the log (paths widened because CloudFront cannot invalidate them exactly). */
  warnings: string[];
}

/** Splits paths into batches of at most `maxFiles` exact paths and `maxWildcards` wildcards each. */
export function batchPaths(
  paths: readonly string[],
  maxFiles = MAX_FILE_PATHS_PER_BATCH,
  maxWildcards = MAX_WILDCARD_PATHS_PER_BATCH,
): string[][] {
  const wild = paths.filter(isWildcard);
  const files = paths.filter((p) => !isWildcard(p));
  const count = Math.max(Math.ceil(wild.length / maxWildcards), Math.ceil(files.length / maxFiles));
  const batches: string[][] = [];
  for (let i = 0; i < count; i++) {
    batches.push([...wild.slice(i * maxWildcards, (i + 1) * maxWildcards), ...files.slice(i * maxFiles, (i + 1) * maxFiles)]);
  }
  return batches;
}

/**
 * The whole plan, pure: normalize and de-duplicate the paths (throws an InputError naming `paths`
 * for one CloudFront would reject), drop paths another entry covers, collapse into wildcards when
 * more than `maxPaths` remain, and split into batches within CloudFront's limits.
 */
export function describePlan(rawPaths: readonly string[], options: PlanOptions): InvalidationPlan {
  const { paths: inputPaths, warnings } = normalizePaths(rawPaths);
  const collapsed = collapsePaths(inputPaths, options.maxPaths);
  return {
    inputPaths,
    paths: collapsed.paths,
    batches: batchPaths(collapsed.paths, options.maxFilePathsPerBatch, options.maxWildcardPathsPerBatch),
    collapsedInto: collapsed.wildcards,
    warnings,
  };
}

/** The submission batches for `paths` (see describePlan); `[]` when there is nothing to invalidate. */
export function planInvalidation(paths: readonly string[], options: PlanOptions): string[][] {
  return describePlan(paths, options).batches;
}
