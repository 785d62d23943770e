import { createHash, hash } from 'node:crypto';
import { closeSync, createReadStream, fstatSync, openSync, readSync, readdirSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import { ActionError } from '@allthrive/toolkit';
import { digestInTurns } from './in-turns.js';
import type { Matcher } from './globs.js';
import type { ObjectRecord } from './manifest.js';
import { newXxh128, sharedXxh128, type IHasher } from './xxh128.js';

/** A file of the build as the scan finds it: where it is, its size and its XXH3-128. */
export interface ScannedFile {
  /** Path relative to the source directory, always with `/` separators (the key suffix). */
  path: string;
  absPath: string;
  size: number;
  /** Hex XXH3-128 of the content (always computed: what a deploy compares the build by). */
  xxh128: string;
  /**
   * Hex SHA-256 of the same read, for a file above READ_WHOLE: reading it a second time for its
   * SHA-256 would cost more than hashing it twice the first time (a 1 GiB file: about 1 s of CPU).
   */
  sha256?: string;
}

export interface LocalFile extends ScannedFile {
  /**
   * Hex SHA-256 of the content: the manifest record's when the record has this XXH3-128 (it was
   * computed from the same content when that file was uploaded), computed otherwise (withSha256).
   */
  sha256: string;
  /**
   * Hex MD5, computed only when an object's plain ETag must be compared with it (an object this
   * action has no trusted record of): SHA-256 alone settles every other comparison.
   */
  md5?: string;
}

export interface LocalScan {
  files: ScannedFile[];
  /** Relative paths skipped by `exclude`. */
  excluded: string[];
}

function inside(root: string, target: string): boolean {
  return target === root || target.startsWith(root.endsWith(path.sep) ? root : root + path.sep);
}

function toPosix(relative: string): string {
  return relative.split(path.sep).join('/');
}

/**
 * Walks the source directory (following symbolic links that stay inside it, refusing those that
 * resolve outside it) and hashes every file that is not excluded. A file reachable through several
 * paths (`latest -> v1`) is listed under each, as a web server following the links would serve it.
 * A directory is skipped only when it is its own ancestor (a link back up the tree): one global set
 * of visited directories would skip `v1/` after `latest/`, and `delete` would then remove it.
 */
export async function scanSource(
  sourceDir: string,
  options: {
    exclude: Matcher;
    signal?: AbortSignal;
  },
): Promise<LocalScan> {
  const hasher = sharedXxh128(); // its WebAssembly compiles while the walk runs
  const realRoot = realpathSync.native(sourceDir);
  const found: { path: string; absPath: string }[] = [];
  const excluded: string[] = [];

  // Synchronous: one readdir per directory and a realpath per directory and link, microseconds
  // each, where the promise API waits for a thread-pool round trip per call (64 directories:
  // about 80 ms of wall time on a busy machine, measured with node --cpu-prof).
  function walk(dir: string, relDir: string, ancestors: ReadonlySet<string>): void {
    const entries = readdirSync(dir, { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      // Concatenated, not path.join: `dir` is already normalised and a name holds no separator, and
      // join's normalisation was a third of the walk's time (2,000 files, node --cpu-prof).
      const absPath = dir + path.sep + entry.name;
      const rel = relDir ? `${relDir}/${entry.name}` : entry.name;
      let isDir = entry.isDirectory();
      let isFile = entry.isFile();
      let real = absPath;
      if (entry.isSymbolicLink()) {
        try {
          real = realpathSync.native(absPath);
        } catch {
          throw new ActionError(
            `Refusing to deploy '${rel}': it is a symbolic link whose target does not exist. Remove the link or fix the build.`,
          );
        }
        if (!inside(realRoot, real)) {
          throw new ActionError(
            `Refusing to deploy '${rel}': it is a symbolic link to ${real}, outside the source directory ${sourceDir}. ` +
              'Copy the file into the build output instead of linking it (links out of the source could publish private files).',
          );
        }
        const target = statSync(real);
        isDir = target.isDirectory();
        isFile = target.isFile();
      }
      if (isDir) {
        const realDir = entry.isSymbolicLink() ? real : realpathSync.native(absPath);
        if (ancestors.has(realDir)) continue; // a link back up the tree: a cycle
        walk(absPath, rel, new Set([...ancestors, realDir]));
      } else if (isFile) {
        if (options.exclude(rel)) excluded.push(rel);
        else found.push({ path: toPosix(rel), absPath });
      }
    }
  }
  walk(path.resolve(sourceDir), '', new Set([realRoot]));

  // In turns (in-turns.ts), so that the bucket requests planning started meanwhile are answered
  // and parsed at the same time. A file above READ_WHOLE is streamed once for both of its digests
  // (see ScannedFile.sha256); every other file gets its XXH3-128 only.
  const xxh = await hasher;
  const digests = await digestInTurns(
    found.map((f) => f.absPath),
    (file) => hashSmall(file, ['xxh128'], xxh) ?? digestStreamed(file, ['xxh128', 'sha256']),
    { signal: options.signal, describe: (at) => `'${found[at].path}'` },
  );
  const files = found.map((file, at): ScannedFile => {
    const {
      size,
      digests: { xxh128, sha256 },
    } = digests[at];
    return sha256 === undefined ? { ...file, size, xxh128 } : { ...file, size, xxh128, sha256 };
  });
  return { files, excluded };
}

/**
 * The files with their SHA-256. A file the scan read in parts keeps the SHA-256 of that read. A
 * file whose XXH3-128 is the one its manifest record was written with takes the record's SHA-256, computed from the same content when the file was uploaded (the
 * record is written only for what this action uploaded or found unchanged; manifest.ts); every
 * other file is read again for it, with its size and XXH3-128, so that the three always describe
 * one content even if the file changed since the scan. A redeploy reads only the files that changed.
 */
export async function withSha256<T extends ScannedFile>(
  files: T[],
  records: ReadonlyMap<string, ObjectRecord> | undefined,
  signal?: AbortSignal,
): Promise<(T & { sha256: string })[]> {
  const known = files.map((file) => {
    if (file.sha256 !== undefined) return file.sha256;
    const record = records?.get(file.path);
    return record?.xxh128 !== undefined && record.xxh128 === file.xxh128 ? record.sha256 : undefined;
  });
  const unknown = files.filter((_, at) => known[at] === undefined);
  const xxh = await sharedXxh128();
  const digests = await digestInTurns(
    unknown.map((f) => f.absPath),
    (file) => digestFileNow(file, ['sha256', 'xxh128'], xxh),
    { signal, describe: (at) => `'${unknown[at].path}'` },
  );
  let next = 0;
  return files.map((file, at) => {
    const sha256 = known[at];
    if (sha256 !== undefined) return { ...file, sha256 };
    const { size, digests: computed } = digests[next++];
    return { ...file, size, xxh128: computed.xxh128, sha256: computed.sha256 };
  });
}

/**
 * Starts scanSource now and returns a scan function for SyncDeps.scan that hands this scan to the
 * plan when asked for the same directory (and starts another otherwise). The plan checks the
 * directory first and reports a missing or empty one as an input error, so a failure of the early
 * scan waits until the plan asks for it.
 */
export function prestartScan(sourceDir: string, options: Parameters<typeof scanSource>[1]): typeof scanSource {
  const started = scanSource(sourceDir, options);
  started.catch(() => undefined); // handed to the plan, which awaits it after its own checks
  return (dir, later) => (path.resolve(dir) === path.resolve(sourceDir) ? started : scanSource(dir, later));
}

/** Files up to this size are read in one call (much faster than a stream for many small files). */
const READ_WHOLE = 16 * 1024 * 1024;

export type Digest = 'md5' | 'sha256' | 'xxh128';

/** The one-call and incremental interface Node's Hash and hash-wasm's hasher share. */
interface Incremental {
  update(data: Buffer): unknown;
  digest(encoding: 'hex'): string;
}

/** A fresh incremental digest; `xxh` is the XXH3-128 hasher to use (initialised here). */
function incremental(algorithm: Digest, xxh: IHasher | undefined): Incremental {
  if (algorithm !== 'xxh128') return createHash(algorithm);
  xxh!.init();
  return xxh!;
}

/**
 * Hex digests of a file. A file smaller than the scratch buffer (1 MiB: nearly every file of a
 * web build) is read with one read call and hashed in one call (crypto.hash, or the shared
 * XXH3-128 hasher); a larger one up to READ_WHOLE goes through the same buffer, and above that it
 * is streamed (with a hasher of its own: other files are hashed while it waits for its reads).
 * Synchronous reads through one reused buffer: no thread-pool hop, and no buffer per file for
 * the garbage collector. The one-shot path saves a Hash object and a read per file: about 6% of
 * the CPU of reading and hashing the benchmark's build (bench/s3-sync-frontend/hash-read.mjs).
 */
export async function digestFile(file: string, algorithms: Digest[]): Promise<FileDigests> {
  return digestFileNow(file, algorithms, algorithms.includes('xxh128') ? await sharedXxh128() : undefined);
}

export interface FileDigests {
  size: number;
  digests: Record<Digest, string>;
}

/**
 * digestFile with the shared XXH3-128 hasher at hand (when xxh128 is asked for), and without a
 * promise for a file read in one go: what the scan calls for each of thousands of files, where a
 * promise and an await per file were a fifth of the scan's time (bench/s3-sync-frontend/notes.md).
 */
function digestFileNow(file: string, algorithms: Digest[], xxh: IHasher | undefined): FileDigests | Promise<FileDigests> {
  return hashSmall(file, algorithms, xxh) ?? digestStreamed(file, algorithms);
}

async function digestStreamed(file: string, algorithms: Digest[]): Promise<FileDigests> {
  const own = algorithms.includes('xxh128') ? await newXxh128() : undefined;
  const hashes = algorithms.map((algorithm) => [algorithm, incremental(algorithm, own)] as const);
  let size = 0;
  for await (const chunk of createReadStream(file, { highWaterMark: SCRATCH_BYTES })) {
    for (const [, hash] of hashes) hash.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return { size, digests: digestsOf(hashes) };
}

const SCRATCH_BYTES = 1024 * 1024;
let scratch: Buffer | undefined;

function digestsOf(hashes: readonly (readonly [Digest, Incremental])[]): Record<Digest, string> {
  const digests = {} as Record<Digest, string>;
  for (const [algorithm, hash] of hashes) digests[algorithm] = hash.digest('hex');
  return digests;
}

/**
 * Digests of a file of up to READ_WHOLE bytes; undefined (nothing hashed) for a larger one.
 * A read shorter than the buffer is the end of a regular file, so a small file takes one read.
 * Synchronous from open to close, so neither the one scratch buffer nor the shared XXH3-128
 * hasher is ever used by two files at once.
 */
function hashSmall(file: string, algorithms: Digest[], xxh: IHasher | undefined): FileDigests | undefined {
  const fd = openSync(file, 'r');
  try {
    scratch ??= Buffer.allocUnsafe(SCRATCH_BYTES);
    const first = readSync(fd, scratch, 0, SCRATCH_BYTES, 0);
    if (first < SCRATCH_BYTES) {
      const content = scratch.subarray(0, first);
      const digests = {} as Record<Digest, string>;
      for (const algorithm of algorithms) {
        if (algorithm !== 'xxh128') digests[algorithm] = hash(algorithm, content);
        else digests.xxh128 = xxh!.init().update(content).digest('hex');
      }
      return { size: first, digests };
    }
    if (fstatSync(fd).size > READ_WHOLE) return undefined;
    const hashes = algorithms.map((algorithm) => [algorithm, incremental(algorithm, xxh)] as const);
    for (const [, hash] of hashes) hash.update(scratch);
    let size = first;
    for (;;) {
      const read = readSync(fd, scratch, 0, SCRATCH_BYTES, size);
      if (read === 0) return { size, digests: digestsOf(hashes) };
      for (const [, hash] of hashes) hash.update(scratch.subarray(0, read));
      size += read;
    }
  } finally {
    closeSync(fd);
  }
}

/** The whole content of a file up to READ_WHOLE bytes; undefined for a larger file (stream it). */
export function readWhole(file: string): Buffer | undefined {
  const fd = openSync(file, 'r');
  try {
    const { size } = fstatSync(fd);
    if (size > READ_WHOLE) return undefined;
    const buffer = Buffer.allocUnsafe(size);
    let at = 0;
    while (at < size) {
      const read = readSync(fd, buffer, at, size - at, at);
      if (read === 0) break; // shrank while read: hash what is there (the upload re-checks it)
      at += read;
    }
    return at === size ? buffer : buffer.subarray(0, at);
  } finally {
    closeSync(fd);
  }
}

export async function hashFile(file: string): Promise<{ size: number; md5: string; sha256: string }> {
  const { size, digests } = await digestFile(file, ['md5', 'sha256']);
  return { size, md5: digests.md5, sha256: digests.sha256 };
}
