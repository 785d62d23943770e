/**
 * SHA-256 of many files on a worker thread, with the main thread's help. Reading and hashing a
 * build (2,000 files, 66 MB: about 90 ms of CPU) is the largest piece of local work of a deploy;
 * on a worker it does not hold up the main thread's requests and their answers (the SDK parses a
 * listing's XML for about 60 ms), and the main thread hashes too whenever it has nothing else to do
 * (bench/s3-sync-frontend/notes.md has the timeline).
 */
import { Worker } from 'node:worker_threads';
import { ActionError, CancelledError } from '@allthrive/toolkit';

export interface FileDigest {
  size: number;
  sha256: string;
}

/**
 * The worker: claims the next file from the queue it shares with the main thread (one counter in a
 * SharedArrayBuffer), reads it synchronously through one 1 MiB buffer (no stream, no thread-pool
 * hop, no buffer per file; one read and crypto.hash for a smaller file) and posts its size and
 * digest, a batch every couple of milliseconds.
 * Plain CommonJS, evaluated by the Worker constructor (the action ships as one bundled file).
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { createHash, hash } = require('node:crypto');
const { closeSync, openSync, readSync } = require('node:fs');
(function run() {
  const { paths } = workerData;
  const next = new Int32Array(workerData.next);
  const scratch = Buffer.allocUnsafe(1024 * 1024);
  let batch = [];
  let posted = Date.now();
  for (let at = Atomics.add(next, 0, 1); at < paths.length; at = Atomics.add(next, 0, 1)) {
    let fd;
    try {
      fd = openSync(paths[at], 'r');
      // one read and the one-shot hash for a file smaller than the buffer (as digestFile in local.ts)
      let size = readSync(fd, scratch, 0, scratch.length, 0);
      let digest;
      if (size < scratch.length) digest = hash('sha256', scratch.subarray(0, size));
      else {
        const incremental = createHash('sha256').update(scratch);
        for (;;) {
          const read = readSync(fd, scratch, 0, scratch.length, size);
          if (read === 0) break;
          incremental.update(scratch.subarray(0, read));
          size += read;
        }
        digest = incremental.digest('hex');
      }
      batch.push([at, size, digest]);
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

export interface HashOptions {
  signal?: AbortSignal;
  onFile?: (at: number, digest: FileDigest) => void;
  describe?: (at: number) => string;
  /**
   * Hashes one file on the main thread. Given, the main thread takes files from the worker's queue
   * whenever its event loop is free, a few milliseconds at a time: it hashes while the worker
   * starts (a V8 isolate and Node's bootstrap, about 50 ms), then alongside it.
   */
  hashHere?: (path: string) => Promise<FileDigest>;
}

/** How long the main thread hashes before it lets its event loop run (responses, timers). */
const SLICE_MS = 4;

/**
 * Hashes the files; `onFile` hears of each (by its index in `paths`) as soon as it is hashed.
 * Rejects with an ActionError naming the file that could not be read, or a CancelledError on
 * `signal`. Since the AWS SDK is no longer loaded at a deploy's start (direct-s3.ts), hashing the
 * build is the longest part of a redeploy's start and the main thread mostly waits for it: with
 * `hashHere` it takes its share (bench/s3-sync-frontend/notes.md has the timeline).
 */
export function hashFiles(paths: string[], options: HashOptions = {}): Promise<FileDigest[]> {
  const results = new Array<FileDigest>(paths.length);
  if (paths.length === 0) return Promise.resolve(results);
  return new Promise((resolve, reject) => {
    const next = new Int32Array(new SharedArrayBuffer(4));
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { paths, next: next.buffer } });
    let settled = false;
    let remaining = paths.length;
    let workerEnded = false;
    const finish = (error?: Error) => {
      if (settled) return;
      settled = true;
      options.signal?.removeEventListener('abort', onAbort);
      void worker.terminate();
      if (error) reject(error);
      else resolve(results);
    };
    const unreadable = (at: number, message: string) => {
      const name = options.describe?.(at) ?? paths[at];
      finish(new ActionError(`Could not read ${name} in the source directory: ${message}. Nothing was changed.`));
    };
    const record = (at: number, digest: FileDigest) => {
      results[at] = digest;
      options.onFile?.(at, digest);
      if (--remaining === 0) finish();
    };
    const onAbort = () => finish(new CancelledError('the run was cancelled while hashing local files; nothing was changed'));
    if (options.signal?.aborted) return onAbort();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    worker.on('message', (message: WorkerMessage) => {
      if (settled) return;
      for (const [at, size, sha256] of message.batch) record(at, { size, sha256 });
      if (message.failed) unreadable(message.failed.at, message.failed.message);
      workerEnded ||= Boolean(message.end);
    });
    worker.on('error', (error) => finish(error));
    worker.on('exit', (code) => {
      if (!workerEnded) finish(new Error(`the hashing worker stopped (exit code ${code}) before it hashed every file`));
    });
    const hashHere = options.hashHere;
    if (!hashHere) return;
    const turn = async () => {
      const until = performance.now() + SLICE_MS;
      while (!settled && performance.now() < until) {
        const at = Atomics.add(next, 0, 1);
        if (at >= paths.length) return; // every file is claimed: the rest are the worker's
        try {
          record(at, await hashHere(paths[at]));
        } catch (error) {
          return unreadable(at, (error as Error).message);
        }
      }
      if (!settled) setImmediate(() => void turn());
    };
    setImmediate(() => void turn());
  });
}
