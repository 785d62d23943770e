import { mkdtempSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CreateAccessKeyCommand, CreateUserCommand, IAMClient, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import { CreateBucketCommand, GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { memoryLogger } from '@allthrive/toolkit';
import { DEFAULT_OPTIONS, MANIFEST_NAME, directS3, directTarget, getText, lazyS3Client, type DirectS3 } from '@allthrive/s3-sync-frontend';
import { startMoto, useMoto, type Moto } from '../harness/moto.js';
import { startFaultProxy } from '../harness/fault-proxy.js';
import { BUCKET, SITE_V1, createBucket, deploy, makeSite, recordingClient, touchAll } from './helpers.js';

// GetObject and PutObject as single signed requests without the SDK (direct-s3.ts): taken only
// when they are the expected answer, sent only where they certainly reach what the SDK's requests
// would reach; anything else goes to the SDK, which sends the request again.
const moto = useMoto();
const noConfig = path.join(tmpdir(), 'no-such-aws-config');
const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
const direct = (env: NodeJS.ProcessEnv = moto.env, over: Parameters<typeof directS3>[2] = {}) =>
  directS3(BUCKET, { env }, { configFile: noConfig, ...over }) as DirectS3;

describe('a deploy with direct requests, against moto', () => {
  it('reads the manifest the SDK reads (text, ETag, LastModified)', async () => {
    const s3 = await createBucket(moto);
    await deploy(makeSite(SITE_V1), s3);
    expect(await direct().getText(MANIFEST_NAME)).toEqual({ object: await getText(s3, BUCKET, MANIFEST_NAME) });
  });

  it('a redeploy sends every request direct, and leaves the objects and manifest a deploy through the SDK leaves', async () => {
    const s3 = await createBucket(moto);
    const root = makeSite(SITE_V1);
    await deploy(root, s3, { prefix: 'sdk/' });
    await deploy(root, s3, { prefix: 'direct/' });
    for (const [rel, content] of Object.entries({ 'index.html': '<html>v2</html>', 'assets/app-Zz99Yy88.js': 'console.log(2)' }))
      writeFileSync(path.join(root, 'dist', rel), content);
    touchAll(path.join(root, 'dist'));
    const viaSdk = recordingClient(moto);
    await deploy(root, viaSdk.s3, { prefix: 'sdk/' });
    const viaDirect = recordingClient(moto);
    const { result } = await deploy(root, viaDirect.s3, { prefix: 'direct/' }, { direct: direct() });
    expect(viaDirect.requests).toEqual([]); // not one request through the SDK
    expect(viaSdk.requests.map((r) => r.op)).toEqual(['GetObject', 'PutObject', 'PutObject', 'PutObject', 'PutObject']);
    expect(result).toMatchObject({ uploaded: 2, changedPaths: expect.arrayContaining(['/direct/index.html']) });
    for (const rel of ['index.html', 'assets/app-Zz99Yy88.js']) {
      const [a, b] = await Promise.all(
        ['sdk/', 'direct/'].map((prefix) => s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: prefix + rel, ChecksumMode: 'ENABLED' }))),
      );
      for (const field of ['ContentType', 'CacheControl', 'Metadata', 'ContentLength', 'ETag', 'ChecksumSHA256'] as const)
        expect(b[field]).toEqual(a[field]);
    }
    const manifests = await Promise.all(['sdk/', 'direct/'].map((prefix) => getText(s3, BUCKET, prefix + MANIFEST_NAME)));
    const objects = (text: string) => JSON.parse(text).objects;
    expect(objects(manifests[1]!.text)).toEqual(objects(manifests[0]!.text));
  });

  it('says there is no object on a NoSuchKey; leaves a missing bucket to the SDK (whose listing names the input)', async () => {
    await createBucket(moto);
    await expect(direct().getText(`new/${MANIFEST_NAME}`)).resolves.toEqual({ object: undefined });
    const other = directS3('no-such-bucket', { env: moto.env }, { configFile: noConfig }) as DirectS3;
    await expect(other.getText(MANIFEST_NAME)).resolves.toBeUndefined();
  });

  it('a request that is not usable hands it, and every later one, to the SDK, which deploys as if alone', async () => {
    const s3 = await createBucket(moto);
    const root = makeSite(SITE_V1);
    const logger = memoryLogger();
    // the first PutObject through this proxy is answered 503 SlowDown: the direct request is not retried
    const proxy = await startFaultProxy({
      upstream: moto.endpoint,
      seed: 1,
      rules: [{ fault: 'slowdown', operation: 'PutObject', times: 1 }],
    });
    try {
      const flaky = directS3(
        BUCKET,
        { env: { ...moto.env, AWS_ENDPOINT_URL: proxy.endpoint } },
        { configFile: noConfig, logger },
      ) as DirectS3;
      const viaSdk = recordingClient(moto);
      const { result } = await deploy(root, viaSdk.s3, {}, { direct: flaky });
      expect(result.uploaded).toBe(Object.keys(SITE_V1).length);
      expect(logger.text()).toMatch(
        /Direct S3 request not usable \(PutObject .*HTTP 503\): this and every later request of the deploy go through the AWS SDK/,
      );
      // the direct PUTs already in flight finish; the failed one and every later write go through the SDK
      const failed = proxy.faults()[0];
      const sdkPuts = viaSdk.requests.filter((r) => r.op === 'PutObject').map((r) => r.key);
      expect(sdkPuts).toContain(decodeURIComponent(failed.path.replace(`/${BUCKET}/`, '')));
      expect(sdkPuts).toEqual(expect.arrayContaining(['index.html', MANIFEST_NAME]));
      expect(proxy.count('PutObject', { all: true })).toBeLessThanOrEqual(DEFAULT_OPTIONS.concurrency); // at most one round in flight
    } finally {
      await proxy.close();
    }
    const index = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'index.html' }));
    expect(await index.Body?.transformToString()).toBe(SITE_V1['index.html']);
  });

  it('the action’s lazy client builds the SDK client only when a request needs it, once', async () => {
    const built = lazyS3Client({ env: moto.env, region: 'us-east-1', endpointUrl: moto.endpoint });
    const [a, b] = await Promise.all([built(), built()]);
    expect(a).toBe(b);
    expect(a).toBeInstanceOf(S3Client);
  });
});

