import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import {
  batchPaths,
  callerReference,
  collapsePaths,
  covers,
  describePlan,
  isRetryable,
  isWildcard,
  pathSetHash,
  planInvalidation,
  removeCovered,
} from '@allthrive/cloudfront-invalidate';

const coveredBy = (set: string[], path: string) => set.some((entry) => covers(entry, path));

describe('removeCovered', () => {
  it('drops paths a wildcard in the list already covers, and duplicates', () => {
    expect(removeCovered(['/assets/app.js', '/assets/*', '/index.html', '/assets/img/logo.png', '/index.html']).sort()).toEqual([
      '/assets/*',
      '/index.html',
    ]);
    expect(removeCovered(['/a/', '/a/*'])).toEqual(['/a/*']);
    expect(removeCovered(['/x', '/*', '/y/*'])).toEqual(['/*']);
    expect(removeCovered(['/assets/runtime*', '/assets/runtime-main.js', '/assets/other.js']).sort()).toEqual([
      '/assets/other.js',
      '/assets/runtime*',
    ]);
  });
});

describe('collapsePaths', () => {
  it('keeps the paths as they are when they fit in max-paths', () => {
    const paths = ['/', '/index.html', '/about/index.html'];
    expect(collapsePaths(paths, 15)).toEqual({ paths: [...paths].sort(), wildcards: [] });
  });

  it('collapses the deepest, fullest directory first and stops as soon as the set fits', () => {
    const paths = ['/index.html', '/', '/assets/a.js', '/assets/b.js', '/assets/c.js', '/docs/x/1.html', '/docs/x/2.html', '/robots.txt'];
    expect(collapsePaths(paths, 7)).toEqual({
      paths: ['/', '/assets/a.js', '/assets/b.js', '/assets/c.js', '/docs/x/*', '/index.html', '/robots.txt'],
      wildcards: ['/docs/x/*'],
    });
    expect(collapsePaths(paths, 5).paths).toEqual(['/', '/assets/*', '/docs/x/*', '/index.html', '/robots.txt']);
  });

  it('ends at /* only when nothing narrower fits', () => {
    expect(collapsePaths(['/a.html', '/b.html', '/c/d.html'], 2).paths).toEqual(['/*']);
    expect(collapsePaths(['/a/1', '/b/1', '/c/1'], 1).paths).toEqual(['/*']);
  });

  it('never leaves a path uncovered and never exceeds max-paths (property)', () => {
    const segment = fc.constantFrom('a', 'b', 'assets', 'img', 'x y', 'caf%C3%A9', 'index.html', 'app.js', '');
    const path = fc
      .tuple(fc.array(segment, { minLength: 0, maxLength: 5 }), fc.constantFrom('', '', '', '*'))
      .map(([segments, star]) => `/${segments.join('/')}${star}`);
    fc.assert(
      fc.property(fc.array(path, { maxLength: 60 }), fc.integer({ min: 1, max: 20 }), (paths, maxPaths) => {
        const result = collapsePaths(paths, maxPaths);
        expect(result.paths.length).toBeLessThanOrEqual(maxPaths);
        for (const p of paths) expect([p, coveredBy(result.paths, p)]).toEqual([p, true]);
        // No entry is redundant: none is covered by another entry.
        for (const entry of result.paths) expect(result.paths.filter((other) => other !== entry && covers(other, entry))).toEqual([]);
        // When the distinct paths fit, nothing is widened.
        if (removeCovered(paths).length <= maxPaths) expect(result.wildcards).toEqual([]);
      }),
      { numRuns: 500 },
    );
  });

  it('collapses ten thousand chunk paths spread over fifty directories into their common wildcard', () => {
    const paths = Array.from({ length: 10_000 }, (_, i) => `/assets/${i % 50}/chunk-${i}.js`);
    const result = collapsePaths(paths, 15);
    expect(result.paths).toEqual(['/assets/*']);
  });
});

describe('batchPaths', () => {
  it('keeps every batch within 3,000 file paths and 15 wildcards', () => {
    const files = Array.from({ length: 6500 }, (_, i) => `/f/${i}.html`);
    const wild = Array.from({ length: 20 }, (_, i) => `/w${i}/*`);
    const batches = batchPaths([...files, ...wild]);
    expect(batches).toHaveLength(3);
    expect(batches.map((b) => [b.filter(isWildcard).length, b.filter((p) => !isWildcard(p)).length])).toEqual([
      [15, 3000],
      [5, 3000],
      [0, 500],
    ]);
    expect(batches.flat().sort()).toEqual([...files, ...wild].sort());
  });

  it('splits on wildcards alone when there are more than 15', () => {
    const wild = Array.from({ length: 31 }, (_, i) => `/w${i}/*`);
    expect(batchPaths(wild).map((b) => b.length)).toEqual([15, 15, 1]);
  });
});

