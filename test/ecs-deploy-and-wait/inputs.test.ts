import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { parse } from 'yaml';
import { Inputs, mapInputSource } from '@allthrive/toolkit';
import { ecrRepository, normalizeRepository, parseImage, readOptions, sameRepository } from '@allthrive/ecs-deploy-and-wait';
import { repoRoot } from '../harness/bundle.js';
import { thrownInputError } from '../harness/input-error.js';
import { ACTION_DEFAULTS } from './options.js';

const read = (values: Record<string, string>) => readOptions(new Inputs(mapInputSource(values)));
const base = { cluster: 'production-allthrive-cluster', services: 'web,celery,celery-beat' };

const inputError = (values: Record<string, string>) => thrownInputError(() => read(values));

describe('readOptions', () => {
  it('reads the product example with the documented defaults', () => {
    expect(read({ ...base, image: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/allthrive:abc123' })).toEqual({
      cluster: 'production-allthrive-cluster',
      services: ['web', 'celery', 'celery-beat'],
      image: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/allthrive:abc123',
      ...ACTION_DEFAULTS,
      containerLogs: { tasks: 3, lines: 50, enabled: true },
    });
  });

  it('accepts services and containers separated by commas and newlines', () => {
    const options = read({ ...base, services: 'web\ncelery, celery-beat\n', image: 'app:1', containers: 'web,\nworker' });
    expect(options.services).toEqual(['web', 'celery', 'celery-beat']);
    expect(options.containers).toEqual(['web', 'worker']);
  });

  it.each([
    [{ services: '' }, 'services', "Input 'services' is required"],
    [{ cluster: '' }, 'cluster', "Input 'cluster' is required"],
    [{ cluster: 'prod cluster' }, 'cluster', "'prod cluster', which is not accepted: expected an ECS cluster name"],
    [{ services: 'web,web' }, 'services', "lists 'web' twice"],
    [{ services: 'web,cel ery' }, 'services', "contains 'cel ery'"],
    [{ image: 'Not An Image' }, 'image', "Input 'image' has the value 'Not An Image'"],
    [{ image: 'app@sha256:1234' }, 'image', 'which is not accepted: expected an image URI'],
    [{ containers: 'web' }, 'containers', "'containers' was given without 'image'"],
    [{ 'poll-interval': '500ms' }, 'poll-interval', 'at least 1s'],
    [{ 'poll-interval': 'often' }, 'poll-interval', "Input 'poll-interval' has the value 'often'"],
    [{ timeout: '15 minutes' }, 'timeout', "Input 'timeout' has the value '15 minutes'"],
    [{ wait: 'yes' }, 'wait', "Input 'wait' has the value 'yes', which is not accepted: expected `true` or `false`"],
    [{ 'pin-digest': 'on' }, 'pin-digest', 'expected `true` or `false`'],
    [{ rollback: '1' }, 'rollback', 'expected `true` or `false`'],
    [{ 'force-new-deployment': 'false' }, 'force-new-deployment', 'nothing would be deployed'],
    [{ 'register-only': 'true' }, 'register-only', "no 'image' was given"],
    [{ 'wait-until': 'baked' }, 'wait-until', 'one of `completed`, `traffic-shifted`'],
    [{ 'log-tasks': '0' }, 'log-tasks', 'a whole number from 1 to 20'],
    [{ 'log-lines': 'all' }, 'log-lines', 'a whole number from 1 to 10000'],
    [{ 'logs-on-failure': 'no' }, 'logs-on-failure', 'expected `true` or `false`'],
    [{ image: 'app:1', 'task-definitions': '{}' }, 'task-definitions', "Inputs 'image' and 'task-definitions' cannot be used together"],
    [{ 'task-definitions': 'web:3' }, 'task-definitions', 'expected a JSON object mapping each service'],
    [{ 'task-definitions': '["web:3"]' }, 'task-definitions', 'expected a JSON object mapping each service'],
    [{ 'task-definitions': '{"web":"web:3","celery":"celery"}' }, 'task-definitions', `gives "celery" for 'celery'`],
    [{ 'task-definitions': '{"web":"web:3","celery":"celery:3"}' }, 'task-definitions', "missing 'celery-beat'"],
    [
      { 'task-definitions': '{"web":"web:3","celery":"celery:3","celery-beat":"beat:3","flower":"flower:1"}' },
      'task-definitions',
      "not in 'services': 'flower'",
    ],
  ])('rejects %j naming the input', (values, input, message) => {
    const error = inputError({ ...base, ...values });
    expect(error.input).toBe(input);
    expect(error.message).toContain(message);
  });

  it('reads register-only with an image, and task-definitions in the order of services', () => {
    expect(read({ ...base, image: 'app:1', 'register-only': 'true' })).toMatchObject({ registerOnly: true, image: 'app:1' });
    const arn = (rev: string) => `arn:aws:ecs:eu-west-1:123456789012:task-definition/${rev}`;
    const given = { 'celery-beat': arn('beat:7'), web: arn('web:7'), celery: 'celery:7' };
    const options = read({ ...base, 'task-definitions': JSON.stringify(given) });
    expect(options.image).toBeUndefined();
    expect(Object.entries(options.taskDefinitions!)).toEqual([
      ['web', arn('web:7')],
      ['celery', 'celery:7'],
      ['celery-beat', arn('beat:7')],
    ]);
  });

  it('reads a bare poll-interval and timeout as seconds', () => {
    expect(read({ ...base, 'poll-interval': '5', timeout: '600' })).toMatchObject({ pollIntervalMs: 5000, timeoutMs: 600_000 });
  });

  it('reads every input action.yml declares, and action.yml declares every input and output the code uses', () => {
    const metadata = parse(readFileSync(path.join(repoRoot, 'actions/ecs-deploy-and-wait/action.yml'), 'utf8'));
    const declared = Object.keys(metadata.inputs).sort();
    const sources = [
      readFileSync(path.join(repoRoot, 'actions/ecs-deploy-and-wait/src/main.ts'), 'utf8'),
      readFileSync(path.join(repoRoot, 'packages/ecs-deploy-and-wait/src/inputs.ts'), 'utf8'),
      readFileSync(path.join(repoRoot, 'packages/toolkit/src/aws-inputs.ts'), 'utf8'),
    ].join('\n');
    const used = [...sources.matchAll(/inputs\.\w+\('([a-z-]+)'/g)].map((m) => m[1]);
    expect([...new Set(used)].sort()).toEqual(declared);
    const outputs = [...sources.matchAll(/setOutput\('([a-z-]+)'/g)].map((m) => m[1]).sort();
    expect(outputs).toEqual(Object.keys(metadata.outputs).sort());
    for (const [name, input] of Object.entries(metadata.inputs as Record<string, { description?: string }>)) {
      expect([name, Boolean(input.description)]).toEqual([name, true]);
    }
  });
});

describe('image references', () => {
  it('splits repository, tag and digest', () => {
    expect(parseImage('123456789012.dkr.ecr.eu-west-1.amazonaws.com/allthrive/web:v1.2')).toEqual({
      repository: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/allthrive/web',
      tag: 'v1.2',
      digest: undefined,
    });
    expect(parseImage(`localhost:5000/app@sha256:${'c'.repeat(64)}`)).toEqual({
      repository: 'localhost:5000/app',
      tag: undefined,
      digest: `sha256:${'c'.repeat(64)}`,
    });
    expect(parseImage('nginx')).toEqual({ repository: 'nginx', tag: undefined, digest: undefined });
  });

  it('compares repositories regardless of tag, digest and Docker Hub spelling', () => {
    expect(
      sameRepository(
        '123456789012.dkr.ecr.eu-west-1.amazonaws.com/allthrive:old',
        '123456789012.dkr.ecr.eu-west-1.amazonaws.com/allthrive@sha256:' + 'a'.repeat(64),
      ),
    ).toBe(true);
    expect(sameRepository('nginx:1.25', 'docker.io/library/nginx:1.27')).toBe(true);
    expect(
      sameRepository(
        '123456789012.dkr.ecr.eu-west-1.amazonaws.com/allthrive:1',
        '123456789012.dkr.ecr.eu-west-1.amazonaws.com/allthrive-worker:1',
      ),
    ).toBe(false);
    expect(normalizeRepository('localhost:5000/app')).toBe('localhost:5000/app');
  });

  it('recognises ECR registries, including other regions and China', () => {
    expect(ecrRepository(parseImage('123456789012.dkr.ecr.us-east-1.amazonaws.com/team/app:1')!)).toEqual({
      registryId: '123456789012',
      region: 'us-east-1',
      repositoryName: 'team/app',
    });
    expect(ecrRepository(parseImage('123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn/app:1')!)?.region).toBe('cn-north-1');
    expect(ecrRepository(parseImage('ghcr.io/allthrive/app:1')!)).toBeUndefined();
    expect(ecrRepository(parseImage('public.ecr.aws/datadog/agent:7')!)).toBeUndefined();
  });
});
