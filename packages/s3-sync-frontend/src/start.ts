/**
 * What the action reads and starts before it loads the engine: the inputs, the scan of the source
 * (reading and hashing the build, a few milliseconds at a time) and the manifest's direct GET, which run while
 * the engine loads. The AWS SDK is loaded only by a request that needs it (lazy-client.ts,
 * direct-s3.ts): about 0.15 s of the main thread's CPU, the largest part of a redeploy's start.
 * Nothing here may import the SDK: the action imports this module statically, the deploy itself
 * (sync.ts) with a dynamic import, and the SDK is reached only through dynamic imports, each of
 * which the bundler puts in a chunk of its own.
 */
export { readOptions } from './inputs.js';
export { prestartScan } from './local.js';
export { anyMatcher } from './globs.js';
export { directS3 } from './direct-s3.js';
export { lazyS3Client } from './lazy-client.js';
export { MANIFEST_NAME } from './options.js';