describe('planInvalidation', () => {
  it('normalizes, de-duplicates, collapses and batches in one pure step', () => {
    expect(planInvalidation(['index.html', '/index.html', '/a b.html'], { maxPaths: 15 })).toEqual([['/a%20b.html', '/index.html']]);
    expect(planInvalidation([], { maxPaths: 15 })).toEqual([]);
    const plan = describePlan(['/assets/a.js', '/assets/b.js', '/index.html'], { maxPaths: 2 });
    expect(plan).toMatchObject({
      inputPaths: ['/assets/a.js', '/assets/b.js', '/index.html'],
      paths: ['/assets/*', '/index.html'],
      collapsedInto: ['/assets/*'],
    });
  });

  it('fails on a bad path before anything else, naming the input', () => {
    expect(() => planInvalidation(['/ok.html', '/a*b'], { maxPaths: 15 })).toThrow(/^Input 'paths' has the path '\/a\*b'/);
  });
});

describe('callerReference', () => {
  const paths = ['/index.html', '/'];
  const step = { runId: '123', runAttempt: '2', job: 'deploy', stepId: 'a1b2c3d4', batchIndex: 0, batchCount: 1, fallback: 'x' };

  it('is gha-<run id>-<attempt>-<job>-<step>-<16 hex of sha256 of the sorted paths>', () => {
    const ref = callerReference(paths, step);
    expect(ref).toBe(`gha-123-2-deploy-a1b2c3d4-${pathSetHash(['/', '/index.html'])}`);
  });

  it("is the same for one step's retries, and differs between two steps, jobs or matrix legs with the same paths", () => {
    expect(callerReference(['/', '/index.html'], step)).toBe(callerReference(['/index.html', '/'], step));
    // two default /* steps in one job, a matrix leg, a reusable workflow called twice: another step value
    expect(callerReference(paths, { ...step, stepId: 'ffff0000' })).not.toBe(callerReference(paths, step));
    expect(callerReference(paths, { ...step, job: 'deploy-eu' })).not.toBe(callerReference(paths, step));
    expect(callerReference(paths, { ...step, runAttempt: '3' })).not.toBe(callerReference(paths, step));
    expect(callerReference(['/other.html'], step)).not.toBe(callerReference(paths, step));
    // under act every run id is 1: the step value still keeps two runs apart
    expect(callerReference(paths, { ...step, runId: '1', stepId: '00000001' })).not.toBe(
      callerReference(paths, { ...step, runId: '1', stepId: '00000002' }),
    );
  });

  it("stays within CloudFront's 128 characters with a long job id, which is reduced to safe characters", () => {
    const ref = callerReference(paths, { ...step, job: `build and deploy ${'x'.repeat(200)}`, batchIndex: 2, batchCount: 3 });
    expect(ref.length).toBeLessThanOrEqual(128);
    expect(ref).toMatch(/^gha-123-2-build_and_deploy_x+-a1b2c3d4-[0-9a-f]{16}-3$/);
  });

  it('numbers batches and uses a given reference as the prefix', () => {
    expect(callerReference(paths, { ...step, batchIndex: 1, batchCount: 3 })).toMatch(/^gha-123-2-deploy-a1b2c3d4-[0-9a-f]{16}-2$/);
    expect(callerReference(paths, { given: 'release-42', batchIndex: 0, batchCount: 1, fallback: 'x' })).toBe('release-42');
    expect(callerReference(paths, { given: 'release-42', batchIndex: 0, batchCount: 2, fallback: 'x' })).toBe('release-42-1');
  });

  it('falls back to a per-invocation value outside GitHub Actions', () => {
    expect(callerReference(paths, { stepId: 'a1b2c3d4', batchIndex: 0, batchCount: 1, fallback: '1700000000000' })).toMatch(
      /^local-1700000000000-a1b2c3d4-[0-9a-f]{16}$/,
    );
  });
});

describe('isRetryable', () => {
  const err = (fields: Record<string, unknown>) => Object.assign(new Error('x'), fields);
  it('retries TooManyInvalidationsInProgress, throttling, 5xx and dropped connections', () => {
    expect(isRetryable(err({ name: 'TooManyInvalidationsInProgress', $metadata: { httpStatusCode: 400 } }))).toBe(true);
    expect(isRetryable(err({ name: 'Throttling', $metadata: { httpStatusCode: 400 } }))).toBe(true);
    expect(isRetryable(err({ name: 'SomethingNew', $metadata: { httpStatusCode: 502 } }))).toBe(true);
    expect(isRetryable(err({ name: 'SomethingNew', $metadata: { httpStatusCode: 429 } }))).toBe(true);
    expect(isRetryable(err({ code: 'ECONNRESET' }))).toBe(true);
    expect(isRetryable(err({ name: 'TimeoutError' }))).toBe(true);
  });
  it('fails at once on mistakes and permission problems', () => {
    for (const name of ['InvalidArgument', 'AccessDenied', 'NoSuchDistribution', 'InvalidationBatchAlreadyExists', 'MissingBody']) {
      expect([name, isRetryable(err({ name, $metadata: { httpStatusCode: 400 } }))]).toEqual([name, false]);
    }
    expect(isRetryable(err({ code: 'ECONNREFUSED' }))).toBe(false);
  });
});
