import { expect } from '@jest/globals';
import type { Moto } from '../../harness/moto.js';
import { expectedObjects, readBucket } from './bucket.js';
import { describeRun, expectFailedWithOneError, type CheckedResult } from './run.js';
import { FIXTURE } from './seed.js';

/**
 * The frontend invariant of every suite that deploys the site under faults: a run that succeeded
 * left the bucket byte-identical to `next`; one that failed said why in one error and left
 * `previous`'s index.html live (never new HTML over missing assets or backend). Returns whether
 * the run succeeded, for the suite's own extra checks and its results row.
 */
export async function expectNextLiveOrPreviousHtml(
  moto: Moto,
  run: CheckedResult,
  details: string,
  previous: Record<string, string>,
  next: Record<string, string>,
): Promise<boolean> {
  const bucket = await readBucket(moto, FIXTURE.bucket);
  if (run.exitCode === 0) {
    expect(bucket).toEqual(expectedObjects(next));
    return true;
  }
  expectFailedWithOneError(run, details);
  expect(bucket['index.html'].body).toBe(previous['index.html']);
  return false;
}

/** A re-run without faults completes the deploy: exit 0 and the bucket byte-identical to `next`. */
export async function expectRerunCompletes(moto: Moto, rerun: CheckedResult, next: Record<string, string>): Promise<void> {
  expect({ exit: rerun.exitCode, details: describeRun(rerun) }).toMatchObject({ exit: 0 });
  expect(await readBucket(moto, FIXTURE.bucket)).toEqual(expectedObjects(next));
}
