import { FakeAwsError, startFakeAws, type FakeAwsEndpoint } from '../harness/fake-aws.js';

/**
 * The smallest ECS control plane ecs-deploy-and-wait needs for the safety tests, as the ECS API
 * reference shapes it (DescribeServices, UpdateService, DescribeTaskDefinition): services on a
 * rolling deployment with a circuit breaker, whose deployment completes as soon as it is created.
 * `events(name)` adds service events (newest first) once the service was updated;
 * `failUpdate` lists services whose UpdateService is refused (InvalidParameterException, HTTP 400).
 */
export async function startTinyEcs(
  options: { events?: (service: string) => string[]; failUpdate?: string[] } = {},
): Promise<FakeAwsEndpoint> {
  const updated = new Set<string>();
  const taskDefinition = (name: string) => `arn:aws:ecs:eu-west-1:123456789012:task-definition/${name}:1`;
  const service = (name: string) => ({
    serviceName: name,
    serviceArn: `arn:aws:ecs:eu-west-1:123456789012:service/prod/${name}`,
    status: 'ACTIVE',
    taskDefinition: taskDefinition(name),
    desiredCount: 1,
    runningCount: 1,
    pendingCount: 0,
    deploymentController: { type: 'ECS' },
    deploymentConfiguration: { deploymentCircuitBreaker: { enable: true, rollback: true } },
    deployments: [
      {
        id: updated.has(name) ? `ecs-svc/${name}-2` : `ecs-svc/${name}-1`,
        status: 'PRIMARY',
        taskDefinition: taskDefinition(name),
        rolloutState: 'COMPLETED',
        desiredCount: 1,
        runningCount: 1,
      },
    ],
    events: updated.has(name)
      ? [
          { id: `${name}-steady`, createdAt: Date.now() / 1000 + 5, message: `(service ${name}) has reached a steady state.` },
          ...(options.events?.(name) ?? []).map((message, i) => ({ id: `${name}-${i}`, createdAt: Date.now() / 1000 + 1, message })),
        ]
      : [],
  });
  return startFakeAws({
    DescribeServices: (body) => ({ services: (body.services as string[]).map(service), failures: [] }),
    DescribeTaskDefinition: (body) => {
      const arn = String(body.taskDefinition);
      const family = arn.split('/').pop()!.split(':')[0];
      return { taskDefinition: { taskDefinitionArn: arn, family, revision: 1, containerDefinitions: [{ name: family, image: 'nginx' }] } };
    },
    UpdateService: (body) => {
      const name = String(body.service);
      if (options.failUpdate?.includes(name)) {
        throw new FakeAwsError('InvalidParameterException', `The service ${name} cannot be updated: its task definition is INACTIVE.`);
      }
      updated.add(name);
      return { service: service(name) };
    },
    ListTasks: () => ({ taskArns: [] }),
  });
}

export const fakeEcsEnv = (fake: FakeAwsEndpoint) => ({
  AWS_ENDPOINT_URL: fake.endpoint,
  AWS_ACCESS_KEY_ID: 'a',
  AWS_SECRET_ACCESS_KEY: 'b',
  AWS_REGION: 'eu-west-1',
});
