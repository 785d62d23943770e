import {
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  ECSClient,
  ListTasksCommand,
} from '@aws-sdk/client-ecs';
import { beforeAll, describe, expect, it } from '@jest/globals';
import { DEMO, MOTO_ECS_SERVICE_RUNNING, seedBackend } from '../../scripts/demo/seed.mjs';
import { expectJobSucceeded, motoActSettings, requireBundles, runAct } from '../harness/act.js';
import { useMoto } from '../harness/moto.js';

describe('workflow: ecs-deploy-and-wait -> ecs-exec-migrate (act, moto)', () => {
  // Services report their rollouts COMPLETED only when moto starts with enough running tasks.
  const moto = useMoto({ serverEnv: { MOTO_ECS_SERVICE_RUNNING: String(MOTO_ECS_SERVICE_RUNNING) } });
  beforeAll(() => requireBundles('ecs-deploy-and-wait', 'ecs-exec-migrate'));

  it('deploys the three services to the digest of the pushed tag, then migrates on the new web revision', async () => {
    const seed = await seedBackend({ endpoint: moto.endpoint, imageTag: 'sha-1234' });
    const run = await runAct({
      workflow: 'test/workflows/backend-chain.yml',
      vars: { CLUSTER: DEMO.cluster, IMAGE: seed.image },
      ...motoActSettings(moto),
    });
    try {
      expectJobSucceeded(run);
      const deploy = run.step('deploy');
      expect(deploy.outputs.result).toBe('success');
      const pinned = `${DEMO.registry}/${DEMO.repository}@${seed.imageDigest}`;
      expect(deploy.outputs.image).toBe(pinned);
      const arns = JSON.parse(deploy.outputs['task-definition-arns']) as Record<string, string>;
      expect(Object.keys(arns).sort()).toEqual(['celery', 'celery-beat', 'web']);

      // What reached moto: each service now runs a new task definition revision on the pinned image.
      const ecs = new ECSClient(moto.clientConfig);
      const described = await ecs.send(new DescribeServicesCommand({ cluster: DEMO.cluster, services: ['web', 'celery', 'celery-beat'] }));
      for (const service of described.services ?? []) {
        const name = service.serviceName!;
        expect(service.taskDefinition).not.toBe(seed.taskDefinitions[name]);
        const definition = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: service.taskDefinition! }));
        expect(definition.taskDefinition?.containerDefinitions?.[0].image).toBe(pinned);
        expect(definition.taskDefinition?.taskDefinitionArn).toBe(arns[name]);
      }
      expect(run.step('chain').outputs['web-task-definition']).toBe(arns.web);
      expect(deploy.summary).not.toBe('');

      // The migration ran as a one-off task on the revision the deploy registered, with the command
      // as the container's override, and its exit code came out as an output.
      const migrate = run.step('migrate');
      expect(migrate.result).toBe('success');
      expect(migrate.outputs.mode).toBe('run-task');
      expect(migrate.outputs['exit-code']).toBe('0');
      expect(run.step('chain').outputs['migrate-exit-code']).toBe('0');
      const listed = await ecs.send(new ListTasksCommand({ cluster: DEMO.cluster, desiredStatus: 'STOPPED' }));
      const all = [...(listed.taskArns ?? []), ...((await ecs.send(new ListTasksCommand({ cluster: DEMO.cluster }))).taskArns ?? [])];
      expect(all).toContain(migrate.outputs['task-arn']);
      const tasks = await ecs.send(new DescribeTasksCommand({ cluster: DEMO.cluster, tasks: [migrate.outputs['task-arn']] }));
      const task = tasks.tasks?.[0];
      expect(task?.taskDefinitionArn).toBe(arns.web);
      const override = task?.overrides?.containerOverrides?.find((o) => o.name === 'web');
      expect(override?.command?.join(' ')).toContain('python manage.py migrate --noinput');
      expect(migrate.summary).not.toBe('');
    } finally {
      run.cleanup();
    }
  });
});
