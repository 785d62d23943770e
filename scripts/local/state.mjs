// The emulated account as text, after a local run: every bucket with each object's size and
// headers, every ECS service with its task definition, image and counts, every CloudFront
// distribution with its invalidations, every ECR image. What a person checks in the console after
// a real deploy.
import { CloudFrontClient, GetInvalidationCommand, ListDistributionsCommand, ListInvalidationsCommand } from '@aws-sdk/client-cloudfront';
import { DescribeImagesCommand, DescribeRepositoriesCommand, ECRClient } from '@aws-sdk/client-ecr';
import {
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  ECSClient,
  ListClustersCommand,
  ListServicesCommand,
} from '@aws-sdk/client-ecs';
import { HeadObjectCommand, ListBucketsCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { clientConfig } from './account.mjs';

const MAX_OBJECTS = 40;

export function table(rows, indent = '   ') {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => String(r[i]).length)));
  return rows.map((r) => `${indent}${r.map((c, i) => String(c).padEnd(widths[i])).join('  ')}`.trimEnd()).join('\n');
}

export const clip = (text, max = 90) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

/** The account's state as lines of text. */
export async function describeAccount(endpoint) {
  const config = clientConfig(endpoint);
  const out = [];

  const s3 = new S3Client(config);
  for (const bucket of (await s3.send(new ListBucketsCommand({}))).Buckets ?? []) {
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket.Name, MaxKeys: MAX_OBJECTS }));
    const rows = [['key', 'bytes', 'Cache-Control', 'Content-Type']];
    for (const object of listed.Contents ?? []) {
      const head = await s3.send(new HeadObjectCommand({ Bucket: bucket.Name, Key: object.Key }));
      rows.push([object.Key, object.Size ?? 0, head.CacheControl ?? '-', head.ContentType ?? '-']);
    }
    out.push(`   s3://${bucket.Name}${listed.IsTruncated ? ` (first ${MAX_OBJECTS} objects)` : ''}`);
    out.push(rows.length > 1 ? table(rows) : '   (empty)', '');
  }

  const ecs = new ECSClient(config);
  for (const clusterArn of (await ecs.send(new ListClustersCommand({}))).clusterArns ?? []) {
    const cluster = clusterArn.split('/').pop();
    const arns = (await ecs.send(new ListServicesCommand({ cluster }))).serviceArns ?? [];
    const rows = [['service', 'task definition', 'image', 'desired', 'running']];
    // DescribeServices takes at most 10 services per call.
    for (let i = 0; i < arns.length; i += 10) {
      const described = await ecs.send(new DescribeServicesCommand({ cluster, services: arns.slice(i, i + 10) }));
      for (const service of described.services ?? []) {
        const definition = (await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: service.taskDefinition }))).taskDefinition;
        const image = definition?.containerDefinitions?.[0]?.image ?? '-';
        rows.push([
          service.serviceName,
          `${definition?.family}:${definition?.revision}`,
          clip(image, 100),
          service.desiredCount,
          service.runningCount,
        ]);
      }
    }
    out.push(`   ECS cluster ${cluster}`, rows.length > 1 ? table(rows) : '   (no services)', '');
  }

  const cloudfront = new CloudFrontClient(config);
  for (const distribution of (await cloudfront.send(new ListDistributionsCommand({}))).DistributionList?.Items ?? []) {
    const invalidations = await cloudfront.send(new ListInvalidationsCommand({ DistributionId: distribution.Id }));
    out.push(`   CloudFront ${distribution.Id} invalidations`);
    if (!invalidations.InvalidationList?.Items?.length) out.push('   (none)');
    for (const item of invalidations.InvalidationList?.Items ?? []) {
      const detail = await cloudfront.send(new GetInvalidationCommand({ DistributionId: distribution.Id, Id: item.Id }));
      out.push(`   ${item.Id}: ${(detail.Invalidation?.InvalidationBatch?.Paths?.Items ?? []).join(' ')}`);
    }
    out.push('');
  }

  const ecr = new ECRClient(config);
  for (const repository of (await ecr.send(new DescribeRepositoriesCommand({}))).repositories ?? []) {
    const images = (await ecr.send(new DescribeImagesCommand({ repositoryName: repository.repositoryName }))).imageDetails ?? [];
    out.push(`   ECR ${repository.repositoryName}`);
    for (const image of images) out.push(`   ${image.imageDigest?.slice(0, 19)}…  ${(image.imageTags ?? []).join(', ') || '(untagged)'}`);
    out.push('');
  }
  return out;
}
