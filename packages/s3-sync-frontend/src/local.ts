import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, readdir, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import pLimit from 'p-limit';
import { ActionError, CancelledError } from '@allthrive/toolkit';
import type { Matcher } from './rules.js';

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
    concurrency: number;
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

  const limit = pLimit(Math.max(4, options.concurrency));
  const files = await Promise.all(
    found.map((file) =>
      limit(async () => {
        if (options.signal?.aborted) throw new CancelledError('the run was cancelled while hashing local files; nothing was changed');
        const { size, digests } = await digestFile(file.absPath, ['sha256']);
        const hashed = { ...file, size, sha256: digests.sha256 };
        options.onFile?.(hashed);
        return hashed;
      }),
    ),
  );
  return { files, excluded };
}

/** Files up to this size are read in one call (much faster than a stream for many small files). */
const READ_WHOLE = 16 * 1024 * 1024;

export type Digest = 'md5' | 'sha256';

/** Hex digests of a file in one read. */
export async function digestFile(file: string, algorithms: Digest[]): Promise<{ size: number; digests: Record<Digest, string> }> {
  const hashes = algorithms.map((algorithm) => [algorithm, createHash(algorithm)] as const);
  let size = 0;
  if ((await stat(file)).size <= READ_WHOLE) {
    const content = await readFile(file);
    for (const [, hash] of hashes) hash.update(content);
    size = content.length;
  } else {
    for await (const chunk of createReadStream(file, { highWaterMark: 1024 * 1024 })) {
      for (const [, hash] of hashes) hash.update(chunk as Buffer);
      size += (chunk as Buffer).length;
    }
  }
  const digests = {} as Record<Digest, string>;
  for (const [algorithm, hash] of hashes) digests[algorithm] = hash.digest('hex');
  return { size, digests };
}

export async function hashFile(file: string): Promise<{ size: number; md5: string; sha256: string }> {
  const { size, digests } = await digestFile(file, ['md5', 'sha256']);
  return { size, md5: digests.md5, sha256: digests.sha256 };
}
