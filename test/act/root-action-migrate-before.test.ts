import { DescribeServicesCommand, DescribeTaskDefinitionCommand, DescribeTasksCommand, ECSClient } from '@aws-sdk/client-ecs';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DEMO, MOTO_ECS_SERVICE_RUNNING, seedBackend, seedFrontend } from '../../scripts/demo/seed.mjs';
import { expectJobSucceeded, motoActSettings, requireBundles, runAct } from '../harness/act.js';
import { partsOutput, stoppedAt, succeeded } from '../harness/deploy-parts.js';
import { startFaultProxy, type FaultProxy } from '../harness/fault-proxy.js';
import { useMoto } from '../harness/moto.js';
import { failedDeployStep, invalidationsOf, liveIndexHtml, sampleFrontendDir, sampleFrontendWorkspace } from './helpers.js';

/**
 * The root action with `migrate-when: before` against moto, through the fault proxy. moto's
 * one-off tasks always exit 0 (moto/ecs/models.py: Container.exitCode = 0), so the proxy plays
 * the migration failing: in DescribeTasks answers, the containers of the task ecs-exec-migrate
 * started (startedBy `ecs-exec-migrate`) exit with code 1, as a STOPPED ECS task reports it
 * (API_Container.exitCode). Everything else is moto's: the registered revisions, RunTask, the
 * services, S3 and CloudFront; the proxy records every request, so the test can show that no
 * UpdateService was sent.
 */
