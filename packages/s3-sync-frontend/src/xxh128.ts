/**
 * XXH3-128, the digest a deploy compares every local file by (hash-wasm's WebAssembly build).
 *
 * Why not SHA-256 for that: a redeploy reads and hashes the whole build to find the 1% that
 * changed, and SHA-256 was the largest piece of its CPU (66 MB: 38 ms with the CPU's SHA
 * extensions, against 16 ms for XXH3-128 here; bench/s3-sync-frontend/notes.md). A 128-bit digest
 * is as wide as the MD5 that S3's ETags and `rclone --checksum` compare, and rsync 3.2 prefers the
 * same digest for `--checksum`. SHA-256 is still what goes to S3: computed for every file that is
 * uploaded (its x-amz-checksum-sha256 and its metadata), and taken from the manifest for a file
 * whose XXH3-128 matches its record, written when the file was uploaded or found unchanged (local.ts).
 */
import type { IHasher } from 'hash-wasm';
import { createXXHash128 } from 'hash-wasm/dist/xxhash128.umd.min.js';

let ready: Promise<IHasher> | undefined;

/**
 * The shared hasher, compiled once (a few kB of WebAssembly). Used only synchronously, from
 * init() to digest() without an await between, so two files never share its state; a caller that
 * awaits between its updates (a streamed file) takes its own from newXxh128().
 */
export function sharedXxh128(): Promise<IHasher> {
  ready ??= createXXHash128();
  return ready;
}

export function newXxh128(): Promise<IHasher> {
  return createXXHash128();
}

export type { IHasher };
