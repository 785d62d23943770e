/**
 * The deploy manifest: one small JSON object under the prefix (`.s3-sync-frontend.json`) that
 * records, for the next deploy,
 * - per object: the ETag it had and the SHA-256 and headers this action gave it, so an object
 *   untouched since the manifest was written needs no HeadObject to know its headers, and the
 *   XXH3-128 of the content, so the next deploy knows an unchanged file without its SHA-256;
 * - per stale content-hashed object: since when no deploy ships it, so the grace period counts
 *   from the deploy that stopped shipping it (an S3 lifecycle rule would count from the upload).
 */

export interface ObjectRecord {
  etag: string;
  sha256: string;
  cacheControl: string;
  contentType: string;
  /** XXH3-128 of the same content as `sha256` (xxh128.ts); undefined in records of earlier versions. */
  xxh128?: string;
}

/** Whether an object recorded with these headers already has the headers the rules now give. */
export function sameHeaders(
  recorded: { cacheControl?: string; contentType?: string },
  desired: { cacheControl: string; contentType: string },
): boolean {
  return recorded.cacheControl === desired.cacheControl && recorded.contentType === desired.contentType;
}

export interface Manifest {
  /** ISO time this manifest was written (informational; trust uses the object's LastModified). */
  updatedAt: string;
  /** Keyed by the path relative to the prefix. */
  objects: Map<string, ObjectRecord>;
  /** Relative path → epoch milliseconds when it stopped being shipped. */
  staleSince: Map<string, number>;
  /**
   * GITHUB_RUN_ID → run attempt → the URL paths that attempt changed (or was about to change), so
   * a re-run attempt, which finds the bucket already up to date, still emits them (see RUNS_KEPT).
   */
  runs: Map<string, Map<string, string[]>>;
  /**
   * Whether the manifest records every object under the prefix outside `exclude`: true when the
   * deploy that wrote it finished, false for the interim manifest a deploy writes before its first
   * write to a key no manifest records (if that deploy stops, the next one must list the bucket to
   * find what it left). Undefined in manifests written before this was recorded.
   */
  complete?: boolean;
  /** The `exclude` globs of the deploy that wrote it (what the record leaves out); undefined before they were recorded. */
  exclude?: string[];
}

/** Run records kept in the manifest: the most recent runs (a re-run happens within days). */
export const RUNS_KEPT = 20;

interface ManifestFileV1 {
  format: 's3-sync-frontend/1';
  updatedAt: string;
  /** Distinct [Cache-Control, Content-Type] pairs, referenced by index to keep the file small. */
  headers: [string, string][];
  /** path → [etag, sha256, header index, xxh128 (absent in manifests of earlier versions)] */
  objects: Record<string, [string, string, number, string?]>;
  /** path → ISO time it became stale */
  stale: Record<string, string>;
  /** run id → attempt → URL paths; oldest run first. Optional: older manifests have none. */
  runs?: Record<string, Record<string, string[]>>;
  /** See Manifest.complete; optional: older manifests have none (and are not trusted as complete). */
  complete?: boolean;
  /** See Manifest.exclude; optional as above. */
  exclude?: string[];
}

/**
 * The manifest's text: paths in sorted order, so the same record always gives the same text (a
 * no-op deploy compares texts to skip the rewrite). Paths are sorted by sort()'s own comparison
 * (UTF-16 code units, the order `<` gives) rather than a comparator function called some 20,000
 * times, and headers are indexed without building a key string per object: on 2,000 objects this
 * took half of the 4 to 6 ms the text cost, on every deploy that writes and twice on a no-op.
 */
export function serializeManifest(manifest: Manifest): string {
  const headers: [string, string][] = [];
  const index = new Map<string, Map<string, number>>(); // Cache-Control → Content-Type → index
  const objects: ManifestFileV1['objects'] = {};
  for (const path of [...manifest.objects.keys()].sort()) {
    const record = manifest.objects.get(path)!;
    let byType = index.get(record.cacheControl);
    if (!byType) index.set(record.cacheControl, (byType = new Map()));
    let at = byType.get(record.contentType);
    if (at === undefined) {
      at = headers.push([record.cacheControl, record.contentType]) - 1;
      byType.set(record.contentType, at);
    }
    objects[path] = record.xxh128 === undefined ? [record.etag, record.sha256, at] : [record.etag, record.sha256, at, record.xxh128];
  }
  const stale: Record<string, string> = {};
  for (const path of [...manifest.staleSince.keys()].sort()) stale[path] = new Date(manifest.staleSince.get(path)!).toISOString();
  const runs: Record<string, Record<string, string[]>> = {};
  for (const [runId, attempts] of [...manifest.runs].slice(-RUNS_KEPT)) runs[runId] = Object.fromEntries(attempts);
  const file: ManifestFileV1 = {
    format: 's3-sync-frontend/1',
    updatedAt: manifest.updatedAt,
    complete: manifest.complete,
    exclude: manifest.exclude,
    headers,
    objects,
    stale,
    runs,
  };
  return JSON.stringify(file);
}

