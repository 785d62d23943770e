import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import {
  changedPaths,
  decideFile,
  decideStale,
  htmlGroups,
  needsHead,
  parseManifest,
  serializeManifest,
  pathsOfRun,
  RUNS_KEPT,
  trustedRecord,
  type GraceDecision,
  type PlannedFile,
  type RemoteObject,
} from '@allthrive/s3-sync-frontend';

const local = { size: 10, md5: 'a'.repeat(32), sha256: 'f'.repeat(64) };
const desired = { cacheControl: 'no-cache', contentType: 'text/html; charset=utf-8' };
const remote = (over: Partial<RemoteObject> = {}): RemoteObject => ({
  key: 'k',
  size: 10,
  etag: 'a'.repeat(32),
  lastModified: 1000,
  ...over,
});

describe('the diff (decideFile)', () => {
  it('uploads a file that is missing or has another size, whatever the times say', () => {
    expect(decideFile(local, desired, undefined, undefined)).toEqual({ action: 'upload', reason: 'new' });
    expect(decideFile(local, desired, remote({ size: 11 }), undefined)).toEqual({ action: 'upload', reason: 'size changed' });
  });

  it('compares a plain ETag with the MD5: same size, other content is uploaded', () => {
    expect(decideFile(local, desired, remote({ etag: 'b'.repeat(32) }), { ...desired })).toEqual({
      action: 'upload',
      reason: 'content changed',
    });
  });

  it('keeps a same-content object with the same headers, re-headers one with other headers', () => {
    expect(decideFile(local, desired, remote(), { ...desired })).toEqual({ action: 'unchanged', reason: 'same' });
    expect(decideFile(local, desired, remote(), { ...desired, cacheControl: 'public, max-age=3600' })).toEqual({
      action: 'reheader',
      reason: 'headers changed',
    });
    expect(decideFile(local, desired, remote(), { ...desired, contentType: 'binary/octet-stream' }).action).toBe('reheader');
  });

  it('uses the stored SHA-256 for multipart or KMS ETags, and re-uploads when none is stored', () => {
    const multipart = remote({ etag: 'c'.repeat(32) + '-3' });
    expect(decideFile(local, desired, multipart, { ...desired, sha256: local.sha256 }).action).toBe('unchanged');
    expect(decideFile(local, desired, multipart, { ...desired, sha256: 'e'.repeat(64) })).toEqual({
      action: 'upload',
      reason: 'content changed',
    });
    expect(decideFile(local, desired, multipart, { ...desired })).toEqual({ action: 'upload', reason: 'content not verifiable' });
    // SSE-KMS: a 32-hex ETag that is not the MD5, but the stored SHA-256 proves the content
    const kms = remote({ etag: 'd'.repeat(32) });
    expect(decideFile(local, desired, kms, { ...desired, sha256: local.sha256 }).action).toBe('unchanged');
  });

  it('needs no MD5 when the SHA-256 of a trusted record settles it', () => {
    const noMd5 = { size: 10, sha256: local.sha256 };
    expect(decideFile(noMd5, desired, remote(), { ...desired, sha256: local.sha256 }).action).toBe('unchanged');
    expect(decideFile(noMd5, desired, remote(), { ...desired, sha256: 'e'.repeat(64) }).action).toBe('upload');
  });

  it('trusts a manifest record only for the same ETag, not written after the manifest', () => {
    const record = { etag: 'a'.repeat(32), sha256: local.sha256, ...desired };
    expect(trustedRecord(remote({ lastModified: 1000 }), record, 1000)).toBe(true);
    expect(trustedRecord(remote({ lastModified: 2000 }), record, 1000)).toBe(false);
    expect(trustedRecord(remote({ etag: 'b'.repeat(32) }), record, 5000)).toBe(false);
    expect(trustedRecord(remote(), undefined, 5000)).toBe(false);
    expect(trustedRecord(remote(), record, undefined)).toBe(false);
    expect(needsHead(local, remote(), true)).toBe(false);
    expect(needsHead(local, remote(), false)).toBe(true);
    expect(needsHead(local, remote({ size: 3 }), false)).toBe(false);
    expect(needsHead(local, undefined, false)).toBe(false);
  });

  it('compares LastModified at the one-second resolution of the manifest time, for stores that list milliseconds', () => {
    // The manifest's time comes from the Last-Modified header (whole seconds); S3 lists whole seconds
    // too, but gofakes3 and other S3-compatible stores list milliseconds. An object written in the
    // same second before the manifest is the recorded one, not a later write.
    const record = { etag: 'a'.repeat(32), sha256: local.sha256, ...desired };
    const manifestTime = Date.parse('2026-12-07T11:09:31Z');
    expect(trustedRecord(remote({ lastModified: manifestTime + 514 }), record, manifestTime)).toBe(true);
    expect(trustedRecord(remote({ lastModified: manifestTime + 1000 }), record, manifestTime)).toBe(false);
  });

  it('never reports unchanged when the content differs (property)', () => {
    const hex = (n: number) => fc.stringMatching(new RegExp(`^[0-9a-f]{${n}}$`));
    fc.assert(
      fc.property(
        fc.nat(100),
        fc.nat(100),
        hex(32),
        hex(32),
        hex(64),
        hex(64),
        fc.boolean(),
        (ls, rs, lmd5, etag, lsha, rsha, multipart) => {
          const l = { size: ls, md5: lmd5, sha256: lsha };
          const r = remote({ size: rs, etag: multipart ? `${etag}-2` : etag });
          const decision = decideFile(l, desired, r, { ...desired, sha256: rsha });
          const sameContent = ls === rs && ((!multipart && etag === lmd5) || rsha === lsha);
          if (!sameContent) expect(decision.action).toBe('upload');
          else expect(decision.action).toBe('unchanged');
        },
      ),
    );
  });
});

