import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { createXXHash128 } from 'hash-wasm';
import { ActionError, CancelledError } from '@allthrive/toolkit';
import { digestFile, digestInTurns, scanSource, withSha256, type ObjectRecord } from '@allthrive/s3-sync-frontend';

const sha256 = (content: Buffer) => createHash('sha256').update(content).digest('hex');
const md5 = (content: Buffer) => createHash('md5').update(content).digest('hex');
// XXH3-128 from hash-wasm's package index, not the single-algorithm build the action bundles
const xxh128 = async (content: Buffer) => (await createXXHash128()).init().update(content).digest('hex');

describe('file digests (XXH3-128 to compare, SHA-256 to upload)', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'digests-'));
  // around the 1 MiB read buffer: below it one read and a one-shot digest, from it on incremental
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

  it('digestFile gives the size and every digest asked for, at any size (above 16 MiB streamed)', async () => {
    const big = path.join(dir, 'big');
    writeFileSync(big, Buffer.alloc(16 * MIB + 3, 9));
    for (const [file, content] of [...paths.map((p, i) => [p, contents[i]] as const), [big, readFileSync(big)] as const]) {
      const { size, digests } = await digestFile(file, ['md5', 'sha256', 'xxh128']);
      expect({ size, digests }).toEqual({
        size: content.length,
        digests: { md5: md5(content), sha256: sha256(content), xxh128: await xxh128(content) },
      });
    }
  });

  it('two files hashed at once (a streamed one waiting for its reads) do not mix their XXH3-128 state', async () => {
    const big = path.join(dir, 'big-a');
    const bigContent = Buffer.alloc(17 * MIB, 3);
    writeFileSync(big, bigContent);
    const [a, ...small] = await Promise.all([digestFile(big, ['xxh128']), ...paths.map((p) => digestFile(p, ['xxh128']))]);
    expect(a.digests.xxh128).toBe(await xxh128(bigContent));
    expect(small.map((s) => s.digests.xxh128)).toEqual(await Promise.all(contents.map(xxh128)));
  });

  describe('digestInTurns', () => {
    const many = Array.from({ length: 1500 }, (_, i) => Buffer.from(`file ${i} `.repeat(1 + (i % 7))));
    const manyPaths = many.map((content, i) => {
      const file = path.join(dir, `m${i}`);
      writeFileSync(file, content);
      return file;
    });

    it('gives every file its digest at its own index', async () => {
      const digests = await digestInTurns(manyPaths, (file) => digestFile(file, ['sha256']));
      expect(digests.map((d) => d.digests.sha256)).toEqual(many.map(sha256));
      expect(digests.map((d) => d.size)).toEqual(many.map((c) => c.length));
    });

    it('lets the event loop run between turns: a timer set before it fires before the last file', async () => {
      let firedAfter: number | undefined;
      let hashed = 0;
      setTimeout(() => (firedAfter = hashed), 1);
      await digestInTurns(manyPaths, async (file) => {
        const digest = await digestFile(file, ['sha256']);
        hashed++;
        for (const end = performance.now() + 0.02; performance.now() < end;); // a slow disk
        return digest;
      });
      expect(firedAfter).toBeDefined();
      expect(firedAfter!).toBeLessThan(manyPaths.length);
    });

    it.each([0, 1201])('names the unreadable file %i by its index and says nothing was changed', async (at) => {
      const broken = [...manyPaths];
      broken[at] = path.join(dir, 'gone.js');
      const error = await digestInTurns(broken, (file) => digestFile(file, ['xxh128']), { describe: (i) => `'file ${i}'` }).catch(
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(ActionError);
      expect((error as Error).message).toMatch(
        new RegExp(`Could not read 'file ${at}' in the source directory: ENOENT.*Nothing was changed`),
      );
    });

    it('stops on cancellation, before or during', async () => {
      const before = new AbortController();
      before.abort();
      await expect(digestInTurns(manyPaths, (file) => digestFile(file, ['xxh128']), { signal: before.signal })).rejects.toBeInstanceOf(
        CancelledError,
      );
      const during = new AbortController();
      let hashed = 0;
      const hashing = digestInTurns(
        manyPaths,
        async (file) => {
          if (++hashed === 10) during.abort();
          return digestFile(file, ['xxh128']);
        },
        { signal: during.signal },
      );
      await expect(hashing).rejects.toBeInstanceOf(CancelledError);
      expect(hashed).toBeLessThan(manyPaths.length);
    });
  });

  describe('withSha256: the SHA-256 of a file the manifest vouches for comes from its record', () => {
    const content = Buffer.from('export const a = 1;\n');
    const file = path.join(dir, 'a.js');
    writeFileSync(file, content);
    const record = async (over: Partial<ObjectRecord>): Promise<ObjectRecord> => ({
      etag: md5(content),
      sha256: sha256(content),
      cacheControl: 'no-cache',
      contentType: 'text/javascript',
      xxh128: await xxh128(content),
      ...over,
    });
    const scanned = async () => ({ path: 'a.js', absPath: file, size: content.length, xxh128: await xxh128(content) });

    it('a record with the same XXH3-128 gives its SHA-256 and the file is not read again', async () => {
      // a SHA-256 no content has: only taking it from the record can produce it
      const recorded = 'f'.repeat(64);
      const [result] = await withSha256([await scanned()], new Map([['a.js', await record({ sha256: recorded })]]));
      expect(result.sha256).toBe(recorded);
    });

    it('a record with another XXH3-128, none, or one from an earlier version (no XXH3-128): the SHA-256 is computed', async () => {
      for (const records of [
        new Map([['a.js', await record({ xxh128: '0'.repeat(32), sha256: 'f'.repeat(64) })]]),
        new Map([['a.js', await record({ xxh128: undefined, sha256: 'f'.repeat(64) })]]),
        new Map<string, ObjectRecord>(),
        undefined,
      ]) {
        const [result] = await withSha256([await scanned()], records);
        expect(result.sha256).toBe(sha256(content));
      }
    });

    it('a file above 16 MiB gets its SHA-256 from the scan’s one read, and is not read again for it', async () => {
      const tree = mkdtempSync(path.join(tmpdir(), 'digests-scan-'));
      const big = Buffer.alloc(16 * MIB + 1, 5);
      writeFileSync(path.join(tree, 'film.mp4'), big);
      writeFileSync(path.join(tree, 'index.html'), '<p>hi</p>');
      const { files } = await scanSource(tree, { exclude: () => false });
      expect(files.map((f) => [f.path, f.sha256])).toEqual([
        ['film.mp4', sha256(big)],
        ['index.html', undefined], // a small file: XXH3-128 only
      ]);
      writeFileSync(path.join(tree, 'film.mp4'), 'changed after the scan'); // a second read would see this
      const [film, index] = await withSha256(files, undefined);
      expect(film).toMatchObject({ size: big.length, sha256: sha256(big), xxh128: await xxh128(big) });
      expect(index.sha256).toBe(sha256(Buffer.from('<p>hi</p>')));
    });

    it('a file that changed since the scan gets the size, XXH3-128 and SHA-256 of one content, read together', async () => {
      const changing = path.join(dir, 'changing.js');
      writeFileSync(changing, 'before');
      const [before] = await digestInTurns([changing], (f) => digestFile(f, ['xxh128']));
      const now = Buffer.from('after, and longer');
      writeFileSync(changing, now);
      const [result] = await withSha256(
        [{ path: 'changing.js', absPath: changing, size: before.size, xxh128: before.digests.xxh128 }],
        undefined,
      );
      expect(result).toMatchObject({ size: now.length, xxh128: await xxh128(now), sha256: sha256(now) });
    });
  });
});
