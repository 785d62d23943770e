/**
 * verify-bucket `manifest`: the plan from the manifest of the last deploy alone, without listing
 * the bucket, when that manifest is a complete record of what is under the prefix.
 *
 * What this trusts: that nothing but this action writes under the prefix. A complete manifest is
 * written only by a deploy that finished, and a deploy marks it incomplete before its first write
 * to a key no manifest records (phases.ts), so a deploy that stops part-way leaves nothing the next
 * one would not find: that one lists. An object deleted, overwritten or added since by someone
 * else is noticed only by `verify-bucket: always`. Everything the action itself decides from the
 * build (content, headers, what is stale, grace periods, re-run records) is decided exactly as when
 * the bucket is listed.
 */
import { decideStale, sameHeaders, type GraceDecision, type Manifest, type ObjectRecord } from './manifest.js';
import type { FileAction, FileReason, PlannedFile } from './plan.js';
import type { Matcher } from './globs.js';

/** A local file with the headers the rules give it. */
export type DescribedFile = Omit<PlannedFile, 'action' | 'reason' | 'phase' | 'existed' | 'remoteEtag'>;

export interface Headers {
  cacheControl: string;
  contentType: string;
}

/** What a file needs, judged by the manifest record of its key (undefined: no object there). */
export function decideByRecord(
  file: { sha256: string } & Headers,
  record: ObjectRecord | undefined,
): { action: FileAction; reason: FileReason } {
  if (!record) return { action: 'upload', reason: 'new' };
  if (record.sha256 !== file.sha256) return { action: 'upload', reason: 'content changed' };
  if (!sameHeaders(record, file)) return { action: 'reheader', reason: 'headers changed' };
  return { action: 'unchanged', reason: 'same' };
}

/** Whether two `exclude` inputs leave out the same paths (same globs, in any order). */
function sameGlobs(a: string[], b: string[]): boolean {
  const sorted = (globs: string[]) => JSON.stringify([...new Set(globs)].sort());
  return sorted(a) === sorted(b);
}

/**
 * Why the manifest cannot stand in for a listing, or undefined when it can: it must say it is
 * complete, be written with the same `exclude` (objects excluded then are in no record), and not
 * be asked for the content of an object it records only as stale (a rollback to an earlier build:
 * stale objects are recorded without their content, which the listing's ETags give).
 */
export function whyList(manifest: Manifest, paths: string[], exclude: string[]): string | undefined {
  if (manifest.complete === undefined) {
    return 'the manifest of the last deploy was written by an earlier version of this action, which did not record whether it is complete';
  }
  if (!manifest.complete) return 'the manifest of the last deploy is incomplete (that deploy stopped part-way)';
  if (!sameGlobs(manifest.exclude ?? [], exclude)) {
    return `the last deploy excluded other paths (exclude: ${JSON.stringify(manifest.exclude ?? [])}, now ${JSON.stringify(exclude)})`;
  }
  const staleOnly = paths.filter((p) => !manifest.objects.has(p) && manifest.staleSince.has(p)).length;
  if (staleOnly) return `this build ships ${staleOnly} path(s) the last deploy left as stale, whose content only a listing shows`;
  return undefined;
}

/**
 * The plan from a manifest that whyList accepts: each file judged by its record (decideByRecord),
 * and every recorded object this build no longer ships (current or already stale) judged by
 * decideStale as after a listing.
 */
export function planFromManifest(
  manifest: Manifest,
  described: DescribedFile[],
  context: {
    prefix: string;
    exclude: Matcher;
    now: number;
    graceMs: number;
    deleteEnabled: boolean;
    staleHashed: (path: string) => boolean;
  },
): { files: PlannedFile[]; stale: GraceDecision[] } {
  const files = described.map((file): PlannedFile => {
    const record = manifest.objects.get(file.path);
    const existed = record !== undefined;
    // Only a content-hashed file at a key nothing serves yet is unreferenced (phase 1).
    const phase = file.html ? 3 : file.hashed && !existed ? 1 : 2;
    return { ...file, ...decideByRecord(file, record), phase, existed, remoteEtag: record?.etag };
  });
  const shipped = new Set(described.map((f) => f.path));
  const gone = [...new Set([...manifest.objects.keys(), ...manifest.staleSince.keys()])].filter(
    (p) => !shipped.has(p) && !context.exclude(p),
  );
  const stale = decideStale(
    gone.map((p) => ({ path: p, key: context.prefix + p, hashed: context.staleHashed(p) })),
    manifest.staleSince,
    { now: context.now, graceMs: context.graceMs, deleteEnabled: context.deleteEnabled },
  );
  return { files, stale };
}
