import { describe, expect, it } from '@jest/globals';
import { CloudFormationClient, CreateStackCommand, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { CloudFrontClient, CreateDistributionCommand, ListDistributionsCommand } from '@aws-sdk/client-cloudfront';
import { CreateRepositoryCommand, DescribeRepositoriesCommand, ECRClient } from '@aws-sdk/client-ecr';
import { CreateClusterCommand, ECSClient, ListClustersCommand } from '@aws-sdk/client-ecs';
import { CreateBucketCommand, ListBucketsCommand, PutObjectCommand, GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { startMoto, useMoto } from './moto.js';

describe('moto harness', () => {
  const moto = useMoto();

  it('serves S3 (path-style) from the SDK', async () => {
    const s3 = new S3Client(moto.clientConfig);
    await s3.send(new CreateBucketCommand({ Bucket: 'site' }));
    await s3.send(new PutObjectCommand({ Bucket: 'site', Key: 'index.html', Body: '<h1>hi</h1>' }));
    const object = await s3.send(new GetObjectCommand({ Bucket: 'site', Key: 'index.html' }));
    expect(await object.Body?.transformToString()).toBe('<h1>hi</h1>');
  });

  it('serves ECS, ECR, CloudFront and CloudFormation from the SDK', async () => {
    const ecs = new ECSClient(moto.clientConfig);
    await ecs.send(new CreateClusterCommand({ clusterName: 'production-allthrive-cluster' }));
    expect((await ecs.send(new ListClustersCommand({}))).clusterArns?.[0]).toMatch(/cluster\/production-allthrive-cluster$/);

    const ecr = new ECRClient(moto.clientConfig);
    await ecr.send(new CreateRepositoryCommand({ repositoryName: 'allthrive-web' }));
    expect((await ecr.send(new DescribeRepositoriesCommand({}))).repositories?.map((r) => r.repositoryName)).toEqual(['allthrive-web']);

    const cloudfront = new CloudFrontClient(moto.clientConfig);
    await cloudfront.send(
      new CreateDistributionCommand({
        DistributionConfig: {
          CallerReference: 'ref-1',
          Comment: 'site',
          Enabled: true,
          Origins: {
            Quantity: 1,
            Items: [{ Id: 'origin', DomainName: 'site.s3.amazonaws.com', S3OriginConfig: { OriginAccessIdentity: '' } }],
          },
          DefaultCacheBehavior: {
            TargetOriginId: 'origin',
            ViewerProtocolPolicy: 'redirect-to-https',
            CachePolicyId: '658327ea-f89d-4fab-a63d-7e88639e58f6',
          },
        },
      }),
    );
    expect((await cloudfront.send(new ListDistributionsCommand({}))).DistributionList?.Quantity).toBe(1);

    const cloudformation = new CloudFormationClient(moto.clientConfig);
    await cloudformation.send(
      new CreateStackCommand({
        StackName: 'production-allthrive',
        TemplateBody: JSON.stringify({
          Parameters: { DistId: { Type: 'String' } },
          Resources: { Dummy: { Type: 'AWS::CloudFormation::WaitConditionHandle' } },
          Outputs: { DistributionId: { Value: { Ref: 'DistId' } } },
        }),
        Parameters: [{ ParameterKey: 'DistId', ParameterValue: 'E123EXAMPLE' }],
      }),
    );
    const stack = (await cloudformation.send(new DescribeStacksCommand({ StackName: 'production-allthrive' }))).Stacks?.[0];
    expect(stack?.Outputs).toEqual([expect.objectContaining({ OutputKey: 'DistributionId', OutputValue: 'E123EXAMPLE' })]);
  });

  it('resets between tests: nothing from the earlier tests is left', async () => {
    const s3 = new S3Client(moto.clientConfig);
    expect((await s3.send(new ListBucketsCommand({}))).Buckets ?? []).toEqual([]);
    const ecs = new ECSClient(moto.clientConfig);
    expect((await ecs.send(new ListClustersCommand({}))).clusterArns ?? []).toEqual([]);
  });

  it('fails with a clear message when moto cannot start', async () => {
    const previous = process.env.MOTO_SERVER;
    process.env.MOTO_SERVER = '/nonexistent/moto_server';
    try {
      await expect(startMoto({ timeoutMs: 5000 })).rejects.toThrow(/moto could not start .*pip install 'moto\[server\]==5\.2\.5'/s);
    } finally {
      if (previous === undefined) delete process.env.MOTO_SERVER;
      else process.env.MOTO_SERVER = previous;
    }
  });
});
