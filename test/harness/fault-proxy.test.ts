import { afterAll, beforeAll, beforeEach, describe, expect, test } from '@jest/globals';
import { createServer, type Server } from 'node:http';
import { CloudFormationClient, CreateStackCommand, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { CloudFrontClient, GetDistributionCommand, ListDistributionsCommand } from '@aws-sdk/client-cloudfront';
import { CloudWatchLogsClient, DescribeLogGroupsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { CreateClusterCommand, ECSClient, ListClustersCommand } from '@aws-sdk/client-ecs';
import {
  CopyObjectCommand,
  CreateBucketCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { useMoto } from './moto.js';
import { seededRandom, startFaultProxy, type FaultProxy, type FaultRule } from './fault-proxy.js';
import { loopbackOrigin } from './ports.js';

const moto = useMoto();
let proxy: FaultProxy;

beforeAll(async () => {
  proxy = await startFaultProxy({ upstream: moto.endpoint, seed: 7 });
});
afterAll(async () => {
  await proxy.close();
});
beforeEach(() => {
  proxy.setRules([]);
  proxy.clear();
});

function config(maxAttempts = 1, requestTimeout?: number) {
  return {
    ...moto.clientConfig,
    endpoint: proxy.endpoint,
    maxAttempts,
    retryMode: 'standard' as const,
    ...(requestTimeout ? { requestHandler: new NodeHttpHandler({ requestTimeout, throwOnRequestTimeout: true }) } : {}),
  };
}

const s3 = (maxAttempts = 1, requestTimeout?: number) => new S3Client(config(maxAttempts, requestTimeout));
const ecs = (maxAttempts = 1) => new ECSClient(config(maxAttempts));
const cfn = (maxAttempts = 1) => new CloudFormationClient(config(maxAttempts));
const cloudfront = (maxAttempts = 1) => new CloudFrontClient(config(maxAttempts));
const logs = (maxAttempts = 1) => new CloudWatchLogsClient(config(maxAttempts));

async function failure(promise: Promise<unknown>): Promise<Error & { $metadata?: { httpStatusCode?: number }; code?: string }> {
  try {
    await promise;
  } catch (error) {
    return error as Error & { $metadata?: { httpStatusCode?: number } };
  }
  throw new Error('expected the call to fail');
}

const STACK_TEMPLATE = JSON.stringify({
  Parameters: { DistId: { Type: 'String' } },
  Resources: { Dummy: { Type: 'AWS::CloudFormation::WaitConditionHandle' } },
  Outputs: { DistributionId: { Value: { Ref: 'DistId' } } },
});

describe('operation identification per protocol', () => {
  test('S3 REST by method and path, JSON by X-Amz-Target, query by Action, CloudFront by path', async () => {
    const client = s3();
    await client.send(new CreateBucketCommand({ Bucket: 'site' }));
    await client.send(new PutObjectCommand({ Bucket: 'site', Key: 'assets/a.js', Body: 'a' }));
    await client.send(new HeadObjectCommand({ Bucket: 'site', Key: 'assets/a.js' }));
    await client.send(new CopyObjectCommand({ Bucket: 'site', Key: 'b.js', CopySource: 'site/assets/a.js' }));
    await client.send(new ListObjectsV2Command({ Bucket: 'site' }));
    await client.send(new DeleteObjectsCommand({ Bucket: 'site', Delete: { Objects: [{ Key: 'b.js' }] } }));
    await ecs().send(new CreateClusterCommand({ clusterName: 'c' }));
    await ecs().send(new ListClustersCommand({}));
    await cfn().send(
      new CreateStackCommand({
        StackName: 's',
        TemplateBody: STACK_TEMPLATE,
        Parameters: [{ ParameterKey: 'DistId', ParameterValue: 'E1' }],
      }),
    );
    await cfn().send(new DescribeStacksCommand({ StackName: 's' }));
    await cloudfront().send(new ListDistributionsCommand({}));
    await logs().send(new DescribeLogGroupsCommand({}));

    expect(proxy.requests.map((r) => `${r.service}:${r.operation}:${r.mutating ? 'w' : 'r'}`)).toEqual([
      's3:CreateBucket:w',
      's3:PutObject:w',
      's3:HeadObject:r',
      's3:CopyObject:w',
      's3:ListObjectsV2:r',
      's3:DeleteObjects:w',
      'ecs:CreateCluster:w',
      'ecs:ListClusters:r',
      'cloudformation:CreateStack:w',
      'cloudformation:DescribeStacks:r',
      'cloudfront:ListDistributions:r',
      'logs:DescribeLogGroups:r',
    ]);
    expect(proxy.requests.every((r) => r.forwarded && r.fault === undefined)).toBe(true);
    expect(proxy.mutations().map((r) => r.operation)).toEqual([
      'CreateBucket',
      'PutObject',
      'CopyObject',
      'DeleteObjects',
      'CreateCluster',
      'CreateStack',
    ]);
    expect(proxy.count('PutObject')).toBe(1);
  });
});

describe('injected errors have each protocol’s shape, so the SDK parses them', () => {
  /** Answers every request matching `match` with `fault` and returns the error the SDK made of it: named `code`, HTTP `status`. */
  async function injected(
    match: Partial<FaultRule>,
    fault: FaultRule['fault'],
    call: () => Promise<unknown>,
    code: string,
    status: number,
  ) {
    proxy.setRules([{ ...match, fault }]);
    const error = await failure(call());
    expect(error.name).toBe(code);
    expect(error.$metadata?.httpStatusCode).toBe(status);
    return error;
  }

  const cases: [string, FaultRule['fault'], number][] = [
    ['SlowDown', 'slowdown', 503],
    ['InternalError', 'internal', 500],
    ['ThrottlingException', 'throttle', 400],
  ];
  test.each(cases)('S3 %s (%s, HTTP %d)', async (code, fault, status) => {
    await moto.reset();
    await s3().send(new CreateBucketCommand({ Bucket: 'bkt' }));
    const error = await injected(
      { operation: 'PutObject' },
      fault,
      () => s3().send(new PutObjectCommand({ Bucket: 'bkt', Key: 'k', Body: 'x' })),
      code,
      status,
    );
    expect(error.message).not.toBe('UnknownError');
    // The injected request never reached moto.
    await expect(s3().send(new HeadObjectCommand({ Bucket: 'bkt', Key: 'k' }))).rejects.toMatchObject({ name: 'NotFound' });
  });

  test('an S3 HEAD error has no body and is still classified by status', async () => {
    proxy.setRules([{ fault: 'slowdown', operation: 'HeadObject' }]);
    const error = await failure(s3().send(new HeadObjectCommand({ Bucket: 'bkt', Key: 'k' })));
    expect(error.$metadata?.httpStatusCode).toBe(503);
  });

  test.each([
    ['ServiceUnavailableException', 'slowdown', 503],
    ['InternalFailure', 'internal', 500],
    ['ThrottlingException', 'throttle', 400],
  ] as const)('ECS JSON 1.1 %s', async (code, fault, status) => {
    const error = await injected({ service: 'ecs' }, fault, () => ecs().send(new ListClustersCommand({})), code, status);
    if (fault === 'throttle') expect(error.message).toBe('Rate exceeded');
    else expect(error.message.length).toBeGreaterThan(0);
  });

  test('CloudWatch Logs JSON 1.1 throttling', async () => {
    proxy.setRules([{ fault: 'throttle', operation: 'DescribeLogGroups' }]);
    const error = await failure(logs().send(new DescribeLogGroupsCommand({})));
    expect(error.name).toBe('ThrottlingException');
  });

  test.each([
    ['ServiceUnavailable', 'slowdown', 503],
    ['InternalFailure', 'internal', 500],
    ['Throttling', 'throttle', 400],
  ] as const)('CloudFormation query/XML %s', async (code, fault, status) => {
    const error = await injected(
      { operation: 'DescribeStacks' },
      fault,
      () => cfn().send(new DescribeStacksCommand({ StackName: 'x' })),
      code,
      status,
    );
    expect(error.message).not.toBe('UnknownError');
  });

  test.each([
    ['ServiceUnavailable', 'slowdown', 503],
    ['Throttling', 'throttle', 400],
  ] as const)('CloudFront REST-XML %s', async (code, fault, status) => {
    await injected(
      { operation: 'GetDistribution' },
      fault,
      () => cloudfront().send(new GetDistributionCommand({ Id: 'E123' })),
      code,
      status,
    );
  });

  test('the SDK retries injected throttling and 5xx and recovers', async () => {
    proxy.setRules([
      { fault: 'throttle', service: 'ecs', times: 1 },
      { fault: 'internal', service: 'ecs', times: 1 },
    ]);
    const result = await ecs(3).send(new ListClustersCommand({}));
    expect(result.clusterArns).toBeDefined();
    expect(proxy.requests.map((r) => r.fault ?? 'ok')).toEqual(['throttle', 'internal', 'ok']);
  });
});

describe('connection faults', () => {
  test('reset before forwarding: the request never reaches the upstream', async () => {
    await s3().send(new CreateBucketCommand({ Bucket: 'rrr' }));
    proxy.setRules([{ fault: 'reset-before', operation: 'PutObject' }]);
    const error = await failure(s3().send(new PutObjectCommand({ Bucket: 'rrr', Key: 'k', Body: 'x' })));
    expect(`${error.name} ${error.code ?? ''} ${error.message}`).toMatch(/ECONNRESET|socket hang up/);
    const put = proxy.requests.find((r) => r.operation === 'PutObject');
    expect(put).toMatchObject({ forwarded: false, fault: 'reset-before' });
    expect(put?.status).toBeUndefined();
    await expect(s3().send(new HeadObjectCommand({ Bucket: 'rrr', Key: 'k' }))).rejects.toMatchObject({ name: 'NotFound' });
  });

  test('reset after forwarding: the upstream acted, the answer was lost, the SDK retry repeats the mutation', async () => {
    proxy.setRules([{ fault: 'reset-after', operation: 'CreateCluster', times: 1 }]);
    await ecs(3).send(new CreateClusterCommand({ clusterName: 'twice' }));
    expect(proxy.count('CreateCluster')).toBe(2);
    expect(proxy.requests.filter((r) => r.operation === 'CreateCluster').map((r) => [r.forwarded, r.fault, r.status])).toEqual([
      [true, 'reset-after', undefined],
      [true, undefined, 200],
    ]);
  });

  test('delay past the client timeout: the client gives up though the upstream answered', async () => {
    await s3().send(new CreateBucketCommand({ Bucket: 'ddd' }));
    proxy.setRules([{ fault: 'delay', operation: 'ListObjectsV2', delayMs: 3000 }]);
    const error = await failure(s3(1, 300).send(new ListObjectsV2Command({ Bucket: 'ddd' })));
    expect(error.name).toBe('TimeoutError');
    expect(proxy.requests.find((r) => r.operation === 'ListObjectsV2')).toMatchObject({ forwarded: true, fault: 'delay' });
  });

  test('delay within the client timeout only slows the answer', async () => {
    await s3().send(new CreateBucketCommand({ Bucket: 'dd2' }));
    proxy.setRules([{ fault: 'delay', operation: 'ListObjectsV2', delayMs: 200 }]);
    const result = await s3(1, 5000).send(new ListObjectsV2Command({ Bucket: 'dd2' }));
    expect(result.KeyCount).toBe(0);
  });

  test('a truncated body fails the call; a retry recovers', async () => {
    const client = s3(3);
    await client.send(new CreateBucketCommand({ Bucket: 'ttt' }));
    await client.send(new PutObjectCommand({ Bucket: 'ttt', Key: 'a', Body: 'x'.repeat(5000) }));
    proxy.setRules([{ fault: 'truncate', operation: 'ListObjectsV2', times: 1 }]);
    const error = await failure(s3(1).send(new ListObjectsV2Command({ Bucket: 'ttt' })));
    expect(error).toBeInstanceOf(Error);
    proxy.setRules([{ fault: 'truncate', operation: 'GetObject', times: 1 }]);
    const object = await s3(1).send(new GetObjectCommand({ Bucket: 'ttt', Key: 'a' }));
    // GetObject streams the body to the caller, so the caller sees the cut.
    await expect(object.Body!.transformToString()).rejects.toThrow(/aborted|premature|closed|terminated/i);
    expect(proxy.requests.filter((r) => r.fault === 'truncate').every((r) => r.forwarded && r.status === 200)).toBe(true);
  });
});

describe('rates are seeded and reproducible', () => {
  test('the same seed gives the same schedule', () => {
    const a = seededRandom(42);
    const b = seededRandom(42);
    const c = seededRandom(43);
    const seqA = Array.from({ length: 20 }, a);
    expect(Array.from({ length: 20 }, b)).toEqual(seqA);
    expect(Array.from({ length: 20 }, c)).not.toEqual(seqA);
    expect(seqA.every((x) => x >= 0 && x < 1)).toBe(true);
  });

  test('10% mixed faults on every request: SDK retries (3 attempts) recover every call', async () => {
    const rules: FaultRule[] = [
      { fault: 'slowdown', rate: 0.04 },
      { fault: 'internal', rate: 0.03 },
      { fault: 'reset-before', rate: 0.03 },
    ];
    /** A bucket, 40 objects and a listing, through a fresh proxy seeded 11; returns the proxy (to close) and the listing. */
    const run = async () => {
      const faulty = await startFaultProxy({ upstream: moto.endpoint, seed: 11, rules });
      const client = new S3Client({ ...moto.clientConfig, endpoint: faulty.endpoint, maxAttempts: 3 });
      try {
        await client.send(new CreateBucketCommand({ Bucket: 'rate' }));
        for (let i = 0; i < 40; i++) await client.send(new PutObjectCommand({ Bucket: 'rate', Key: `k${i}`, Body: `v${i}` }));
        const list = await client.send(new ListObjectsV2Command({ Bucket: 'rate' }));
        return { faulty, list };
      } catch (error) {
        await faulty.close();
        throw error;
      }
    };
    const first = await run();
    try {
      expect(first.list.KeyCount).toBe(40);
      expect(first.faulty.faults().length).toBeGreaterThan(0);
    } finally {
      await first.faulty.close();
    }
    // Identical schedule with the same seed and request order.
    await moto.reset();
    const again = await run();
    await again.faulty.close();
    const schedule = (proxy: FaultProxy) => proxy.requests.map((r) => r.fault ?? '-').join(',');
    expect(schedule(again.faulty)).toBe(schedule(first.faulty));
  });

  test('after / times limit where a rule applies', async () => {
    proxy.setRules([{ fault: 'throttle', operation: 'ListClusters', after: 1, times: 1 }]);
    await ecs().send(new ListClustersCommand({}));
    await expect(ecs().send(new ListClustersCommand({}))).rejects.toMatchObject({ name: 'ThrottlingException' });
    await ecs().send(new ListClustersCommand({}));
    expect(proxy.requests.map((r) => r.fault ?? 'ok')).toEqual(['ok', 'throttle', 'ok']);
  });
});

describe('a plain HTTP site behind the proxy', () => {
  let site: Server;
  let siteProxy: FaultProxy;
  beforeAll(async () => {
    site = createServer((request, response) => {
      response.writeHead(200, { 'content-type': 'text/plain' });
      response.end(request.url === '/robots.txt' ? 'User-agent: *\nDisallow:\n' : 'ok');
    });
    siteProxy = await startFaultProxy({ upstream: await loopbackOrigin(site) });
  });
  afterAll(async () => {
    await siteProxy.close();
    await new Promise((resolve) => site.close(resolve));
  });

  test('forwards, throttles with 429 and 503, and records GET /path', async () => {
    expect(await (await fetch(`${siteProxy.endpoint}/robots.txt`)).text()).toContain('User-agent');
    siteProxy.setRules([
      { fault: 'throttle', path: '/robots.txt', times: 1 },
      { fault: 'slowdown', path: '/sitemap.xml' },
    ]);
    expect((await fetch(`${siteProxy.endpoint}/robots.txt`)).status).toBe(429);
    expect((await fetch(`${siteProxy.endpoint}/sitemap.xml`)).status).toBe(503);
    await expect(fetch(`${siteProxy.endpoint}/x`, { method: 'POST', body: 'a' })).resolves.toMatchObject({ status: 200 });
    expect(siteProxy.requests.map((r) => `${r.service} ${r.operation} ${r.status}`)).toEqual([
      'http GET /robots.txt 200',
      'http GET /robots.txt 429',
      'http GET /sitemap.xml 503',
      'http POST /x 200',
    ]);
    expect(siteProxy.mutations().map((r) => r.operation)).toEqual(['POST /x']);
  });

  test('reset before forwarding surfaces as a network error to fetch', async () => {
    siteProxy.setRules([{ fault: 'reset-before', path: '/robots.txt' }]);
    await expect(fetch(`${siteProxy.endpoint}/robots.txt`)).rejects.toThrow();
  });
});

describe('rewriting an answer the upstream cannot produce', () => {
  test('rewrite changes the forwarded body of the matching operation only (the SDK parses the rewritten answer)', async () => {
    const rewriting = await startFaultProxy({
      upstream: moto.endpoint,
      rewrite: (info, body) => {
        if (info.operation !== 'ListClusters') return undefined;
        const answer = JSON.parse(body.toString('utf8')) as { clusterArns: string[] };
        return Buffer.from(
          JSON.stringify({ ...answer, clusterArns: [...answer.clusterArns, 'arn:aws:ecs:us-east-1:123456789012:cluster/rewritten'] }),
        );
      },
    });
    try {
      const ecs = new ECSClient({ ...moto.clientConfig, endpoint: rewriting.endpoint, maxAttempts: 1 });
      await ecs.send(new CreateClusterCommand({ clusterName: 'real' }));
      const listed = await ecs.send(new ListClustersCommand({}));
      expect(listed.clusterArns).toEqual(
        expect.arrayContaining([expect.stringMatching(/cluster\/real$/), expect.stringMatching(/cluster\/rewritten$/)]),
      );
      // Moto itself holds only the real cluster.
      const direct = await new ECSClient({ ...moto.clientConfig, maxAttempts: 1 }).send(new ListClustersCommand({}));
      expect(direct.clusterArns?.some((arn) => arn.endsWith('/rewritten'))).toBe(false);
      expect(rewriting.requests.map((r) => `${r.operation} ${r.status}`)).toEqual(['CreateCluster 200', 'ListClusters 200']);
    } finally {
      await rewriting.close();
    }
  });
});
