import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from '@jest/globals';
import { CreateRepositoryCommand, ECRClient, PutImageCommand } from '@aws-sdk/client-ecr';
import { CreateClusterCommand, CreateServiceCommand, ECSClient, RegisterTaskDefinitionCommand } from '@aws-sdk/client-ecs';
import { appliedDeployment } from '@allthrive/ecs-deploy-and-wait';
import { runBundle, type BundleResult } from '../harness/bundle.js';
import { startFaultProxy, type FaultProxy, type FaultRule } from '../harness/fault-proxy.js';
import { useMoto } from '../harness/moto.js';

// Bundle tests under network faults: dist/ecs-deploy-and-wait/index.js talks to moto through the
// fault proxy, which loses UpdateService answers, refuses requests or holds DescribeServices. moto
// runs with MOTO_ECS_SERVICE_RUNNING=2 so that, without faults, every deployment completes.
const moto = useMoto({ serverEnv: { MOTO_ECS_SERVICE_RUNNING: '2' } });

const CLUSTER = 'production-allthrive-cluster';
const REPO = '123456789012.dkr.ecr.us-east-1.amazonaws.com/allthrive';
const SERVICES = ['web', 'celery'];
const sha = (text: string) => createHash('sha256').update(text).digest('hex');

async function seed(): Promise<void> {
  const ecs = new ECSClient(moto.clientConfig);
  const ecr = new ECRClient(moto.clientConfig);
  await ecs.send(new CreateClusterCommand({ clusterName: CLUSTER }));
  for (const name of SERVICES) {
    const registered = await ecs.send(
      new RegisterTaskDefinitionCommand({
        family: `allthrive-${name}`,
        containerDefinitions: [{ name, image: `${REPO}:v1`, memory: 512 }],
      }),
    );
    await ecs.send(
      new CreateServiceCommand({
        cluster: CLUSTER,
        serviceName: name,
        taskDefinition: registered.taskDefinition!.taskDefinitionArn,
        desiredCount: 2,
      }),
    );
  }
  await ecr.send(new CreateRepositoryCommand({ repositoryName: 'allthrive' }));
  const imageManifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
    config: { mediaType: 'application/vnd.docker.container.image.v1+json', size: 100, digest: `sha256:${sha('config')}` },
    layers: [{ mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', size: 1000, digest: `sha256:${sha('layer')}` }],
  });
  await ecr.send(new PutImageCommand({ repositoryName: 'allthrive', imageManifest, imageTag: 'v2' }));
}

let proxy: FaultProxy | undefined;
afterEach(async () => {
  await proxy?.close();
  proxy = undefined;
});

async function deploy(rules: FaultRule[], inputs: Record<string, string> = {}): Promise<BundleResult> {
  await seed();
  proxy = await startFaultProxy({ upstream: moto.endpoint, rules });
  return runBundle('ecs-deploy-and-wait', {
    inputs: { cluster: CLUSTER, services: SERVICES.join(','), image: `${REPO}:v2`, timeout: '30s', 'poll-interval': '1s', ...inputs },
    env: { ...moto.env, AWS_ENDPOINT_URL: proxy.endpoint },
    timeoutMs: 40_000,
  });
}

/** UpdateService requests that reached ECS (moto), per service. */
function updatesReachingEcs(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of proxy!.requests.filter((x) => x.operation === 'UpdateService' && x.forwarded)) {
    const service = String(JSON.parse(r.body ?? '{}').service);
    counts[service] = (counts[service] ?? 0) + 1;
  }
  return counts;
}