describe('workflow: the root action with migrate-when: before (act, moto)', () => {
  const moto = useMoto({ serverEnv: { MOTO_ECS_SERVICE_RUNNING: String(MOTO_ECS_SERVICE_RUNNING) } });
  let proxy: FaultProxy;
  /** Whether the proxy makes the migration task's containers exit 1. */
  let failMigration = true;
  beforeAll(async () => {
    requireBundles('deploy');
    proxy = await startFaultProxy({
      upstream: moto.endpoint,
      rewrite: (request, body) => {
        if (!failMigration || request.operation !== 'DescribeTasks') return undefined;
        const answer = JSON.parse(body.toString('utf8')) as {
          tasks?: { startedBy?: string; lastStatus?: string; containers?: { exitCode?: number }[] }[];
        };
        for (const task of answer.tasks ?? []) {
          if (task.startedBy !== 'ecs-exec-migrate' || task.lastStatus !== 'STOPPED') continue;
          for (const container of task.containers ?? []) container.exitCode = 1;
        }
        return Buffer.from(JSON.stringify(answer));
      },
    });
  });
  afterAll(() => proxy.close());

  /**
   * Seeds the demo account with the backend image tagged `imageTag`, then runs
   * test/workflows/root-action-migrate-before.yml under act through the proxy (which fails the
   * migration task when `failMigration`).
   */
  async function seedAndDeploy(imageTag: string, options: { failMigration: boolean }) {
    const frontend = await seedFrontend({ endpoint: moto.endpoint, frontendDir: sampleFrontendDir });
    const backend = await seedBackend({ endpoint: moto.endpoint, imageTag });
    proxy.clear();
    failMigration = options.failMigration;
    const run = await runAct({
      workflow: 'test/workflows/root-action-migrate-before.yml',
      files: sampleFrontendWorkspace(),
      vars: { FRONTEND_BUCKET: DEMO.bucket, CLUSTER: DEMO.cluster, STACK_NAME: DEMO.stackName, IMAGE: backend.image },
      ...motoActSettings(proxy),
    });
    return { frontend, backend, run };
  }

  it('a migration that exits 1 before the switch updates no service and leaves the old HTML live', async () => {
    const { frontend, backend, run } = await seedAndDeploy('sha-before', { failMigration: true });
    try {
      const deploy = failedDeployStep(run, partsOutput(stoppedAt('migrate', 'failed', 'before')));
      expect(deploy.outputs['migrate-exit-code']).toBe('1');
      expect(deploy.outputs['production-state']).toMatch(
        /^Migrations failed before the switch \(exit code 1\): every service still on its previous revision, old HTML still live/,
      );
      const error = deploy.annotations.find((a) => a.level === 'error');
      expect(error?.message).toContain('exited with code 1');
      expect(error?.message).toContain('every service still on its previous revision');

      // The new revisions were registered (backend-result `registered`), with the pinned image.
      expect(deploy.outputs['backend-result']).toBe('registered');
      const registered = JSON.parse(deploy.outputs['backend-task-definition-arns']) as Record<string, string>;
      expect(Object.keys(registered).sort()).toEqual(Object.keys(DEMO.services).sort());
      const ecs = new ECSClient(moto.clientConfig);
      const webRevision = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: registered.web }));
      expect(webRevision.taskDefinition?.containerDefinitions?.[0].image).toBe(
        `${DEMO.registry}/${DEMO.repository}@${backend.imageDigest}`,
      );
      // The migration ran as a one-off task on the new web revision.
      const task = await ecs.send(new DescribeTasksCommand({ cluster: DEMO.cluster, tasks: [deploy.outputs['migrate-task-arn']] }));
      expect(task.tasks?.[0]?.taskDefinitionArn).toBe(registered.web);

      // No service was updated: no UpdateService reached moto, every service on its seeded revision.
      expect(proxy.count('RunTask')).toBe(1);
      expect(proxy.count('RegisterTaskDefinition')).toBeGreaterThan(0);
      expect(proxy.count('UpdateService', { all: true })).toBe(0);
      const services = await ecs.send(new DescribeServicesCommand({ cluster: DEMO.cluster, services: Object.keys(DEMO.services) }));
      expect(Object.fromEntries((services.services ?? []).map((s) => [s.serviceName, s.taskDefinition]))).toEqual(backend.taskDefinitions);

      // The old HTML is live and nothing was invalidated.
      expect(await liveIndexHtml(moto)).toContain('app-0ldRe1se.js');
      expect(await invalidationsOf(moto, frontend.distributionId)).toEqual([]);
    } finally {
      run.cleanup();
    }
  });

  it('a migration that exits 0 is followed by the deploy of exactly the revisions it ran on, then the HTML', async () => {
    const { backend, run } = await seedAndDeploy('sha-before-ok', { failMigration: false });
    try {
      expectJobSucceeded(run);
      const deploy = run.step('deploy');
      expect(JSON.parse(deploy.outputs.parts)).toEqual(partsOutput(succeeded('before')));
      expect(deploy.outputs['production-state']).toBe(
        'Migrations ran before the switch, backend deployed, new HTML live, CloudFront invalidated',
      );
      expect(deploy.outputs['backend-image']).toBe(`${DEMO.registry}/${DEMO.repository}@${backend.imageDigest}`);
      const deployed = JSON.parse(deploy.outputs['backend-task-definition-arns']) as Record<string, string>;

      // The migration ran on the new web revision, and the services now run exactly the revisions
      // registered before it: one registration per task definition, no second one for the deploy.
      const ecs = new ECSClient(moto.clientConfig);
      const task = await ecs.send(new DescribeTasksCommand({ cluster: DEMO.cluster, tasks: [deploy.outputs['migrate-task-arn']] }));
      expect(task.tasks?.[0]?.taskDefinitionArn).toBe(deployed.web);
      const services = await ecs.send(new DescribeServicesCommand({ cluster: DEMO.cluster, services: Object.keys(DEMO.services) }));
      expect(Object.fromEntries((services.services ?? []).map((s) => [s.serviceName, s.taskDefinition]))).toEqual(deployed);
      for (const [name, arn] of Object.entries(deployed)) expect([name, arn]).not.toEqual([name, backend.taskDefinitions[name]]);
      expect(proxy.count('RegisterTaskDefinition')).toBe(new Set(Object.values(backend.taskDefinitions)).size);
      expect(proxy.count('UpdateService')).toBe(Object.keys(DEMO.services).length);
      // The order on the wire: every registration, then the migration task, then the first service update.
      const sequence = (operation: string) => proxy.requests.filter((r) => r.operation === operation && r.forwarded).map((r) => r.seq);
      expect(Math.max(...sequence('RegisterTaskDefinition'))).toBeLessThan(sequence('RunTask')[0]);
      expect(sequence('RunTask')[0]).toBeLessThan(Math.min(...sequence('UpdateService')));

      expect(await liveIndexHtml(moto)).not.toContain('app-0ldRe1se.js');
    } finally {
      run.cleanup();
    }
  });
});
