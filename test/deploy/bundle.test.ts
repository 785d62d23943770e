import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { runBundle } from '../harness/bundle.js';

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