describe('ecs-deploy-and-wait bundle under network faults', () => {
  it('the UpdateService answer is lost after ECS applied it: the update is not sent again, the deployment is followed to success', async () => {
    const run = await deploy([{ fault: 'reset-after', operation: 'UpdateService', times: 1 }]);
    try {
      expect(updatesReachingEcs()).toEqual({ web: 1, celery: 1 });
      expect(run.exitCode).toBe(0);
      expect(run.outputs.result).toBe('success');
      expect(run.log).toMatch(
        /web: ECS had applied the update \(deployment ecs-svc\/\d+ is new and PRIMARY\): following it, not sending it again\./,
      );
    } finally {
      run.cleanup();
    }
  }, 60_000);

  it.each([
    ['answered 500 without reaching ECS', 'internal'],
    ['throttled', 'throttle'],
  ] as const)(
    'UpdateService %s: sent again once ECS surely did not apply it; one update reaches ECS',
    async (_case, fault) => {
      const run = await deploy([{ fault, operation: 'UpdateService', times: 1 }]);
      try {
        expect(proxy!.count('UpdateService', { all: true })).toBe(3);
        expect(updatesReachingEcs()).toEqual({ web: 1, celery: 1 });
        expect(run.exitCode).toBe(0);
        expect(run.outputs.result).toBe('success');
        if (fault === 'internal') expect(run.log).toContain('web: ECS had not applied the update; sending it again (attempt 2 of 4).');
      } finally {
        run.cleanup();
      }
    },
    60_000,
  );

  it('a DescribeServices answer held for 40 s with timeout 5s: the request is abandoned at the deadline and the step ends timed-out', async () => {
    // The first DescribeServices (the preflight) answers; every poll after it is held.
    const run = await deploy([{ fault: 'delay', operation: 'DescribeServices', delayMs: 40_000, after: 1 }], { timeout: '5s' });
    try {
      // Not a timing assertion: the 40 s runner limit did not kill it, and the step said why it stopped.
      expect(run.signal).toBeNull();
      expect(run.exitCode).toBe(1);
      expect(run.outputs.result).toBe('timed-out');
      expect(run.errors).toHaveLength(1);
      expect(run.errors[0].message).toContain('2 of 2 services did not deploy: web timed-out (no verdict within 5s');
      const warnings = run.annotations.filter((a) => a.level === 'warning').map((a) => a.message);
      expect(warnings.some((w) => w.startsWith('DescribeServices did not answer within'))).toBe(true);
      expect(updatesReachingEcs()).toEqual({ web: 1, celery: 1 });
    } finally {
      run.cleanup();
    }
  }, 60_000);
});

describe('appliedDeployment (is a new PRIMARY deployment the one our lost UpdateService made?)', () => {
  const ours = 'arn:aws:ecs:us-east-1:123456789012:task-definition/allthrive-web:2';
  const old = 'arn:aws:ecs:us-east-1:123456789012:task-definition/allthrive-web:1';
  const sentAt = Date.parse('2026-11-27T09:00:00Z');
  const service = (id: string, taskDefinition: string, createdAt = new Date(sentAt + 500)) => ({
    taskDefinition,
    deployments: [{ id, status: 'PRIMARY', taskDefinition, createdAt }],
  });
  const target = { name: 'web', taskDefinitionArn: ours, currentTaskDefinitionArn: old, knownDeploymentIds: ['ecs-svc/1'] };

  it('adopts a new PRIMARY deployment on our task definition', () => {
    expect(appliedDeployment(service('ecs-svc/2', ours), target, sentAt)?.id).toBe('ecs-svc/2');
  });
  it('does not adopt the deployment that was there before, another task definition, or an old deployment', () => {
    expect(appliedDeployment(service('ecs-svc/1', ours), target, sentAt)).toBeUndefined();
    expect(appliedDeployment(service('ecs-svc/2', old), target, sentAt)).toBeUndefined();
    expect(appliedDeployment(service('ecs-svc/2', ours, new Date(sentAt - 3_600_000)), target, sentAt)).toBeUndefined();
    expect(appliedDeployment(undefined, target, sentAt)).toBeUndefined();
  });
  it('a redeploy without a new task definition adopts a new PRIMARY deployment of the current one', () => {
    const redeploy = { ...target, taskDefinitionArn: undefined };
    expect(appliedDeployment(service('ecs-svc/3', old), redeploy, sentAt)?.id).toBe('ecs-svc/3');
  });
});
