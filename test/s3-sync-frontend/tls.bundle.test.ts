import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
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
let endpoint: string;
const seen: string[] = [];

beforeAll(async () => {
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=localhost',
    '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost',
    '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem'),
  ], { stdio: 'ignore' }); // prettier-ignore
  const upstream = new URL(moto.endpoint);
  server = https.createServer(
    { key: readFileSync(path.join(dir, 'key.pem')), cert: readFileSync(path.join(dir, 'cert.pem')) },
    (req, res) => {
      seen.push(`${req.method} ${req.url}`);
      const forward = http.request(
        { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      forward.on('error', () => res.destroy());
      req.pipe(forward);
    },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `https://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

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
});
