/**
 * verify-bucket `changes`: whether the manifest of the last deploy already describes this build,
 * so that the deploy is a no-op after that one GetObject and needs no listing.
 *
 * What this trusts: that nothing but this action writes under the prefix. The manifest says what
 * the last deploy left; an object deleted, overwritten or added since by someone else is noticed
 * only by a deploy that lists the bucket (any deploy with a change, or `verify-bucket: always`).
 * Everything the action itself decides from the build (content, headers, what is stale, grace
 * periods, re-run records) is still decided exactly as when the bucket is listed.
 */
import type { LocalFile } from './local.js';
import { decideStale, sameHeaders, type GraceDecision, type Manifest, type ObjectRecord } from './manifest.js';
import type { PlannedFile } from './plan.js';
import type { Matcher } from './rules.js';

/** A local file with the headers the rules give it. */
export type DescribedFile = Omit<PlannedFile, 'action' | 'reason' | 'phase' | 'existed' | 'remoteEtag'>;

export interface Headers {
  cacheControl: string;
  contentType: string;
}

/** Whether a manifest record says its object already has this content and these headers. */
export function recordMatches(record: ObjectRecord | undefined, file: { sha256: string } & Headers): boolean {
  return Boolean(record && record.sha256 === file.sha256 && sameHeaders(record, file));
}

/** Whether the manifest records exactly these paths, no more and no fewer. */
export function samePaths(manifest: Manifest, paths: string[]): boolean {
  return paths.length === manifest.objects.size && paths.every((p) => manifest.objects.has(p));
}

/**
 * The plan when the manifest describes this build exactly: the same paths, each with the same
 * SHA-256, Cache-Control and Content-Type, and no stale object it records due for deletion now
 * (nor excluded since, which would drop it from the record). Every file is then unchanged and
 * every recorded stale object kept; writing the manifest again would write the same record, so
 * nothing is sent. Undefined when anything differs: the caller lists the bucket as always.
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
): { files: PlannedFile[]; stale: GraceDecision[] } | undefined {
  if (
    !samePaths(
      manifest,
      described.map((f) => f.path),
    )
  )
    return undefined;
  if (!described.every((f) => recordMatches(manifest.objects.get(f.path), f))) return undefined;
  const recordedStale = [...manifest.staleSince.keys()];
  if (recordedStale.some((p) => context.exclude(p))) return undefined;
  const stale = decideStale(
    recordedStale.map((p) => ({ path: p, key: context.prefix + p, hashed: context.staleHashed(p) })),
    manifest.staleSince,
    { now: context.now, graceMs: context.graceMs, deleteEnabled: context.deleteEnabled },
  );
  if (stale.some((s) => s.action === 'delete')) return undefined;
  const files = described.map((file): PlannedFile => ({
    ...file,
    action: 'unchanged',
    reason: 'same',
    // every file is at its key already: nothing is unreferenced (phase 1 is for new hashed keys)
    phase: file.html ? 3 : 2,
    existed: true,
    remoteEtag: manifest.objects.get(file.path)!.etag,
  }));
  return { files, stale };
}

/**
 * Watches the local scan against the manifest as both arrive, and calls `differs` once, at the
 * first sign that the build is not what the manifest records (no usable manifest, other paths, a
 * file with other content or headers). The caller then starts the listing while the rest is still
 * being hashed, as it did before verify-bucket. Only a hint: planFromManifest decides.
 */
export class ManifestWatch {
  private manifest: Manifest | undefined;
  private arrived = false;
  private paths: string[] | undefined;
  private waiting: LocalFile[] = [];
  private fired = false;

  constructor(
    private readonly headersOf: (path: string) => Headers,
    private readonly differs: (manifest: Manifest | undefined) => void,
  ) {}

  /** The manifest was read: undefined when there is none or it is not usable. */
  manifestRead(manifest: Manifest | undefined): void {
    this.arrived = true;
    this.manifest = manifest;
    if (!manifest) return this.fire();
    if (this.paths) this.walked(this.paths);
    for (const file of this.waiting) this.hashed(file);
    this.waiting = [];
  }

  /** The walk found these paths (excluded ones left out). */
  walked(paths: string[]): void {
    this.paths = paths;
    if (this.manifest && !samePaths(this.manifest, paths)) this.fire();
  }

  hashed(file: LocalFile): void {
    if (this.fired) return;
    if (!this.arrived) {
      this.waiting.push(file);
      return;
    }
    if (!recordMatches(this.manifest?.objects.get(file.path), { ...file, ...this.headersOf(file.path) })) this.fire();
  }

  private fire(): void {
    if (this.fired) return;
    this.fired = true;
    this.waiting = [];
    this.differs(this.manifest);
  }
}
