import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import type { Moto } from '../../harness/moto.js';

export interface StoredObject {
  body: string;
  contentType?: string;
  cacheControl?: string;
}

/** Every object of the bucket (the action's own manifest, a dot-file, left out), read straight from moto. */
export async function readBucket(moto: Moto, bucket: string): Promise<Record<string, StoredObject>> {
  const s3 = new S3Client(moto.clientConfig);
  const objects: Record<string, StoredObject> = {};
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }));
    for (const item of page.Contents ?? []) {
      if (item.Key!.split('/').pop()!.startsWith('.s3-sync')) continue;
      const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: item.Key! }));
      objects[item.Key!] = {
        body: await object.Body!.transformToString(),
        contentType: object.ContentType,
        cacheControl: object.CacheControl,
      };
    }
    token = page.NextContinuationToken;
  } while (token);
  return objects;
}

/** What the bucket must hold after deploying `files` with the default rules. */
export function expectedObjects(files: Record<string, string>): Record<string, StoredObject> {
  const objects: Record<string, StoredObject> = {};
  for (const [key, body] of Object.entries(files)) {
    const ext = key.split('.').pop()!;
    const contentType = {
      html: 'text/html; charset=utf-8',
      js: 'text/javascript; charset=utf-8',
      css: 'text/css; charset=utf-8',
      txt: 'text/plain; charset=utf-8',
    }[ext];
    const hashed = /[-.][A-Za-z0-9_]{8,}\.[a-z0-9]+$/.test(key.split('/').pop()!);
    const cacheControl = ext === 'html' ? 'no-cache' : hashed ? 'public, max-age=31536000, immutable' : 'public, max-age=3600';
    objects[key] = { body, contentType, cacheControl };
  }
  return objects;
}
