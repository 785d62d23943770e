import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { runBundle } from '../harness/bundle.js';
import { startFakeAws, type FakeAwsEndpoint } from '../harness/fake-aws.js';
import { TEST_CREDENTIALS, useMoto } from '../harness/moto.js';
import { BUCKET, createBucket, listKeys, makeSite, SITE_V1 } from '../s3-sync-frontend/helpers.js';
import { startSite, type Site } from '../seo-validate/site-server.js';

// Issue 16.1: the runner only warns about an input its action.yml does not declare (act does not
// even warn), so a typo silently fell back to the default. Every action must refuse it before any
// request, naming the input as written and the closest declared one.

const moto = useMoto();

describe('a misspelled input', () => {
  it("s3-sync-frontend with `prefx: app` and `delete: true` deletes nothing and says `Did you mean 'prefix'?`", async () => {
    const s3 = await createBucket(moto);
    const other = new S3Client(moto.clientConfig);
    await other.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'otherapp/index.html', Body: '<p>other app</p>' }));
    await other.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'otherapp/data.json', Body: '{"other":true}' }));
    const workspace = makeSite(SITE_V1);
    const result = await runBundle('s3-sync-frontend', {
      inputs: { bucket: BUCKET, prefx: 'app', delete: 'true' },
      env: moto.env,
      workspace,
    });
    expect(result.exitCode).toBe(1);
    expect(result.errors).toHaveLength(1);
    expect(result.errors[0].properties.title).toBe('prefx');
    expect(result.errors[0].message).toContain("Unknown input 'prefx'. Did you mean 'prefix'?");
    expect([...(await listKeys(s3)).keys()].sort()).toEqual(['otherapp/data.json', 'otherapp/index.html']);
    const kept = await other.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'otherapp/data.json' }));
    expect(await kept.Body?.transformToString()).toBe('{"other":true}');
    result.cleanup();
  });

  it('s3-sync-frontend with `sorce:` names `sorce`, not only the missing default folder', async () => {
    await createBucket(moto);
    const workspace = makeSite(SITE_V1);
    mkdirSync(path.join(workspace, 'build'));
    writeFileSync(path.join(workspace, 'build', 'index.html'), '<p>x</p>');
    const result = await runBundle('s3-sync-frontend', { inputs: { bucket: BUCKET, sorce: 'build' }, env: moto.env, workspace });
    expect(result.exitCode).toBe(1);
    expect(result.errors.map((e) => e.message).join('\n')).toMatch(/Unknown input 'sorce'\. Did you mean 'source'\?/);
    expect((await listKeys(new S3Client(moto.clientConfig))).size).toBe(0);
    result.cleanup();
  });
});

describe('every action refuses an unknown input before any request', () => {
  let fake: FakeAwsEndpoint;
  let site: Site;
  beforeAll(async () => {
    fake = await startFakeAws({});
    site = await startSite();
  });
  afterAll(async () => {
    await fake.close();
    await site.close();
  });
  const awsEnv = () => ({ ...TEST_CREDENTIALS, AWS_ENDPOINT_URL: fake.endpoint });

  it.each([
    ['s3-sync-frontend', { bucket: 'site', 'cache-contol': '*.html: no-cache' }, 'cache-contol', 'cache-control'],
    ['cloudfront-invalidate', { 'distribution-id': 'E2ABCDEF123456', path: '/index.html' }, 'path', 'paths'],
    ['ecs-deploy-and-wait', { cluster: 'prod', services: 'web', timout: '5m' }, 'timout', 'timeout'],
    [
      'ecs-exec-migrate',
      { cluster: 'prod', service: 'web', command: 'python manage.py migrate', containr: 'app' },
      'containr',
      'container',
    ],
    ['deploy', { bucket: 'site', 'invalidate-path': '/*' }, 'invalidate-path', 'invalidate-paths'],
  ])('%s', async (action, inputs, typo, declared) => {
    const before = fake.requests.length;
    const workspace = makeSite(SITE_V1);
    const result = await runBundle(action, { inputs, env: awsEnv(), workspace });
    expect(result.exitCode).toBe(1);
    expect(result.errors).toHaveLength(1);
    expect(result.errors[0].properties.title).toBe(typo);
    expect(result.errors[0].message).toContain(`Unknown input '${typo}'. Did you mean '${declared}'?`);
    expect(fake.requests.length - before).toBe(0);
    result.cleanup();
  });

  it('seo-validate, with the runner’s mangling: `fail_on` is reported as written and matched to `fail-on`', async () => {
    const before = site.requests.length;
    const result = await runBundle('seo-validate', { inputs: { url: site.url, fail_on: 'warning' } });
    expect(result.exitCode).toBe(1);
    expect(result.errors).toHaveLength(1);
    expect(result.errors[0].message).toContain("Unknown input 'fail_on'. Did you mean 'fail-on'?");
    expect(site.requests.length - before).toBe(0);
    result.cleanup();
  });

  it('a name far from every declared input lists what the action accepts instead of guessing', async () => {
    const result = await runBundle('ecs-deploy-and-wait', {
      inputs: { cluster: 'prod', services: 'web', 'github-token': 'x' },
      env: awsEnv(),
    });
    expect(result.exitCode).toBe(1);
    expect(result.errors[0].message).toMatch(/^Unknown input 'github-token'\. ecs-deploy-and-wait accepts: cluster, services, /);
    result.cleanup();
  });
});
