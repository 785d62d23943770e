import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '@allthrive/toolkit';
import { isContentHashed, isHtml } from './rules.js';

/** Where Vite (5 and later) writes its build manifest with `build.manifest: true`, relative to outDir. */
export const VITE_MANIFEST = '.vite/manifest.json';

interface ViteChunk {
  file?: unknown;
  css?: unknown;
  assets?: unknown;
}

/**
 * The files a Vite manifest lists: every chunk's `file`, `css` and `assets` (vitejs.dev/guide/backend-integration,
 * "ManifestChunk"). Those are the files Vite emitted under a content-hashed name; files copied from
 * `public/` are never listed. Throws an Error saying what is wrong when the text is not a manifest.
 */
export function viteHashedFiles(text: string): Set<string> {
  const parsed = JSON.parse(text) as unknown;
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('it is not an object of chunks');
  const files = new Set<string>();
  for (const [name, chunk] of Object.entries(parsed as Record<string, ViteChunk>)) {
    if (!chunk || typeof chunk.file !== 'string') throw new Error(`entry '${name}' has no 'file'`);
    files.add(chunk.file);
    for (const list of [chunk.css, chunk.assets]) {
      if (Array.isArray(list)) for (const item of list) if (typeof item === 'string') files.add(item);
    }
  }
  return files;
}

/**
 * Decides which files are content-hashed: exactly those Vite's manifest lists (and their `.map`
 * files) when the build has one, otherwise the file-name rule (isContentHashed). Logs which.
 */
export async function hashDetector(sourceDir: string, logger: Logger): Promise<(relPath: string) => boolean> {
  const file = path.join(sourceDir, ...VITE_MANIFEST.split('/'));
  const text = await readFile(file, 'utf8').catch(() => undefined);
  if (text !== undefined) {
    try {
      const files = viteHashedFiles(text);
      logger.info(`Content-hashed files: the ${files.size} listed in Vite's manifest ${VITE_MANIFEST} (and their source maps).`);
      return (relPath) => !isHtml(relPath) && files.has(relPath.replace(/\.map$/, ''));
    } catch (error) {
      logger.warning(`Ignoring ${VITE_MANIFEST}: ${(error as Error).message}. Content-hashed files are recognised by file name instead.`);
    }
  } else {
    logger.info(
      `Content-hashed files: by file name (no ${VITE_MANIFEST} in the build; set build.manifest: true in Vite to list them exactly).`,
    );
  }
  return isContentHashed;
}
