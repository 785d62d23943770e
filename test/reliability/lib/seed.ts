import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CloudFormationClient, CreateStackCommand } from '@aws-sdk/client-cloudformation';
import { CloudFrontClient, CreateDistributionCommand } from '@aws-sdk/client-cloudfront';
import { CreateRepositoryCommand, ECRClient, PutImageCommand } from '@aws-sdk/client-ecr';
import { CreateClusterCommand, CreateServiceCommand, ECSClient, RegisterTaskDefinitionCommand } from '@aws-sdk/client-ecs';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { defaultNetwork, type Moto } from '../../harness/moto.js';

/** Fixtures shared by the reliability suites: what the product's deploy looks like, small. */
export const FIXTURE = {
  bucket: 'allthrive-frontend',
  cluster: 'production-allthrive-cluster',
  services: ['web', 'celery'],
  repository: 'allthrive',
  registry: '123456789012.dkr.ecr.us-east-1.amazonaws.com',
  stack: 'production-allthrive',
};

export const IMAGE_REPO = `${FIXTURE.registry}/${FIXTURE.repository}`;

export function writeSite(root: string, files: Record<string, string | Buffer>): void {
  for (const [name, content] of Object.entries(files)) {
    const file = path.join(root, name);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, content);
  }
}

/** A small Vite-like build. `version` changes the HTML and the hashed bundle names. */
export function viteSite(version: string, extra = 0): Record<string, string> {
  // Vite-like base64url hashes (letters and digits mixed, so the action sees them as content hashes).
  const hash = ({ v1: 'B1xY3k9a', v2: 'C2mQ7r4z', v3: 'D3nP8s5w' } as Record<string, string>)[version] ?? 'E4oR9t6v';
  const files: Record<string, string> = {
    'index.html': `<!doctype html><html><head><script type="module" src="/assets/index-${hash}.js"></script><link rel="stylesheet" href="/assets/index-${hash}.css"></head><body>${version}</body></html>`,
    [`assets/index-${hash}.js`]: `console.log(${JSON.stringify(version)});`.repeat(20),
    [`assets/index-${hash}.css`]: `body{content:"${version}"}`,
    'robots.txt': 'User-agent: *\nAllow: /\n',
    'about/index.html': `<!doctype html><p>about ${version}</p>`,
  };
  for (let i = 0; i < extra; i++) files[`assets/chunk${i}-${hash}.js`] = `export const v${i}=${JSON.stringify(version)};`;
  return files;
}

/**
 * A temporary workspace holding two builds, `v1/` and `v2/`, and the empty bucket they deploy to;
 * returns the workspace (the caller removes it).
 */
export async function seedBuilds(moto: Moto, prefix: string, v1: Record<string, string>, v2: Record<string, string>): Promise<string> {
  const workspace = mkdtempSync(path.join(tmpdir(), prefix));
  writeSite(path.join(workspace, 'v1'), v1);
  writeSite(path.join(workspace, 'v2'), v2);
  await new S3Client(moto.clientConfig).send(new CreateBucketCommand({ Bucket: FIXTURE.bucket }));
  return workspace;
}

export async function seedBucket(moto: Moto, bucket = FIXTURE.bucket): Promise<void> {
  const s3 = new S3Client(moto.clientConfig);
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'index.html', Body: '<p>old</p>', ContentType: 'text/html' }));
}

