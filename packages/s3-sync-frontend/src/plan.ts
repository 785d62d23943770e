import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import pLimit from 'p-limit';
import { InputError, systemClock, type Clock, type Logger } from '@allthrive/toolkit';
import { FALLBACK_CONTENT_TYPE } from './content-type.js';
import { digestFile, scanSource, withSha256, type LocalFile } from './local.js';
import { decideStale, parseManifest, pathsOfRun, sameHeaders, type GraceDecision, type Manifest, type ObjectRecord } from './manifest.js';
import { MANIFEST_NAME, type SyncOptions } from './options.js';
import { directoryPathsOfIndex, urlPathOfKey } from './paths.js';
import { anyMatcher } from './globs.js';
import { headerRules, isContentHashed } from './rules.js';
import { hashDetector } from './vite-manifest.js';
import type { DirectS3, ReadAhead } from './direct-s3.js';
import { getText, headObject, isPlainMd5, listPrefix, listingRanges, type RemoteHead, type RemoteObject, type S3Source } from './s3.js';
import { planFromManifest, whyList, type DescribedFile } from './manifest-match.js';
import { formatBytes } from './format.js';

/** The collaborators of every phase. */
export interface SyncDeps {
  /** The S3 client, or a function that builds it when the first request needs it (see S3Source). */
  s3: S3Source;
  /**
   * GetObject and PutObject without the SDK (direct-s3.ts), tried first where given; anything
   * it does not settle goes through `s3`.
   */
  direct?: DirectS3;
  logger: Logger;
  clock?: Clock;
  /** Aborts on cancellation; checked between phases and before every request. */
  signal?: AbortSignal;
  /** The directory `source` is relative to (GITHUB_WORKSPACE in the action); default: the cwd. */
  root?: string;
  /** Reads and hashes the source directory; default scanSource. */
  scan?: typeof scanSource;
  /**
   * The manifest's direct GetObject, when the action started it before loading the engine;
   * otherwise planning sends it (through `direct` if given, else the S3 client).
   */
  manifestReadAhead?: Promise<ReadAhead | undefined>;
  /**
   * The workflow run (GITHUB_RUN_ID and GITHUB_RUN_ATTEMPT) this deploy belongs to. The paths each
   * attempt changes are recorded in the manifest, and a later attempt of the same run emits them
   * again: a re-run after a failed invalidation finds nothing to upload but still needs it.
   */
  run?: { id: string; attempt: string };
}

export type FileAction = 'upload' | 'reheader' | 'unchanged';
export type FileReason = 'new' | 'size changed' | 'content changed' | 'content not verifiable' | 'headers changed' | 'same';

/**
 * Upload order: 1 new content-hashed files (no live page references them yet, so they are safe to
 * upload long before the HTML), 2 every other non-HTML file (live the moment it lands: sw.js,
 * robots.txt, an overwritten hashed file), 3 HTML (index.html last).
 */
export type Phase = 1 | 2 | 3;

export interface PlannedFile extends LocalFile {
  key: string;
  hashed: boolean;
  html: boolean;
  phase: Phase;
  cacheControl: string;
  contentType: string;
  action: FileAction;
  reason: FileReason;
  /** Whether an object was at the key before this deploy (caches may hold it). */
  existed: boolean;
  remoteEtag?: string;
}

export interface PhaseReport {
  name: string;
  uploaded: number;
  reheadered: number;
  unchanged: number;
  deleted: number;
  kept: number;
  bytes: number;
  durationMs: number;
}

