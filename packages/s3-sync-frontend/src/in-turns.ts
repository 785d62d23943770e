/**
 * Reads and hashes many files on the main thread a few milliseconds at a time.
 *
 * Why the main thread, and in turns: a deploy starts its manifest read (and perhaps its listing)
 * while the build is hashed, and their answers are handled between two turns instead of after the
 * last file. A worker thread did the hashing before: it needed 35 to 50 ms and about 50 ms of
 * CPU to start (Node compiles its internal modules again for every worker), about what hashing the
 * benchmark's 2,000 files with XXH3-128 costs in all (bench/s3-sync-frontend/notes.md).
 */
import { ActionError, CancelledError } from '@allthrive/toolkit';

/** How long one turn works before it lets the event loop run (responses, timers). */
const TURN_MS = 4;

export interface TurnOptions {
  signal?: AbortSignal;
  /** How a failure names the file at an index; default its path. */
  describe?: (at: number) => string;
}

/**
 * `digest(paths[at])` for every path, in order. Rejects with an ActionError naming the file that
 * could not be read, or a CancelledError once `signal` is aborted (checked before each file: a
 * streamed file being read is finished first).
 */
export function digestInTurns<T>(
  paths: readonly string[],
  digest: (path: string) => T | Promise<T>,
  options: TurnOptions = {},
): Promise<T[]> {
  const results = new Array<T>(paths.length);
  const cancelled = () => new CancelledError('the run was cancelled while hashing local files; nothing was changed');
  return new Promise((resolve, reject) => {
    let at = 0;
    const turn = async () => {
      const until = performance.now() + TURN_MS;
      while (at < paths.length && performance.now() < until) {
        if (options.signal?.aborted) return reject(cancelled());
        try {
          const result = digest(paths[at]);
          results[at] = result instanceof Promise ? await result : result; // no await (a microtask) per small file
        } catch (error) {
          const name = options.describe?.(at) ?? paths[at];
          return reject(
            new ActionError(`Could not read ${name} in the source directory: ${(error as Error).message}. Nothing was changed.`),
          );
        }
        at++;
      }
      if (options.signal?.aborted) reject(cancelled());
      else if (at >= paths.length) resolve(results);
      else setImmediate(() => void turn());
    };
    setImmediate(() => void turn()); // the caller goes on first (the action sends its manifest read)
  });
}
