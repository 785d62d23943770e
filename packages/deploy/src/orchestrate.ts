import type { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import type { CloudFrontClient } from '@aws-sdk/client-cloudfront';
import type { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import type { ECRClient } from '@aws-sdk/client-ecr';
import type { ECSClient } from '@aws-sdk/client-ecs';
import type { S3Client } from '@aws-sdk/client-s3';
import { CancelledError, errorMessage, type Clock, type Logger } from '@allthrive/toolkit';
import { resolveDistributionId, runInvalidation, WaitTimeoutError, type InvalidationResult } from '@allthrive/cloudfront-invalidate';
import { failureMessage, pinDigest, preflight, runDeploy, type DeployResult } from '@allthrive/ecs-deploy-and-wait';
import { MigrationError, runMigration, type MigrationResult } from '@allthrive/ecs-exec-migrate';
import {
  deleteStale,
  planSync,
  publishHtml,
  syncResult,
  uploadAssets,
  uploadUnreferenced,
  type DirectS3,
  type SyncPlan,
  type SyncResult,
} from '@allthrive/s3-sync-frontend';
import type { MigrateWhen, WholeDeployOptions } from './inputs.js';

/** The engines the root action composes; injectable so the orchestration is tested with fakes. */
export interface Engines {
  planSync: typeof planSync;
  uploadUnreferenced: typeof uploadUnreferenced;
  uploadAssets: typeof uploadAssets;
  publishHtml: typeof publishHtml;
  deleteStale: typeof deleteStale;
  syncResult: typeof syncResult;
  runDeploy: typeof runDeploy;
  runMigration: typeof runMigration;
  runInvalidation: typeof runInvalidation;
  /** Read-only checks run for every part before the first write. */
  preflight: typeof preflight;
  pinDigest: typeof pinDigest;
  resolveDistributionId: typeof resolveDistributionId;
}

export const realEngines: Engines = {
  planSync,
  uploadUnreferenced,
  uploadAssets,
  publishHtml,
  deleteStale,
  syncResult,
  runDeploy,
  runMigration,
  runInvalidation,
  preflight,
  pinDigest,
  resolveDistributionId,
};

export interface WholeDeployDeps {
  s3: S3Client;
  /** The frontend's GetObject and PutObject as single signed requests where they are safe (s3-sync-frontend's direct-s3.ts). */
  direct?: DirectS3;
  ecs: ECSClient;
  ecr?: ECRClient;
  logs: CloudWatchLogsClient;
  cloudfront: CloudFrontClient;
  cloudformation?: CloudFormationClient;
  logger: Logger;
  clock: Clock;
  signal: AbortSignal;
  /** The folder `source` is relative to (GITHUB_WORKSPACE). */
  root: string;
  runId?: string;
  runAttempt?: string;
  /** The job id (GITHUB_JOB), for the CloudFront caller reference. */
  job?: string;
  engines?: Engines;
}

/** The five parts, in the order they run. */
export const PARTS = ['frontend-assets', 'backend', 'migrate', 'frontend-html', 'invalidate'] as const;
export type Part = (typeof PARTS)[number];
/** The order with `migrate-when: before`: the backend part registers before and deploys after the migrations. */
export const PARTS_MIGRATE_BEFORE: readonly Part[] = ['frontend-assets', 'migrate', 'backend', 'frontend-html', 'invalidate'];

/** `skipped`: its inputs were not given. `not-run`: an earlier part failed (or was cancelled). */
export type PartStatus = 'success' | 'failed' | 'cancelled' | 'skipped' | 'not-run';

export interface PartReport {
  part: Part;
  status: PartStatus;
  /** One line: what it did, why it was skipped, or why it failed. */
  detail: string;
}

export interface WholeDeployResult {
  /** `success` when every part that was asked for succeeded. */
  result: 'success' | 'failed' | 'cancelled';
  parts: PartReport[];
  /** The first failure's message (what failed, why, what to check), when any. */
  failure?: string;
  failedPart?: Part;
  /** One sentence: what production runs now (e.g. "backend deployed, migrations failed, old HTML still live"). */
  productionState: string;
  /** True when a read-only pre-flight check failed, so nothing was written. */
  preflightFailed?: boolean;
  frontend?: SyncResult;
  /**
   * How far the frontend-html part got: `public-files` (non-hashed, non-HTML files, live as they
   * land), `html`, `clean-up`. Says what is live when that part fails.
   */
  frontendStage?: 'public-files' | 'html' | 'clean-up';
  backend?: DeployResult;
  /** `before`: the migrations ran before the services switched (see WholeDeployOptions.migrateWhen). */
  migrateWhen?: MigrateWhen;
  /** With `migrate-when: before`: the revisions registered (no service updated) that the migration and the deploy use. */
  registered?: DeployResult;
  /** With `migrate-when: before`: how far the backend part got (`register`, or `deploy` once the migration succeeded). */
  backendStage?: 'register' | 'deploy';
  migrate?: Partial<MigrationResult>;
  invalidate?: InvalidationResult;
}

const LABEL: Record<Part, string> = {
  'frontend-assets': 'Frontend assets: new content-hashed files (s3-sync-frontend phase 1)',
  backend: 'Backend services (ecs-deploy-and-wait)',
  migrate: 'Migrations (ecs-exec-migrate)',
  'frontend-html': 'Frontend public files, HTML and clean-up (s3-sync-frontend phases 2-4)',
  invalidate: 'CloudFront invalidation (cloudfront-invalidate)',
};

export function partLabel(part: Part): string {
  return LABEL[part];
}

class PartFailure extends Error {}

/**
 * The whole deploy in one step, in the order that keeps production consistent: upload the new
 * content-hashed files (at keys nothing serves yet: unreferenced, harmless), deploy the backend
 * and wait, run the migrations, then the other public files (sw.js, robots.txt, a runtime
 * config.js: live the moment they land, so never before the backend) and the HTML (new pages
 * appear only once the API they call is deployed and migrated), delete stale files, and
 * invalidate what changed. A part runs only when its inputs were given; a failure stops
 * every later part. Returns what happened; never throws for a part's failure (the caller reports
 * it after setting outputs and the summary).
 *
 * With `migrate-when: before` the backend part is split around the migrations: register the new
 * revisions (no service updated), migrate in a one-off task on the new `migrate-service` revision,
 * then deploy exactly those revisions. A failed migration therefore leaves every service on its
 * previous revision (and the HTML old), which is what expand-then-contract migrations need.
 */
export async function runWholeDeploy(options: WholeDeployOptions, deps: WholeDeployDeps): Promise<WholeDeployResult> {
  const engines = deps.engines ?? realEngines;
  const { logger, clock, signal } = deps;
  const result: WholeDeployResult = { result: 'success', parts: [], productionState: '' };
  // Migrate before the switch: register the new revisions, migrate on the new migrate-service
  // revision, then deploy exactly those revisions (readOptions checked that each is possible).
  const before = options.migrateWhen === 'before' && Boolean(options.backend && options.migrate);
  if (before) result.migrateWhen = 'before';
  const order = before ? PARTS_MIGRATE_BEFORE : PARTS;
  const status = new Map<Part, PartReport>();
  const record = (part: Part, partStatus: PartStatus, detail: string) => status.set(part, { part, status: partStatus, detail });
  let stopped = false;
  let plan: SyncPlan | undefined;
  const workflowRun = deps.runId ? { id: deps.runId, attempt: deps.runAttempt || '1' } : undefined;
  const syncDeps = { s3: deps.s3, direct: deps.direct, logger, clock, signal, root: deps.root, run: workflowRun };

  const run = async (part: Part, enabled: string | true, body: () => Promise<string>, label = partLabel(part)) => {
    if (enabled !== true) return record(part, 'skipped', enabled);
    if (stopped) return record(part, 'not-run', `not run: ${partLabel(result.failedPart!)} did not succeed`);
    try {
      await logger.group(label, async () => {
        record(part, 'success', await body());
      });
    } catch (error) {
      stopped = true;
      const cancelled = error instanceof CancelledError || signal.aborted;
      result.result = cancelled ? 'cancelled' : 'failed';
      result.failedPart = part;
      result.failure = errorMessage(error);
      record(part, cancelled ? 'cancelled' : 'failed', result.failure);
    }
  };

  // Pre-flight: every part's read-only checks (source and bucket, services, image tag, migration
  // service, stack output) before the first write, so a missing resource changes nothing.
  let checking: Part = 'frontend-assets';
  let image = options.backend?.image;
  let distributionId = options.invalidate?.distributionId;
  try {
    await logger.group('Pre-flight checks (read-only)', async () => {
      if (options.frontend) {
        checking = 'frontend-assets';
        plan = await engines.planSync(options.frontend, syncDeps);
      }
      if (options.backend) {
        checking = 'backend';
        await engines.preflight(deps.ecs, options.backend.cluster, options.backend.services, signal);
        if (image && options.backend.pinDigest) image = (await engines.pinDigest(image, deps.ecr, logger, signal)).image;
      }
      const migrateService = options.migrate?.service;
      if (options.migrate && migrateService && !options.backend?.services.includes(migrateService)) {
        checking = 'migrate';
        await engines.preflight(deps.ecs, options.migrate.cluster, [migrateService], signal);
      }
      if (options.invalidate) {
        checking = 'invalidate';
        distributionId = await engines.resolveDistributionId(
          {
            distributionId: options.invalidate.distributionId,
            stackName: options.invalidate.stackName,
            stackOutput: options.invalidate.stackOutput ?? 'DistributionId',
          },
          { cloudformation: deps.cloudformation, signal },
        );
      }
    });
  } catch (error) {
    const cancelled = error instanceof CancelledError || signal.aborted;
    result.result = cancelled ? 'cancelled' : 'failed';
    result.failedPart = checking;
    result.failure = `${errorMessage(error)} (pre-flight check: nothing was changed)`;
    result.preflightFailed = true;
    const enabled: Record<Part, boolean> = {
      'frontend-assets': Boolean(options.frontend),
      backend: Boolean(options.backend),
      migrate: Boolean(options.migrate),
      'frontend-html': Boolean(options.frontend),
      invalidate: Boolean(options.invalidate),
    };
    result.parts = order.map((part) =>
      part === checking
        ? { part, status: cancelled ? 'cancelled' : 'failed', detail: result.failure! }
        : {
            part,
            status: enabled[part] ? 'not-run' : 'skipped',
            detail: enabled[part] ? 'not run: a pre-flight check failed' : 'not asked for',
          },
    );
    result.productionState = productionState(result);
    return result;
  }

  await run('frontend-assets', options.frontend ? true : 'no `bucket` given', async () => {
    plan ??= await engines.planSync(options.frontend!, syncDeps);
    const phase = await engines.uploadUnreferenced(plan, syncDeps);
    return `${phase.uploaded ?? 0} new content-hashed file(s) uploaded to s3://${plan.bucket}/${plan.prefix}; no live page references them yet, and no other file changed`;
  });

  const backendDeps = { ecs: deps.ecs, ecr: deps.ecr, logs: () => deps.logs, logger, clock, signal };
  // Container logs of crashed tasks come from the step's CloudWatch Logs client (its region).
  const deployBackend = async () => {
    // Before the switch: exactly the revisions registered (and migrated on) above, nothing registered again.
    const registered = result.registered?.taskDefinitionArns;
    if (registered) result.backendStage = 'deploy';
    const deployed = await engines.runDeploy(
      registered
        ? { ...options.backend!, image: undefined, taskDefinitions: registered, wait: true }
        : { ...options.backend!, image, wait: true },
      backendDeps,
    );
    if (registered) deployed.image ||= result.registered!.image;
    result.backend = deployed;
    const failed = failureMessage(deployed);
    if (failed) throw new PartFailure(failed);
    const services = Object.keys(deployed.services).join(', ');
    return `${services} deployed${deployed.image ? ` to ${deployed.image}` : ''}`;
  };

  const runMigrationPart = async () => {
    const migrate = { ...options.migrate! };
    // run-task: migrate on the exact revision the backend part registered for that service.
    const revisions = (result.registered ?? result.backend)?.taskDefinitionArns;
    const revision = migrate.service ? revisions?.[migrate.service] : undefined;
    if (migrate.mode === 'run-task' && revision) migrate.taskDefinition = revision;
    try {
      const migrated = await engines.runMigration(migrate, { ecs: deps.ecs, logs: deps.logs, logger, clock, signal });
      result.migrate = migrated;
      if (migrated.exitCode !== 0) {
        throw new PartFailure(
          `\`${migrate.command}\` exited with code ${migrated.exitCode} (task ${shortId(migrated.taskArn)}); its output is above`,
        );
      }
      return `\`${migrate.command}\` exited 0 (${migrate.mode}${before ? ` on ${shortId(revision)}, before the services switched` : ''}, task ${shortId(migrated.taskArn)})`;
    } catch (error) {
      if (error instanceof MigrationError) result.migrate = error.partial;
      throw error;
    }
  };

  if (before) {
    await run(
      'backend',
      true,
      async () => {
        result.backendStage = 'register';
        const registered = await engines.runDeploy({ ...options.backend!, image, wait: true, registerOnly: true }, backendDeps);
        result.registered = registered;
        const revisions = Object.entries(registered.taskDefinitionArns).map(([name, arn]) => `${name} → ${shortId(arn)}`);
        const web = options.migrate!.service!;
        logger.info(
          `migrate-when: before: the migration runs next on ${shortId(registered.taskDefinitionArns[web])} (${web}); these revisions are deployed only if it exits 0.`,
        );
        return `new revisions registered (${revisions.join(', ')}); no service updated yet`;
      },
      'Backend: register the new revisions, no service updated yet (ecs-deploy-and-wait register-only)',
    );
    if (result.registered) {
      await run('migrate', true, runMigrationPart);
      await run('backend', true, deployBackend);
      if (result.failedPart === 'migrate') {
        const revisions = Object.values(result.registered.taskDefinitionArns).map(shortId);
        record(
          'backend',
          'not-run',
          `not run: the migrations did not succeed, so no service was updated (the new revisions ${[...new Set(revisions)].join(', ')} are registered, unused)`,
        );
      }
    } else record('migrate', 'not-run', `not run: ${partLabel('backend')} did not register the new revisions`);
  } else {
    await run('backend', options.backend ? true : 'no `services` given', deployBackend);
    await run('migrate', options.migrate ? true : 'no `migrate-command` given', runMigrationPart);
  }

  await run('frontend-html', options.frontend ? true : 'no `bucket` given', async () => {
    result.frontendStage = 'public-files';
    await engines.uploadAssets(plan!, syncDeps);
    result.frontendStage = 'html';
    await engines.publishHtml(plan!, syncDeps);
    result.frontendStage = 'clean-up';
    await engines.deleteStale(plan!, syncDeps);
    result.frontend = engines.syncResult(plan!, syncDeps);
    const f = result.frontend;
    return `HTML live; ${f.uploaded} uploaded, ${f.reheadered} re-headered, ${f.unchanged} unchanged, ${f.deleted} deleted, ${f.kept} kept`;
  });
  // A failure before the HTML part still reports what the frontend part uploaded.
  if (plan && !result.frontend) result.frontend = engines.syncResult(plan, syncDeps);

  const paths = [...new Set([...(result.frontend?.changedPaths ?? []), ...options.extraInvalidatePaths])];
  const invalidateEnabled = !options.invalidate
    ? 'no `distribution-id` or `stack-name` given'
    : paths.length === 0 && !stopped
      ? 'nothing changed in S3 and no `invalidate-paths`'
      : true;
  await run('invalidate', invalidateEnabled, async () => {
    try {
      const invalidated = await engines.runInvalidation(
        { ...options.invalidate!, distributionId, paths, runId: deps.runId, runAttempt: deps.runAttempt, job: deps.job },
        { cloudfront: deps.cloudfront, cloudformation: deps.cloudformation, logger, clock, signal },
      );
      result.invalidate = invalidated;
      return `${invalidated.invalidationIds.join(', ')} for ${invalidated.paths.length} path(s): ${invalidated.status}`;
    } catch (error) {
      if (error instanceof WaitTimeoutError) result.invalidate = error.result;
      throw error;
    }
  });

  result.parts = order.map((part) => status.get(part)!);
  result.productionState = productionState(result);
  return result;
}

const SERVICE_STATE: Record<string, string> = {
  success: 'on the new image',
  'rolled-back': 'rolled back to the previous task definition',
  failed: 'failed (old and new tasks may be mixed)',
  'timed-out': 'still rolling out (timed out)',
  superseded: 'taken over by another deployment',
  started: 'rolling out',
};

/** What the services run after a backend part that did not succeed, service by service. */
function backendState(backend: DeployResult | undefined, cancelled: boolean): string {
  const verb = cancelled ? 'cancelled' : 'failed';
  // The engine threw before returning: its error says which services, if any, it updated.
  if (!backend) return `backend deploy ${verb} before it finished (the error says which services, if any, were updated)`;
  const groups = new Map<string, string[]>();
  for (const [name, service] of Object.entries(backend.services)) groups.set(service.status, [...(groups.get(service.status) ?? []), name]);
  const services = [...groups].map(([status, names]) => `${names.join(', ')} ${SERVICE_STATE[status] ?? status}`).join('; ');
  return `backend deploy ${verb}: ${services}`;
}

function shortId(arn: string | undefined): string {
  return arn ? arn.slice(arn.lastIndexOf('/') + 1) : 'unknown';
}

/**
 * What production runs after this step, in one sentence built from the parts' outcomes, e.g.
 * "backend deployed, migrations failed, old HTML still live". This is what a person reads first
 * when a deploy fails half-way.
 */
export function productionState(
  result: Pick<
    WholeDeployResult,
    'parts' | 'backend' | 'migrate' | 'frontend' | 'frontendStage' | 'preflightFailed' | 'migrateWhen' | 'backendStage'
  >,
): string {
  if (result.preflightFailed) return 'Nothing changed: a pre-flight check failed before the first write';
  const of = (part: Part) => result.parts.find((p) => p.part === part)?.status ?? 'skipped';
  const before = result.migrateWhen === 'before';
  const pieces: string[] = [];
  const exitCode = result.migrate?.exitCode !== undefined ? `exit code ${result.migrate.exitCode}` : 'outcome unknown';

  let backend: string | undefined;
  switch (of('backend')) {
    case 'success':
      backend = 'backend deployed';
      break;
    case 'failed':
    case 'cancelled':
      backend =
        before && result.backendStage === 'register'
          ? `registering the new revisions ${of('backend') === 'cancelled' ? 'was cancelled' : 'failed'}: every service still on its previous revision`
          : backendState(result.backend, of('backend') === 'cancelled');
      break;
    case 'not-run':
      // Before the switch, a failed migration already says that every service kept its revision.
      if (!(before && result.backendStage === 'register')) backend = 'backend unchanged';
      break;
  }

  let migrate: string | undefined;
  switch (of('migrate')) {
    case 'success':
      migrate = before ? 'migrations ran before the switch' : 'migrations ran';
      break;
    case 'failed':
    case 'cancelled':
      migrate = before
        ? `migrations ${of('migrate') === 'cancelled' ? 'cancelled' : 'failed'} before the switch (${exitCode}): every service still on its previous revision`
        : `migrations failed (${exitCode})`;
      break;
    case 'not-run':
      migrate = 'migrations not run';
      break;
  }
  // In the order they happened: before the switch, the migrations precede the services' deploy.
  for (const piece of before && result.backendStage === 'deploy' ? [migrate, backend] : [backend, migrate]) if (piece) pieces.push(piece);

  const assets = of('frontend-assets');
  const html = of('frontend-html');
  if (assets !== 'skipped') {
    if (html === 'success') pieces.push('new HTML live');
    else if (html === 'failed' || html === 'cancelled') {
      if (result.frontendStage === 'clean-up') pieces.push('new HTML live (deleting stale files did not finish)');
      else if (result.frontendStage === 'html') pieces.push('HTML partly published (some pages new, some old)');
      else pieces.push('old HTML still live (some non-hashed public files such as robots.txt or sw.js may already be new)');
    } else if (assets === 'success') pieces.push('old HTML still live (only new content-hashed files uploaded, not referenced yet)');
    else pieces.push('old HTML still live');
  }

  switch (of('invalidate')) {
    case 'success':
      pieces.push('CloudFront invalidated');
      break;
    case 'failed':
    case 'cancelled':
      pieces.push('CloudFront not invalidated (edge caches may serve old copies until they expire)');
      break;
  }

  if (!pieces.length) return 'nothing changed';
  const sentence = pieces.join(', ');
  return sentence[0].toUpperCase() + sentence.slice(1);
}
