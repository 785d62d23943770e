import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { runBundle } from '../harness/bundle.js';
import { startFaultProxy } from '../harness/fault-proxy.js';
import { useMoto } from '../harness/moto.js';
import { BUCKET, SITE_V1, createBucket, makeSite, text, touchAll } from '../s3-sync-frontend/helpers.js';

describe('root action bundle (dist/deploy under Node 24)', () => {
  let server: Server;
  let endpoint = '';
  const requests: string[] = [];
  beforeAll(async () => {
    server = createServer((request, response) => {
      requests.push(`${request.method} ${request.url}`);
      response.writeHead(500).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    endpoint = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it.each([
    [
      { bucket: 'site', cluster: 'c', services: 'web', 'deploy-timeout': 'soon' },
      'deploy-timeout',
      "Input 'deploy-timeout' has the value 'soon'",
    ],
    [{ bucket: 'site', 'stack-name': 'production-allthrive', 'invalidate-paths': '/a*b' }, 'invalidate-paths', "'invalidate-paths'"],
    [
      { cluster: 'c', services: 'web', 'migrate-command': 'python manage.py migrate', 'migrate-mode': 'ssh' },
      'migrate-mode',
      '`exec`, `run-task`',
    ],
    // Before the switch no task runs the new revision: ECS Exec would migrate with the old code.
    [
      { cluster: 'c', services: 'web', image: 'repo:1', 'migrate-command': 'm', 'migrate-when': 'before', 'migrate-mode': 'exec' },
      'migrate-mode',
      "Input 'migrate-when' is 'before' and 'migrate-mode' is 'exec'",
    ],
    [{ cluster: 'c', services: 'web', 'migrate-command': 'm', 'migrate-when': 'before' }, 'migrate-when', "no 'image' was given"],
    [
      { cluster: 'c', services: 'web', image: 'repo:1', 'migrate-command': 'm', 'migrate-when': 'before', 'migrate-service': 'worker' },
      'migrate-service',
      "which is not one of 'services' (web)",
    ],
  ])('rejects a bad input before any AWS request: %j', async (inputs, input, message) => {
    requests.length = 0;
    const result = await runBundle('deploy', {
      inputs,
      env: { AWS_ENDPOINT_URL: endpoint, AWS_ACCESS_KEY_ID: 'k', AWS_SECRET_ACCESS_KEY: 's', AWS_REGION: 'us-east-1' },
    });
    try {
      expect(result.exitCode).toBe(1);
      expect(result.errors).toHaveLength(1);
      expect(result.errors[0].properties.title).toBe(input);
      expect(result.errors[0].message).toContain(message);
      expect(requests).toEqual([]);
      expect(result.outputs).toEqual({});
    } finally {
      result.cleanup();
    }
  });
});

describe('root action bundle: the frontend’s requests', () => {
  const moto = useMoto();

  // The same direct requests as s3-sync-frontend's (direct-s3.ts) where they certainly reach what
  // the SDK would: a redeploy's manifest GET and PUTs go without the SDK, which adds ?x-id=… to its
  // GetObject and PutObject.
  it('a frontend-only redeploy sends its GetObject and PutObjects direct, as s3-sync-frontend does', async () => {
    const s3 = await createBucket(moto);
    const workspace = makeSite(SITE_V1);
    const proxy = await startFaultProxy({ upstream: moto.endpoint });
    try {
      const env = { ...moto.env, AWS_ENDPOINT_URL: proxy.endpoint };
      const first = await runBundle('deploy', { inputs: { bucket: BUCKET }, env, workspace });
      expect(first.errors).toEqual([]);
      first.cleanup();
      writeFileSync(path.join(workspace, 'dist', 'index.html'), '<p>v2</p>');
      touchAll(path.join(workspace, 'dist'));
      proxy.clear();
      const redeploy = await runBundle('deploy', { inputs: { bucket: BUCKET }, env, workspace });
      expect(redeploy.errors).toEqual([]);
      expect(redeploy.outputs['frontend-uploaded']).toBe('1');
      expect(redeploy.log).not.toMatch(/Direct S3 request not usable/);
      const sent = proxy.requests.map((r) => `${r.operation}${r.query.includes('x-id=') ? ' (SDK)' : ''}`);
      expect(sent).toEqual(['GetObject', 'PutObject', 'PutObject', 'PutObject']);
      redeploy.cleanup();
    } finally {
      await proxy.close();
    }
    expect(await text(s3, 'index.html')).toBe('<p>v2</p>');
  });
});
