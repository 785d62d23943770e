import { describe, expect, it } from '@jest/globals';
import { CancelledError, mapInputSource, memoryLogger, virtualClock } from '@allthrive/toolkit';
import type { InvalidationResult } from '@allthrive/cloudfront-invalidate';
import type { DeployResult } from '@allthrive/ecs-deploy-and-wait';
import { MigrationError, type MigrationResult } from '@allthrive/ecs-exec-migrate';
import type { SyncPlan, SyncResult } from '@allthrive/s3-sync-frontend';
import { readOptions, runWholeDeploy, wholeDeploySummary, type Engines, type WholeDeployDeps } from '@allthrive/deploy';
import { stoppedAt, succeeded } from '../harness/deploy-parts.js';

const ALL = {
  bucket: 'production-allthrive-frontend',
  source: 'frontend/dist',
  cluster: 'production-allthrive-cluster',
  services: 'web,celery,celery-beat',
  image: '123456789012.dkr.ecr.us-east-1.amazonaws.com/allthrive-web:abc',
  'migrate-command': 'python manage.py migrate --noinput',
  'migrate-mode': 'run-task',
  'stack-name': 'production-allthrive',
};

const WEB_REVISION = 'arn:aws:ecs:us-east-1:123456789012:task-definition/production-allthrive-web:7';

/** Scripted engines that record the order they were called in and what they were given. */
/** An engine step that fails with `error`. */
const throwing = (error: Error) => async (): Promise<never> => {
  throw error;
};

/** The whole deploy (ALL inputs) on fake engines, with `overrides` in place of some of them. */
async function deployAll(overrides: Partial<Engines> = {}) {
  const fake = fakeEngines(overrides);
  return { fake, result: await runWholeDeploy(options(ALL), deps(fake.engines)) };
}

function fakeEngines(overrides: Partial<Engines> = {}) {
  const calls: string[] = [];
  const given: Record<string, unknown> = {};
  const plan = { bucket: 'production-allthrive-frontend', prefix: '', progress: { phases: [{ uploaded: 3 }] } } as unknown as SyncPlan;
  const base: Engines = {
    planSync: async () => (calls.push('planSync'), plan),
    uploadUnreferenced: async () => (calls.push('uploadUnreferenced'), {} as never),
    uploadAssets: async () => (calls.push('uploadAssets'), []),
    publishHtml: async () => (calls.push('publishHtml'), {} as never),
    deleteStale: async () => (calls.push('deleteStale'), {} as never),
    syncResult: () =>
      ({ uploaded: 5, reheadered: 0, unchanged: 2, deleted: 1, kept: 0, changedPaths: ['/', '/index.html'] }) as unknown as SyncResult,
    runDeploy: async (options) => {
      calls.push('runDeploy');
      given.deploy = options;
      return {
        result: 'success',
        image: 'repo@sha256:1',
        services: { web: { status: 'success' } },
        taskDefinitionArns: { web: WEB_REVISION, celery: 'c:2', 'celery-beat': 'b:2' },
      } as unknown as DeployResult;
    },
    runMigration: async (options) => {
      calls.push('runMigration');
      given.migrate = options;
      return { exitCode: 0, taskArn: 'arn:aws:ecs:us-east-1:1:task/c/abc', mode: options.mode } as MigrationResult;
    },
    preflight: async (_ecs, _cluster, services) => (calls.push(`preflight ${services.join(',')}`), []),
    pinDigest: async (image) => (calls.push('pinDigest'), { image: `${image.split(':')[0]}@sha256:${'a'.repeat(64)}`, digest: 'x' }),
    resolveDistributionId: async (source) => (calls.push('resolveDistributionId'), source.distributionId ?? 'EFROMSTACK123'),
    runInvalidation: async (options) => {
      calls.push('runInvalidation');
      given.invalidate = options;
      return { invalidationIds: ['I1'], status: 'Completed', paths: [...options.paths] } as unknown as InvalidationResult;
    },
  };
  const engines = { ...base } as Engines;
  for (const [name, fn] of Object.entries(overrides)) {
    (engines as unknown as Record<string, unknown>)[name] = async (...args: unknown[]) => {
      calls.push(name);
      return (fn as (...a: unknown[]) => unknown)(...args);
    };
  }
  return { engines, calls, given };
}

