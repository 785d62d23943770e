import { CloudFrontClient, ListInvalidationsCommand } from '@aws-sdk/client-cloudfront';
import { DescribeServicesCommand, DescribeTaskDefinitionCommand, DescribeTasksCommand, ECSClient } from '@aws-sdk/client-ecs';
import { HeadObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { beforeAll, describe, expect, it } from '@jest/globals';
import { DEMO, MOTO_ECS_SERVICE_RUNNING, seedBackend, seedFrontend } from '../../scripts/demo/seed.mjs';
import { expectJobSucceeded, motoActSettings, requireBundles, runAct } from '../harness/act.js';
import { partsOutput, stoppedAt, succeeded } from '../harness/deploy-parts.js';
import { useMoto } from '../harness/moto.js';
import { failedDeployStep, invalidationsOf, liveIndexHtml, sampleFrontendDir, sampleFrontendWorkspace } from './helpers.js';

describe('workflow: the root action, the whole deploy in one step (act, moto)', () => {
  const moto = useMoto({ serverEnv: { MOTO_ECS_SERVICE_RUNNING: String(MOTO_ECS_SERVICE_RUNNING) } });
  beforeAll(() => requireBundles('deploy'));

  async function seed(imageTag: string) {
    const frontend = await seedFrontend({ endpoint: moto.endpoint, frontendDir: sampleFrontendDir });
    const backend = await seedBackend({ endpoint: moto.endpoint, imageTag });
    return { ...frontend, ...backend };
  }

  /** test/workflows/root-action.yml under act against moto, deploying `image` (to `containers`, when given). */
  const deployWorkflow = (image: string, containers = '') =>
    runAct({
      workflow: 'test/workflows/root-action.yml',
      files: sampleFrontendWorkspace(),
      vars: { FRONTEND_BUCKET: DEMO.bucket, CLUSTER: DEMO.cluster, STACK_NAME: DEMO.stackName, IMAGE: image, CONTAINERS: containers },
      ...motoActSettings(moto),
    });

  it('runs every part in order and reports each part through prefixed outputs', async () => {
    const seeded = await seed('sha-root');
    const run = await deployWorkflow(seeded.image);
    try {
      expectJobSucceeded(run);
      const deploy = run.step('deploy');
      expect(JSON.parse(deploy.outputs.parts)).toEqual(partsOutput(succeeded()));
      expect(deploy.outputs.result).toBe('success');
      expect(deploy.outputs['production-state']).toBe('Backend deployed, migrations ran, new HTML live, CloudFront invalidated');
      const pinned = `${DEMO.registry}/${DEMO.repository}@${seeded.imageDigest}`;
      expect(deploy.outputs['backend-result']).toBe('success');
      expect(deploy.outputs['backend-image']).toBe(pinned);
      expect(deploy.outputs['migrate-exit-code']).toBe('0');
      expect(Number(deploy.outputs['frontend-uploaded'])).toBeGreaterThan(0);

      // What reached moto. Services run the pinned image on new revisions.
      const ecs = new ECSClient(moto.clientConfig);
      const arns = JSON.parse(deploy.outputs['backend-task-definition-arns']) as Record<string, string>;
      const services = await ecs.send(new DescribeServicesCommand({ cluster: DEMO.cluster, services: Object.keys(DEMO.services) }));
      for (const service of services.services ?? []) {
        expect(service.taskDefinition).toBe(arns[service.serviceName!]);
        const definition = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: service.taskDefinition! }));
        expect(definition.taskDefinition?.containerDefinitions?.[0].image).toBe(pinned);
      }
      // The migration ran as a one-off task on the web revision this run deployed.
      const task = await ecs.send(new DescribeTasksCommand({ cluster: DEMO.cluster, tasks: [deploy.outputs['migrate-task-arn']] }));
      expect(task.tasks?.[0]?.taskDefinitionArn).toBe(arns.web);
      // The new HTML is live and the invalidation holds the paths the frontend changed.
      const s3 = new S3Client(moto.clientConfig);
      const html = await liveIndexHtml(moto);
      expect(html).toContain('/assets/app-');
      expect(html).not.toContain('app-0ldRe1se.js');
      expect((await s3.send(new HeadObjectCommand({ Bucket: DEMO.bucket, Key: 'index.html' }))).CacheControl).toBe('no-cache');
      const cloudfront = new CloudFrontClient(moto.clientConfig);
      const invalidations = await cloudfront.send(new ListInvalidationsCommand({ DistributionId: seeded.distributionId }));
      expect(invalidations.InvalidationList?.Items?.map((i) => i.Id)).toEqual([deploy.outputs['invalidation-id']]);
      expect(JSON.parse(deploy.outputs['frontend-changed-paths'])).toEqual(expect.arrayContaining(['/', '/index.html']));
      // The summary names every part.
      for (const part of ['Frontend assets', 'Backend services', 'Migrations', 'Frontend public files, HTML', 'CloudFront invalidation'])
        expect(deploy.summary).toContain(part);
    } finally {
      run.cleanup();
    }
  });

  it('checks every part before the first write: a missing image tag changes nothing at all', async () => {
    const seeded = await seed('sha-root');
    const missingTag = `${DEMO.registry}/${DEMO.repository}:no-such-tag`;
    const run = await deployWorkflow(missingTag);
    try {
      const deploy = failedDeployStep(run, partsOutput(stoppedAt('backend', 'failed', 'after', { 'frontend-assets': 'not-run' })));
      expect(deploy.outputs['production-state']).toBe('Nothing changed: a pre-flight check failed before the first write');
      const error = deploy.annotations.find((a) => a.level === 'error');
      expect(error?.properties.title).toBe('Deploy failed');
      expect(error?.message).toContain('no-such-tag');
      expect(error?.message).toContain('pre-flight check: nothing was changed');
      expect(error?.message).toContain('Production now: Nothing changed');
      expect(deploy.summary).toContain('not run');

      // Nothing was written: old HTML, no new asset, services on their old revisions, no invalidation.
      const s3 = new S3Client(moto.clientConfig);
      const html = await liveIndexHtml(moto);
      expect(html).toContain('app-0ldRe1se.js');
      const keys = ((await s3.send(new ListObjectsV2Command({ Bucket: DEMO.bucket }))).Contents ?? []).map((o) => o.Key);
      expect(keys.sort()).toEqual(['assets/app-0ldRe1se.js', 'favicon.svg', 'index.html', 'robots.txt']);
      const ecs = new ECSClient(moto.clientConfig);
      const services = await ecs.send(new DescribeServicesCommand({ cluster: DEMO.cluster, services: ['web'] }));
      expect(services.services?.[0].taskDefinition).toBe(seeded.taskDefinitions.web);
      expect(await invalidationsOf(moto, seeded.distributionId)).toEqual([]);
    } finally {
      run.cleanup();
    }
  });
  it('stops at a backend that fails after the assets went up: later parts do not run, the old HTML stays live', async () => {
    const seeded = await seed('sha-root');
    // Passes the pre-flight (services, tag and stack exist) but no service has a container named 'api'.
    const run = await deployWorkflow(seeded.image, 'api');
    try {
      const deploy = failedDeployStep(run, partsOutput(stoppedAt('backend', 'failed')));
      expect(deploy.outputs['production-state']).toMatch(/^Backend deploy failed/);
      expect(deploy.outputs['production-state']).toContain(
        'old HTML still live (only new content-hashed files uploaded, not referenced yet)',
      );
      expect(deploy.annotations.find((a) => a.level === 'error')?.message).toContain("'api'");
      const s3 = new S3Client(moto.clientConfig);
      const html = await liveIndexHtml(moto);
      expect(html).toContain('app-0ldRe1se.js');
      const keys = ((await s3.send(new ListObjectsV2Command({ Bucket: DEMO.bucket }))).Contents ?? []).map((o) => o.Key!);
      expect(keys.some((k) => /^assets\/app-[\w-]{8}\.js$/.test(k) && k !== 'assets/app-0ldRe1se.js')).toBe(true);
      expect(await invalidationsOf(moto, seeded.distributionId)).toEqual([]);
    } finally {
      run.cleanup();
    }
  });
});
