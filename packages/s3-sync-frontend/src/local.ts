import { createHash, type Hash } from 'node:crypto';
import { closeSync, createReadStream, fstatSync, openSync, readSync } from 'node:fs';
import { readdir, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { ActionError, CancelledError } from '@allthrive/toolkit';
import { isHtml, type Matcher } from './rules.js';

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
    /** Called once the walk is done, with every path it will hash (excluded ones left out). */
    onWalked?: (paths: string[]) => void;
    /** Called as each file is hashed. */
    onFile?: (file: LocalFile) => void;
  },
): Promise<LocalScan> {
  const realRoot = await realpath(sourceDir);
  const found: { path: string; absPath: string }[] = [];
  const excluded: string[] = [];

  async function walk(dir: string, relDir: string, ancestors: ReadonlySet<string>): Promise<void> {
    const entries = await readdir(dir, { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const absPath = path.join(dir, entry.name);
      const rel = relDir ? `${relDir}/${entry.name}` : entry.name;
      let isDir = entry.isDirectory();
      let isFile = entry.isFile();
      let real = absPath;
      if (entry.isSymbolicLink()) {
        try {
          real = await realpath(absPath);
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
        const target = await stat(real);
        isDir = target.isDirectory();
        isFile = target.isFile();
      }
      if (isDir) {
        const realDir = entry.isSymbolicLink() ? real : await realpath(absPath);
        if (ancestors.has(realDir)) continue; // a link back up the tree: a cycle
        await walk(absPath, rel, new Set([...ancestors, realDir]));
      } else if (isFile) {
        if (options.exclude(rel)) excluded.push(rel);
        else found.push({ path: toPosix(rel), absPath });
      }
    }
  }
  await walk(sourceDir, '', new Set([realRoot]));
  options.onWalked?.(found.map((f) => f.path));

  // Files are read and hashed one after the other on the main thread: for a small file a
  // synchronous read is a few microseconds, where fs.promises costs a thread-pool round trip and
  // several promises per call (2,000 files: about 0.1 s of CPU against 0.4 s, measured with
  // bench/s3-sync-frontend/profile.mjs). The loop yields every few milliseconds so that the
  // bucket requests started before the scan are sent and answered meanwhile. HTML goes first: a
  // rebuild that changed anything almost always changed a page (it names the new chunks), and
  // onFile then learns early that the bucket must be listed. The result keeps the walk's order.
  const files: LocalFile[] = new Array<LocalFile>(found.length);
  const order = found.map((_, at) => at);
  order.sort((a, b) => Number(isHtml(found[b].path)) - Number(isHtml(found[a].path)) || a - b);
  let yielded = performance.now();
  for (const at of order) {
    if (options.signal?.aborted) throw new CancelledError('the run was cancelled while hashing local files; nothing was changed');
    const file = found[at];
    const { size, digests } = await digestFile(file.absPath, ['sha256']);
    files[at] = { ...file, size, sha256: digests.sha256 };
    options.onFile?.(files[at]);
    if (performance.now() - yielded > YIELD_EVERY_MS) {
      await new Promise((resolve) => setImmediate(resolve));
      yielded = performance.now();
    }
  }
  return { files, excluded };
}

/** How long the scan may keep the main thread before it lets pending I/O run. */
const YIELD_EVERY_MS = 4;

/** Files up to this size are read in one call (much faster than a stream for many small files). */
const READ_WHOLE = 16 * 1024 * 1024;

export type Digest = 'md5' | 'sha256';

/**
 * Hex digests of a file: read synchronously through one reused buffer up to READ_WHOLE (no
 * thread-pool hop, and no new buffer per file for the garbage collector), streamed above it.
 */
export async function digestFile(file: string, algorithms: Digest[]): Promise<{ size: number; digests: Record<Digest, string> }> {
  const hashes = algorithms.map((algorithm) => [algorithm, createHash(algorithm)] as const);
  let size = hashSmall(file, hashes);
  if (size === undefined) {
    size = 0;
    for await (const chunk of createReadStream(file, { highWaterMark: 1024 * 1024 })) {
      for (const [, hash] of hashes) hash.update(chunk as Buffer);
      size += (chunk as Buffer).length;
    }
  }
  const digests = {} as Record<Digest, string>;
  for (const [algorithm, hash] of hashes) digests[algorithm] = hash.digest('hex');
  return { size, digests };
}

let scratch: Buffer | undefined;

/**
 * Feeds a file of up to READ_WHOLE bytes to the hashes and returns its size; undefined (nothing
 * read) for a larger file. Synchronous from open to close, so the one scratch buffer is never
 * shared by two reads.
 */
function hashSmall(file: string, hashes: readonly (readonly [Digest, Hash])[]): number | undefined {
  const fd = openSync(file, 'r');
  try {
    if (fstatSync(fd).size > READ_WHOLE) return undefined;
    scratch ??= Buffer.allocUnsafe(1024 * 1024);
    let size = 0;
    for (;;) {
      const read = readSync(fd, scratch, 0, scratch.length, size);
      if (read === 0) return size;
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
