import { createHash, hash, type Hash } from 'node:crypto';
import { closeSync, createReadStream, fstatSync, openSync, readSync, readdirSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import { ActionError, CancelledError } from '@allthrive/toolkit';
import { hashFiles } from './hash-worker.js';
import type { Matcher } from './globs.js';

export interface LocalFile {
  /** Path relative to the source directory, always with `/` separators (the key suffix). */
  path: string;
  absPath: string;
  size: number;
  /** Hex SHA-256 of the content (always computed). */
  sha256: string;
  /**
   * Hex MD5, computed only when an object's plain ETag must be compared with it (an object this
   * action has no trusted record of): SHA-256 alone settles every other comparison.
   */
  md5?: string;
}

export interface LocalScan {
  files: LocalFile[];
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

  // Hashed on a worker thread (hash-worker.ts), so that the bucket requests planning started
  // meanwhile are answered and parsed at the same time. A handful of files is hashed here: the
  // worker's own start and memory (about 10 MB of RSS, which a 1 GiB file's upload would add to
  // its peak) would buy nothing.
  const files: LocalFile[] = new Array<LocalFile>(found.length);
  if (found.length >= WORKER_FROM_FILES) {
    const digests = await hashFiles(
      found.map((f) => f.absPath),
      {
        signal: options.signal,
        describe: (at) => `'${found[at].path}'`,
        hashHere: async (file) => {
          const { size, digests } = await digestFile(file, ['sha256']);
          return { size, sha256: digests.sha256 };
        },
      },
    );
    digests.forEach((digest, at) => (files[at] = { ...found[at], ...digest }));
  } else {
    for (const [at, file] of found.entries()) {
      if (options.signal?.aborted) throw new CancelledError('the run was cancelled while hashing local files; nothing was changed');
      const { size, digests } = await digestFile(file.absPath, ['sha256']);
      files[at] = { ...file, size, sha256: digests.sha256 };
    }
  }
  return { files, excluded };
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

/** From this many files on, the source is hashed on a worker thread. */
const WORKER_FROM_FILES = 64;

/** Files up to this size are read in one call (much faster than a stream for many small files). */
const READ_WHOLE = 16 * 1024 * 1024;

export type Digest = 'md5' | 'sha256';

/**
 * Hex digests of a file. A file smaller than the scratch buffer (1 MiB: nearly every file of a
 * web build) is read with one read call and hashed with the one-shot crypto.hash; a larger one
 * up to READ_WHOLE goes through the same buffer into createHash, and above that it is streamed.
 * Synchronous reads through one reused buffer: no thread-pool hop, and no buffer per file for
 * the garbage collector. The one-shot path saves a Hash object and a read per file: about 6% of
 * the CPU of reading and hashing the benchmark's build (bench/s3-sync-frontend/hash-read.mjs).
 */
export async function digestFile(file: string, algorithms: Digest[]): Promise<{ size: number; digests: Record<Digest, string> }> {
  const small = hashSmall(file, algorithms);
  if (small) return small;
  const hashes = algorithms.map((algorithm) => [algorithm, createHash(algorithm)] as const);
  let size = 0;
  for await (const chunk of createReadStream(file, { highWaterMark: SCRATCH_BYTES })) {
    for (const [, hash] of hashes) hash.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return { size, digests: digestsOf(hashes) };
}

const SCRATCH_BYTES = 1024 * 1024;
let scratch: Buffer | undefined;

function digestsOf(hashes: readonly (readonly [Digest, Hash])[]): Record<Digest, string> {
  const digests = {} as Record<Digest, string>;
  for (const [algorithm, hash] of hashes) digests[algorithm] = hash.digest('hex');
  return digests;
}

/**
 * Digests of a file of up to READ_WHOLE bytes; undefined (nothing hashed) for a larger one.
 * A read shorter than the buffer is the end of a regular file, so a small file takes one read.
 * Synchronous from open to close, so the one scratch buffer is never shared by two reads.
 */
function hashSmall(file: string, algorithms: Digest[]): { size: number; digests: Record<Digest, string> } | undefined {
  const fd = openSync(file, 'r');
  try {
    scratch ??= Buffer.allocUnsafe(SCRATCH_BYTES);
    const first = readSync(fd, scratch, 0, SCRATCH_BYTES, 0);
    if (first < SCRATCH_BYTES) {
      const content = scratch.subarray(0, first);
      const digests = {} as Record<Digest, string>;
      for (const algorithm of algorithms) digests[algorithm] = hash(algorithm, content);
      return { size: first, digests };
    }
    if (fstatSync(fd).size > READ_WHOLE) return undefined;
    const hashes = algorithms.map((algorithm) => [algorithm, createHash(algorithm).update(scratch!)] as const);
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
