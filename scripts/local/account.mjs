// Seeds an emulated AWS account (moto) from a small declarative description: S3 buckets with
// files, CloudFront distributions in front of them, CloudFormation stacks with outputs, ECR
// repositories with images, ECS clusters with services and their desired counts. `npm run local`
// reads it from `<workflow>.aws.json` next to the workflow; the demo account (scripts/demo/seed.mjs)
// is one such description. Every name is checked before the first request, so a typo is reported
// with the key that holds it and nothing is created.
import { createHash, createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { URLSearchParams } from 'node:url';
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
import { SignatureV4 } from '@smithy/signature-v4';

export const LOCAL_REGION = 'us-east-1';
/** moto's default account. */
export const LOCAL_ACCOUNT_ID = '123456789012';
/** Static credentials for the emulator (moto accepts any). Deliberately not the word `testing`:
 * act masks secret values everywhere in its log, so a common word would turn into `***`. */
export const LOCAL_CREDENTIALS = { accessKeyId: 'AKIAACTLOCALTEST0001', secretAccessKey: 'act-local-test-secret-0001' };
/**
 * The moto server setting the ECS seeding expects: moto never runs service tasks; it gives each
 * service's one deployment this many running tasks, COMPLETED, fixed when the service is created
 * (moto ecs/models.py, Service.__init__); a later UpdateService changes only the service's own
 * counts. 1, so that a service that must run exactly once (celery-beat, a scheduler) is never shown
 * with two tasks: every service is created with 1 task (its deployment 1/1), then scaled to its
 * desired count (the service's counts; its deployment record keeps saying 1/1).
 */
export const MOTO_ECS_SERVICE_RUNNING = 1;

export const registryOf = (accountId = LOCAL_ACCOUNT_ID, region = LOCAL_REGION) => `${accountId}.dkr.ecr.${region}.amazonaws.com`;

export function clientConfig(endpoint, region = LOCAL_REGION) {
  return { endpoint, region, forcePathStyle: true, credentials: LOCAL_CREDENTIALS };
}

/** A schema-2 image manifest for `label`; the digest ECR reports is the sha256 of this text. */
export function imageManifest(label) {
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

/** One EC2 Query API call (no EC2 SDK client is installed; seeding only needs two reads). */
async function ec2Query(endpoint, action, params = {}) {
  const url = new URL(endpoint);
  const body = new URLSearchParams({ Action: action, Version: '2016-11-15', ...params }).toString();
  const signer = new SignatureV4({ service: 'ec2', region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, sha256: Sha256 });
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
export async function defaultNetwork(endpoint) {
  const subnets = await ec2Query(endpoint, 'DescribeSubnets', { 'Filter.1.Name': 'default-for-az', 'Filter.1.Value.1': 'true' });
  const groups = await ec2Query(endpoint, 'DescribeSecurityGroups', { 'Filter.1.Name': 'group-name', 'Filter.1.Value.1': 'default' });
  const subnet = /<subnetId>([^<]+)<\/subnetId>/.exec(subnets)?.[1];
  const group = /<groupId>([^<]+)<\/groupId>/.exec(groups)?.[1];
  if (!subnet || !group) throw new Error('moto returned no default subnet or security group');
  return { subnets: [subnet], securityGroups: [group] };
}

const SHAPE = {
  account: ['buckets', 'distributions', 'stacks', 'repositories', 'clusters'],
  bucket: ['files'],
  distribution: ['bucket', 'originPath'],
  stack: ['outputs'],
  repository: ['images'],
  cluster: ['services'],
  service: ['desiredCount', 'image', 'command', 'family'],
};
const DISTRIBUTION_REF = /^\$\{distribution:([^}]+)\}$/;

/** Checks an account description; returns a list of problems (empty when it is fine). */
export function accountProblems(account) {
  const problems = [];
  const object = (value, where) => {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      problems.push(`${where} must be an object`);
      return false;
    }
    return true;
  };
  const keys = (value, shape, where) => {
    for (const key of Object.keys(value))
      if (!SHAPE[shape].includes(key)) problems.push(`${where}: unknown key '${key}' (expected ${SHAPE[shape].join(', ')})`);
  };
  if (!object(account, 'the account')) return problems;
  keys(account, 'account', 'the account');
  const entries = (name) => (account[name] && object(account[name], name) ? Object.entries(account[name]) : []);
  const buckets = new Set(Object.keys(account.buckets ?? {}));
  for (const [name, bucket] of entries('buckets')) {
    if (!object(bucket, `buckets.${name}`)) continue;
    keys(bucket, 'bucket', `buckets.${name}`);
    for (const [key, body] of Object.entries(bucket.files ?? {}))
      if (typeof body !== 'string' && !Buffer.isBuffer(body)) problems.push(`buckets.${name}.files['${key}'] must be a string`);
  }
  for (const [name, distribution] of entries('distributions')) {
    if (!object(distribution, `distributions.${name}`)) continue;
    keys(distribution, 'distribution', `distributions.${name}`);
    if (!buckets.has(distribution.bucket))
      problems.push(
        `distributions.${name}.bucket '${distribution.bucket ?? ''}' is not one of the buckets (${[...buckets].join(', ') || 'none'})`,
      );
  }
  for (const [name, stack] of entries('stacks')) {
    if (!object(stack, `stacks.${name}`)) continue;
    keys(stack, 'stack', `stacks.${name}`);
    for (const [output, value] of Object.entries(stack.outputs ?? {})) {
      const ref = DISTRIBUTION_REF.exec(String(value));
      if (typeof value !== 'string') problems.push(`stacks.${name}.outputs.${output} must be a string`);
      else if (ref && !(account.distributions ?? {})[ref[1]])
        problems.push(`stacks.${name}.outputs.${output} names distribution '${ref[1]}', which is not in distributions`);
    }
  }
  for (const [name, repository] of entries('repositories')) {
    if (!object(repository, `repositories.${name}`)) continue;
    keys(repository, 'repository', `repositories.${name}`);
    if (repository.images !== undefined && !Array.isArray(repository.images))
      problems.push(`repositories.${name}.images must be a list of tags`);
  }
  for (const [name, cluster] of entries('clusters')) {
    if (!object(cluster, `clusters.${name}`)) continue;
    keys(cluster, 'cluster', `clusters.${name}`);
    for (const [service, spec] of Object.entries(cluster.services ?? {})) {
      const where = `clusters.${name}.services.${service}`;
      if (!object(spec, where)) continue;
      keys(spec, 'service', where);
      if (!Number.isInteger(spec.desiredCount) || spec.desiredCount < 0) problems.push(`${where}.desiredCount must be a whole number ≥ 0`);
      const [repository, tag] = String(spec.image ?? '').split(':');
      if (!tag || !(account.repositories ?? {})[repository]?.images?.includes(tag))
        problems.push(`${where}.image '${spec.image ?? ''}' must be <repository>:<tag> of an image under repositories`);
    }
  }
  return problems;
}

/** Reads and checks an account file (JSON); throws one error listing every problem. */
export function readAccountFile(file) {
  let account;
  try {
    account = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`${file} is not readable JSON: ${error.message}`, { cause: error });
  }
  const problems = accountProblems(account);
  if (problems.length) throw new Error(`${file} describes no valid account:\n  - ${problems.join('\n  - ')}`);
  return account;
}

