import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { ActionError, CancelledError } from '@allthrive/toolkit';
import { digestFile, hashFiles } from '@allthrive/s3-sync-frontend';

describe('hashFiles (SHA-256 on a worker thread)', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'hash-worker-'));
  // around the 1 MiB read buffer: below it one read and crypto.hash, from it on createHash
  const MIB = 1024 * 1024;
  const sizes = [MIB - 1, MIB, MIB + 1, 2 * MIB];
  const contents = [
    Buffer.alloc(0),
    Buffer.from('index'),
    Buffer.alloc(3 * MIB + 5, 7),
    Buffer.from('ü✓'),
    ...sizes.map((size, i) => Buffer.alloc(size, i + 1)),
  ];
  const paths = contents.map((content, i) => {
    const file = path.join(dir, `f${i}`);
    writeFileSync(file, content);
    return file;
  });

  it('gives every file its size and SHA-256, in the order asked, and reports each as it is hashed', async () => {
    const heard: number[] = [];
    const digests = await hashFiles(paths, { onFile: (at) => heard.push(at) });
    expect(digests).toEqual(contents.map((c) => ({ size: c.length, sha256: createHash('sha256').update(c).digest('hex') })));
    expect(heard).toEqual(contents.map((_, i) => i));
  });

  it('digestFile (the main thread’s share, and the small-build path) gives the same digests, any size, any algorithm', async () => {
    const big = path.join(dir, 'big');
    writeFileSync(big, Buffer.alloc(16 * MIB + 3, 9)); // above READ_WHOLE: streamed
    for (const [file, content] of [...paths.map((p, i) => [p, contents[i]] as const), [big, readFileSync(big)] as const]) {
      const { size, digests } = await digestFile(file, ['md5', 'sha256']);
      expect({ size, digests }).toEqual({
        size: content.length,
        digests: { md5: createHash('md5').update(content).digest('hex'), sha256: createHash('sha256').update(content).digest('hex') },
      });
    }
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

  describe('the main thread hashing alongside the worker (one queue)', () => {
    const many = Array.from({ length: 1500 }, (_, i) => Buffer.from(`file ${i} `.repeat(1 + (i % 7))));
    const manyPaths = many.map((content, i) => {
      const file = path.join(dir, `m${i}`);
      writeFileSync(file, content);
      return file;
    });

    const hashHere = async (file: string) => {
      hereCount++;
      const content = readFileSync(file);
      return { size: content.length, sha256: createHash('sha256').update(content).digest('hex') };
    };
    let hereCount = 0;

    it('gives every file its own digest at its own index, reports each index once, and the main thread takes a share', async () => {
      const heard: number[] = [];
      hereCount = 0;
      const digests = await hashFiles(manyPaths, { hashHere, onFile: (at) => heard.push(at) });
      expect(digests).toEqual(many.map((c) => ({ size: c.length, sha256: createHash('sha256').update(c).digest('hex') })));
      expect([...heard].sort((a, b) => a - b)).toEqual(many.map((_, i) => i));
      expect(hereCount).toBeGreaterThan(0); // the worker takes ~50 ms to start: the main thread begins meanwhile
    });

    it.each([0, 1201])('names the unreadable file %i by its index, whichever thread had it', async (at) => {
      const broken = [...manyPaths];
      broken[at] = path.join(dir, 'gone-too.js');
      const error = await hashFiles(broken, { hashHere, describe: (i) => `'file ${i}'` }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ActionError);
      expect((error as Error).message).toMatch(new RegExp(`Could not read 'file ${at}' in the source directory: ENOENT`));
    });

    it('stops both on cancellation', async () => {
      const controller = new AbortController();
      const hashing = hashFiles(manyPaths, { hashHere, signal: controller.signal });
      controller.abort();
      await expect(hashing).rejects.toBeInstanceOf(CancelledError);
    });
  });
});
