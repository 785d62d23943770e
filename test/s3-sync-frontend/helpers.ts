import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  CreateBucketCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type ServiceInputTypes,
  type ServiceOutputTypes,
} from '@aws-sdk/client-s3';
import type { InitializeMiddleware } from '@smithy/types';
import { memoryLogger } from '@allthrive/toolkit';
import { DEFAULT_OPTIONS, runSync, type SyncDeps, type SyncOptions } from '@allthrive/s3-sync-frontend';
import type { Moto } from '../harness/moto.js';

export const BUCKET = 'site';

/** A Vite-like build: hashed assets, public files, nested HTML. */
export const SITE_V1: Record<string, string> = {
  'index.html': '<!doctype html><script type="module" src="/assets/index-BxY3k9_a.js"></script><p>v1</p>',
  'docs/index.html': '<!doctype html><p>docs v1</p>',
  'docs/page.html': '<!doctype html><p>page v1</p>',
  'assets/index-BxY3k9_a.js': 'import "./chunk-Ab12Cd34.js"; console.log("v1");',
  'assets/chunk-Ab12Cd34.js': 'export const chunk = 1;',
  'assets/index-Dk3j2ab1.css': 'body { color: red }',
  'assets/logo-a1B2c3D4.svg': '<svg xmlns="http://www.w3.org/2000/svg"/>',
  'favicon.ico': 'ICO',
  'robots.txt': 'User-agent: *\nAllow: /\n',
};

/** Writes files under <root>/dist and returns root. */
export function makeSite(files: Record<string, string | Buffer>, root = mkdtempSync(path.join(tmpdir(), 's3sync-'))): string {
  const dist = path.join(root, 'dist');
  rmSync(dist, { recursive: true, force: true });
  for (const [rel, content] of Object.entries(files)) {
    const file = path.join(dist, rel);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, content);
  }
  return root;
}

/** Gives every file a new mtime, as a fresh checkout + build does. */
export function touchAll(dir: string, when = new Date(Date.now() + 3_600_000)): void {
  for (const entry of readdirSync(dir)) {
    const full = path.join(dir, entry);
    if (statSync(full).isDirectory()) touchAll(full, when);
    else utimesSync(full, when, when);
  }
}

export interface RecordedRequest {
  op: string;
  key?: string;
}

/** An S3 client on moto that records every command (and can inject a failure before it is sent). */
export function recordingClient(
  moto: Moto,
  inject?: (op: string, input: Record<string, unknown>) => Promise<unknown> | undefined,
): { s3: S3Client; requests: RecordedRequest[] } {
  const s3 = new S3Client(moto.clientConfig);
  const requests: RecordedRequest[] = [];
  const middleware: InitializeMiddleware<ServiceInputTypes, ServiceOutputTypes> = (next, context) => async (args) => {
    const input = args.input as Record<string, unknown>;
    const op = (context.commandName as string).replace(/Command$/, '');
    requests.push({ op, key: input.Key as string | undefined });
    const injected = inject?.(op, input);
    if (injected) return { output: (await injected) as ServiceOutputTypes, response: {} };
    return next(args);
  };
  s3.middlewareStack.add(middleware, { step: 'initialize', name: 'recordRequests' });
  return { s3, requests };
}

export async function createBucket(moto: Moto): Promise<S3Client> {
  const s3 = new S3Client(moto.clientConfig);
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  return s3;
}

export async function listKeys(s3: S3Client): Promise<Map<string, { etag: string; size: number }>> {
  const result = new Map<string, { etag: string; size: number }>();
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, ContinuationToken: token }));
    for (const o of page.Contents ?? []) result.set(o.Key!, { etag: (o.ETag ?? '').replace(/"/g, ''), size: o.Size ?? 0 });
    token = page.NextContinuationToken;
  } while (token);
  return result;
}

export async function head(s3: S3Client, key: string) {
  return s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }));
}

export async function text(s3: S3Client, key: string): Promise<string> {
  const object = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  return object.Body!.transformToString('utf8');
}

export async function put(s3: S3Client, key: string, body: string, extra: Record<string, unknown> = {}): Promise<void> {
  await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body, ...extra }));
}

export function options(over: Partial<SyncOptions> = {}): SyncOptions {
  return { ...DEFAULT_OPTIONS, bucket: BUCKET, ...over };
}

export async function deploy(root: string, s3: S3Client, over: Partial<SyncOptions> = {}, deps: Partial<SyncDeps> = {}) {
  const logger = memoryLogger();
  const result = await runSync(options(over), { s3, logger, root, ...deps });
  return { result, logger };
}