export interface SyncProgress {
  /** Phase 1 (new content-hashed files) done. */
  unreferencedDone: boolean;
  /** This attempt's paths are recorded in the manifest (before the first write a viewer can see). */
  runRecorded: boolean;
  assetsDone: boolean;
  htmlDone: boolean;
  deleteDone: boolean;
  bytesUploaded: number;
  /** ETag of every object written by this run, by key. */
  etags: Map<string, string>;
  /**
   * The ETag of the manifest object as this deploy last read or wrote it (undefined: there was
   * none; '': the store sent no ETag, and the manifest is written unconditionally). Every manifest
   * write is conditional on it, so a deploy notices another deploy of the same prefix writing the
   * manifest meanwhile (phases.ts writeManifest).
   */
  manifestEtag?: string;
  phases: PhaseReport[];
}

export interface SyncPlan {
  options: SyncOptions;
  bucket: string;
  prefix: string;
  sourceDir: string;
  manifestKey: string;
  files: PlannedFile[];
  stale: GraceDecision[];
  excludedLocal: number;
  excludedRemote: number;
  previousManifest?: Manifest;
  /** HeadObject calls made while planning. */
  heads: number;
  startedAt: number;
  /** Paths with no known Content-Type (uploaded as application/octet-stream). */
  unknownTypes: string[];
  /** The run this deploy belongs to, and what earlier attempts of it recorded as changed. */
  run?: { id: string; attempt: string };
  earlierRunPaths: string[];
  progress: SyncProgress;
}

/** What is known about an existing object's content and headers, from HeadObject or a trusted manifest record. */
export interface KnownState {
  sha256?: string;
  cacheControl?: string;
  contentType?: string;
}

/**
 * A manifest record describes the object only if the object is the one recorded (same ETag, so
 * same content) and was not written after the manifest (LastModified not later than the
 * manifest's, which is written after every other write of a deploy). S3 times have one-second
 * resolution: only a metadata-only change by someone else in the same second after the manifest
 * would go unnoticed. The manifest's time is a Last-Modified header (whole seconds), so the
 * object's time is compared in whole seconds too: stores that list milliseconds (gofakes3 and
 * other S3-compatible ones) would otherwise distrust, HeadObject and re-header every object
 * written in the manifest's last second, on every deploy.
 */
export function trustedRecord(remote: RemoteObject, record: ObjectRecord | undefined, manifestTime: number | undefined): boolean {
  const listedSecond = Math.floor(remote.lastModified / 1000) * 1000;
  return Boolean(record && manifestTime !== undefined && record.etag === remote.etag && listedSecond <= manifestTime);
}

/**
 * Whether planning must HeadObject an existing object: when nothing trustworthy says what
 * headers it has, or (multipart/KMS ETag) what content. Objects of another size are replaced
 * anyway and need no HeadObject.
 */
export function needsHead(local: { size: number }, remote: RemoteObject | undefined, trusted: boolean): boolean {
  return Boolean(remote && remote.size === local.size && !trusted);
}

/**
 * The diff, by content and never by time: a file is uploaded when the object is missing, has
 * another size, or other content (its plain-MD5 ETag differs, or, for multipart/KMS ETags, the
 * SHA-256 this action stores in metadata differs or is absent); an object with the same content
 * but other Cache-Control/Content-Type is re-headered in place.
 */
export function decideFile(
  local: { size: number; md5?: string; sha256: string },
  desired: { cacheControl: string; contentType: string },
  remote: RemoteObject | undefined,
  known: KnownState | undefined,
): { action: FileAction; reason: FileReason } {
  if (!remote) return { action: 'upload', reason: 'new' };
  if (remote.size !== local.size) return { action: 'upload', reason: 'size changed' };
  const md5Known = isPlainMd5(remote.etag) && local.md5 !== undefined;
  const sameContent =
    (md5Known && remote.etag.toLowerCase() === local.md5) || (known?.sha256 !== undefined && known.sha256 === local.sha256);
  if (!sameContent) {
    const verifiable = md5Known || known?.sha256 !== undefined;
    return { action: 'upload', reason: verifiable ? 'content changed' : 'content not verifiable' };
  }
  if (!known || !sameHeaders(known, desired)) {
    return { action: 'reheader', reason: 'headers changed' };
  }
  return { action: 'unchanged', reason: 'same' };
}

