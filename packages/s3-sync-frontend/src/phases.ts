import { createHash } from 'node:crypto';
import { Semaphore } from 'async-mutex';
import pLimit from 'p-limit';
import { ActionError, CancelledError, awsErrorCode, formatDuration, systemClock } from '@allthrive/toolkit';
import { formatBytes } from './format.js';
import { serializeManifest, type Manifest, type ObjectRecord } from './manifest.js';
import { htmlGroups, ownChangedPaths, type PhaseReport, type PlannedFile, type SyncDeps, type SyncPlan } from './plan.js';
import { SHA256_METADATA, getText, isCancellation, s3Failure, sendOptions, unquote, withSdk } from './s3.js';
import { MULTIPART_THRESHOLD, UPLOAD_MEMORY_BYTES, uploadMemory, uploadObject } from './upload.js';

/** A long phase logs how far it got this often. */
const PROGRESS_EVERY_MS = 10_000;

/** DeleteObjects takes at most 1000 keys per call. */
export const DELETE_BATCH = 1000;

const STATE = {
  assets: 'The old HTML is still live and nothing was deleted; the files already uploaded are not referenced by any live page yet.',
  otherAssets: 'The old HTML is still live and nothing was deleted; some non-HTML files (those not content-hashed) may already be new.',
  html: 'All assets are uploaded, but only part of the HTML is live and nothing was deleted.',
  delete: 'The new site is fully live; only the clean-up of stale objects is incomplete.',
} as const;

function cancelled(where: string, state: string): CancelledError {
  return new CancelledError(`The run was cancelled ${where}. ${state} Re-running the step completes the deploy.`);
}

function checkCancelled(plan: SyncPlan, deps: SyncDeps, where: string, state: string): void {
  if (deps.signal?.aborted) throw cancelled(where, state);
}

interface TaskOutcome {
  done: number;
  failures: { file: PlannedFile; message: string }[];
  cancelled: boolean;
}

const MIB = 1024 * 1024;

/**
 * Runs the writes of one phase with bounded concurrency, and uploads also within a memory budget
 * (UPLOAD_MEMORY_BYTES: an upload waits, in order, until the content it will hold fits). The
 * first failure or a cancellation stops new writes from starting, also one that was waiting for
 * memory (in-flight ones finish), so a failed phase never lets the next one begin.
 */
async function runWrites(
  plan: SyncPlan,
  deps: SyncDeps,
  files: PlannedFile[],
  write: (file: PlannedFile) => Promise<void>,
  label: string,
): Promise<TaskOutcome> {
  const limit = pLimit(plan.options.concurrency);
  // Counted in whole MiB (a small file counts as one): async-mutex's release walks every unit of
  // the semaphore's value while nothing waits, so a value in bytes would cost 2^28 steps a release.
  const budget = Math.max(1, Math.floor((plan.options.uploadMemoryBytes ?? UPLOAD_MEMORY_BYTES) / MIB));
  const memory = new Semaphore(budget);
  const held = (file: PlannedFile) => (file.action === 'upload' ? Math.min(budget, Math.ceil(uploadMemory(file.size) / MIB)) : 0);
  const outcome: TaskOutcome = { done: 0, failures: [], cancelled: false };
  const clock = deps.clock ?? systemClock;
  let lastProgress = clock.now();
  await Promise.all(
    files.map((file) =>
      limit(async () => {
        const stopped = () => {
          if (deps.signal?.aborted) outcome.cancelled = true;
          return outcome.failures.length > 0 || outcome.cancelled;
        };
        const start = async () => {
          if (stopped()) return false; // checked again after the wait for memory
          await write(file);
          return true;
        };
        try {
          const weight = held(file);
          const wrote = weight ? await memory.runExclusive(start, weight) : await start();
          if (!wrote) return;
          outcome.done++;
          if (clock.now() - lastProgress >= PROGRESS_EVERY_MS && outcome.done < files.length) {
            lastProgress = clock.now();
            deps.logger.info(`  ${label}: ${outcome.done} of ${files.length} written...`);
          }
        } catch (error) {
          if (isCancellation(error, deps.signal)) outcome.cancelled = true;
          else outcome.failures.push({ file, message: error instanceof ActionError ? error.message : String(error) });
        }
      }),
    ),
  );
  return outcome;
}

