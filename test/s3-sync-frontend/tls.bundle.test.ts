import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CreateBucketCommand, GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { MANIFEST_NAME } from '@allthrive/s3-sync-frontend';
import { runBundle } from '../harness/bundle.js';
import { useMoto } from '../harness/moto.js';
import { BUCKET, SITE_V1, createBucket, head, makeSite, text, touchAll } from './helpers.js';

// S3 is reached over HTTPS in production: the direct requests (direct-s3.ts) then go through
// node:https and its TLS, which moto (plain HTTP) does not exercise. Here a TLS endpoint with a
// certificate of its own, trusted through NODE_EXTRA_CA_CERTS as a runner would trust a CA, stands
// in front of moto; the bundle deploys through it.
const moto = useMoto();
const dir = mkdtempSync(path.join(tmpdir(), 's3-tls-'));
let server: https.Server;
let plain: http.Server;
let endpoint: string;
let plainEndpoint: string;
const seen: string[] = [];
/** The payload hash and checksum headers of every UploadPart, over either endpoint. */
const parts: { protocol: string; part: number; contentSha256?: string; crc32?: string; denied?: boolean; failed?: boolean }[] = [];
/** Answers an UploadPart with an unsigned payload as S3 does under a bucket policy that denies them. */
let denyUnsignedParts = false;
/**
 * Holds the first attempt at part 1 until a signed part arrives (the client has seen a refusal by
 * then), then fails it with a 500 InternalError, which the SDK retries.
 */
let failPartOneOnceAfterRefusal = false;
let heldPartOne: (() => void) | undefined;

