/**
 * What the action reads and starts before it loads the AWS SDK: the inputs, and the scan of the
 * source, so that reading and hashing the build (a worker thread) runs while the SDK is compiled
 * and set up (about 0.1 s of the main thread's CPU, the largest part of a redeploy's start) instead
 * of after it. Nothing here may import the SDK: the action imports this module statically and the
 * rest of the engine (index.ts) with a dynamic import, which the bundler puts in a chunk of its own.
 */
export { readOptions } from './inputs.js';
export { prestartScan } from './local.js';
export { anyMatcher } from './globs.js';
