import { InputError, Inputs, readAwsInputs, type AwsOptions, type InputSource } from '@allthrive/toolkit';
import { readOptions as readInvalidateOptions, type Options as InvalidateOptions } from '@allthrive/cloudfront-invalidate';
import { readOptions as readDeployOptions, type DeployOptions } from '@allthrive/ecs-deploy-and-wait';
import { readOptions as readMigrationOptions, type MigrationOptions } from '@allthrive/ecs-exec-migrate';
import { readOptions as readSyncOptions, type SyncOptions } from '@allthrive/s3-sync-frontend';

export type MigrateWhen = 'after' | 'before';

/** The action.yml defaults of the migration inputs: the runner sets them even when the workflow does not. */
const MIGRATE_INPUT_DEFAULTS: Record<string, string> = {
  'migrate-when': 'after',
  'migrate-mode': '',
  'migrate-service': '',
  'migrate-container': 'web',
  'migrate-timeout': '30m',
};

/** What the root action was asked to do: one entry per part, undefined when the part is skipped. */
export interface WholeDeployOptions {
  /** s3-sync-frontend (phase 1 before the backend, 2-4 after it); runs when `bucket` is given. */
  frontend?: SyncOptions;
  /** ecs-deploy-and-wait, always waiting; runs when `services` is given. */
  backend?: DeployOptions;
  /** ecs-exec-migrate; runs when `migrate-command` is given. */
  migrate?: MigrationOptions;
  /**
   * `after` (default, the seed's order): deploy the services, then migrate. `before`: register the
   * new revisions, migrate in a one-off task on the new `migrate-service` revision, then deploy
   * exactly those revisions (expand-then-contract migrations). Only `before` when a migration is asked for.
   */
  migrateWhen: MigrateWhen;
  /** cloudfront-invalidate of the frontend's changed paths plus `invalidate-paths`; runs when
   * `distribution-id` or `stack-name` is given. */
  invalidate?: InvalidateOptions;
  /** Paths invalidated on every run, whatever the frontend changed (for example /api/*). */
  extraInvalidatePaths: string[];
  aws: AwsOptions;
  summary: boolean;
}

/**
 * How an engine's input names map onto the root action's: `engine input → root input`, or
 * `{ fixed: value }` for an engine input the root action sets itself. Names not listed are the
 * same in both (`bucket`, `cluster`, `services`, `image`, `stack-name`, ...): the root action
 * reuses the five actions' names where they mean the same thing and prefixes the ones that would
 * be ambiguous in one step (`migrate-command`, `deploy-timeout`, ...).
 */
type Renames = Record<string, string | { fixed: string }>;

export const FRONTEND_RENAMES: Renames = { 'dry-run': { fixed: 'false' } };
export const BACKEND_RENAMES: Renames = {
  timeout: 'deploy-timeout',
  // Migrations and new HTML must wait for the new backend: the root action always waits.
  wait: { fixed: 'true' },
  // Migrations and new HTML follow the backend once its deployments completed.
  'wait-until': { fixed: 'completed' },
  // The root action registers and deploys in one go.
  'register-only': { fixed: 'false' },
  'task-definitions': { fixed: '' },
};
export const MIGRATE_RENAMES: Renames = {
  command: 'migrate-command',
  mode: 'migrate-mode',
  container: 'migrate-container',
  timeout: 'migrate-timeout',
  service: 'migrate-service',
  // Set at run time to the revision the backend part registered (run-task mode).
  'task-definition': { fixed: '' },
  task: { fixed: '' },
  subnets: { fixed: '' },
  'security-groups': { fixed: '' },
  'assign-public-ip': { fixed: '' },
  'launch-type': { fixed: '' },
  // Not offered by the root action: one `migrate-command`, on the capacity the engine chooses.
  commands: { fixed: '' },
  'capacity-provider-strategy': { fixed: '' },
};
export const INVALIDATE_RENAMES: Renames = {
  // The paths come from the frontend part (plus invalidate-paths).
  paths: { fixed: '' },
  'caller-reference': { fixed: '' },
  wait: 'invalidation-wait',
};

/** Every rename table by engine package (for tooling that checks action.yml against the code). */
export const ENGINE_INPUT_RENAMES: Record<string, Renames> = {
  's3-sync-frontend': FRONTEND_RENAMES,
  'ecs-deploy-and-wait': BACKEND_RENAMES,
  'ecs-exec-migrate': MIGRATE_RENAMES,
  'cloudfront-invalidate': INVALIDATE_RENAMES,
};

/**
 * Runs an engine's own readOptions on the root action's inputs through `renames`, so every
 * validation rule is the engine's (no copied logic), and rewrites an InputError so it names the
 * root action's input.
 */
export function readThrough<T>(source: InputSource, renames: Renames, read: (inputs: Inputs) => T): T {
  const mapped = new Inputs((name) => {
    const rename = renames[name];
    if (rename === undefined) return source(name);
    return typeof rename === 'string' ? source(rename) : rename.fixed;
  });
  try {
    return read(mapped);
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    let message = error.message;
    for (const [engineName, rename] of Object.entries(renames)) {
      if (typeof rename === 'string') message = message.replaceAll(`'${engineName}'`, `'${rename}'`);
    }
    const rename = renames[error.input];
    throw new InputError(typeof rename === 'string' ? rename : error.input, message);
  }
}