describe('direct requests: signatures checked by moto with authentication on', () => {
  let authMoto: Moto;
  let keys: { AWS_ACCESS_KEY_ID: string; AWS_SECRET_ACCESS_KEY: string };
  beforeAll(async () => {
    // moto checks SigV4 signatures (botocore's algorithm) and IAM policies once this many actions ran
    authMoto = await startMoto({ serverEnv: { INITIAL_NO_AUTH_ACTION_COUNT: '3' } });
    const iam = new IAMClient(authMoto.clientConfig);
    await iam.send(new CreateUserCommand({ UserName: 'deployer' }));
    await iam.send(
      new PutUserPolicyCommand({
        UserName: 'deployer',
        PolicyName: 's3',
        PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }] }),
      }),
    );
    const { AccessKey } = await iam.send(new CreateAccessKeyCommand({ UserName: 'deployer' }));
    keys = { AWS_ACCESS_KEY_ID: AccessKey!.AccessKeyId!, AWS_SECRET_ACCESS_KEY: AccessKey!.SecretAccessKey! };
    await sdkAs(keys).send(new CreateBucketCommand({ Bucket: BUCKET }));
  }, 60_000);
  afterAll(() => authMoto?.stop());

  const sdkAs = (k: typeof keys) =>
    new S3Client({ ...authMoto.clientConfig, credentials: { accessKeyId: k.AWS_ACCESS_KEY_ID, secretAccessKey: k.AWS_SECRET_ACCESS_KEY } });
  const directAs = (over: Record<string, string> = {}) => direct({ ...authMoto.env, ...keys, ...over });
  const KEYS = [MANIFEST_NAME, `site v2/ä+b (1)/it's*!.txt`, 'a/../b/./c.txt'];

  it.each(KEYS)('a signed GET of %s is answered with the object', async (key) => {
    await sdkAs(keys).send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: `{"key":${JSON.stringify(key)}}` }));
    expect((await directAs().getText(key))?.object?.text).toBe(`{"key":${JSON.stringify(key)}}`);
  });

  it.each(KEYS)('a signed PUT of %s lands under exactly that key, with its headers', async (key) => {
    const body = Buffer.from(`put ${key}`);
    const sha256 = (await import('node:crypto')).createHash('sha256').update(body).digest('hex');
    const etag = await directAs().put(key, body, sha256, {
      ContentType: 'text/plain; charset=utf-8',
      CacheControl: 'no-cache',
      Metadata: { sha256 },
      ChecksumSHA256: Buffer.from(sha256, 'hex').toString('base64'),
    });
    expect(etag).toMatch(/^[0-9a-f]{32}$/);
    const object = await sdkAs(keys).send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
    expect(await object.Body?.transformToString()).toBe(`put ${key}`);
    expect(object).toMatchObject({ ContentType: 'text/plain; charset=utf-8', CacheControl: 'no-cache', Metadata: { sha256 } });
  });

  it('requests signed with a wrong secret are refused by moto, and left to the SDK', async () => {
    const wrong = directAs({ AWS_SECRET_ACCESS_KEY: 'not-the-secret' });
    await expect(wrong.getText(MANIFEST_NAME)).resolves.toBeUndefined();
    await expect(
      directAs({ AWS_SECRET_ACCESS_KEY: 'not-the-secret' }).put('x.txt', Buffer.from('x'), EMPTY_SHA256, {}),
    ).resolves.toBeUndefined();
  });
});