beforeAll(async () => {
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=localhost',
    '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost',
    '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem'),
  ], { stdio: 'ignore' }); // prettier-ignore
  const upstream = new URL(moto.endpoint);
  const forwarder =
    (protocol: string): http.RequestListener =>
    (req, res) => {
      seen.push(`${req.method} ${req.url}`);
      if (req.method === 'PUT' && /[?&]partNumber=/.test(req.url ?? '')) {
        const contentSha256 = req.headers['x-amz-content-sha256'] as string | undefined;
        const part = Number(new URL(req.url ?? '', 'http://x').searchParams.get('partNumber'));
        const crc32 = req.headers['x-amz-checksum-crc32'] as string | undefined;
        if (failPartOneOnceAfterRefusal && part === 1 && !parts.some((p) => p.part === 1)) {
          parts.push({ protocol, part, contentSha256, crc32, failed: true });
          req.resume();
          heldPartOne = () => {
            res.writeHead(500, { 'content-type': 'application/xml' });
            res.end(
              '<?xml version="1.0" encoding="UTF-8"?><Error><Code>InternalError</Code><Message>We encountered an internal error.</Message></Error>',
            );
          };
          return;
        }
        if (heldPartOne && contentSha256 !== 'UNSIGNED-PAYLOAD') {
          heldPartOne();
          heldPartOne = undefined;
        }
        const denied = denyUnsignedParts && contentSha256 === 'UNSIGNED-PAYLOAD';
        parts.push({ protocol, part, contentSha256, crc32, denied });
        if (denied) {
          req.resume();
          res.writeHead(403, { 'content-type': 'application/xml' });
          res.end('<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>');
          return;
        }
      }
      const forward = http.request(
        { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      forward.on('error', () => res.destroy());
      req.pipe(forward);
    };
  server = https.createServer(
    { key: readFileSync(path.join(dir, 'key.pem')), cert: readFileSync(path.join(dir, 'cert.pem')) },
    forwarder('https'),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `https://127.0.0.1:${(server.address() as { port: number }).port}`;
  plain = http.createServer(forwarder('http'));
  await new Promise<void>((resolve) => plain.listen(0, '127.0.0.1', resolve));
  plainEndpoint = `http://127.0.0.1:${(plain.address() as { port: number }).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  plain.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await new Promise((resolve) => plain.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/**
 * Deploys one file over the 16 MiB threshold (four parts of 5 MiB) through the HTTPS or the plain
 * endpoint under `prefix`; returns the SHA-256 of the file and of the object S3 then holds.
 */
async function deployLargeFile(protocol: 'https' | 'http', prefix: string): Promise<{ sent: string; stored: string }> {
  const s3 = new S3Client(moto.clientConfig);
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET })).catch(() => undefined); // made by an earlier test when it ran
  const film = randomBytes(17 * 1024 * 1024 + 1);
  const env =
    protocol === 'https'
      ? { AWS_ENDPOINT_URL: endpoint, NODE_EXTRA_CA_CERTS: path.join(dir, 'cert.pem') }
      : { AWS_ENDPOINT_URL: plainEndpoint };
  const run = await runBundle('s3-sync-frontend', {
    inputs: { bucket: BUCKET, prefix },
    env: { ...moto.env, ...env },
    workspace: makeSite({ 'media/film.mp4': film }),
  });
  expect(run.errors).toEqual([]);
  run.cleanup();
  const object = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: `${prefix}media/film.mp4` }));
  return { sent: sha256(film), stored: sha256(await object.Body!.transformToByteArray()) };
}

describe('dist/s3-sync-frontend over HTTPS', () => {
  it('deploys and redeploys through a TLS endpoint: the direct requests go over TLS and never hand over to the SDK', async () => {
    const s3 = await createBucket(moto);
    const workspace = makeSite(SITE_V1);
    const env = { ...moto.env, AWS_ENDPOINT_URL: endpoint, NODE_EXTRA_CA_CERTS: path.join(dir, 'cert.pem') };
    const first = await runBundle('s3-sync-frontend', { inputs: { bucket: BUCKET }, env, workspace });
    expect(first.errors).toEqual([]);
    expect(first.outputs).toMatchObject({ uploaded: String(Object.keys(SITE_V1).length) });
    first.cleanup();

    writeFileSync(path.join(workspace, 'dist', 'index.html'), '<p>over TLS</p>');
    touchAll(path.join(workspace, 'dist'));
    seen.length = 0;
    const redeploy = await runBundle('s3-sync-frontend', { inputs: { bucket: BUCKET }, env, workspace });
    expect(redeploy.errors).toEqual([]);
    expect(redeploy.outputs).toMatchObject({ uploaded: '1' });
    expect(redeploy.log).not.toMatch(/Direct S3 request not usable/);
    // the direct requests' own shape: no ?x-id=… query, which the SDK adds to its GetObject and
    // PutObject; the manifest is written before the HTML too, recording this run's changed paths
    const manifest = `PUT /${BUCKET}/${MANIFEST_NAME}`;
    expect(seen).toEqual([`GET /${BUCKET}/${MANIFEST_NAME}`, manifest, `PUT /${BUCKET}/index.html`, manifest]);
    redeploy.cleanup();
    expect(await text(s3, 'index.html')).toBe('<p>over TLS</p>');
    expect((await head(s3, 'index.html')).CacheControl).toBe('no-cache');
  });

  it('signs the parts of a large file with UNSIGNED-PAYLOAD over HTTPS (each still carries its CRC32), signs their payload over HTTP, and the file arrives whole', async () => {
    for (const protocol of ['https', 'http'] as const) {
      parts.length = 0;
      const prefix = `large-${protocol}/`;
      const { sent, stored } = await deployLargeFile(protocol, prefix);
      expect(parts).toHaveLength(4);
      for (const part of parts) {
        expect(part.protocol).toBe(protocol);
        expect(part.crc32).toMatch(/^[A-Za-z0-9+/]{6}==$/);
        expect(part.contentSha256).toMatch(protocol === 'https' ? /^UNSIGNED-PAYLOAD$/ : /^[0-9a-f]{64}$/);
      }
      expect(stored).toBe(sent);
    }
  });

  it('sends the parts signed when the bucket refuses unsigned payloads (a policy on s3:x-amz-content-sha256), and the deploy succeeds', async () => {
    parts.length = 0;
    denyUnsignedParts = true;
    const { sent, stored } = await deployLargeFile('https', 'policy/').finally(() => (denyUnsignedParts = false));
    // the parts in flight when the first refusal came back were refused too; each was sent again
    // signed, and so was every later part. The proxy answers 403 before it has read the body, as S3
    // may: a client still writing can see that as a reset, which is no refusal, and the SDK retries
    // the part unsigned once more if no refusal has come back yet (once in a fresh-clone CI run).
    // So a part is refused at most twice, never after a refusal was seen
    const refused = parts.filter((p) => p.denied);
    const accepted = parts.filter((p) => !p.denied);
    expect(refused.length).toBeGreaterThanOrEqual(1);
    for (const number of [1, 2, 3, 4]) expect(refused.filter((p) => p.part === number).length).toBeLessThanOrEqual(2);
    expect(accepted).toHaveLength(4);
    for (const part of accepted) expect(part.contentSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(stored).toBe(sent);
  });

  it('signs a part retried for another failure once the bucket has refused an unsigned one', async () => {
    parts.length = 0;
    denyUnsignedParts = true;
    failPartOneOnceAfterRefusal = true;
    const { sent, stored } = await deployLargeFile('https', 'policy-retry/').finally(() => {
      denyUnsignedParts = false;
      failPartOneOnceAfterRefusal = false;
    });
    // part 1 went unsigned and failed with a 500 after another part was refused; the SDK's retry of
    // it must go signed, not with the unsigned payload hash of its first attempt
    expect(
      parts.filter((p) => p.part === 1).map((p) => [p.failed ?? false, p.denied ?? false, p.contentSha256 === 'UNSIGNED-PAYLOAD']),
    ).toEqual([
      [true, false, true],
      [false, false, false],
    ]);
    expect(
      parts
        .filter((p) => !p.denied && !p.failed)
        .map((p) => p.part)
        .sort(),
    ).toEqual([1, 2, 3, 4]);
    expect(stored).toBe(sent);
  });
});