function deps(engines: Engines, signal = new AbortController().signal): WholeDeployDeps & { logger: ReturnType<typeof memoryLogger> } {
  return {
    s3: {},
    ecs: {},
    logs: {},
    cloudfront: {},
    logger: memoryLogger(),
    clock: virtualClock(),
    signal,
    root: '/ws',
    engines,
  } as never;
}

/** Every engine call of a whole deploy with every part, in order (pre-flight reads first). */
const WHOLE_DEPLOY_CALLS = [
  'planSync',
  'preflight web,celery,celery-beat',
  'pinDigest',
  'resolveDistributionId',
  'uploadUnreferenced',
  'runDeploy',
  'runMigration',
  'uploadAssets',
  'publishHtml',
  'deleteStale',
  'runInvalidation',
];
/** The calls of a whole deploy up to and including `last`. */
const callsUpTo = (last: string) => WHOLE_DEPLOY_CALLS.slice(0, WHOLE_DEPLOY_CALLS.indexOf(last) + 1);
/** The calls of a whole deploy from `first` on. */
const callsFrom = (first: string) => WHOLE_DEPLOY_CALLS.slice(WHOLE_DEPLOY_CALLS.indexOf(first));

const options = (values: Record<string, string>) => readOptions(mapInputSource(values));

describe('runWholeDeploy: order, skipping, failures, production state', () => {
  it('runs assets, backend, migrations, HTML, invalidation in that order and chains their results', async () => {
    const fake = fakeEngines();
    const result = await runWholeDeploy(options({ ...ALL, 'invalidate-paths': '/api/*' }), deps(fake.engines));
    expect(fake.calls).toEqual(callsUpTo('runInvalidation'));
    expect(result.result).toBe('success');
    expect(result.parts.map((p) => p.status)).toEqual(['success', 'success', 'success', 'success', 'success']);
    // The backend is always waited for; run-task migrates on the revision the backend part registered.
    expect((fake.given.deploy as { wait: boolean }).wait).toBe(true);
    expect((fake.given.migrate as { taskDefinition: string; service: string }).taskDefinition).toBe(WEB_REVISION);
    expect((fake.given.migrate as { service: string }).service).toBe('web');
    // The invalidation gets what the frontend changed plus invalidate-paths.
    expect((fake.given.invalidate as { paths: string[] }).paths).toEqual(['/', '/index.html', '/api/*']);
    expect(result.productionState).toBe('Backend deployed, migrations ran, new HTML live, CloudFront invalidated');
  });

  it('a frontend-only deploy skips the backend and migration parts', async () => {
    const fake = fakeEngines();
    const result = await runWholeDeploy(options({ bucket: 'site', 'distribution-id': 'E2QWRUHAPOMQZL' }), deps(fake.engines));
    expect(fake.calls).toEqual([
      'planSync',
      'resolveDistributionId',
      'uploadUnreferenced',
      'uploadAssets',
      'publishHtml',
      'deleteStale',
      'runInvalidation',
    ]);
    expect(result.parts.map((p) => [p.part, p.status])).toEqual(succeeded('after', { backend: 'skipped', migrate: 'skipped' }));
    expect(result.parts[1].detail).toBe('no `services` given');
    expect(result.productionState).toBe('New HTML live, CloudFront invalidated');
  });

  it('a backend-only deploy in exec mode lets the engine pick the task (no task definition forced)', async () => {
    const fake = fakeEngines();
    const result = await runWholeDeploy(
      options({ cluster: 'c', services: 'web', image: 'repo:1', 'migrate-command': 'python manage.py migrate' }),
      deps(fake.engines),
    );
    expect(fake.calls).toEqual(['preflight web', 'pinDigest', 'runDeploy', 'runMigration']);
    expect((fake.given.migrate as { mode: string; taskDefinition?: string }).mode).toBe('exec');
    expect((fake.given.migrate as { taskDefinition?: string }).taskDefinition).toBeUndefined();
    expect(result.productionState).toBe('Backend deployed, migrations ran');
  });

  it('a failed migration stops the HTML and the invalidation: "backend deployed, migrations failed, old HTML still live"', async () => {
    const { fake, result } = await deployAll({
      runMigration: async () => ({ exitCode: 3, taskArn: 'arn:aws:ecs:us-east-1:1:task/c/t1', mode: 'run-task' }) as MigrationResult,
    });
    expect(fake.calls).toEqual(callsUpTo('runMigration'));
    expect(result.result).toBe('failed');
    expect(result.failedPart).toBe('migrate');
    expect(result.failure).toContain('exited with code 3 (task t1)');
    expect(result.parts.map((p) => p.status)).toEqual(['success', 'success', 'failed', 'not-run', 'not-run']);
    expect(result.productionState).toBe(
      'Backend deployed, migrations failed (exit code 3), old HTML still live (only new content-hashed files uploaded, not referenced yet)',
    );
    expect(result.migrate?.exitCode).toBe(3);
    const summary = wholeDeploySummary(result);
    expect(summary.title).toBe('Deploy: failed');
    expect(summary.lines?.[0]).toBe(`Production now: ${result.productionState}.`);
    expect(summary.table?.rows.map((r) => r[1])).toEqual(['✅ ran', '✅ ran', '❌ failed', '⏸ not run', '⏸ not run']);
  });

  it('a migration whose outcome is unknown keeps what is known (task, mode)', async () => {
    const fake = fakeEngines({
      runMigration: throwing(
        new MigrationError('The exec session was lost before the command finished.', { mode: 'exec', taskArn: 'arn:task/x' }),
      ),
    });
    const result = await runWholeDeploy(options({ ...ALL, 'migrate-mode': 'exec' }), deps(fake.engines));
    expect(result.migrate).toEqual({ mode: 'exec', taskArn: 'arn:task/x' });
    expect(result.productionState).toContain('migrations failed (outcome unknown)');
  });

  it('a rolled-back backend says so and runs nothing after it', async () => {
    const { fake, result } = await deployAll({
      runDeploy: async () =>
        ({
          result: 'rolled-back',
          image: 'repo@sha256:1',
          services: {
            web: { status: 'rolled-back', reason: 'circuit breaker' },
            celery: { status: 'success', reason: 'completed' },
            'celery-beat': { status: 'success', reason: 'completed' },
          },
          taskDefinitionArns: {},
        }) as unknown as DeployResult,
    });
    expect(fake.calls).toEqual(callsUpTo('runDeploy'));
    expect(result.failure).toContain('web rolled-back (circuit breaker)');
    expect(result.productionState).toBe(
      'Backend deploy failed: web rolled back to the previous task definition; celery, celery-beat on the new image, migrations not run, old HTML still live (only new content-hashed files uploaded, not referenced yet)',
    );
  });

  it('a cancelled run reports cancelled, not failed, and stops', async () => {
    const controller = new AbortController();
    const fake = fakeEngines({
      runDeploy: async () => {
        controller.abort();
        throw new CancelledError('Cancelled while waiting for the deployments; they continue in ECS.');
      },
    });
    const result = await runWholeDeploy(options(ALL), deps(fake.engines, controller.signal));
    expect(result.result).toBe('cancelled');
    expect(result.parts.map((p) => p.status)).toEqual(['success', 'cancelled', 'not-run', 'not-run', 'not-run']);
    expect(wholeDeploySummary(result).title).toBe('Deploy: cancelled');
  });

  it('an asset upload failure leaves everything as it was', async () => {
    const { fake, result } = await deployAll({ uploadUnreferenced: throwing(new Error('S3 PutObject failed: AccessDenied')) });
    expect(fake.calls.at(-1)).toBe('uploadUnreferenced');
    expect(fake.calls).not.toContain('runDeploy');
    expect(result.productionState).toBe('Backend unchanged, migrations not run, old HTML still live');
  });

  it('a failure while uploading the non-hashed public files (with the HTML, after the backend) says they may be new', async () => {
    const { fake, result } = await deployAll({ uploadAssets: throwing(new Error('S3 PutObject failed: AccessDenied')) });
    expect(fake.calls.slice(-3)).toEqual(['runDeploy', 'runMigration', 'uploadAssets']);
    expect(result.productionState).toBe(
      'Backend deployed, migrations ran, old HTML still live (some non-hashed public files such as robots.txt or sw.js may already be new)',
    );
  });

  it('a failed invalidation after the HTML says the CDN may serve old copies', async () => {
    const { result } = await deployAll({
      runInvalidation: throwing(new Error('CloudFront kept answering TooManyInvalidationsInProgress')),
    });
    expect(result.parts.map((p) => p.status)).toEqual(['success', 'success', 'success', 'success', 'failed']);
    expect(result.productionState).toBe(
      'Backend deployed, migrations ran, new HTML live, CloudFront not invalidated (edge caches may serve old copies until they expire)',
    );
  });

  it('checks every part before the first write: a missing stack changes nothing', async () => {
    const { fake, result } = await deployAll({
      resolveDistributionId: throwing(new Error("CloudFormation stack 'production-allthrive' does not exist")),
    });
    // Only reads happened: no upload, no deploy, no migration, no HTML, no invalidation.
    expect(fake.calls).toEqual(['planSync', 'preflight web,celery,celery-beat', 'pinDigest', 'resolveDistributionId']);
    expect(result.result).toBe('failed');
    expect(result.failedPart).toBe('invalidate');
    expect(result.failure).toBe("CloudFormation stack 'production-allthrive' does not exist (pre-flight check: nothing was changed)");
    expect(result.parts.map((p) => p.status)).toEqual(['not-run', 'not-run', 'not-run', 'not-run', 'failed']);
    expect(result.productionState).toBe('Nothing changed: a pre-flight check failed before the first write');
  });

  it('checks a migration service that the backend part does not deploy', async () => {
    const fake = fakeEngines({
      preflight: async (_ecs, _cluster, services) => {
        if (services.includes('worker')) throw new Error("service 'worker' does not exist in cluster c");
        return [];
      },
    });
    const result = await runWholeDeploy(
      options({ cluster: 'c', services: 'web', image: 'repo:1', 'migrate-command': 'm', 'migrate-service': 'worker' }),
      deps(fake.engines),
    );
    expect(fake.calls).toEqual(['preflight', 'pinDigest', 'preflight']);
    expect(result.failedPart).toBe('migrate');
    expect(result.parts.map((p) => p.status)).toEqual(['skipped', 'not-run', 'failed', 'skipped', 'skipped']);
  });

  it('deploys the digest the pre-flight pinned, and invalidates the distribution it resolved', async () => {
    const fake = fakeEngines();
    await runWholeDeploy(options(ALL), deps(fake.engines));
    expect((fake.given.deploy as { image: string }).image).toBe(
      `123456789012.dkr.ecr.us-east-1.amazonaws.com/allthrive-web@sha256:${'a'.repeat(64)}`,
    );
    expect((fake.given.invalidate as { distributionId: string }).distributionId).toBe('EFROMSTACK123');
  });

  it('skips the invalidation when nothing changed in S3 and no extra paths were given', async () => {
    const fake = fakeEngines({
      syncResult: (() => ({
        uploaded: 0,
        reheadered: 0,
        unchanged: 9,
        deleted: 0,
        kept: 0,
        changedPaths: [],
      })) as unknown as Engines['syncResult'],
    });
    const result = await runWholeDeploy(options({ bucket: 'site', 'stack-name': 'production-allthrive' }), deps(fake.engines));
    expect(fake.calls).not.toContain('runInvalidation');
    expect(result.parts[4]).toEqual({ part: 'invalidate', status: 'skipped', detail: 'nothing changed in S3 and no `invalidate-paths`' });
  });
});

