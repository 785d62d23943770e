import { createHash } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { CreateRepositoryCommand, ECRClient, PutImageCommand } from '@aws-sdk/client-ecr';
import {
  CreateClusterCommand,
  CreateServiceCommand,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  ECSClient,
  ListTaskDefinitionsCommand,
  RegisterTaskDefinitionCommand,
} from '@aws-sdk/client-ecs';
import { ActionError, memoryLogger, virtualClock } from '@allthrive/toolkit';
import { runDeploy, type DeployOptions } from '@allthrive/ecs-deploy-and-wait';
import { runBundle } from '../harness/bundle.js';
import { useMoto } from '../harness/moto.js';

// moto keeps one PRIMARY deployment whose rolloutState is COMPLETED only when the server runs with
// MOTO_ECS_SERVICE_RUNNING >= desiredCount, and its runningCount is that number: so every service
// here has desiredCount 2 (celery-beat's real singleton case is covered by the scripted unit tests).
const moto = useMoto({ serverEnv: { MOTO_ECS_SERVICE_RUNNING: '2' } });

const CLUSTER = 'production-allthrive-cluster';
const ACCOUNT = '123456789012';
const REPO = `${ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/allthrive`;

function manifest(seed: string): string {
  return JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
    config: { mediaType: 'application/vnd.docker.container.image.v1+json', size: 100, digest: `sha256:${sha(seed + 'config')}` },
    layers: [{ mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', size: 1000, digest: `sha256:${sha(seed + 'layer')}` }],
  });
}
const sha = (text: string) => createHash('sha256').update(text).digest('hex');

async function seedProduct() {
  const ecs = new ECSClient(moto.clientConfig);
  const ecr = new ECRClient(moto.clientConfig);
  await ecs.send(new CreateClusterCommand({ clusterName: CLUSTER }));
  const web = await ecs.send(
    new RegisterTaskDefinitionCommand({
      family: 'allthrive-web',
      containerDefinitions: [
        { name: 'web', image: `${REPO}:previous`, memory: 512, essential: true, command: ['daphne', 'config.asgi:application'] },
        { name: 'log-router', image: 'public.ecr.aws/aws-observability/aws-for-fluent-bit:stable', memory: 64, essential: false },
      ],
      tags: [{ key: 'team', value: 'platform' }],
    }),
  );
  const worker = await ecs.send(
    new RegisterTaskDefinitionCommand({
      family: 'allthrive-worker',
      containerDefinitions: [{ name: 'worker', image: `${REPO}:previous`, memory: 1024, essential: true, command: ['celery', 'worker'] }],
    }),
  );
  const services = {
    web: web.taskDefinition!.taskDefinitionArn!,
    celery: worker.taskDefinition!.taskDefinitionArn!,
    'celery-beat': worker.taskDefinition!.taskDefinitionArn!,
  };
  for (const [serviceName, taskDefinition] of Object.entries(services)) {
    await ecs.send(new CreateServiceCommand({ cluster: CLUSTER, serviceName, taskDefinition, desiredCount: 2 }));
  }
  await ecr.send(new CreateRepositoryCommand({ repositoryName: 'allthrive' }));
  const pushed = await ecr.send(new PutImageCommand({ repositoryName: 'allthrive', imageManifest: manifest('v42'), imageTag: 'v42' }));
  return { ecs, ecr, digest: pushed.image!.imageId!.imageDigest!, services };
}

function options(overrides: Partial<DeployOptions> = {}): DeployOptions {
  return {
    cluster: CLUSTER,
    services: ['web', 'celery', 'celery-beat'],
    image: `${REPO}:v42`,
    containers: undefined,
    pinDigest: true,
    forceNewDeployment: true,
    wait: true,
    timeoutMs: 60_000,
    pollIntervalMs: 5_000,
    rollback: false,
    ...overrides,
  };
}

