export { builtInContentType, FALLBACK_CONTENT_TYPE } from './content-type.js';
export { formatBytes } from './format.js';
export { readOptions } from './inputs.js';
export { digestInTurns } from './in-turns.js';
export { digestFile, hashFile, scanSource, withSha256, type Digest, type LocalFile, type LocalScan, type ScannedFile } from './local.js';
export {
  decideStale,
  parseManifest,
  pathsOfRun,
  RUNS_KEPT,
  serializeManifest,
  type GraceDecision,
  type Manifest,
  type ObjectRecord,
  type StaleObject,
} from './manifest.js';
export {
  DEFAULT_OPTIONS,
  MANIFEST_NAME,
  isCacheControlValue,
  isContentTypeValue,
  normalizePrefix,
  parseRules,
  validateBucket,
  type Rule,
  type SyncOptions,
} from './options.js';
export { directoryPathsOfIndex, encodeUrlPath, urlPathOfKey } from './paths.js';
export { DELETE_BATCH, deleteStale, publishHtml, uploadAssets, uploadUnreferenced } from './phases.js';
export {
  changedPaths,
  ownChangedPaths,
  decideFile,
  htmlGroups,
  needsHead,
  planSync,
  trustedRecord,
  type FileAction,
  type FileReason,
  type KnownState,
  type Phase,
  type PhaseReport,
  type PlannedFile,
  type SyncDeps,
  type SyncPlan,
} from './plan.js';
export { DEFAULT_CACHE_CONTROL, headerRules, isContentHashed, isHtml, looksLikeHash, type FileHeaders } from './rules.js';
export { EXTENSION_TYPES } from './mime-table.js';
export { anyMatcher, globMatcher, type Matcher } from './globs.js';
export { SHA256_METADATA, compareKeys, getText, isPlainMd5, listPrefix, listingRanges, s3Failure, type RemoteObject } from './s3.js';
export { directS3, directTarget, type DirectS3, type ReadAhead } from './direct-s3.js';
export { lazyS3Client } from './lazy-client.js';
export { createS3Client, IDLE_TIMEOUT_MS, s3ClientConfig } from './client.js';
export { formatPlan, runSync, summaryReport, syncResult, type SyncResult } from './sync.js';
export { VITE_MANIFEST, hashDetector, viteHashedFiles } from './vite-manifest.js';
export { MULTIPART_THRESHOLD, uploadObject, type UploadTarget } from './upload.js';
export { MAX_PARTS, PART_QUEUE, PART_SIZE, multipartPartSize } from './multipart.js';