/** HTML upload groups: other HTML first, then each index.html deepest directory first, the root one last. */
export function htmlGroups<T extends { path: string }>(files: T[]): T[][] {
  const isIndex = (p: string) => p === 'index.html' || p.endsWith('/index.html');
  const depth = (p: string) => p.split('/').length;
  const others = files.filter((f) => !isIndex(f.path));
  const indexes = files.filter((f) => isIndex(f.path));
  const depths = [...new Set(indexes.map((f) => depth(f.path)))].sort((a, b) => b - a);
  const groups = [others, ...depths.map((d) => indexes.filter((f) => depth(f.path) === d))];
  return groups.filter((g) => g.length > 0);
}

/**
 * The URL paths a cache may hold stale copies of: every object uploaded over or re-headered that
 * existed before, every deleted object that is not content-hashed, plus a directory's URLs
 * (`/`; `/app/docs` and `/app/docs/`) when its existing index.html changed or was deleted. New
 * files are not listed: no cache holds them (an error response CloudFront cached for a missing
 * object expires by itself, 10 s by default). Deleted content-hashed files are not listed either:
 * no live page references them any more, and after a grace period they are often many, which
 * would collapse into `/assets/*` and evict every live immutable chunk from every edge.
 * Includes what earlier attempts of the same workflow run recorded (see SyncDeps.run).
 */
export function changedPaths(plan: Pick<SyncPlan, 'files' | 'stale'> & { earlierRunPaths?: string[] }): string[] {
  return [...new Set([...ownChangedPaths(plan), ...(plan.earlierRunPaths ?? [])])].sort();
}

/** changedPaths of this attempt alone (what the manifest records for it). */
export function ownChangedPaths(plan: Pick<SyncPlan, 'files' | 'stale'>): string[] {
  const paths = new Set<string>();
  for (const file of plan.files) {
    if (file.action === 'unchanged' || !file.existed) continue;
    paths.add(urlPathOfKey(file.key));
    for (const dir of directoryPathsOfIndex(file.key)) paths.add(dir);
  }
  for (const object of plan.stale) {
    if (object.action !== 'delete' || object.hashed) continue;
    paths.add(urlPathOfKey(object.key));
    for (const dir of directoryPathsOfIndex(object.key)) paths.add(dir);
  }
  return [...paths].sort();
}

/**
 * The last guard before a delete: a key whose file exists in the source is never deleted, whatever
 * the walk reported (a file it could not list, a link it did not follow). Such an object is kept
 * and a warning names it.
 */
async function keepLocalFiles(stale: GraceDecision[], sourceDir: string, logger: Logger): Promise<void> {
  const kept: string[] = [];
  for (const object of stale) {
    if (object.action !== 'delete') continue;
    const local = path.join(sourceDir, ...object.path.split('/'));
    if (!inside(sourceDir, local)) continue;
    if (!(await stat(local).catch(() => undefined))?.isFile()) continue;
    object.action = 'keep';
    object.existsLocally = true;
    kept.push(object.path);
  }
  if (kept.length) {
    logger.warning(
      `Not deleting ${kept.slice(0, 10).join(', ')}${kept.length > 10 ? `, ... (${kept.length} in all)` : ''}: the file exists in the source but was not read as part of it. ` +
        'The object is left in place; check the source directory for unreadable files or unusual links.',
    );
  }
}

function inside(root: string, target: string): boolean {
  const relative = path.relative(root, target);
  return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative);
}

/**
 * Phase 0: reads the source, lists the bucket prefix once, reads the deploy manifest, HeadObjects
 * only the objects whose content or headers nothing else vouches for, and classifies every file
 * and stale object. Writes nothing. Every input problem (missing or empty source, missing bucket)
 * surfaces here, before any write.
 */
