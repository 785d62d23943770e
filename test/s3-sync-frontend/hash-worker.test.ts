import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { ActionError, CancelledError } from '@allthrive/toolkit';
import { hashFiles } from '@allthrive/s3-sync-frontend';

describe('hashFiles (SHA-256 on a worker thread)', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'hash-worker-'));
  const contents = [Buffer.alloc(0), Buffer.from('index'), Buffer.alloc(3 * 1024 * 1024 + 5, 7), Buffer.from('ü✓')];
  const paths = contents.map((content, i) => {
    const file = path.join(dir, `f${i}`);
    writeFileSync(file, content);
    return file;
  });

  it('gives every file its size and SHA-256, in the order asked, and reports each as it is hashed', async () => {
    const heard: number[] = [];
    const digests = await hashFiles(paths, { onFile: (at) => heard.push(at) });
    expect(digests).toEqual(contents.map((c) => ({ size: c.length, sha256: createHash('sha256').update(c).digest('hex') })));
    expect(heard).toEqual([0, 1, 2, 3]);
  });

  it('a file that cannot be read fails with its name and the reason', async () => {
    const error = await hashFiles([paths[1], path.join(dir, 'gone.js')], { describe: (at) => `'file ${at}'` }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ActionError);
    expect((error as Error).message).toMatch(/Could not read 'file 1' in the source directory: ENOENT.*Nothing was changed/);
  });

  it('stops on cancellation', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(hashFiles(paths, { signal: controller.signal })).rejects.toBeInstanceOf(CancelledError);
  });
});
