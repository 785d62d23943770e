import { beforeAll, afterAll, describe, expect, it } from '@jest/globals';
import { ECSClient } from '@aws-sdk/client-ecs';
import { runBundle } from '../harness/bundle.js';
import { startFaultProxy, type FaultProxy } from '../harness/fault-proxy.js';
import { useMoto } from '../harness/moto.js';
import { seedWebService } from './exec-fixtures.js';

/**
 * A cluster or task definition that does not exist: the bundle's error names it (ECS's own
 * messages do not) and nothing is started. moto answers exactly as ECS does
 * (ClusterNotFoundException, ClientException); the fault proxy only records what reached it.
 */
const moto = useMoto({ resetEachTest: false });
let proxy: FaultProxy;

beforeAll(async () => {
  await seedWebService(new ECSClient(moto.clientConfig), { containerDefinitions: [{ name: 'web', image: 'app:v42', memory: 512 }] });
  proxy = await startFaultProxy({ upstream: moto.endpoint });
});
afterAll(async () => {
  await proxy.close();
});

async function run(inputs: Record<string, string>) {
  proxy.clear();
  const result = await runBundle('ecs-exec-migrate', {
    inputs: { service: 'web', command: 'true', ...inputs },
    env: { ...moto.env, AWS_ENDPOINT_URL: proxy.endpoint },
  });
  result.cleanup();
  return { result, mutations: proxy.mutations().map((r) => r.operation) };
}

describe('ecs-exec-migrate: names what does not exist', () => {
  it.each(['exec', 'run-task'])('%s mode: a cluster that does not exist is named, with what to check', async (mode) => {
    const { result, mutations } = await run({ cluster: 'no-such-cluster', mode });
    expect(result.exitCode).toBe(1);
    expect(result.errors).toHaveLength(1);
    expect(result.errors[0].properties.title).toBe('Cluster not found');
    expect(result.errors[0].message).toMatch(
      /^Cluster 'no-such-cluster' was not found \(ECS DescribeServices failed: ClusterNotFoundException/,
    );
    expect(result.errors[0].message).toContain("Check the 'cluster' input");
    expect(mutations).toEqual([]);
  });

  it('run-task: a task definition that does not exist is named, and no task is started', async () => {
    const { result, mutations } = await run({
      cluster: 'production-allthrive-cluster',
      mode: 'run-task',
      'task-definition': 'no-such-family:7',
    });
    expect(result.exitCode).toBe(1);
    expect(result.errors).toHaveLength(1);
    expect(result.errors[0].properties.title).toBe('Task definition not found');
    expect(result.errors[0].message).toMatch(
      /^Task definition 'no-such-family:7' was not found \(ECS DescribeTaskDefinition failed: ClientException/,
    );
    expect(result.errors[0].message).toContain("Check the 'task-definition' input");
    expect(mutations).toEqual([]);
  });
});