describe('ordering of HTML', () => {
  it('puts other pages first, then index.html deepest first, the root one last', () => {
    const files = ['index.html', 'docs/index.html', 'about.html', 'docs/api/index.html', 'docs/page.html', 'blog/index.html'].map(
      (path) => ({
        path,
      }),
    );
    expect(htmlGroups(files).map((g) => g.map((f) => f.path).sort())).toEqual([
      ['about.html', 'docs/page.html'],
      ['docs/api/index.html'],
      ['blog/index.html', 'docs/index.html'],
      ['index.html'],
    ]);
  });
});

describe('grace period (decideStale)', () => {
  const day = 86_400_000;
  const stale = [
    { path: 'old.html', key: 'app/old.html', size: 1, hashed: false },
    { path: 'assets/old-BxY3k9_a.js', key: 'app/assets/old-BxY3k9_a.js', size: 1, hashed: true },
  ];

  it('keeps everything, recording since when, when delete is off', () => {
    const decisions = decideStale(stale, new Map(), { now: 10 * day, graceMs: 7 * day, deleteEnabled: false });
    expect(decisions.map((d) => [d.path, d.action, d.staleSince])).toEqual([
      ['old.html', 'keep', 10 * day],
      ['assets/old-BxY3k9_a.js', 'keep', 10 * day],
    ]);
  });

  it('deletes non-hashed objects now and keeps hashed ones until the grace period from first seen stale is over', () => {
    const first = decideStale(stale, new Map(), { now: 10 * day, graceMs: 7 * day, deleteEnabled: true });
    expect(first.map((d) => d.action)).toEqual(['delete', 'keep']);
    expect(first[1].deleteAfter).toBe(17 * day);
    const recorded = new Map([['assets/old-BxY3k9_a.js', 10 * day]]);
    expect(decideStale([stale[1]], recorded, { now: 16 * day, graceMs: 7 * day, deleteEnabled: true })[0].action).toBe('keep');
    expect(decideStale([stale[1]], recorded, { now: 17 * day, graceMs: 7 * day, deleteEnabled: true })[0].action).toBe('delete');
  });

  it('keeps the run records of the most recent runs only', () => {
    const runs = new Map(Array.from({ length: RUNS_KEPT + 5 }, (_, i) => [String(i), new Map([['1', [`/p${i}`]]])] as const));
    const parsed = parseManifest(serializeManifest({ updatedAt: '', objects: new Map(), staleSince: new Map(), runs }));
    expect(parsed.runs.size).toBe(RUNS_KEPT);
    expect(parsed.runs.has('0')).toBe(false);
    expect(pathsOfRun(parsed, { id: String(RUNS_KEPT + 4), attempt: '2' })).toEqual([`/p${RUNS_KEPT + 4}`]);
  });

  it('deletes hashed objects at once with a grace of 0', () => {
    expect(decideStale(stale, new Map(), { now: 1, graceMs: 0, deleteEnabled: true }).map((d) => d.action)).toEqual(['delete', 'delete']);
  });

  it('writes one text for one record, whatever order it was built in: paths in code-unit order, headers indexed in that order', () => {
    const record = (path: string, cacheControl: string, contentType: string) =>
      [path, { etag: `e-${path}`, sha256: `s-${path}`, cacheControl, contentType }] as const;
    const entries = [
      record('a/b.js', 'public, max-age=3600', 'text/javascript; charset=utf-8'),
      record('a.js', 'public, max-age=3600', 'text/javascript; charset=utf-8'),
      record('Z.png', 'public, max-age=3600', 'image/png'),
      record('a-b.js', 'no-cache', 'text/javascript; charset=utf-8'),
      record('\u00e9.html', 'no-cache', 'text/html; charset=utf-8'),
    ];
    const text = (order: typeof entries) =>
      serializeManifest({
        updatedAt: '',
        objects: new Map(order),
        staleSince: new Map([
          ['z.js', 2],
          ['b.js', 1],
        ]),
        runs: new Map(),
      });
    expect(text([...entries].reverse())).toBe(text(entries));
    const file = JSON.parse(text(entries));
    expect(Object.keys(file.objects)).toEqual(['Z.png', 'a-b.js', 'a.js', 'a/b.js', '\u00e9.html']);
    expect(file.headers).toEqual([
      ['public, max-age=3600', 'image/png'],
      ['no-cache', 'text/javascript; charset=utf-8'],
      ['public, max-age=3600', 'text/javascript; charset=utf-8'],
      ['no-cache', 'text/html; charset=utf-8'],
    ]);
    expect(file.objects['a/b.js']).toEqual(['e-a/b.js', 's-a/b.js', 2]);
    expect(Object.keys(file.stale)).toEqual(['b.js', 'z.js']);
  });

  it('round-trips the manifest, including stale times', () => {
    const text = serializeManifest({
      updatedAt: '2026-01-01T00:00:00.000Z',
      objects: new Map([
        ['index.html', { etag: 'e1', sha256: 's1', cacheControl: 'no-cache', contentType: 'text/html; charset=utf-8' }],
        ['a.html', { etag: 'e2', sha256: 's2', cacheControl: 'no-cache', contentType: 'text/html; charset=utf-8', xxh128: 'x2' }],
      ]),
      staleSince: new Map([['assets/old-BxY3k9_a.js', Date.parse('2026-01-01T00:00:00.000Z')]]),
      runs: new Map([
        [
          '4242',
          new Map([
            ['1', ['/', '/index.html']],
            ['2', ['/robots.txt']],
          ]),
        ],
      ]),
    });
    const parsed = parseManifest(text);
    // attempt 3 gets what attempts 1 and 2 changed; attempt 2 only what attempt 1 changed; another run nothing
    expect(pathsOfRun(parsed, { id: '4242', attempt: '3' })).toEqual(['/', '/index.html', '/robots.txt']);
    expect(pathsOfRun(parsed, { id: '4242', attempt: '2' })).toEqual(['/', '/index.html']);
    expect(pathsOfRun(parsed, { id: '4242', attempt: '1' })).toEqual([]);
    expect(pathsOfRun(parsed, { id: '1', attempt: '2' })).toEqual([]);
    // a manifest written before run records existed still parses
    expect(parseManifest(JSON.stringify({ ...JSON.parse(text), runs: undefined })).runs.size).toBe(0);
    expect(parsed.objects.get('a.html')).toEqual({
      etag: 'e2',
      sha256: 's2',
      cacheControl: 'no-cache',
      contentType: 'text/html; charset=utf-8',
      xxh128: 'x2',
    });
    // a record of an earlier version has no XXH3-128 (the next deploy computes the SHA-256 to compare)
    expect(parsed.objects.get('index.html')).not.toHaveProperty('xxh128');
    expect(JSON.parse(text).objects['index.html']).toHaveLength(3);
    expect(JSON.parse(text).headers).toHaveLength(1);
    expect(parsed.staleSince.get('assets/old-BxY3k9_a.js')).toBe(Date.parse('2026-01-01T00:00:00.000Z'));
    expect(() => parseManifest('{"format":"other"}')).toThrow(/unknown format/);
  });
});