describe('ecs-deploy-and-wait against moto', () => {
  it('pins the tag to its ECR digest, copies each task definition with the new image, shares one revision and updates every service', async () => {
    const { ecs, ecr, digest, services } = await seedProduct();
    expect(digest).toMatch(/^sha256:[a-f0-9]{64}$/);
    const logger = memoryLogger();

    const result = await runDeploy(options(), { ecs, ecr, logger, clock: virtualClock() });

    const pinned = `${REPO}@${digest}`;
    expect(result.image).toBe(pinned);
    expect(result.result).toBe('success');
    const web = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: result.taskDefinitionArns.web, include: ['TAGS'] }));
    expect(web.taskDefinition!.revision).toBe(2);
    expect(web.taskDefinition!.containerDefinitions!.map((c) => [c.name, c.image, c.command])).toEqual([
      ['web', pinned, ['daphne', 'config.asgi:application']],
      ['log-router', 'public.ecr.aws/aws-observability/aws-for-fluent-bit:stable', undefined],
    ]);
    expect(web.tags).toEqual([{ key: 'team', value: 'platform' }]);
    // celery and celery-beat ran the same task definition: one new revision for both.
    expect(result.taskDefinitionArns.celery).toBe(result.taskDefinitionArns['celery-beat']);
    const worker = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: result.taskDefinitionArns.celery }));
    expect(worker.taskDefinition!.containerDefinitions![0]).toMatchObject({
      name: 'worker',
      image: pinned,
      memory: 1024,
      command: ['celery', 'worker'],
    });
    const families = await ecs.send(new ListTaskDefinitionsCommand({}));
    expect(families.taskDefinitionArns).toHaveLength(4); // 2 seeded + 2 new, nothing deregistered

    const described = await ecs.send(new DescribeServicesCommand({ cluster: CLUSTER, services: ['web', 'celery', 'celery-beat'] }));
    for (const service of described.services!) {
      expect(service.taskDefinition).toBe(result.taskDefinitionArns[service.serviceName!]);
      expect(result.services[service.serviceName!]).toMatchObject({
        status: 'success',
        previousTaskDefinitionArn: services[service.serviceName! as keyof typeof services],
        deploymentId: service.deployments![0].id,
        runningCount: 2,
        desiredCount: 2,
      });
    }
    expect(logger.text()).toContain(`Pinned ${REPO}:v42 to ${pinned}.`);
  });

  it('fails before touching any service when the tag does not exist in ECR', async () => {
    const { ecs, ecr, services } = await seedProduct();
    const error = await runDeploy(options({ image: `${REPO}:does-not-exist` }), {
      ecs,
      ecr,
      logger: memoryLogger(),
      clock: virtualClock(),
    }).catch((e) => e);
    expect(error).toBeInstanceOf(ActionError);
    expect(error.message).toContain("The image tag 'does-not-exist' does not exist in ECR repository allthrive");
    expect(error.message).toContain('No service was touched');
    const families = await ecs.send(new ListTaskDefinitionsCommand({}));
    expect(families.taskDefinitionArns).toHaveLength(2);
    const described = await ecs.send(new DescribeServicesCommand({ cluster: CLUSTER, services: ['web', 'celery'] }));
    expect(described.services!.map((s) => s.taskDefinition)).toEqual([services.web, services.celery]);
  });

  it('deploys the tag as given with pin-digest off, and only the named containers', async () => {
    const { ecs, ecr } = await seedProduct();
    const result = await runDeploy(
      options({
        pinDigest: false,
        services: ['web'],
        containers: ['log-router'],
        image: 'public.ecr.aws/aws-observability/aws-for-fluent-bit:2.32.0',
      }),
      {
        ecs,
        ecr,
        logger: memoryLogger(),
        clock: virtualClock(),
      },
    );
    expect(result.image).toBe('public.ecr.aws/aws-observability/aws-for-fluent-bit:2.32.0');
    const web = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: result.taskDefinitionArns.web }));
    expect(web.taskDefinition!.containerDefinitions!.map((c) => c.image)).toEqual([
      `${REPO}:previous`,
      'public.ecr.aws/aws-observability/aws-for-fluent-bit:2.32.0',
    ]);
  });

  it('bundle: deploys the three services under Node 24 and writes outputs and the job summary', async () => {
    const { ecs, digest } = await seedProduct();
    const run = await runBundle('ecs-deploy-and-wait', {
      inputs: { cluster: CLUSTER, services: 'web, celery\ncelery-beat', image: `${REPO}:v42`, 'poll-interval': '1s', timeout: '30s' },
      env: moto.env,
    });
    try {
      expect(run.errors).toEqual([]);
      expect(run.exitCode).toBe(0);
      expect(run.outputs.result).toBe('success');
      expect(run.outputs.image).toBe(`${REPO}@${digest}`);
      const services = JSON.parse(run.outputs.services);
      expect(Object.keys(services)).toEqual(['web', 'celery', 'celery-beat']);
      expect(services.web).toMatchObject({ status: 'success', runningCount: 2, desiredCount: 2 });
      const arns = JSON.parse(run.outputs['task-definition-arns']);
      expect(arns.web).toMatch(/task-definition\/allthrive-web:2$/);
      const described = await ecs.send(new DescribeServicesCommand({ cluster: CLUSTER, services: ['web'] }));
      expect(described.services![0].taskDefinition).toBe(arns.web);
      expect(run.summary).toContain('ECS deploy to production-allthrive-cluster: success');
      expect(run.summary).toContain('allthrive-web:2 (was allthrive-web:1)');
      expect(run.log).toContain('web: success after');
      // moto has no service deployments: the deployments array is followed, without a warning.
      expect(run.annotations.filter((a) => a.level === 'warning')).toEqual([]);
    } finally {
      run.cleanup();
    }
  });
});
