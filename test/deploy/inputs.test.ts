import { describe, expect, it } from '@jest/globals';
import { mapInputSource } from '@allthrive/toolkit';
import { readOptions } from '@allthrive/deploy';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { repoRoot } from '../harness/bundle.js';
import { thrownInputError } from '../harness/input-error.js';

const read = (values: Record<string, string>) => readOptions(mapInputSource(values));

const inputError = (values: Record<string, string>) => thrownInputError(() => read(values));

describe('root action inputs', () => {
  it('reads each part through its engine, with the root action fixing what it must', () => {
    const options = read({
      bucket: 'site',
      delete: 'true',
      cluster: 'c',
      services: 'web, celery',
      'deploy-timeout': '20m',
      'migrate-command': 'python manage.py migrate',
      'migrate-timeout': '5',
      'distribution-id': 'E2QWRUHAPOMQZL',
      'invalidate-paths': 'api/*',
      'invalidation-wait': 'false',
    });
    expect(options.frontend).toMatchObject({ bucket: 'site', delete: true, dryRun: false, source: expect.stringMatching(/dist$/) });
    expect(options.backend).toMatchObject({ cluster: 'c', services: ['web', 'celery'], timeoutMs: 20 * 60_000, wait: true });
    // migrate-service defaults to the first service; a bare migrate-timeout is minutes, as in ecs-exec-migrate.
    expect(options.migrate).toMatchObject({ service: 'web', mode: 'exec', container: 'web', timeoutMs: 5 * 60_000 });
    expect(options.invalidate).toMatchObject({ distributionId: 'E2QWRUHAPOMQZL', wait: false });
    expect(options.extraInvalidatePaths).toEqual(['/api/*']);
    expect(options.aws.maxAttempts).toBe(8);
    // verify-bucket passes through to the frontend part (default: manifest)
    expect(options.frontend?.verifyBucket).toBe('manifest');
    expect(read({ bucket: 'site', 'verify-bucket': 'always' }).frontend?.verifyBucket).toBe('always');
  });

  it('skips parts whose inputs are absent', () => {
    const options = read({ cluster: 'c', services: 'web' });
    expect(options.frontend).toBeUndefined();
    expect(options.migrate).toBeUndefined();
    expect(options.invalidate).toBeUndefined();
  });

  it('refuses an empty deploy, naming what would make a part run', () => {
    const error = inputError({});
    expect(error.input).toBe('bucket');
    expect(error.message).toMatch(/Nothing to deploy: give 'bucket'.*'services'.*'migrate-command'.*'stack-name'/);
  });

  it("names the root action's input, not the engine's, in an engine's validation error", () => {
    const timeout = inputError({ cluster: 'c', services: 'web', 'deploy-timeout': 'soon' });
    expect(timeout.input).toBe('deploy-timeout');
    expect(timeout.message).toMatch(/^Input 'deploy-timeout' has the value 'soon'/);

    const mode = inputError({ cluster: 'c', 'migrate-command': 'x', 'migrate-service': 'web', 'migrate-mode': 'ssh' });
    expect(mode.input).toBe('migrate-mode');
    expect(mode.message).toContain("Input 'migrate-mode' has the value 'ssh'");

    const service = inputError({ cluster: 'c', 'migrate-command': 'python manage.py migrate' });
    expect(service.input).toBe('migrate-service');
    expect(service.message).toContain("Input 'migrate-service' is required with mode: exec");

    const paths = inputError({ bucket: 'site', 'distribution-id': 'E2QWRUHAPOMQZL', 'invalidate-paths': '/a*b' });
    expect(paths.input).toBe('invalidate-paths');
  });

  it('keeps the engines’ own names where they mean the same thing', () => {
    expect(inputError({ bucket: 'Not_A_Bucket' }).input).toBe('bucket');
    expect(inputError({ cluster: 'c', services: 'web', image: 'not an image' }).input).toBe('image');
    expect(inputError({ bucket: 'site', 'distribution-id': 'E1', 'stack-name': 's' }).input).toMatch(/distribution-id|stack-name/);
  });

  it('rejects options for a part that would not run', () => {
    expect(inputError({ bucket: 'site', 'migrate-mode': 'run-task' }).input).toBe('migrate-mode');
    expect(inputError({ bucket: 'site', 'invalidate-paths': '/api/*' }).input).toBe('invalidate-paths');
  });
});