/**
 * Reads and validates every input of the root action before anything touches AWS. A part runs
 * when its key input is given: `bucket` (frontend), `services` (backend), `migrate-command`
 * (migrations), `distribution-id` or `stack-name` (CloudFront).
 */
export function readOptions(source: InputSource): WholeDeployOptions {
  const inputs = new Inputs(source);
  const given = (name: string) => Boolean(inputs.optional(name));

  const frontend = given('bucket') ? readThrough(source, FRONTEND_RENAMES, readSyncOptions) : undefined;
  const backend = given('services') ? readThrough(source, BACKEND_RENAMES, readDeployOptions) : undefined;

  let migrate: MigrationOptions | undefined;
  let migrateWhen: MigrateWhen = 'after';
  if (inputs.optional('migrate-command')) {
    migrateWhen = inputs.enumeration('migrate-when', ['after', 'before'] as const, 'after');
    // The service whose task runs the migrations: `migrate-service`, else the first of `services`.
    const migrateService = inputs.optional('migrate-service') ?? backend?.services[0];
    if (migrateWhen === 'before') checkMigrateBefore(inputs, backend, migrateService);
    // Before the switch there is no task of the new revision to exec into: the mode is run-task.
    const mode = inputs.optional('migrate-mode') ?? (migrateWhen === 'before' ? 'run-task' : undefined);
    const withDefaults: InputSource = (name) =>
      name === 'migrate-service' ? migrateService : name === 'migrate-mode' ? mode : source(name);
    migrate = readThrough(withDefaults, MIGRATE_RENAMES, readMigrationOptions);
  } else {
    for (const [name, byDefault] of Object.entries(MIGRATE_INPUT_DEFAULTS)) {
      const value = inputs.optional(name);
      if (value !== undefined && value !== byDefault)
        throw new InputError(name, `Input '${name}' was given without 'migrate-command': give the migration command, or remove it.`);
    }
  }

  const wantsInvalidation = given('distribution-id') || given('stack-name');
  if (inputs.optional('invalidate-paths') && !wantsInvalidation) {
    throw new InputError(
      'invalidate-paths',
      "Input 'invalidate-paths' was given without 'distribution-id' or 'stack-name': name the CloudFront distribution to invalidate.",
    );
  }
  // `invalidate-paths` goes through the engine's own path rules (validated and normalized now).
  const invalidate = wantsInvalidation
    ? readThrough(source, { ...INVALIDATE_RENAMES, paths: 'invalidate-paths' }, (i) => readInvalidateOptions(i, { emptyPaths: 'nothing' }))
    : undefined;
  const extraInvalidatePaths = invalidate ? [...invalidate.paths] : [];

  if (!frontend && !backend && !migrate && !invalidate) {
    throw new InputError(
      'bucket',
      "Nothing to deploy: give 'bucket' (the frontend), 'services' (the ECS services), 'migrate-command' (migrations) and/or 'distribution-id' or 'stack-name' (CloudFront).",
    );
  }

  const aws = readAwsInputs(inputs, { maxAttemptsDefault: 8 });
  const summary = inputs.boolean('summary', true);
  return { frontend, backend, migrate, migrateWhen, invalidate, extraInvalidatePaths, aws, summary };
}

/**
 * `migrate-when: before` registers the new revisions from `image`, migrates on the new
 * `migrate-service` revision in a one-off task, then deploys those revisions. Each of these needs
 * an input; a missing one is an error before any AWS call.
 */
function checkMigrateBefore(inputs: Inputs, backend: DeployOptions | undefined, migrateService: string | undefined): void {
  const before = "Input 'migrate-when' is 'before'";
  if (!backend)
    throw new InputError(
      'migrate-when',
      `${before} but no 'services' were given: migrating before the switch registers the services' new revisions, runs the migration on one of them, then deploys them. Give 'services' and 'image', or use migrate-when: after.`,
    );
  if (!backend.image)
    throw new InputError(
      'migrate-when',
      `${before} but no 'image' was given: the migration runs on new revisions registered with the new image, so give 'image' (without it nothing new is registered; use migrate-when: after to redeploy the current revisions).`,
    );
  if (inputs.optional('migrate-mode')?.toLowerCase() === 'exec')
    throw new InputError(
      'migrate-mode',
      `${before} and 'migrate-mode' is 'exec': before the switch no task runs the new revision, so ECS Exec would migrate with the old code. Use migrate-mode: run-task (the default with migrate-when: before), or migrate-when: after.`,
    );
  if (!migrateService || !backend.services.includes(migrateService))
    throw new InputError(
      'migrate-service',
      `${before} and 'migrate-service' is '${migrateService}', which is not one of 'services' (${backend.services.join(', ')}): the migration runs on the new revision registered for that service, so name one of 'services'.`,
    );
}