async function uploadFile(plan: SyncPlan, deps: SyncDeps, file: PlannedFile): Promise<void> {
  try {
    const response = await uploadObject(deps.s3, { ...file, bucket: plan.bucket }, deps.signal, deps.direct);
    plan.progress.etags.set(file.key, unquote(response.etag ?? response.md5 ?? ''));
    plan.progress.bytesUploaded += file.size;
    deps.logger.debug(`Uploaded ${file.key} (${file.reason}, ${formatBytes(file.size)})`);
  } catch (error) {
    if (error instanceof ActionError) throw error; // the file changed after it was hashed
    if (isCancellation(error, deps.signal)) throw error;
    throw new ActionError(s3Failure(error, file.size > MULTIPART_THRESHOLD ? 'multipart upload' : 'PutObject', plan.bucket, file.key));
  }
}

/** Same content, other headers: a copy onto itself with REPLACE metadata (no re-upload). */
async function reheaderFile(plan: SyncPlan, deps: SyncDeps, file: PlannedFile): Promise<void> {
  const copySource = `${plan.bucket}/${file.key.split('/').map(encodeURIComponent).join('/')}`;
  try {
    const { s3, sdk } = await withSdk(deps.s3);
    const response = await s3.send(
      new sdk.CopyObjectCommand({
        Bucket: plan.bucket,
        Key: file.key,
        CopySource: copySource,
        // only the object that was compared: a concurrent change fails instead of being re-headered
        CopySourceIfMatch: file.remoteEtag ? `"${file.remoteEtag}"` : undefined,
        MetadataDirective: 'REPLACE',
        ContentType: file.contentType,
        CacheControl: file.cacheControl,
        Metadata: { [SHA256_METADATA]: file.sha256 },
      }),
      sendOptions(deps.signal),
    );
    plan.progress.etags.set(file.key, unquote(response.CopyObjectResult?.ETag ?? file.remoteEtag ?? ''));
    deps.logger.debug(`CopyObject ${file.key} (new headers: ${file.cacheControl} | ${file.contentType})`);
  } catch (error) {
    if (isCancellation(error, deps.signal)) throw error;
    throw new ActionError(s3Failure(error, 'CopyObject', plan.bucket, file.key));
  }
}

function emptyReport(name: string): PhaseReport {
  return { name, uploaded: 0, reheadered: 0, unchanged: 0, deleted: 0, kept: 0, bytes: 0, durationMs: 0 };
}

function progressLine(number: string, report: PhaseReport, dryRun: boolean): string {
  const verb = dryRun ? 'would upload' : 'uploaded';
  return (
    `Phase ${number} ${report.name}: ${verb} ${report.uploaded} (${formatBytes(report.bytes)}), ` +
    `${dryRun ? 'would re-header' : 're-headered'} ${report.reheadered}, unchanged ${report.unchanged}` +
    (dryRun ? '.' : ` in ${formatDuration(report.durationMs)}.`)
  );
}

/** Uploads and re-headers one group of files; throws (stopping the deploy) when any write fails. */
async function writePhase(
  plan: SyncPlan,
  deps: SyncDeps,
  number: string,
  name: string,
  groups: PlannedFile[][],
  state: string,
): Promise<PhaseReport> {
  const clock = deps.clock ?? systemClock;
  const started = clock.now();
  const report = emptyReport(name);
  const all = groups.flat();
  report.unchanged = all.filter((f) => f.action === 'unchanged').length;
  const work = all.filter((f) => f.action !== 'unchanged');
  report.uploaded = work.filter((f) => f.action === 'upload').length;
  report.reheadered = work.filter((f) => f.action === 'reheader').length;
  report.bytes = work.filter((f) => f.action === 'upload').reduce((sum, f) => sum + f.size, 0);
  if (!plan.options.dryRun && work.length) {
    let done = 0;
    for (const group of groups) {
      const writes = group.filter((f) => f.action !== 'unchanged');
      const outcome = await runWrites(
        plan,
        deps,
        writes,
        (file) => (file.action === 'upload' ? uploadFile(plan, deps, file) : reheaderFile(plan, deps, file)),
        `Phase ${number} ${name}`,
      );
      done += outcome.done;
      if (outcome.cancelled) throw cancelled(`during phase ${number} (${name}) after ${done} of ${work.length} writes`, state);
      if (outcome.failures.length) {
        const first = outcome.failures.slice(0, 5).map((f) => f.message);
        throw new ActionError(
          `Phase ${number} (${name}) failed: ${outcome.failures.length} write(s) failed, ${done} of ${work.length} succeeded. ` +
            `${first.join(' ')}${outcome.failures.length > 5 ? ` (and ${outcome.failures.length - 5} more)` : ''} ` +
            `The deploy stopped here: ${state} Fix the cause and re-run the step; files already uploaded are skipped.`,
        );
      }
    }
  }
  report.durationMs = clock.now() - started;
  deps.logger.info(progressLine(number, report, plan.options.dryRun));
  plan.progress.phases.push(report);
  return report;
}

