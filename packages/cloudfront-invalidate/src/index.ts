export { callerReference, newStepId, pathSetHash, type RunIdentity } from './caller-reference.js';
export { collapsePaths, removeCovered, type CollapseResult } from './collapse.js';
export { DISTRIBUTION_ID, resolveDistributionId, type DistributionSource } from './distribution.js';
export { readOptions, type Options } from './inputs.js';
export {
  runInvalidation,
  WaitTimeoutError,
  type BatchResult,
  type InvalidateDeps,
  type InvalidateOptions,
  type InvalidationResult,
} from './invalidate.js';
export {
  batchPaths,
  describePlan,
  planInvalidation,
  MAX_FILE_PATHS_PER_BATCH,
  MAX_WILDCARD_PATHS_PER_BATCH,
  type InvalidationPlan,
  type PlanOptions,
} from './plan.js';
export { covers, isWildcard, MAX_PATH_LENGTH, normalizePath, normalizePaths, parsePathsInput, type NormalizedPath } from './paths.js';
export {
  boundedRequest,
  DEADLINE_GRACE_MS,
  isRetryable,
  REQUEST_TIMEOUT_MS,
  RetriesExhaustedError,
  withRetries,
  type RetryContext,
} from './retry.js';
export { chooseOriginPath, defaultS3Origin, stripOriginPath, type OriginPathChoice, type OriginPathSetting } from './origin-path.js';
export { invalidationSummary } from './summary.js';
export { canonicalStatus, FIRST_POLL_MS, MAX_POLL_MS, waitForInvalidations, type WaitContext } from './wait.js';