describe('runWholeDeploy with migrate-when: before (migrations before the services switch)', () => {
  const BEFORE = { ...ALL, 'migrate-mode': '', 'migrate-when': 'before' };
  const REGISTERED = {
    web: WEB_REVISION,
    celery: 'arn:aws:ecs:us-east-1:1:task-definition/c:9',
    'celery-beat': 'arn:aws:ecs:us-east-1:1:task-definition/b:4',
  };

  /** runDeploy that registers on register-only and deploys the given task definitions otherwise. */
  function backendEngine(deployed: Partial<DeployResult> = {}) {
    const deployCalls: Record<string, unknown>[] = [];
    const runDeploy = (async (options: Record<string, unknown>) => {
      deployCalls.push(options);
      if (options.registerOnly) return { result: 'registered', image: 'repo@sha256:1', services: {}, taskDefinitionArns: REGISTERED };
      return { result: 'success', image: '', services: { web: { status: 'success' } }, taskDefinitionArns: REGISTERED, ...deployed };
    }) as unknown as Engines['runDeploy'];
    return { deployCalls, runDeploy };
  }

  it('registers, migrates on the new web revision, then deploys exactly the registered revisions', async () => {
    const backend = backendEngine();
    const fake = fakeEngines({ runDeploy: backend.runDeploy });
    const result = await runWholeDeploy(options(BEFORE), deps(fake.engines));
    // With migrate-when: before, runDeploy registers first, then deploys after the migration.
    expect(fake.calls).toEqual([...callsUpTo('runMigration'), 'runDeploy', ...callsFrom('uploadAssets')]);
    const [register, deploy] = backend.deployCalls;
    expect(register).toMatchObject({
      registerOnly: true,
      image: `123456789012.dkr.ecr.us-east-1.amazonaws.com/allthrive-web@sha256:${'a'.repeat(64)}`,
    });
    // The deploy registers nothing more: no image, the registered revisions as task-definitions.
    expect(deploy).toMatchObject({ taskDefinitions: REGISTERED, wait: true, image: undefined });
    expect(deploy.registerOnly).toBeFalsy();
    expect(fake.given.migrate).toMatchObject({ mode: 'run-task', service: 'web', taskDefinition: WEB_REVISION });
    expect(result.result).toBe('success');
    expect(result.parts.map((p) => [p.part, p.status])).toEqual(succeeded('before'));
    expect(result.backend?.image).toBe('repo@sha256:1');
    expect(result.productionState).toBe('Migrations ran before the switch, backend deployed, new HTML live, CloudFront invalidated');
  });

  it('a failed migration updates no service and publishes no HTML, and production-state says so', async () => {
    const backend = backendEngine();
    const fake = fakeEngines({
      runDeploy: backend.runDeploy,
      runMigration: async () => ({ exitCode: 1, taskArn: 'arn:aws:ecs:us-east-1:1:task/c/m1', mode: 'run-task' }) as MigrationResult,
    });
    const result = await runWholeDeploy(options(BEFORE), deps(fake.engines));
    expect(fake.calls.slice(4)).toEqual(['uploadUnreferenced', 'runDeploy', 'runMigration']);
    expect(backend.deployCalls).toHaveLength(1);
    expect(backend.deployCalls[0].registerOnly).toBe(true);
    expect(result.result).toBe('failed');
    expect(result.failedPart).toBe('migrate');
    expect(result.parts.map((p) => [p.part, p.status])).toEqual(stoppedAt('migrate', 'failed', 'before'));
    expect(result.parts[2].detail).toBe(
      'not run: the migrations did not succeed, so no service was updated (the new revisions production-allthrive-web:7, c:9, b:4 are registered, unused)',
    );
    expect(result.productionState).toBe(
      'Migrations failed before the switch (exit code 1): every service still on its previous revision, old HTML still live (only new content-hashed files uploaded, not referenced yet)',
    );
    expect(result.registered?.taskDefinitionArns).toEqual(REGISTERED);
    expect(result.backend).toBeUndefined();
    expect(wholeDeploySummary(result).table?.rows.map((r) => r[1])).toEqual(['✅ ran', '❌ failed', '⏸ not run', '⏸ not run', '⏸ not run']);
  });

  it('a migration whose outcome is unknown also leaves every service on its revision', async () => {
    const fake = fakeEngines({
      runDeploy: backendEngine().runDeploy,
      runMigration: throwing(
        new MigrationError('The one-off task was lost before it stopped.', { mode: 'run-task', taskArn: 'arn:task/x' }),
      ),
    });
    const result = await runWholeDeploy(
      options({ cluster: 'c', services: 'web', image: 'repo:1', 'migrate-command': 'm', 'migrate-when': 'before' }),
      deps(fake.engines),
    );
    expect(fake.calls.filter((c) => c === 'runDeploy')).toHaveLength(1);
    expect(result.productionState).toBe(
      'Migrations failed before the switch (outcome unknown): every service still on its previous revision',
    );
  });

  it('a cancelled migration says cancelled, and no service was updated', async () => {
    const controller = new AbortController();
    const fake = fakeEngines({
      runDeploy: backendEngine().runDeploy,
      runMigration: async () => {
        controller.abort();
        throw new CancelledError('Cancelled: the one-off task was stopped (StopTask).');
      },
    });
    const result = await runWholeDeploy(options(BEFORE), deps(fake.engines, controller.signal));
    expect(result.result).toBe('cancelled');
    expect(fake.calls.filter((c) => c === 'runDeploy')).toHaveLength(1);
    expect(result.productionState).toMatch(
      /^Migrations cancelled before the switch \(outcome unknown\): every service still on its previous revision, old HTML still live/,
    );
  });

  it('a failed registration runs no migration and says no service changed', async () => {
    const fake = fakeEngines({
      runDeploy: throwing(new Error("Service 'web' has no container named 'api'")),
    });
    const result = await runWholeDeploy(options(BEFORE), deps(fake.engines));
    expect(fake.calls).not.toContain('runMigration');
    expect(result.failedPart).toBe('backend');
    expect(result.parts.map((p) => [p.part, p.status])).toEqual(stoppedAt('backend', 'failed', 'before', { migrate: 'not-run' }));
    expect(result.productionState).toBe(
      'Registering the new revisions failed: every service still on its previous revision, migrations not run, old HTML still live (only new content-hashed files uploaded, not referenced yet)',
    );
  });

  it('a backend that fails after the migration says the migrations ran and what each service runs', async () => {
    const backend = backendEngine({
      result: 'rolled-back',
      services: { web: { status: 'rolled-back', reason: 'circuit breaker' } } as unknown as DeployResult['services'],
    });
    const fake = fakeEngines({ runDeploy: backend.runDeploy });
    const result = await runWholeDeploy(options(BEFORE), deps(fake.engines));
    expect(result.failedPart).toBe('backend');
    expect(result.productionState).toBe(
      'Migrations ran before the switch, backend deploy failed: web rolled back to the previous task definition, old HTML still live (only new content-hashed files uploaded, not referenced yet)',
    );
  });
});
