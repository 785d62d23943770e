/**
 * SHA-256 of many files on a worker thread. Reading and hashing a build (2,000 files, 66 MB: about
 * 90 ms of CPU) is the largest piece of local work of a deploy, and on the main thread it competes
 * with the bucket requests planning starts at the same time: their responses (the manifest, the
 * listing, whose XML the SDK parses for about 60 ms) waited for the hashing, and the hashing for
 * them. On a worker both proceed at once (bench/s3-sync-frontend/RESULTS.md has the profile).
 */
import { Worker } from 'node:worker_threads';
import { ActionError, CancelledError } from '@allthrive/toolkit';

export interface FileDigest {
  size: number;
  sha256: string;
}

/**
 * The worker: reads each file synchronously through one 1 MiB buffer (no stream, no thread-pool
 * hop, no buffer per file) and posts its size and digest, a batch every couple of milliseconds.
 * Plain CommonJS, evaluated by the Worker constructor (the action ships as one bundled file).
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const { closeSync, openSync, readSync } = require('node:fs');
(function run() {
  const scratch = Buffer.allocUnsafe(1024 * 1024);
  let batch = [];
  let posted = Date.now();
  for (let at = 0; at < workerData.paths.length; at++) {
    let fd;
    try {
      fd = openSync(workerData.paths[at], 'r');
      const hash = createHash('sha256');
      let size = 0;
      for (;;) {
        const read = readSync(fd, scratch, 0, scratch.length, size);
        if (read === 0) break;
        hash.update(scratch.subarray(0, read));
        size += read;
      }
      batch.push([at, size, hash.digest('hex')]);
    } catch (error) {
      parentPort.postMessage({ batch, failed: { at, message: String(error && error.message) } });
      return;
    } finally {
      if (fd !== undefined) closeSync(fd);
    }
    if (Date.now() - posted >= 2) {
      parentPort.postMessage({ batch });
      batch = [];
      posted = Date.now();
    }
  }
  parentPort.postMessage({ batch, end: true });
})();
`;

interface WorkerMessage {
  batch: [number, number, string][];
  failed?: { at: number; message: string };
  end?: boolean;
}

/**
 * Hashes the files in the given order; `onFile` hears of each as soon as it is hashed. Rejects
 * with an ActionError naming the file that could not be read, or a CancelledError on `signal`.
 */
export function hashFiles(
  paths: string[],
  options: { signal?: AbortSignal; onFile?: (at: number, digest: FileDigest) => void; describe?: (at: number) => string } = {},
): Promise<FileDigest[]> {
  const results = new Array<FileDigest>(paths.length);
  if (paths.length === 0) return Promise.resolve(results);
  return new Promise((resolve, reject) => {
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { paths } });
    let settled = false;
    const finish = (error?: Error) => {
      if (settled) return;
      settled = true;
      options.signal?.removeEventListener('abort', onAbort);
      void worker.terminate();
      if (error) reject(error);
      else resolve(results);
    };
    const onAbort = () => finish(new CancelledError('the run was cancelled while hashing local files; nothing was changed'));
    if (options.signal?.aborted) return onAbort();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    worker.on('message', (message: WorkerMessage) => {
      if (settled) return;
      for (const [at, size, sha256] of message.batch) {
        results[at] = { size, sha256 };
        options.onFile?.(at, results[at]);
      }
      if (message.failed) {
        const name = options.describe?.(message.failed.at) ?? paths[message.failed.at];
        finish(new ActionError(`Could not read ${name} in the source directory: ${message.failed.message}. Nothing was changed.`));
      } else if (message.end) finish();
    });
    worker.on('error', (error) => finish(error));
    worker.on('exit', (code) => finish(new Error(`the hashing worker stopped (exit code ${code}) before it hashed every file`)));
  });
}