/**
 * Phase 1: content-hashed files at keys nothing serves yet. No live page references them, so this
 * is safe long before the HTML goes live (the root action runs it before the backend deploy).
 */
export async function uploadUnreferenced(plan: SyncPlan, deps: SyncDeps): Promise<PhaseReport> {
  checkCancelled(plan, deps, 'before uploading assets', 'Nothing was changed.');
  await markIncomplete(plan, deps);
  const report = await writePhase(plan, deps, '1/4', 'content-hashed files', [plan.files.filter((f) => f.phase === 1)], STATE.assets);
  plan.progress.unreferencedDone = true;
  return report;
}

/**
 * Phases 1 (unless done) and 2: every other non-HTML file. Those are live the moment they land
 * (sw.js, robots.txt, a runtime config.js), so the root action runs phase 2 right before the HTML.
 * Before the first such write, this attempt's changed paths are recorded in the manifest, so a
 * re-run of a failed deploy still invalidates them.
 */
export async function uploadAssets(plan: SyncPlan, deps: SyncDeps): Promise<PhaseReport[]> {
  const reports: PhaseReport[] = [];
  if (!plan.progress.unreferencedDone) reports.push(await uploadUnreferenced(plan, deps));
  checkCancelled(plan, deps, 'after phase 1 (content-hashed files)', STATE.assets);
  await recordRun(plan, deps);
  reports.push(await writePhase(plan, deps, '2/4', 'other non-HTML files', [plan.files.filter((f) => f.phase === 2)], STATE.otherAssets));
  plan.progress.assetsDone = true;
  return reports;
}

/**
 * Records in the manifest, before anything viewers can see is written, which paths this attempt
 * is about to change (an intent record: it may over-state a failed attempt, never under-state).
 * Skipped outside a workflow run, in a dry run, and when this attempt changes no live path.
 */
async function recordRun(plan: SyncPlan, deps: SyncDeps): Promise<void> {
  if (plan.options.dryRun || !plan.run || plan.progress.runRecorded) return;
  if (ownChangedPaths(plan).length === 0) return;
  await writeManifest(plan, deps, 'interim');
  plan.progress.runRecorded = true;
}

/**
 * Before the first write of a deploy that writes to a key the last deploy's complete manifest does
 * not record (a new file), that manifest is replaced by an interim one, which says it is
 * incomplete (and records this attempt's paths, as recordRun would). Should the deploy stop after
 * the write, the next deploy then lists the bucket and finds the object, instead of trusting a
 * record that misses it (verify-bucket `manifest`, manifest-match.ts). Overwriting or deleting a
 * recorded key needs no mark: the record still names the key, and the next deploy writes or
 * deletes it again.
 */
async function markIncomplete(plan: SyncPlan, deps: SyncDeps): Promise<void> {
  const previous = plan.previousManifest;
  if (plan.options.dryRun || !previous?.complete) return;
  const recorded = (p: string) => previous.objects.has(p) || previous.staleSince.has(p);
  if (!plan.files.some((f) => f.action !== 'unchanged' && !recorded(f.path))) return;
  await writeManifest(plan, deps, 'interim');
  plan.progress.runRecorded = true;
}

/** Phase 3: HTML, other pages first and each directory's index.html last (the root one very last). */
export async function publishHtml(plan: SyncPlan, deps: SyncDeps): Promise<PhaseReport> {
  if (!plan.progress.assetsDone) {
    throw new ActionError('publishHtml was called before uploadAssets finished: the HTML would reference assets that are not uploaded.');
  }
  checkCancelled(plan, deps, 'after uploading the assets, before publishing HTML', STATE.assets);
  const report = await writePhase(plan, deps, '3/4', 'HTML', htmlGroups(plan.files.filter((f) => f.phase === 3)), STATE.html);
  plan.progress.htmlDone = true;
  return report;
}

