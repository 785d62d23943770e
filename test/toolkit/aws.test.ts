import { describe, expect, it } from '@jest/globals';
import { ECSClient } from '@aws-sdk/client-ecs';
import { S3Client } from '@aws-sdk/client-s3';
import {
  InputError,
  Inputs,
  USER_AGENT,
  awsClientConfig,
  createAwsClient,
  describeAwsError,
  mapInputSource,
  readAwsInputs,
} from '@allthrive/toolkit';

describe('AWS client factory', () => {
  it('takes the region from the input, else AWS_REGION, else AWS_DEFAULT_REGION', () => {
    expect(awsClientConfig('ECS', { region: 'eu-west-1', env: { AWS_REGION: 'us-east-1' } }).region).toBe('eu-west-1');
    expect(awsClientConfig('ECS', { env: { AWS_REGION: 'us-east-2', AWS_DEFAULT_REGION: 'eu-west-3' } }).region).toBe('us-east-2');
    expect(awsClientConfig('ECS', { env: { AWS_DEFAULT_REGION: 'eu-west-3' } }).region).toBe('eu-west-3');
  });

  it('fails with a clear input error when no region is set', () => {
    expect(() => awsClientConfig('ECS', { env: {} })).toThrow(InputError);
    expect(() => awsClientConfig('ECS', { env: {} })).toThrow(/No AWS region is set: give the 'aws-region' input, or set AWS_REGION/);
  });

  it('uses path-style S3 whenever an endpoint is overridden, by input or by the SDK variables', () => {
    const env = { AWS_REGION: 'us-east-1' };
    expect(awsClientConfig('S3', { env }).forcePathStyle).toBeUndefined();
    expect(awsClientConfig('S3', { env, endpointUrl: 'http://127.0.0.1:5000' })).toMatchObject({
      forcePathStyle: true,
      endpoint: 'http://127.0.0.1:5000',
    });
    expect(awsClientConfig('S3', { env: { ...env, AWS_ENDPOINT_URL: 'http://localhost:4566' } }).forcePathStyle).toBe(true);
    expect(awsClientConfig('S3', { env: { ...env, AWS_ENDPOINT_URL_S3: 'http://localhost:9000' } }).forcePathStyle).toBe(true);
    expect(awsClientConfig('S3', { env: { ...env, AWS_ENDPOINT_URL_ECS: 'http://localhost:9000' } }).forcePathStyle).toBeUndefined();
    expect(
      awsClientConfig('S3', { env: { ...env, AWS_ENDPOINT_URL: 'http://x:1', AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: 'true' } })
        .forcePathStyle,
    ).toBeUndefined();
  });

  it('keeps SDK retries on in adaptive mode with the configured attempts and our user agent', async () => {
    const config = awsClientConfig('ECS', { region: 'us-east-1', maxAttempts: 7 });
    expect(config).toMatchObject({ retryMode: 'adaptive', maxAttempts: 7, customUserAgent: USER_AGENT });
    expect(USER_AGENT).toMatch(/^allthrive-actions\/\d+\.\d+\.\d+$/);
    const client = createAwsClient(ECSClient, 'ECS', { region: 'us-east-1', maxAttempts: 7 });
    expect(await client.config.maxAttempts()).toBe(7);
    expect(await client.config.region()).toBe('us-east-1');
    const s3 = createAwsClient(S3Client, 'S3', { region: 'us-east-1', endpointUrl: 'http://127.0.0.1:1' });
    expect(s3.config.forcePathStyle).toBe(true);
  });

  it('reads aws-region, endpoint-url and (where declared) max-attempts', () => {
    const inputs = new Inputs(
      mapInputSource({ 'aws-region': 'eu-central-1', 'endpoint-url': 'http://127.0.0.1:5000', 'max-attempts': '9' }),
    );
    expect(readAwsInputs(inputs, { maxAttemptsDefault: 6 })).toEqual({
      region: 'eu-central-1',
      endpointUrl: 'http://127.0.0.1:5000',
      maxAttempts: 9,
    });
    const plain = new Inputs(mapInputSource({}));
    expect(readAwsInputs(plain)).toEqual({ region: undefined, endpointUrl: undefined });
    expect(plain.read.has('max-attempts')).toBe(false);
  });

  it.each([
    ['endpoint-url', 'localhost:5000'],
    ['aws-region', 'Ireland'],
    ['max-attempts', '0'],
  ])('rejects a malformed %s', (name, value) => {
    const inputs = new Inputs(mapInputSource({ [name]: value }));
    expect(() => readAwsInputs(inputs, { maxAttemptsDefault: 6 })).toThrow(new RegExp(`^Input '${name}' has the value '${value}'`));
  });
});

describe('describeAwsError', () => {
  const awsError = (name: string, message: string, status: number) =>
    Object.assign(new Error(message), { name, $fault: 'client', $metadata: { httpStatusCode: status, requestId: 'req-123' } });

  it('names service, operation, code, status, message and request id', () => {
    expect(
      describeAwsError(awsError('ClusterNotFoundException', 'Cluster not found.', 400), { service: 'ECS', operation: 'DescribeServices' }),
    ).toBe('ECS DescribeServices failed: ClusterNotFoundException (HTTP 400): Cluster not found.; request id req-123.');
  });

  it('adds the IAM action to grant for AccessDenied', () => {
    const text = describeAwsError(awsError('AccessDeniedException', 'User is not authorized', 400), {
      service: 'ECS',
      operation: 'UpdateService',
    });
    expect(text).toContain('Grant the IAM action ecs:UpdateService to the role this job assumes.');
    const s3 = describeAwsError(awsError('AccessDenied', 'Access Denied', 403), { service: 'S3', operation: 'PutObject' });
    expect(s3).toContain('s3:PutObject');
  });

  it('says so when the service sent no message', () => {
    expect(describeAwsError(awsError('NoSuchBucket', 'UnknownError', 404), { service: 'S3', operation: 'ListObjectsV2' })).toContain(
      'NoSuchBucket (HTTP 404): no message from the service',
    );
  });
});
