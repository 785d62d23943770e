import { describe, expect, it } from '@jest/globals';
import { InputError, Inputs, mapInputSource } from '@allthrive/toolkit';
import { readOptions } from '@allthrive/ecs-exec-migrate';

const read = (values: Record<string, string>) => readOptions(new Inputs(mapInputSource(values)));
const failure = (values: Record<string, string>) => {
  try {
    read(values);
  } catch (error) {
    if (error instanceof InputError) return { input: error.input, message: error.message };
    throw error;
  }
  throw new Error('expected an InputError');
};

describe('ecs-exec-migrate inputs', () => {
  it('reads the defaults: exec mode, container web, 30 minutes', () => {
    expect(read({ cluster: 'production-allthrive-cluster', service: 'web', command: 'python manage.py migrate --noinput' })).toEqual({
      cluster: 'production-allthrive-cluster',
      service: 'web',
      task: undefined,
      container: 'web',
      command: 'python manage.py migrate --noinput',
      mode: 'exec',
      timeoutMs: 30 * 60_000,
      taskDefinition: undefined,
      subnets: [],
      securityGroups: [],
      assignPublicIp: undefined,
      launchType: undefined,
    });
  });

  it('reads run-task inputs', () => {
    expect(
      read({
        cluster: 'c',
        mode: 'run-task',
        command: 'x',
        'task-definition': 'production-allthrive-web:43',
        subnets: 'subnet-0aaaaaaaaaaaaaaa1, subnet-0aaaaaaaaaaaaaaa2',
        'security-groups': 'sg-0bbbbbbbbbbbbbbb1',
        'assign-public-ip': 'enabled',
        'launch-type': 'fargate',
        timeout: '90',
      }),
    ).toMatchObject({
      mode: 'run-task',
      taskDefinition: 'production-allthrive-web:43',
      subnets: ['subnet-0aaaaaaaaaaaaaaa1', 'subnet-0aaaaaaaaaaaaaaa2'],
      assignPublicIp: 'ENABLED',
      launchType: 'FARGATE',
      timeoutMs: 90 * 60_000,
    });
  });

  it('reads commands, one per line (blank lines skipped), and a capacity provider strategy', () => {
    expect(
      read({
        cluster: 'c',
        service: 'web',
        mode: 'run-task',
        commands: 'python manage.py seed_topics\n\n  python manage.py seed_tools, --verbosity 2  \n',
        'capacity-provider-strategy': 'FARGATE_SPOT:3, FARGATE:1:1',
      }),
    ).toMatchObject({
      commands: ['python manage.py seed_topics', 'python manage.py seed_tools, --verbosity 2'],
      command: 'python manage.py seed_topics\npython manage.py seed_tools, --verbosity 2',
      capacityProviderStrategy: [
        { capacityProvider: 'FARGATE_SPOT', weight: 3 },
        { capacityProvider: 'FARGATE', weight: 1, base: 1 },
      ],
    });
  });

  it.each([
    [{ cluster: 'c', service: 'web', command: 'x', commands: 'y' }, 'commands', /'command' and 'commands' cannot be used together/],
    [
      { cluster: 'c', service: 'web', command: 'x', 'capacity-provider-strategy': 'FARGATE' },
      'capacity-provider-strategy',
      /only used with mode: run-task/,
    ],
    [
      { cluster: 'c', service: 'web', mode: 'run-task', command: 'x', 'capacity-provider-strategy': 'FARGATE:one' },
      'capacity-provider-strategy',
      /'FARGATE:one'.*provider\[:weight\[:base\]\]/,
    ],
    [
      { cluster: 'c', service: 'web', mode: 'run-task', command: 'x', 'capacity-provider-strategy': 'A:1:1,B:1:2' },
      'capacity-provider-strategy',
      /a base on one item only/,
    ],
    [
      { cluster: 'c', service: 'web', mode: 'run-task', command: 'x', 'capacity-provider-strategy': 'FARGATE', 'launch-type': 'EC2' },
      'capacity-provider-strategy',
      /cannot be used together/,
    ],
    [{ service: 'web', command: 'x' }, 'cluster', /required/],
    [{ cluster: 'c', command: 'x' }, 'service', /required with mode: exec unless 'task'/],
    [{ cluster: 'c', mode: 'run-task', command: 'x' }, 'service', /required with mode: run-task unless 'task-definition'/],
    [{ cluster: 'c', service: 'web' }, 'command', /required.*manage.py migrate/],
    [{ cluster: 'c', service: 'web', command: 'x', mode: 'ssh' }, 'mode', /'ssh'.*`exec`, `run-task`/],
    [{ cluster: 'c', service: 'web', command: 'x', timeout: 'soon' }, 'timeout', /'soon'.*duration/],
    [{ cluster: 'c', service: 'web', command: 'x', timeout: '2s' }, 'timeout', /at least 10s/],
    [{ cluster: 'bad name', service: 'web', command: 'x' }, 'cluster', /'bad name'/],
    [{ cluster: 'c', service: 'web', command: 'x', container: 'we b' }, 'container', /'we b'/],
    [{ cluster: 'c', task: 'not-a-task', command: 'x' }, 'task', /'not-a-task'.*task ARN/],
    [{ cluster: 'c', service: 'web', mode: 'run-task', task: 'a'.repeat(32), command: 'x' }, 'task', /only used with mode: exec/],
    [{ cluster: 'c', service: 'web', command: 'x', 'launch-type': 'FARGATE' }, 'launch-type', /only used with mode: run-task/],
    [{ cluster: 'c', service: 'web', mode: 'run-task', command: 'x', subnets: 'vpc-1' }, 'subnets', /'vpc-1'.*subnet ids/],
    [
      { cluster: 'c', service: 'web', mode: 'run-task', command: 'x', 'security-groups': 'sg-0bbbbbbbbbbbbbbb1' },
      'security-groups',
      /without 'subnets'/,
    ],
    [{ cluster: 'c', service: 'web', mode: 'run-task', command: 'x', 'assign-public-ip': 'yes' }, 'assign-public-ip', /'yes'.*ENABLED/],
    [{ cluster: 'c', service: 'web', mode: 'run-task', command: 'x', 'task-definition': 'web:x' }, 'task-definition', /'web:x'/],
  ])('rejects %j naming %s', (values, input, message) => {
    const error = failure(values as Record<string, string>);
    expect(error.input).toBe(input);
    expect(error.message).toMatch(message);
  });
});