/**
 * Phase 4: deletes stale objects (DeleteObjects in batches of at most 1000, per-key errors fail
 * the step), keeps content-hashed ones within their grace period, and writes the deploy manifest.
 */
export async function deleteStale(plan: SyncPlan, deps: SyncDeps): Promise<PhaseReport> {
  if (!plan.progress.htmlDone) {
    throw new ActionError('deleteStale was called before publishHtml finished: live pages could still reference what it deletes.');
  }
  checkCancelled(plan, deps, 'after publishing the HTML, before deleting stale objects', STATE.delete);
  const clock = deps.clock ?? systemClock;
  const started = clock.now();
  const report = emptyReport('stale objects');
  const toDelete = plan.stale.filter((s) => s.action === 'delete');
  report.kept = plan.stale.length - toDelete.length;
  report.deleted = toDelete.length;
  const failed = new Map<string, string>();
  if (!plan.options.dryRun) {
    // Another deploy of the prefix that ran meanwhile may serve what this one would delete.
    if (toDelete.length && !(await manifestStillOurs(plan, deps))) await abandon(plan, deps, 'No stale object was deleted.');
    for (let at = 0; at < toDelete.length; at += DELETE_BATCH) {
      checkCancelled(plan, deps, `while deleting stale objects (${at} of ${toDelete.length} deleted)`, STATE.delete);
      const batch = toDelete.slice(at, at + DELETE_BATCH);
      try {
        const { s3, sdk } = await withSdk(deps.s3);
        const response = await s3.send(
          new sdk.DeleteObjectsCommand({ Bucket: plan.bucket, Delete: { Objects: batch.map((s) => ({ Key: s.key })), Quiet: true } }),
          sendOptions(deps.signal),
        );
        for (const error of response.Errors ?? [])
          failed.set(error.Key ?? '?', `${error.Code ?? 'Error'}: ${error.Message ?? 'no message'}`);
      } catch (error) {
        if (isCancellation(error, deps.signal)) {
          throw cancelled(`while deleting stale objects (${at} of ${toDelete.length} deleted)`, STATE.delete);
        }
        for (const s of batch) failed.set(s.key, s3Failure(error, 'DeleteObjects', plan.bucket));
      }
    }
    report.deleted = toDelete.length - failed.size;
    await writeManifest(plan, deps, 'final', failed);
  }
  report.durationMs = clock.now() - started;
  const keptNote = report.kept ? ` (content-hashed within their grace period${plan.options.delete ? '' : ', or `delete` is off'})` : '';
  deps.logger.info(
    `Phase 4/4 stale objects: ${plan.options.dryRun ? 'would delete' : 'deleted'} ${report.deleted}, kept ${report.kept}${keptNote}${plan.options.dryRun ? '.' : ` in ${formatDuration(report.durationMs)}.`}`,
  );
  plan.progress.phases.push(report);
  if (failed.size) {
    const list = [...failed].slice(0, 5).map(([key, message]) => `${key} (${message})`);
    throw new ActionError(
      `Phase 4/4 (stale objects) failed: ${failed.size} of ${toDelete.length} object(s) could not be deleted: ${list.join('; ')}${failed.size > 5 ? '; ...' : ''}. ` +
        `${STATE.delete} Check s3:DeleteObject permission (and object lock) and re-run the step.`,
    );
  }
  plan.progress.deleteDone = true;
  return report;
}

/**
 * Which manifest a write records (see manifest.ts):
 * - `final`: what this deploy left in the bucket, as complete (conditional on the manifest read);
 * - `interim`: written before a write (markIncomplete, recordRun), so it records only objects
 *   already in their final state (unchanged, or uploaded in phase 1) and every stale object, plus
 *   this attempt's run record, and says it is incomplete (conditional as well);
 * - `abandoned`: after another deploy of the prefix wrote the manifest meanwhile: recorded as
 *   incomplete, unconditionally, so that the next deploy lists the bucket and reconciles.
 */
type ManifestWrite = 'final' | 'interim' | 'abandoned';