export async function planSync(options: SyncOptions, deps: SyncDeps): Promise<SyncPlan> {
  const { s3, logger, signal } = deps;
  const clock = deps.clock ?? systemClock;
  const startedAt = clock.now();
  const sourceDir = path.resolve(deps.root ?? process.cwd(), options.source);
  const stats = await stat(sourceDir).catch(() => undefined);
  if (!stats) {
    throw new InputError(
      'source',
      `Input 'source' points to ${sourceDir}, which does not exist. Build the site before this step, or set 'source' to the build output directory (relative to the workspace). Nothing was changed.`,
    );
  }
  if (!stats.isDirectory()) {
    throw new InputError('source', `Input 'source' points to ${sourceDir}, which is a file, not a directory.`);
  }
  if ((await readdir(sourceDir)).length === 0) {
    throw new InputError(
      'source',
      `Input 'source' points to ${sourceDir}, which is empty: nothing to deploy. Did the build run? Nothing was changed.`,
    );
  }
  // The bucket is read (never written) while the files are hashed: the manifest read, and the
  // listing when verify-bucket is `always` or as soon as the manifest turns out not to be a complete
  // record of the bucket, overlap with the local work instead of following it.
  const prefix = options.prefix;
  const manifestKey = prefix + MANIFEST_NAME;
  const readAhead = deps.manifestReadAhead ?? deps.direct?.getText(manifestKey, signal) ?? Promise.resolve(undefined);
  const manifestRead = readAhead.then((ahead) => (ahead ? ahead.object : getText(s3, options.bucket, manifestKey, signal)));
  manifestRead.catch(() => undefined); // awaited below; a local failure first must not leave it unhandled
  let listing: Promise<Map<string, RemoteObject>> | undefined;
  // With the manifest at hand, its keys say where to cut the listing into ranges listed at once.
  const list = (manifest?: Manifest) => {
    if (!listing) {
      const recorded = manifest ? [...manifest.objects.keys(), ...manifest.staleSince.keys()].map((p) => prefix + p) : [];
      listing = listPrefix(s3, options.bucket, prefix, signal, manifest ? listingRanges([...recorded, manifestKey]) : []);
      listing.catch(() => undefined); // awaited below, as above
    }
    return listing;
  };
  if (options.verifyBucket === 'always') void list();
  const exclude = anyMatcher(options.exclude);
  const isHashed = await hashDetector(sourceDir, logger);
  const rules = headerRules(options.cacheControl, options.contentType, isHashed);
  const previous = manifestRead.then((read) => readManifest(read, options.bucket, manifestKey));
  previous.catch(() => undefined);
  // A manifest that cannot stand in for the listing (whyList needs the walk's paths for one of its
  // reasons; the others are known as soon as it is read) starts the listing at once.
  void previous.then(
    (p) => {
      if (!p.manifest || whyList(p.manifest, [], options.exclude)) void list(p.manifest);
    },
    () => undefined,
  );
  const scan = await (deps.scan ?? scanSource)(sourceDir, { exclude, signal });
  if (scan.files.length === 0) {
    throw new InputError(
      'source',
      scan.excluded.length
        ? `Input 'source' points to ${sourceDir}: all ${scan.excluded.length} files in it are excluded by 'exclude', so there is nothing to deploy. Nothing was changed.`
        : `Input 'source' points to ${sourceDir}, which contains no files: nothing to deploy. Did the build run? Nothing was changed.`,
    );
  }
  if (scan.files.some((f) => f.path === MANIFEST_NAME)) {
    throw new InputError(
      'source',
      `Input 'source' contains ${MANIFEST_NAME}, the name this action keeps its deploy manifest under. Rename or exclude that file.`,
    );
  }

  const unknownTypes: string[] = [];
  const headed = scan.files.map((file) => {
    const { hashed, html, cacheControl, contentType } = rules.describe(file.path);
    if (!contentType) unknownTypes.push(file.path);
    return { ...file, key: prefix + file.path, hashed, html, cacheControl, contentType: contentType ?? FALLBACK_CONTENT_TYPE };
  });
  if (unknownTypes.length) {
    logger.warning(
      `No Content-Type is known for ${unknownTypes.length} file(s), uploaded as ${FALLBACK_CONTENT_TYPE}: ${unknownTypes.slice(0, 10).join(', ')}${unknownTypes.length > 10 ? ', ...' : ''}. Add a 'content-type' rule such as '${unknownTypes[0].includes('.') ? `*${unknownTypes[0].slice(unknownTypes[0].lastIndexOf('.'))}` : unknownTypes[0]}: text/plain; charset=utf-8'.`,
    );
  }
  const totalBytes = headed.reduce((sum, f) => sum + f.size, 0);
  logger.info(
    `Source ${path.relative(deps.root ?? process.cwd(), sourceDir) || '.'}: ${headed.length} files, ${formatBytes(totalBytes)}${scan.excluded.length ? ` (${scan.excluded.length} excluded)` : ''}.`,
  );

  const { manifest: previousManifest, lastModified, warning } = await previous;
  const described: DescribedFile[] = await withSha256(headed, previousManifest?.objects, signal);
  const manifestEtag = (await manifestRead)?.etag;
  if (warning) logger.warning(warning);
  const manifestTime = previousManifest ? lastModified : undefined;
  const staleHashed = (rel: string) =>
    Boolean(previousManifest?.objects.get(rel)?.cacheControl.includes('immutable')) || isContentHashed(rel);
  const earlierRunPaths = pathsOfRun(previousManifest, deps.run);
  const planned = (files: PlannedFile[], stale: GraceDecision[], extra: { excludedRemote: number; heads: number }): SyncPlan => {
    if (earlierRunPaths.length) {
      logger.info(
        `${earlierRunPaths.length} path(s) changed by earlier attempts of run ${deps.run!.id} are included in changed-paths (an invalidation after a failed attempt may not have happened): ${earlierRunPaths.slice(0, 20).join(' ')}${earlierRunPaths.length > 20 ? ' ...' : ''}`,
      );
    }
    return {
      options,
      bucket: options.bucket,
      prefix,
      sourceDir,
      manifestKey,
      files,
      stale,
      excludedLocal: scan.excluded.length,
      previousManifest,
      startedAt,
      unknownTypes,
      run: deps.run,
      earlierRunPaths,
      ...extra,
      progress: {
        unreferencedDone: false,
        runRecorded: false,
        assetsDone: false,
        htmlDone: false,
        deleteDone: false,
        bytesUploaded: 0,
        etags: new Map(),
        manifestEtag,
        phases: [],
      },
    };
  };

  if (options.verifyBucket === 'manifest' && previousManifest) {
    const why = whyList(
      previousManifest,
      described.map((f) => f.path),
      options.exclude,
    );
    if (!why) {
      const trusted = planFromManifest(previousManifest, described, {
        prefix,
        exclude,
        now: clock.now(),
        graceMs: options.deleteGraceMs,
        deleteEnabled: options.delete,
        staleHashed,
      });
      await keepLocalFiles(trusted.stale, sourceDir, logger);
      const writes = trusted.files.some((f) => f.action !== 'unchanged') || trusted.stale.some((s) => s.action === 'delete');
      // records of an earlier version have no XXH3-128: the manifest is written again, once, with them
      const upgrade = trusted.files.some((f) => previousManifest.objects.get(f.path)?.xxh128 === undefined);
      logger.info(
        writes
          ? `Planned from the manifest of the last deploy, without listing the bucket (verify-bucket: always lists it): ${previousManifest.objects.size} objects recorded.`
          : upgrade
            ? 'Bucket matches the manifest of the last deploy, written by an earlier version: nothing to upload; the manifest is written again once, with the XXH3-128 digests this version compares files by.'
            : 'Bucket matches the manifest of the last deploy: nothing to do (1 request; verify-bucket: always lists the bucket).',
      );
      return planned(trusted.files, trusted.stale, { excludedRemote: 0, heads: 0 });
    }
    logger.info(`Listing the bucket: ${why}.`);
  }

  const remote = await list(previousManifest);
  const manifestObject = remote.get(manifestKey);
  logger.info(`Listed s3://${options.bucket}/${prefix}: ${remote.size - (manifestObject ? 1 : 0)} objects.`);

  // HeadObject only what neither the ETag nor a trusted manifest record settles.
  const heads = new Map<string, RemoteHead | undefined>();
  const toHead = described.filter((file) => {
    const object = remote.get(file.key);
    return needsHead(file, object, object ? trustedRecord(object, previousManifest?.objects.get(file.path), manifestTime) : false);
  });
  const limit = pLimit(options.concurrency);
  await Promise.all(
    toHead.map((file) =>
      limit(async () => {
        heads.set(file.key, await headObject(s3, options.bucket, file.key, signal));
        // an untrusted object may have been written by another tool: its plain ETag is the MD5 to compare
        file.md5 ??= (await digestFile(file.absPath, ['md5'])).digests.md5;
      }),
    ),
  );
  if (toHead.length) logger.info(`Compared ${toHead.length} objects by HeadObject (headers or content not known from the listing).`);

  const files: PlannedFile[] = described.map((file) => {
    let object = remote.get(file.key);
    let known: KnownState | undefined;
    if (object && heads.has(file.key)) {
      const head = heads.get(file.key);
      if (head) known = head;
      else object = undefined; // deleted since the listing
    } else if (object) {
      const record = previousManifest?.objects.get(file.path);
      if (record && trustedRecord(object, record, manifestTime)) known = record;
    }
    const decision = decideFile(file, file, object, known);
    // Only a content-hashed file at a key nothing serves yet is unreferenced; overwriting or
    // re-heading an existing object changes what viewers get at once.
    const phase: Phase = file.html ? 3 : file.hashed && !object ? 1 : 2;
    return { ...file, ...decision, phase, existed: Boolean(object), remoteEtag: object?.etag };
  });

  const localPaths = new Set(described.map((f) => f.path));
  let excludedRemote = 0;
  const staleObjects = [];
  for (const object of remote.values()) {
    if (object.key === manifestKey || object.key.endsWith('/')) continue; // our manifest; console "folder" markers
    const rel = object.key.slice(prefix.length);
    if (localPaths.has(rel)) continue;
    if (exclude(rel)) {
      excludedRemote++;
      continue;
    }
    // A stale object is not in this build's Vite manifest: it counts as content-hashed when an
    // earlier deploy gave it immutable caching, or when its name says so.
    staleObjects.push({ path: rel, key: object.key, size: object.size, hashed: staleHashed(rel) });
  }
  const stale = decideStale(staleObjects, previousManifest?.staleSince ?? new Map(), {
    now: clock.now(),
    graceMs: options.deleteGraceMs,
    deleteEnabled: options.delete,
  });
  await keepLocalFiles(stale, sourceDir, logger);
  return planned(files, stale, { excludedRemote, heads: toHead.length });
}

/**
 * The previous deploy's manifest from its read: undefined when there is none, and a warning when
 * the object is not a manifest this action can use.
 */
function readManifest(
  read: { text: string; lastModified: number } | undefined,
  bucket: string,
  key: string,
): { manifest?: Manifest; lastModified?: number; warning?: string } {
  if (!read) return {};
  try {
    return { manifest: parseManifest(read.text), lastModified: read.lastModified };
  } catch (error) {
    return {
      warning: `Ignoring the deploy manifest s3://${bucket}/${key}: ${(error as Error).message}. Objects are compared by HeadObject instead, and stale content-hashed objects count their grace period from now.`,
    };
  }
}
