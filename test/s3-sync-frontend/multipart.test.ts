import { describe, expect, it } from '@jest/globals';
import { MAX_PARTS, PART_SIZE, multipartPartSize } from '@allthrive/s3-sync-frontend';

const MIB = 1024 * 1024;
const GIB = 1024 * MIB;

describe('multipart part size', () => {
  it("is S3's 5 MiB minimum for every file that fits in 10,000 such parts (a 1 GiB file: 205 parts)", () => {
    expect(multipartPartSize(16 * MIB + 1)).toBe(PART_SIZE);
    expect(multipartPartSize(GIB)).toBe(PART_SIZE);
    expect(Math.ceil(GIB / multipartPartSize(GIB))).toBe(205);
    expect(multipartPartSize(MAX_PARTS * PART_SIZE)).toBe(PART_SIZE);
  });

  it('grows by whole MiB above 48.8 GiB, so a file up to S3s 5 TiB limit fits in 10,000 parts instead of failing at part 10,001', () => {
    for (const size of [MAX_PARTS * PART_SIZE + 1, 60 * GIB, 1024 * GIB, 5 * 1024 * GIB]) {
      const part = multipartPartSize(size);
      expect(part % MIB).toBe(0);
      expect(Math.ceil(size / part)).toBeLessThanOrEqual(MAX_PARTS);
      expect(Math.ceil(size / (part - MIB))).toBeGreaterThan(MAX_PARTS); // the smallest such size
    }
    expect(multipartPartSize(MAX_PARTS * PART_SIZE + 1)).toBe(6 * MIB);
  });
});