async function writeManifest(
  plan: SyncPlan,
  deps: SyncDeps,
  kind: ManifestWrite,
  failedDeletes = new Map<string, string>(),
): Promise<void> {
  const objects = new Map<string, ObjectRecord>();
  for (const file of plan.files) {
    const etag = plan.progress.etags.get(file.key) ?? (file.action === 'unchanged' ? file.remoteEtag : undefined);
    if (!etag) continue;
    objects.set(file.path, {
      etag,
      sha256: file.sha256,
      cacheControl: file.cacheControl,
      contentType: file.contentType,
      xxh128: file.xxh128,
    });
  }
  const staleSince = new Map<string, number>();
  for (const s of plan.stale) {
    if (kind !== 'final' || s.action === 'keep' || failedDeletes.has(s.key)) staleSince.set(s.path, s.staleSince);
  }
  const runs = new Map([...(plan.previousManifest?.runs ?? [])].map(([id, attempts]) => [id, new Map(attempts)] as const));
  const own = ownChangedPaths(plan);
  if (plan.run && own.length) {
    const attempts = runs.get(plan.run.id) ?? new Map<string, string[]>();
    runs.delete(plan.run.id); // re-inserted last: the most recent run is kept longest
    attempts.set(plan.run.attempt, [...new Set([...(attempts.get(plan.run.attempt) ?? []), ...own])].sort());
    runs.set(plan.run.id, attempts);
  }
  const record = { objects, staleSince, runs, complete: kind === 'final', exclude: plan.options.exclude };
  // A deploy that wrote nothing leaves the manifest as it was: rewriting an identical record would
  // cost a request on every no-op deploy and nothing else (the objects it vouches for keep their
  // LastModified, older than the manifest's, so the next deploy trusts them as before).
  if (kind === 'final' && plan.previousManifest && plan.progress.etags.size === 0 && sameRecord(plan.previousManifest, record)) {
    deps.logger.debug('Deploy manifest unchanged: not rewritten.');
    return;
  }
  const clock = deps.clock ?? systemClock;
  const body = serializeManifest({ updatedAt: new Date(clock.now()).toISOString(), ...record });
  try {
    await putManifest(plan, deps, body, kind !== 'abandoned');
  } catch (error) {
    if (kind === 'abandoned') throw error;
    const interim = kind === 'interim';
    if (isCancellation(error, deps.signal)) {
      throw cancelled(
        interim ? 'while writing the interim deploy manifest' : 'while writing the deploy manifest',
        interim ? STATE.assets : STATE.delete,
      );
    }
    if (lostRace(error, plan)) {
      if (!interim) return abandon(plan, deps);
      throw new ActionError(
        `Another deploy wrote the deploy manifest s3://${plan.bucket}/${plan.manifestKey} since this one read it: two deploys of this prefix are running at once. ` +
          `This deploy stopped before its first visible write, planned from a record that is no longer current. ` +
          `${plan.progress.etags.size === 0 ? 'Nothing was changed.' : STATE.assets} ` +
          'Let the other deploy finish, then re-run this one; a `concurrency:` group in the workflow keeps the deploys of one site in line.',
      );
    }
    if (interim) {
      throw new ActionError(
        `${s3Failure(error, 'PutObject', plan.bucket, plan.manifestKey)} The deploy stopped before its first visible write: ${STATE.assets} ` +
          'The interim manifest goes first because it records which paths this attempt changes (so that a re-run can invalidate them) ' +
          'and that the record is incomplete until the deploy finishes; fix the cause and re-run the step.',
      );
    }
    // The site is deployed; without the manifest the next run compares by HeadObject and restarts grace periods.
    throw new ActionError(
      `${s3Failure(error, 'PutObject', plan.bucket, plan.manifestKey)} The site is deployed, but the deploy manifest (grace-period bookkeeping) was not written; re-run the step.`,
    );
  }
}

/**
 * Both deploys wrote: what is live may mix their files, and neither record is the bucket's. The
 * manifest is recorded as incomplete (a failure to do so is not reported over the race itself) and
 * the step fails saying so.
 */
async function abandon(plan: SyncPlan, deps: SyncDeps, detail = ''): Promise<never> {
  await writeManifest(plan, deps, 'abandoned').catch(() => undefined);
  throw concurrentDeploy(plan, detail);
}

/** The failure of a deploy that found, at its end, that another deploy of the prefix ran meanwhile. */
function concurrentDeploy(plan: SyncPlan, detail = ''): ActionError {
  return new ActionError(
    `Another deploy wrote the deploy manifest s3://${plan.bucket}/${plan.manifestKey} while this one ran: two deploys of this prefix ran at once, and the site may now mix files of both builds. ` +
      `This deploy's uploads are done${detail ? `. ${detail}` : ''} Its manifest is recorded as incomplete, so the next deploy lists the bucket and reconciles. ` +
      'Re-run the deploy of the build that should be live; a `concurrency:` group in the workflow keeps the deploys of one site in line.',
  );
}

