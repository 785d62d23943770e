// Seeds the demo AWS account in moto: the frontend bucket with a previous release, a CloudFront
// distribution and the CloudFormation stack that names it, an ECR repository with the image to
// deploy, and an ECS cluster with the product's services web, celery and celery-beat.
import { createHash, createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { CloudFormationClient, CreateStackCommand } from '@aws-sdk/client-cloudformation';
import { CloudFrontClient, CreateDistributionCommand } from '@aws-sdk/client-cloudfront';
import { CreateRepositoryCommand, ECRClient, PutImageCommand } from '@aws-sdk/client-ecr';
import {
  CreateClusterCommand,
  CreateServiceCommand,
  ECSClient,
  RegisterTaskDefinitionCommand,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { URLSearchParams } from 'node:url';
import { SignatureV4 } from '@smithy/signature-v4';

export const DEMO = {
  region: 'us-east-1',
  accountId: '123456789012',
  bucket: 'production-allthrive-frontend',
  stackName: 'production-allthrive',
  cluster: 'production-allthrive-cluster',
  /** Service name → desired count, as in the product's CI/CD document. */
  services: { web: 2, celery: 2, 'celery-beat': 1 },
  repository: 'allthrive-web',
  get registry() {
    return `${this.accountId}.dkr.ecr.${this.region}.amazonaws.com`;
  },
};

/**
 * The moto server setting seedBackend expects: moto never runs service tasks; it gives each
 * service's one deployment this many running tasks, fixed when the service is created (moto
 * ecs/models.py, Service.__init__), and a later UpdateService changes only the service's own counts.
 * 1, so that celery-beat, a scheduler that must run exactly once, is never shown with two tasks:
 * every service is created with 1 task (its deployment COMPLETED, 1/1), then web and celery are
 * scaled to 2 (the service counts; their deployment record keeps saying 1/1).
 */
export const MOTO_ECS_SERVICE_RUNNING = 1;

/** What the demo prints under the ECS service table. */
export const DEMO_TASK_COUNTS_NOTE =
  'Tasks: web 2, celery 2, celery-beat 1 (a scheduler runs exactly once, or every periodic job runs twice). ' +
  "moto runs no containers: each service's deployment record keeps the 1/1 it was created with, so the deploy step's log says 1/1 for every service; the counts above are the services' own.";

/** Static credentials for the emulator (moto accepts any). */
export const DEMO_CREDENTIALS = { accessKeyId: 'AKIAACTLOCALTEST0001', secretAccessKey: 'act-local-test-secret-0001' };

function clientConfig(endpoint) {
  return { endpoint, region: DEMO.region, forcePathStyle: true, credentials: DEMO_CREDENTIALS };
}

/** SHA-256 for the SigV4 signer, from node:crypto (HMAC when given a key). */
class Sha256 {
  constructor(secret) {
    this.hash = secret ? createHmac('sha256', secret) : createHash('sha256');
  }
  update(data) {
    this.hash.update(typeof data === 'string' ? Buffer.from(data) : data);
  }
  async digest() {
    return new Uint8Array(this.hash.digest());
  }
}

/** One EC2 Query API call (no EC2 SDK client is installed; the demo only needs two reads). */
async function ec2Query(endpoint, action, params = {}) {
  const url = new URL(endpoint);
  const body = new URLSearchParams({ Action: action, Version: '2016-11-15', ...params }).toString();
  const signer = new SignatureV4({ service: 'ec2', region: DEMO.region, credentials: DEMO_CREDENTIALS, sha256: Sha256 });
  const signed = await signer.sign({
    method: 'POST',
    protocol: url.protocol,
    hostname: url.hostname,
    port: Number(url.port),
    path: '/',
    headers: { host: url.host, 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
    body,
  });
  const response = await fetch(endpoint, { method: 'POST', headers: signed.headers, body });
  const text = await response.text();
  if (!response.ok) throw new Error(`EC2 ${action} failed: HTTP ${response.status} ${text.slice(0, 300)}`);
  return text;
}

/** moto's default VPC: one subnet and the default security group, for awsvpc (Fargate) tasks. */
async function defaultNetwork(endpoint) {
  const subnets = await ec2Query(endpoint, 'DescribeSubnets', { 'Filter.1.Name': 'default-for-az', 'Filter.1.Value.1': 'true' });
  const groups = await ec2Query(endpoint, 'DescribeSecurityGroups', { 'Filter.1.Name': 'group-name', 'Filter.1.Value.1': 'default' });
  const subnet = /<subnetId>([^<]+)<\/subnetId>/.exec(subnets)?.[1];
  const group = /<groupId>([^<]+)<\/groupId>/.exec(groups)?.[1];
  if (!subnet || !group) throw new Error('moto returned no default subnet or security group');
  return { subnets: [subnet], securityGroups: [group] };
}

function manifest(label) {
  // A schema-2 image manifest; the digest moto reports is the sha256 of this text.
  const layer = createHash('sha256').update(label).digest('hex');
  return JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
    config: {
      mediaType: 'application/vnd.docker.container.image.v1+json',
      size: 1469,
      digest: `sha256:${createHash('sha256').update(`config-${label}`).digest('hex')}`,
    },
    layers: [{ mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', size: 31_000_000, digest: `sha256:${layer}` }],
  });
}

/**
 * The frontend side: the bucket with the previous release (one stale hashed bundle, old HTML, and
 * public files this release has unchanged), a CloudFront distribution in front of it, and the
 * CloudFormation stack whose DistributionId output names it. `frontendDir` is the sample
 * frontend's source, whose public files the previous release shares.
 */
export async function seedFrontend({ endpoint, frontendDir }) {
  const config = clientConfig(endpoint);

  const s3 = new S3Client(config);
  await s3.send(new CreateBucketCommand({ Bucket: DEMO.bucket }));
  const previous = {
    'index.html': '<!doctype html><title>AllThrive AI</title><script type="module" src="/assets/app-0ldRe1se.js"></script>',
    'assets/app-0ldRe1se.js': "document.body.dataset.release = 'previous';\n",
    'robots.txt': readFileSync(path.join(frontendDir, 'public', 'robots.txt')),
    'favicon.svg': readFileSync(path.join(frontendDir, 'public', 'favicon.svg')),
  };
  for (const [key, body] of Object.entries(previous)) {
    await s3.send(new PutObjectCommand({ Bucket: DEMO.bucket, Key: key, Body: body }));
  }

  // CloudFront distribution in front of the bucket, named by the stack's DistributionId output.
  const cloudfront = new CloudFrontClient(config);
  const distribution = await cloudfront.send(
    new CreateDistributionCommand({
      DistributionConfig: {
        CallerReference: 'allthrive-demo',
        Comment: 'allthrive demo frontend',
        Enabled: true,
        Origins: {
          Quantity: 1,
          Items: [{ Id: 's3', DomainName: `${DEMO.bucket}.s3.amazonaws.com`, S3OriginConfig: { OriginAccessIdentity: '' } }],
        },
        DefaultCacheBehavior: {
          TargetOriginId: 's3',
          ViewerProtocolPolicy: 'redirect-to-https',
          CachePolicyId: '658327ea-f89d-4fab-a63d-7e88639e58f6',
        },
      },
    }),
  );
  const distributionId = distribution.Distribution.Id;
  const cloudformation = new CloudFormationClient(config);
  await cloudformation.send(
    new CreateStackCommand({
      StackName: DEMO.stackName,
      // moto needs at least one resource; WaitConditionHandle is a no-op one.
      TemplateBody: JSON.stringify({
        Parameters: { DistId: { Type: 'String' }, Bucket: { Type: 'String' } },
        Resources: { Placeholder: { Type: 'AWS::CloudFormation::WaitConditionHandle' } },
        Outputs: {
          DistributionId: { Value: { Ref: 'DistId' } },
          FrontendBucketName: { Value: { Ref: 'Bucket' } },
        },
      }),
      Parameters: [
        { ParameterKey: 'DistId', ParameterValue: distributionId },
        { ParameterKey: 'Bucket', ParameterValue: DEMO.bucket },
      ],
    }),
  );

  return { distributionId, previousFrontend: Object.keys(previous) };
}

/**
 * The backend side: an ECR repository with the image the build pushed (tagged `imageTag`, the
 * commit sha) and the one production runs now, and the ECS cluster with one Fargate task
 * definition and service per process type, on the previous image.
 */
export async function seedBackend({ endpoint, imageTag }) {
  const config = clientConfig(endpoint);
  // One-off tasks (the migration) stop at the first DescribeTasks instead of walking
  // RUNNING -> ... -> STOPPED one step per describe; moto reports exit code 0 either way.
  const transition = await fetch(`${endpoint}/moto-api/state-manager/set-transition`, {
    method: 'POST',
    body: JSON.stringify({ model_name: 'ecs::task', transition: { progression: 'immediate' } }),
  });
  if (!transition.ok) throw new Error(`moto did not accept the ecs::task transition setting: HTTP ${transition.status}`);
  // ECR: the image the build pushed (tagged with the commit) and the one production runs now.
  const ecr = new ECRClient(config);
  await ecr.send(new CreateRepositoryCommand({ repositoryName: DEMO.repository }));
  const pushed = await ecr.send(new PutImageCommand({ repositoryName: DEMO.repository, imageTag, imageManifest: manifest(imageTag) }));
  await ecr.send(new PutImageCommand({ repositoryName: DEMO.repository, imageTag: 'previous', imageManifest: manifest('previous') }));
  const previousImage = `${DEMO.registry}/${DEMO.repository}:previous`;

  // ECS: one Fargate task definition and service per process type, on the previous image.
  const network = await defaultNetwork(endpoint);
  const ecs = new ECSClient(config);
  await ecs.send(new CreateClusterCommand({ clusterName: DEMO.cluster }));
  const commands = {
    web: ['daphne', '-b', '0.0.0.0', '-p', '8000', 'config.asgi:application'],
    celery: ['celery', '-A', 'config', 'worker'],
    'celery-beat': ['celery', '-A', 'config', 'beat'],
  };
  const taskDefinitions = {};
  for (const [service, desiredCount] of Object.entries(DEMO.services)) {
    const family = `production-allthrive-${service}`;
    const registered = await ecs.send(
      new RegisterTaskDefinitionCommand({
        family,
        requiresCompatibilities: ['FARGATE'],
        networkMode: 'awsvpc',
        cpu: '256',
        memory: '512',
        // moto needs memory on every container definition, even on Fargate.
        containerDefinitions: [{ name: service, image: previousImage, memory: 512, essential: true, command: commands[service] }],
      }),
    );
    taskDefinitions[service] = registered.taskDefinition.taskDefinitionArn;
    await ecs.send(
      new CreateServiceCommand({
        cluster: DEMO.cluster,
        serviceName: service,
        taskDefinition: registered.taskDefinition.taskDefinitionArn,
        // moto fixes a service's deployment at creation: COMPLETED with runningCount =
        // MOTO_ECS_SERVICE_RUNNING and the creation's desiredCount, forever. Create every service
        // with that count (so its deployment is complete and running = desired), then set the real
        // desired count below, which moto applies to the service alone.
        desiredCount: MOTO_ECS_SERVICE_RUNNING,
        launchType: 'FARGATE',
        networkConfiguration: {
          awsvpcConfiguration: { subnets: network.subnets, securityGroups: network.securityGroups, assignPublicIp: 'DISABLED' },
        },
      }),
    );
    if (desiredCount !== MOTO_ECS_SERVICE_RUNNING)
      await ecs.send(new UpdateServiceCommand({ cluster: DEMO.cluster, service, desiredCount }));
  }

  return {
    image: `${DEMO.registry}/${DEMO.repository}:${imageTag}`,
    imageDigest: pushed.image.imageId.imageDigest,
    previousImage,
    taskDefinitions,
    network,
  };
}

/** Seeds the whole demo account (see seedFrontend and seedBackend). */
export async function seedDemoAccount({ endpoint, imageTag, frontendDir }) {
  return { ...(await seedFrontend({ endpoint, frontendDir })), ...(await seedBackend({ endpoint, imageTag })) };
}