describe('changed paths', () => {
  const file = (key: string, action: PlannedFile['action'], existed: boolean) => ({ key, action, existed }) as PlannedFile;
  const gone = (key: string, action: GraceDecision['action']) => ({ key, action }) as GraceDecision;

  it('lists overwritten, re-headered and deleted objects and the directory of a changed index.html, not new files (not even a new index.html)', () => {
    const paths = changedPaths({
      files: [
        file('app/index.html', 'upload', true),
        file('app/assets/new-BxY3k9_a.js', 'upload', false),
        file('app/robots.txt', 'reheader', true),
        file('app/favicon.ico', 'unchanged', true),
        file('app/docs/index.html', 'upload', false),
        file('app/a b.txt', 'upload', true),
      ],
      stale: [gone('app/old.html', 'delete'), gone('app/assets/old-BxY3k9_a.js', 'keep')],
    });
    expect(paths).toEqual(['/app', '/app/', '/app/a%20b.txt', '/app/index.html', '/app/old.html', '/app/robots.txt']);
  });

  it('a changed docs/index.html invalidates /docs, /docs/ and /docs/index.html (CloudFront caches each apart)', () => {
    expect(changedPaths({ files: [file('docs/index.html', 'upload', true)], stale: [] })).toEqual(['/docs', '/docs/', '/docs/index.html']);
    expect(changedPaths({ files: [file('index.html', 'upload', true)], stale: [] })).toEqual(['/', '/index.html']);
    expect(changedPaths({ files: [], stale: [gone('docs/index.html', 'delete')] })).toEqual(['/docs', '/docs/', '/docs/index.html']);
  });

  it('deleted content-hashed files are not listed (no viewer is sent to them by a live page), deleted non-hashed ones are', () => {
    const hashedGone = (key: string) => ({ key, action: 'delete', hashed: true }) as GraceDecision;
    const assets = Array.from({ length: 20 }, (_, i) => hashedGone(`assets/chunk-${i}-BxY3k9_a.js`));
    expect(changedPaths({ files: [], stale: [...assets, { ...gone('old.html', 'delete'), hashed: false }] })).toEqual(['/old.html']);
  });
});