/**
 * Whether the manifest is still the one this deploy read or last wrote (HeadObject: its ETag), checked
 * right before deleting, the one step another deploy's live pages cannot survive.
 */
async function manifestStillOurs(plan: SyncPlan, deps: SyncDeps): Promise<boolean> {
  const known = plan.progress.manifestEtag;
  if (known === '') return true; // a store that sends no ETags: nothing to compare
  try {
    const { s3, sdk } = await withSdk(deps.s3);
    const head = await s3.send(new sdk.HeadObjectCommand({ Bucket: plan.bucket, Key: plan.manifestKey }), sendOptions(deps.signal));
    return known !== undefined && unquote(head.ETag ?? '') === known;
  } catch (error) {
    if (isCancellation(error, deps.signal)) throw cancelled('before deleting stale objects', STATE.delete);
    const code = awsErrorCode(error);
    if (code === 'NotFound' || code === 'NoSuchKey') return known === undefined;
    throw new ActionError(
      `${s3Failure(error, 'HeadObject', plan.bucket, plan.manifestKey)} No stale object was deleted: ${STATE.delete} Re-run the step.`,
    );
  }
}

/**
 * Whether a conditional manifest write failed because another writer changed the manifest: 412
 * PreconditionFailed (another ETag, or one now where there was none), 404 NoSuchKey for If-Match
 * on a manifest deleted meanwhile, and 409 ConditionalRequestConflict for two conditional writes at
 * the same moment (https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-writes.html).
 */
function lostRace(error: unknown, plan: SyncPlan): boolean {
  const code = awsErrorCode(error);
  return (
    code === 'PreconditionFailed' || code === 'ConditionalRequestConflict' || (code === 'NoSuchKey' && Boolean(plan.progress.manifestEtag))
  );
}

/**
 * Writes the manifest. `conditional`: only over the manifest this deploy last read or wrote
 * (If-Match its ETag), or where there was none (If-None-Match: *); S3 answers 412
 * PreconditionFailed otherwise (https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-writes.html).
 */
async function putManifest(plan: SyncPlan, deps: SyncDeps, body: string, conditional: boolean): Promise<void> {
  const known = plan.progress.manifestEtag;
  // '' : an object without a known ETag (a store that sends none): written unconditionally
  const fields = {
    ContentType: 'application/json; charset=utf-8',
    CacheControl: 'no-store',
    IfMatch: conditional && known ? `"${known}"` : undefined,
    IfNoneMatch: conditional && known === undefined ? '*' : undefined,
  };
  if (deps.direct) {
    const bytes = Buffer.from(body, 'utf8');
    // Not taken (a 412 included): sent again below through the SDK, which decides as before.
    const etag = await deps.direct.put(plan.manifestKey, bytes, createHash('sha256').update(bytes).digest('hex'), fields, deps.signal);
    if (etag !== undefined) {
      plan.progress.manifestEtag = etag;
      return;
    }
  }
  try {
    const { s3, sdk } = await withSdk(deps.s3);
    const response = await s3.send(
      new sdk.PutObjectCommand({ Bucket: plan.bucket, Key: plan.manifestKey, Body: body, ...fields }),
      sendOptions(deps.signal),
    );
    plan.progress.manifestEtag = response.ETag ? unquote(response.ETag) : '';
  } catch (error) {
    if (!(conditional && lostRace(error, plan) && (await landed(plan, deps, body)))) throw error;
  }
}

/**
 * Whether the manifest now holds exactly `body`. The SDK retries a PUT whose response was lost
 * (a reset after S3 stored the object); the retry of a conditional write that had landed finds
 * this deploy's own ETag and fails with 412, which is no race: the object is ours.
 */
async function landed(plan: SyncPlan, deps: SyncDeps, body: string): Promise<boolean> {
  const current = await getText(deps.s3, plan.bucket, plan.manifestKey, deps.signal).catch(() => undefined);
  if (current?.text !== body) return false;
  plan.progress.manifestEtag = current.etag;
  return true;
}

/** Whether two manifests record the same objects, stale objects and runs (their write time aside). */
function sameRecord(previous: Manifest, next: Omit<Manifest, 'updatedAt'>): boolean {
  return serializeManifest({ ...previous, updatedAt: '' }) === serializeManifest({ ...next, updatedAt: '' });
}