/**
 * Creates everything `account` describes in the emulator at `endpoint`. Resolves to
 * { distributions: { name: id }, images: { 'repo:tag': digest }, taskDefinitions: { 'cluster/service': arn }, network }.
 */
export async function seedAccount({ endpoint, account }) {
  const problems = accountProblems(account);
  if (problems.length) throw new Error(`the account description is not valid:\n  - ${problems.join('\n  - ')}`);
  const config = clientConfig(endpoint);
  const seeded = { distributions: {}, images: {}, taskDefinitions: {}, network: undefined };

  const s3 = new S3Client(config);
  for (const [bucket, spec] of Object.entries(account.buckets ?? {})) {
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    for (const [key, body] of Object.entries(spec.files ?? {}))
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
  }

  const cloudfront = new CloudFrontClient(config);
  for (const [name, spec] of Object.entries(account.distributions ?? {})) {
    const created = await cloudfront.send(
      new CreateDistributionCommand({
        DistributionConfig: {
          CallerReference: `allthrive-local-${name}`,
          Comment: `${name} (allthrive local)`,
          Enabled: true,
          Origins: {
            Quantity: 1,
            Items: [
              {
                Id: 's3',
                DomainName: `${spec.bucket}.s3.amazonaws.com`,
                OriginPath: spec.originPath ?? '',
                S3OriginConfig: { OriginAccessIdentity: '' },
              },
            ],
          },
          DefaultCacheBehavior: {
            TargetOriginId: 's3',
            ViewerProtocolPolicy: 'redirect-to-https',
            CachePolicyId: '658327ea-f89d-4fab-a63d-7e88639e58f6',
          },
        },
      }),
    );
    seeded.distributions[name] = created.Distribution.Id;
  }

  const cloudformation = new CloudFormationClient(config);
  for (const [stackName, spec] of Object.entries(account.stacks ?? {})) {
    const outputs = Object.entries(spec.outputs ?? {}).map(([key, value]) => {
      const ref = DISTRIBUTION_REF.exec(value);
      return [key, ref ? seeded.distributions[ref[1]] : value];
    });
    await cloudformation.send(
      new CreateStackCommand({
        StackName: stackName,
        // moto needs at least one resource (WaitConditionHandle is a no-op one); outputs come
        // from parameters so that any value can be given.
        TemplateBody: JSON.stringify({
          Parameters: Object.fromEntries(outputs.map((_, i) => [`P${i}`, { Type: 'String' }])),
          Resources: { Placeholder: { Type: 'AWS::CloudFormation::WaitConditionHandle' } },
          Outputs: Object.fromEntries(outputs.map(([key], i) => [key, { Value: { Ref: `P${i}` } }])),
        }),
        Parameters: outputs.map(([, value], i) => ({ ParameterKey: `P${i}`, ParameterValue: value })),
      }),
    );
  }

  const ecr = new ECRClient(config);
  for (const [repositoryName, spec] of Object.entries(account.repositories ?? {})) {
    await ecr.send(new CreateRepositoryCommand({ repositoryName }));
    for (const tag of spec.images ?? []) {
      const pushed = await ecr.send(new PutImageCommand({ repositoryName, imageTag: tag, imageManifest: imageManifest(tag) }));
      seeded.images[`${repositoryName}:${tag}`] = pushed.image.imageId.imageDigest;
    }
  }

  if (Object.keys(account.clusters ?? {}).length) {
    // One-off tasks (a migration) stop at the first DescribeTasks instead of walking
    // RUNNING -> ... -> STOPPED one step per describe; moto reports exit code 0 either way.
    const transition = await fetch(`${endpoint}/moto-api/state-manager/set-transition`, {
      method: 'POST',
      body: JSON.stringify({ model_name: 'ecs::task', transition: { progression: 'immediate' } }),
    });
    if (!transition.ok) throw new Error(`moto did not accept the ecs::task transition setting: HTTP ${transition.status}`);
    seeded.network = await defaultNetwork(endpoint);
  }
  const ecs = new ECSClient(config);
  for (const [cluster, spec] of Object.entries(account.clusters ?? {})) {
    await ecs.send(new CreateClusterCommand({ clusterName: cluster }));
    for (const [service, serviceSpec] of Object.entries(spec.services ?? {})) {
      const family = serviceSpec.family ?? `${cluster.replace(/-cluster$/, '')}-${service}`;
      const registered = await ecs.send(
        new RegisterTaskDefinitionCommand({
          family,
          requiresCompatibilities: ['FARGATE'],
          networkMode: 'awsvpc',
          cpu: '256',
          memory: '512',
          // moto needs memory on every container definition, even on Fargate.
          containerDefinitions: [
            {
              name: service,
              image: `${registryOf()}/${serviceSpec.image}`,
              memory: 512,
              essential: true,
              ...(serviceSpec.command ? { command: serviceSpec.command } : {}),
            },
          ],
        }),
      );
      const arn = registered.taskDefinition.taskDefinitionArn;
      seeded.taskDefinitions[`${cluster}/${service}`] = arn;
      await ecs.send(
        new CreateServiceCommand({
          cluster,
          serviceName: service,
          taskDefinition: arn,
          // moto fixes a service's deployment at creation: COMPLETED with runningCount =
          // MOTO_ECS_SERVICE_RUNNING and the creation's desiredCount, forever. Create every service
          // with that count (so its deployment is complete and running = desired), then set the
          // real desired count, which moto applies to the service alone.
          desiredCount: MOTO_ECS_SERVICE_RUNNING,
          launchType: 'FARGATE',
          networkConfiguration: {
            awsvpcConfiguration: {
              subnets: seeded.network.subnets,
              securityGroups: seeded.network.securityGroups,
              assignPublicIp: 'DISABLED',
            },
          },
        }),
      );
      if (serviceSpec.desiredCount !== MOTO_ECS_SERVICE_RUNNING)
        await ecs.send(new UpdateServiceCommand({ cluster, service, desiredCount: serviceSpec.desiredCount }));
    }
  }
  return seeded;
}