/** A cluster with services web and celery on one task-definition family each, and the image in ECR. */
export async function seedEcs(
  moto: Moto,
  options: { executeCommand?: boolean } = {},
): Promise<{ taskDefinitionArns: string[]; digest: string }> {
  const ecs = new ECSClient(moto.clientConfig);
  const ecr = new ECRClient(moto.clientConfig);
  await ecs.send(new CreateClusterCommand({ clusterName: FIXTURE.cluster }));
  const network = await defaultNetwork(moto);
  const taskDefinitionArns: string[] = [];
  for (const service of FIXTURE.services) {
    const registered = await ecs.send(
      new RegisterTaskDefinitionCommand({
        family: `allthrive-${service}`,
        requiresCompatibilities: ['FARGATE'],
        networkMode: 'awsvpc',
        cpu: '256',
        memory: '512',
        containerDefinitions: [
          {
            name: service === 'web' ? 'web' : service,
            image: `${IMAGE_REPO}:v1`,
            memory: 512,
            essential: true,
            logConfiguration: {
              logDriver: 'awslogs',
              options: { 'awslogs-group': '/ecs/allthrive', 'awslogs-region': 'us-east-1', 'awslogs-stream-prefix': service },
            },
          },
        ],
      }),
    );
    taskDefinitionArns.push(registered.taskDefinition!.taskDefinitionArn!);
    await ecs.send(
      new CreateServiceCommand({
        cluster: FIXTURE.cluster,
        serviceName: service,
        taskDefinition: registered.taskDefinition!.taskDefinitionArn!,
        desiredCount: 1,
        launchType: 'FARGATE',
        enableExecuteCommand: options.executeCommand ?? true,
        networkConfiguration: { awsvpcConfiguration: { subnets: [network.subnet], securityGroups: [network.securityGroup] } },
      }),
    );
  }
  await ecr.send(new CreateRepositoryCommand({ repositoryName: FIXTURE.repository }));
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
    config: { mediaType: 'application/vnd.docker.container.image.v1+json', size: 7023, digest: `sha256:${'c'.repeat(64)}` },
    layers: [{ mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', size: 32654, digest: `sha256:${'d'.repeat(64)}` }],
  });
  const put = await ecr.send(new PutImageCommand({ repositoryName: FIXTURE.repository, imageManifest: manifest, imageTag: 'v2' }));
  return { taskDefinitionArns, digest: put.image!.imageId!.imageDigest! };
}

/**
 * A service `slow` wanting 2 tasks where moto (MOTO_ECS_SERVICE_RUNNING=1) runs 1: its rollout
 * stays IN_PROGRESS, so an action deploying it waits — the phase the cancellation tests interrupt.
 */
export async function seedSlowService(moto: Moto): Promise<void> {
  await new ECSClient(moto.clientConfig).send(
    new CreateServiceCommand({
      cluster: FIXTURE.cluster,
      serviceName: 'slow',
      taskDefinition: 'allthrive-web',
      desiredCount: 2,
      launchType: 'EC2',
    }),
  );
}

/** A CloudFront distribution and the stack whose DistributionId output names it. */
export async function seedCloudFront(moto: Moto): Promise<string> {
  const cloudfront = new CloudFrontClient(moto.clientConfig);
  const created = await cloudfront.send(
    new CreateDistributionCommand({
      DistributionConfig: {
        CallerReference: 'reliability-fixture',
        Comment: 'reliability',
        Enabled: true,
        Origins: {
          Quantity: 1,
          Items: [{ Id: 's3', DomainName: `${FIXTURE.bucket}.s3.amazonaws.com`, S3OriginConfig: { OriginAccessIdentity: '' } }],
        },
        DefaultCacheBehavior: {
          TargetOriginId: 's3',
          ViewerProtocolPolicy: 'redirect-to-https',
          MinTTL: 0,
          ForwardedValues: { QueryString: false, Cookies: { Forward: 'none' } },
          TrustedSigners: { Enabled: false, Quantity: 0 },
        },
      },
    }),
  );
  const id = created.Distribution!.Id!;
  const cfn = new CloudFormationClient(moto.clientConfig);
  await cfn.send(
    new CreateStackCommand({
      StackName: FIXTURE.stack,
      TemplateBody: JSON.stringify({
        Parameters: { DistId: { Type: 'String' } },
        Resources: { Dummy: { Type: 'AWS::CloudFormation::WaitConditionHandle' } },
        Outputs: { DistributionId: { Value: { Ref: 'DistId' } }, BucketName: { Value: FIXTURE.bucket } },
      }),
      Parameters: [{ ParameterKey: 'DistId', ParameterValue: id }],
    }),
  );
  return id;
}