/** Parses a manifest; throws an Error saying what is wrong when the text is not one. */
export function parseManifest(text: string): Manifest {
  const file = JSON.parse(text) as Partial<ManifestFileV1>;
  if (file.format !== 's3-sync-frontend/1') throw new Error(`unknown format ${JSON.stringify(file.format)}`);
  const objects = new Map<string, ObjectRecord>();
  for (const [path, entry] of Object.entries(file.objects ?? {})) {
    const header = file.headers?.[entry[2]];
    if (!Array.isArray(entry) || !header) throw new Error(`malformed entry for ${path}`);
    const record: ObjectRecord = { etag: entry[0], sha256: entry[1], cacheControl: header[0], contentType: header[1] };
    if (typeof entry[3] === 'string') record.xxh128 = entry[3];
    objects.set(path, record);
  }
  const staleSince = new Map<string, number>();
  for (const [path, since] of Object.entries(file.stale ?? {})) {
    const ms = Date.parse(since);
    if (Number.isFinite(ms)) staleSince.set(path, ms);
  }
  const runs = new Map<string, Map<string, string[]>>();
  for (const [runId, attempts] of Object.entries(file.runs ?? {})) {
    const byAttempt = new Map<string, string[]>();
    for (const [attempt, paths] of Object.entries(attempts ?? {})) {
      if (Array.isArray(paths))
        byAttempt.set(
          attempt,
          paths.filter((p): p is string => typeof p === 'string'),
        );
    }
    runs.set(runId, byAttempt);
  }
  const exclude = Array.isArray(file.exclude) ? file.exclude.filter((g): g is string => typeof g === 'string') : undefined;
  return {
    updatedAt: file.updatedAt ?? '',
    objects,
    staleSince,
    runs,
    complete: typeof file.complete === 'boolean' ? file.complete : undefined,
    exclude,
  };
}

/**
 * Every path that earlier attempts of this run (attempt numbers below this one) recorded, sorted.
 * A first attempt never has earlier ones; that also keeps runs apart under act, where every run
 * has run id 1 and attempt 1.
 */
export function pathsOfRun(manifest: Pick<Manifest, 'runs'> | undefined, run: { id: string; attempt: string } | undefined): string[] {
  if (!manifest || !run) return [];
  const paths = new Set<string>();
  for (const [attempt, list] of manifest.runs.get(run.id) ?? []) {
    if (Number(attempt) < Number(run.attempt)) for (const p of list) paths.add(p);
  }
  return [...paths].sort();
}

export interface StaleObject {
  path: string;
  key: string;
  /** From the listing; unknown when the plan came from the manifest alone (manifest-match.ts). */
  size?: number;
  hashed: boolean;
}

export interface GraceDecision extends StaleObject {
  action: 'delete' | 'keep';
  /** When it stopped being shipped (now, or as recorded by an earlier deploy). */
  staleSince: number;
  /** For a kept object: when it becomes deletable (undefined when `delete` is off). */
  deleteAfter?: number;
  /** Kept because its file exists in the source although the walk did not read it. */
  existsLocally?: boolean;
}

/**
 * What happens to each object that is no longer in the source. With `delete` off everything is
 * kept. With it on, non-hashed objects go now; content-hashed ones go once `graceMs` has passed
 * since the deploy that stopped shipping them (first seen stale, as recorded in the manifest),
 * so browser tabs still running the previous build can load their lazy chunks. The stale time is
 * recorded even with `delete` off, so turning it on later counts from the right moment.
 */
export function decideStale(
  stale: StaleObject[],
  previous: Map<string, number>,
  options: { now: number; graceMs: number; deleteEnabled: boolean },
): GraceDecision[] {
  return stale.map((object) => {
    const since = Math.min(previous.get(object.path) ?? options.now, options.now);
    if (!options.deleteEnabled) return { ...object, action: 'keep', staleSince: since };
    if (!object.hashed || options.graceMs === 0) return { ...object, action: 'delete', staleSince: since };
    const deleteAfter = since + options.graceMs;
    return options.now >= deleteAfter
      ? { ...object, action: 'delete', staleSince: since }
      : { ...object, action: 'keep', staleSince: since, deleteAfter };
  });
}