describe('directTarget: direct requests only where the SDK would send its own', () => {
  const env = { AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'secret', AWS_REGION: 'eu-west-1' };

  it('S3 itself: virtual-hosted in the region, with the environment keys and session token', () => {
    const target = directTarget('my-site', { env: { ...env, AWS_SESSION_TOKEN: 'token' } }, { configFile: noConfig });
    expect(target?.url.href).toBe('https://my-site.s3.eu-west-1.amazonaws.com/');
    expect(target).toMatchObject({ region: 'eu-west-1', credentials: { accessKeyId: 'AKIDEXAMPLE', sessionToken: 'token' } });
  });

  it('an overridden endpoint, path-style, as the action’s S3 client addresses it (endpoint-url, then AWS_ENDPOINT_URL_S3)', () => {
    expect(directTarget('my-site', { env, endpointUrl: 'http://127.0.0.1:9000/base/' }, { configFile: noConfig })?.url.href).toBe(
      'http://127.0.0.1:9000/base/my-site/',
    );
    expect(
      directTarget('my-site', { env: { ...env, AWS_ENDPOINT_URL_S3: 'https://s3.example.test' } }, { configFile: noConfig })?.url.href,
    ).toBe('https://s3.example.test/my-site/');
  });

  const configFile = path.join(mkdtempSync(path.join(tmpdir(), 'aws-config-')), 'config');
  writeFileSync(configFile, '[default]\nendpoint_url = https://elsewhere.test\n');
  it.each<[string, Record<string, string>, string?]>([
    ['no keys in the environment (a role, SSO, instance credentials)', { AWS_ACCESS_KEY_ID: '' }],
    ['AWS_PROFILE naming a profile (the SDK then skips the environment keys)', { AWS_PROFILE: 'deploy' }],
    ['FIPS endpoints', { AWS_USE_FIPS_ENDPOINT: 'true' }],
    ['dual-stack endpoints', { AWS_USE_DUALSTACK_ENDPOINT: 'true' }],
    ['no region', { AWS_REGION: '' }],
    ['a region outside the commercial partition (China)', { AWS_REGION: 'cn-north-1' }],
    ['a region outside the commercial partition (GovCloud)', { AWS_REGION: 'us-gov-west-1' }],
    ['a bucket name with dots (no wildcard certificate covers it)', {}, 'www.example.com'],
    ['an access point ARN as the bucket', {}, 'arn:aws:s3:eu-west-1:123456789012:accesspoint/site'],
    ['an AWS config file, which may name another endpoint', { AWS_CONFIG_FILE: configFile }],
  ])('none with %s', (_why, over, bucket = 'my-site') => {
    expect(directTarget(bucket, { env: { ...env, ...over } }, over.AWS_CONFIG_FILE ? {} : { configFile: noConfig })).toBeUndefined();
  });
});

describe('direct requests to a server that does not answer', () => {
  it('give up after the idle timeout, and on cancellation, leaving the request to the SDK', async () => {
    const held: http.ServerResponse[] = [];
    const server = http.createServer((_req, res) => held.push(res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const endpointUrl = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    const env = { AWS_ACCESS_KEY_ID: 'a', AWS_SECRET_ACCESS_KEY: 'b', AWS_REGION: 'us-east-1' };
    try {
      const slow = directS3(BUCKET, { env, endpointUrl }, { configFile: noConfig, idleMs: 200 }) as DirectS3;
      await expect(slow.getText(MANIFEST_NAME)).resolves.toBeUndefined();
      const controller = new AbortController();
      const cancelled = (directS3(BUCKET, { env, endpointUrl }, { configFile: noConfig }) as DirectS3).getText(
        MANIFEST_NAME,
        controller.signal,
      );
      setTimeout(() => controller.abort(), 50);
      await expect(cancelled).resolves.toBeUndefined();
      expect(held).toHaveLength(2);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});