describe('root action inputs: migrate-when', () => {
  const BASE = { cluster: 'c', services: 'web,celery', image: 'repo:1', 'migrate-command': 'python manage.py migrate' };

  it('defaults to after (the seed order, exec mode) and reads before as run-task on a deployed service', () => {
    expect(read(BASE)).toMatchObject({ migrateWhen: 'after', migrate: { mode: 'exec' } });
    expect(read({ ...BASE, 'migrate-when': 'before' })).toMatchObject({
      migrateWhen: 'before',
      migrate: { mode: 'run-task', service: 'web' },
    });
    expect(read({ ...BASE, 'migrate-when': 'Before', 'migrate-mode': 'run-task', 'migrate-service': 'celery' })).toMatchObject({
      migrateWhen: 'before',
      migrate: { service: 'celery' },
    });
  });

  it('refuses exec before the switch: there is no task of the new revision to exec into', () => {
    const error = inputError({ ...BASE, 'migrate-when': 'before', 'migrate-mode': 'exec' });
    expect(error.input).toBe('migrate-mode');
    expect(error.message).toContain("Input 'migrate-when' is 'before' and 'migrate-mode' is 'exec'");
    expect(error.message).toContain('migrate-mode: run-task');
  });

  it('refuses before without the services, the image, or with a migrate-service it does not deploy', () => {
    expect(inputError({ cluster: 'c', 'migrate-command': 'm', 'migrate-service': 'web', 'migrate-when': 'before' }).message).toContain(
      "no 'services' were given",
    );
    const noImage = inputError({ cluster: 'c', services: 'web', 'migrate-command': 'm', 'migrate-when': 'before' });
    expect([noImage.input, noImage.message]).toEqual(['migrate-when', expect.stringContaining("no 'image' was given")]);
    const worker = inputError({ ...BASE, 'migrate-when': 'before', 'migrate-service': 'worker' });
    expect(worker.input).toBe('migrate-service');
    expect(worker.message).toContain("'worker', which is not one of 'services' (web, celery)");
    expect(inputError({ ...BASE, 'migrate-when': 'sometimes' }).message).toContain("Input 'migrate-when' has the value 'sometimes'");
  });

  it('accepts every action.yml default without migrate-command (the runner sets each default as an input)', () => {
    const metadata = parse(readFileSync(path.join(repoRoot, 'action.yml'), 'utf8')) as { inputs: Record<string, { default?: string }> };
    const defaults = Object.fromEntries(Object.entries(metadata.inputs).map(([name, input]) => [name, input.default ?? '']));
    expect(defaults).toMatchObject({ 'migrate-when': 'after', 'migrate-container': 'web', 'migrate-timeout': '30m' });
    // A frontend-only and a backend-only deploy, as the runner hands them over.
    expect(read({ ...defaults, bucket: 'site' }).migrate).toBeUndefined();
    expect(read({ ...defaults, cluster: 'c', services: 'web', image: 'repo:1' })).toMatchObject({
      migrate: undefined,
      migrateWhen: 'after',
    });
    expect(read({ ...defaults, cluster: 'c', services: 'web', image: 'repo:1', 'migrate-command': 'm' }).migrate?.mode).toBe('exec');
    expect(
      read({ ...defaults, cluster: 'c', services: 'web', image: 'repo:1', 'migrate-command': 'm', 'migrate-when': 'before' }).migrate?.mode,
    ).toBe('run-task');
    expect(inputError({ ...defaults, bucket: 'site', 'migrate-when': 'before' }).input).toBe('migrate-when');
  });
});
