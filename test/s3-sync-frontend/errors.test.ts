import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { listPrefix, s3ClientConfig, s3Failure } from '@allthrive/s3-sync-frontend';

// What S3 answers when the role may PutObject but not use the bucket's KMS key: HTTP 403
// AccessDenied whose message names the KMS action ("Troubleshoot access denied (403 Forbidden)
// errors in Amazon S3", section on AWS KMS; the SDK exposes it as error.name and error.message).
const kmsDenied = Object.assign(
  new Error(
    'User: arn:aws:sts::123456789012:assumed-role/deploy/gha is not authorized to perform: kms:GenerateDataKey on resource: arn:aws:kms:us-east-1:123456789012:key/1234abcd because no identity-based policy allows the kms:GenerateDataKey action',
  ),
  { name: 'AccessDenied', $fault: 'client', $metadata: { httpStatusCode: 403, requestId: 'R1' } },
);
const plainDenied = Object.assign(new Error('Access Denied'), {
  name: 'AccessDenied',
  $fault: 'client',
  $metadata: { httpStatusCode: 403 },
});

describe('s3Failure: AccessDenied', () => {
  it("keeps S3's own message, and for a KMS denial names the KMS actions instead of s3:PutObject", () => {
    const message = s3Failure(kmsDenied, 'PutObject', 'site', 'index.html');
    expect(message).toBe(
      'S3 PutObject on s3://site/index.html was denied (AccessDenied: User: arn:aws:sts::123456789012:assumed-role/deploy/gha is not authorized to perform: kms:GenerateDataKey on resource: arn:aws:kms:us-east-1:123456789012:key/1234abcd because no identity-based policy allows the kms:GenerateDataKey action). ' +
        'The bucket encrypts with an AWS KMS key: grant kms:GenerateDataKey (uploads) and kms:Decrypt (reads and copies) on that key to the role this job assumes, and allow the role in the key policy.',
    );
    expect(message).not.toContain('Grant s3:PutObject');
  });

  it('names the S3 action when the message does not point at KMS', () => {
    expect(s3Failure(plainDenied, 'ListObjectsV2', 'site')).toBe(
      'S3 ListObjectsV2 on s3://site was denied (AccessDenied: Access Denied). Grant s3:ListBucket on this bucket to the role this job assumes.',
    );
  });
});

describe('the S3 client', () => {
  let server: Server;
  let endpoint = '';
  const seen: string[] = [];
  beforeAll(async () => {
    // S3 answers a request signed for the wrong region with 301 PermanentRedirect and the bucket's
    // region in x-amz-bucket-region (S3 API reference, "Error responses"); the SDK re-signs for
    // that region only with followRegionRedirects. GetObject of 'trickle' sends its body slowly, of 'silent' never answers.
    server = createServer(async (request, response) => {
      const region = /Credential=[^/]+\/\d+\/([^/]+)\//.exec(request.headers.authorization ?? '')?.[1] ?? '';
      seen.push(`${request.method} ${region}`);
      for await (const chunk of request) void chunk;
      if (region !== 'eu-west-1') {
        response.writeHead(301, { 'x-amz-bucket-region': 'eu-west-1', 'content-type': 'application/xml' });
        return response.end(
          '<?xml version="1.0"?><Error><Code>PermanentRedirect</Code><Message>The bucket you are attempting to access must be addressed using the specified endpoint.</Message></Error>',
        );
      }
      if (request.url?.startsWith('/site/trickle')) {
        // 12 chunks 250 ms apart: 3 s in all, but never silent for long
        response.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(12 * 1024) });
        let sent = 0;
        const timer = setInterval(() => {
          response.write(Buffer.alloc(1024, 1));
          if (++sent === 12) {
            clearInterval(timer);
            response.end();
          }
        }, 250);
        return;
      }
      if (request.url?.startsWith('/site/silent')) return; // never answers
      response.writeHead(200, { 'content-type': 'application/xml' });
      response.end(
        '<?xml version="1.0"?><ListBucketResult><Name>site</Name><KeyCount>0</KeyCount><IsTruncated>false</IsTruncated></ListBucketResult>',
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const client = (idleMs?: number) =>
    new S3Client({
      ...s3ClientConfig({ region: 'us-east-1', endpointUrl: endpoint, maxAttempts: 1, env: {} }, idleMs ? { idleMs } : {}),
      credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    });

  it('follows a region redirect: a bucket in another region than the job still works', async () => {
    const objects = await listPrefix(client(), 'site', '');
    expect(objects.size).toBe(0);
    expect(seen.slice(-2)).toEqual(['GET us-east-1', 'GET eu-west-1']);
  });

  it('bounds a request by idle time: a transfer that keeps flowing is never cut, a silent one is', async () => {
    const s3 = client(1500);
    // twice the idle limit in all: a total-time limit (the SDK's requestTimeout) would cut it
    const slow = await s3.send(new GetObjectCommand({ Bucket: 'site', Key: 'trickle' }));
    expect((await slow.Body!.transformToByteArray()).length).toBe(12 * 1024);
    await expect(s3.send(new GetObjectCommand({ Bucket: 'site', Key: 'silent' }))).rejects.toMatchObject({ name: 'TimeoutError' });
  }, 20_000);
});
