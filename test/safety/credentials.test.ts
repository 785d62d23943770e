import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { runBundle } from '../harness/bundle.js';
import { FakeAwsError, startFakeAws, type FakeAwsEndpoint } from '../harness/fake-aws.js';
import { makeSite, SITE_V1 } from '../s3-sync-frontend/helpers.js';

// Issue 16.4: a credential failure was reported as `::error title=bucket::... Could not load
// credentials from any providers. Check the endpoint, the network and the AWS region.` Every action
// must say, titled `AWS credentials`, what is missing and how to provide it.

/** An environment with no credentials anywhere the SDK's default chain looks. */
function noCredentials(endpoint: string): Record<string, string | undefined> {
  const home = mkdtempSync(path.join(tmpdir(), 'no-aws-home-'));
  return {
    HOME: home,
    AWS_ACCESS_KEY_ID: undefined,
    AWS_SECRET_ACCESS_KEY: undefined,
    AWS_SESSION_TOKEN: undefined,
    AWS_PROFILE: undefined,
    AWS_CONFIG_FILE: path.join(home, 'config'),
    AWS_SHARED_CREDENTIALS_FILE: path.join(home, 'credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_REGION: 'eu-west-1',
    AWS_ENDPOINT_URL: endpoint,
  };
}

const ACTIONS: [string, Record<string, string>][] = [
  ['s3-sync-frontend', { bucket: 'site' }],
  ['cloudfront-invalidate', { 'distribution-id': 'E2ABCDEF123456', paths: '/*' }],
  ['ecs-deploy-and-wait', { cluster: 'prod', services: 'web' }],
  ['ecs-exec-migrate', { cluster: 'prod', service: 'web', command: 'python manage.py migrate' }],
  ['deploy', { bucket: 'site' }],
];

describe('credential failures are one `AWS credentials` error in every action', () => {
  let fake: FakeAwsEndpoint;
  beforeAll(async () => {
    // ECS (JSON protocol) answers as AWS does to a request signed with an unknown or expired key
    // (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/CommonErrors.html:
    // UnrecognizedClientException / ExpiredTokenException, HTTP 400 / 403).
    fake = await startFakeAws({
      DescribeServices: (_body, request) => {
        const key = /Credential=([^/]+)/.exec(String(request.headers.authorization))?.[1];
        if (key === 'AKIAEXPIRED')
          throw new FakeAwsError('ExpiredTokenException', 'The security token included in the request is expired', 400);
        throw new FakeAwsError('UnrecognizedClientException', 'The security token included in the request is invalid.', 400);
      },
    });
  });
  afterAll(() => fake.close());

  it.each(ACTIONS)('%s without credentials', async (action, inputs) => {
    const before = fake.requests.length;
    const run = await runBundle(action, { inputs, env: noCredentials(fake.endpoint), workspace: makeSite(SITE_V1) });
    try {
      expect(run.exitCode).toBe(1);
      expect(run.errors).toHaveLength(1);
      expect(run.errors[0].properties.title).toBe('AWS credentials');
      expect(run.errors[0].message).toMatch(/^No AWS credentials were found/);
      expect(run.errors[0].message).toContain('aws-actions/configure-aws-credentials');
      expect(run.errors[0].message).toContain('id-token: write');
      expect(run.errors[0].message).not.toMatch(/Check the endpoint|bucket/);
      expect(fake.requests.length - before).toBe(0);
    } finally {
      run.cleanup();
    }
  });

  it.each([
    ['AKIAEXPIRED', /^The AWS credentials of this step have expired \(ExpiredTokenException/],
    ['AKIAUNKNOWN', /^AWS rejected the credentials of this step \(UnrecognizedClientException/],
  ])('ecs-deploy-and-wait with the key %s', async (key, message) => {
    const run = await runBundle('ecs-deploy-and-wait', {
      inputs: { cluster: 'prod', services: 'web' },
      env: { ...noCredentials(fake.endpoint), AWS_ACCESS_KEY_ID: key, AWS_SECRET_ACCESS_KEY: 'secret' },
    });
    try {
      expect(run.exitCode).toBe(1);
      expect(run.errors).toHaveLength(1);
      expect(run.errors[0].properties.title).toBe('AWS credentials');
      expect(run.errors[0].message).toMatch(message);
      expect(run.errors[0].message).toContain('configure-aws-credentials');
    } finally {
      run.cleanup();
    }
  });
});
