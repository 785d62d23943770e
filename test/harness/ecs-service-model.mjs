// The steady ECS service a deploy starts from, and the task-definition and UpdateService answers
// that go with it: shared by the ecs-deploy-and-wait bundle test and its benchmarks. The benchmarks
// run under plain Node (no TypeScript), so this is JavaScript; its types are in
// ecs-service-model.d.mts. Field names follow @aws-sdk/client-ecs (node_modules/@aws-sdk/client-ecs/
// dist-types/models/models_0.d.ts: Service, Deployment, TaskDefinition).

export const ACCOUNT = '123456789012';
export const CLUSTER = 'production-allthrive-cluster';
export const REGION = 'eu-west-1';

export const taskDefinitionArn = (familyRevision) => `arn:aws:ecs:${REGION}:${ACCOUNT}:task-definition/${familyRevision}`;

/**
 * A service on revision 1 of its family (family = service name) with one COMPLETED deployment,
 * deployed by the ECS controller with the circuit breaker and rollback on unless
 * `deploymentConfiguration` says otherwise.
 */
export function steadyService(name, { id, desiredCount = 2, deploymentConfiguration, events = [] }) {
  return {
    serviceName: name,
    serviceArn: `arn:aws:ecs:${REGION}:${ACCOUNT}:service/${CLUSTER}/${name}`,
    status: 'ACTIVE',
    taskDefinition: taskDefinitionArn(`${name}:1`),
    desiredCount,
    runningCount: desiredCount,
    pendingCount: 0,
    deploymentController: { type: 'ECS' },
    deploymentConfiguration: deploymentConfiguration ?? { deploymentCircuitBreaker: { enable: true, rollback: true } },
    deployments: [
      {
        id,
        status: 'PRIMARY',
        taskDefinition: taskDefinitionArn(`${name}:1`),
        rolloutState: 'COMPLETED',
        desiredCount: 2,
        runningCount: 2,
      },
    ],
    events,
  };
}

/**
 * DescribeTaskDefinition (revision 1 runs `image` in one container named after the family, plus
 * `extra` fields) and RegisterTaskDefinition (the registration becomes revision 2).
 */
export function taskDefinitionHandlers(image, extra = {}) {
  return {
    DescribeTaskDefinition: (body) => {
      const family = String(body.taskDefinition).split('/').pop().split(':')[0];
      return {
        taskDefinition: {
          taskDefinitionArn: body.taskDefinition,
          family,
          revision: 1,
          status: 'ACTIVE',
          containerDefinitions: [{ name: family, image, memory: 512 }],
          ...extra,
        },
        tags: [],
      };
    },
    RegisterTaskDefinition: (body) => ({
      taskDefinition: { ...body, taskDefinitionArn: taskDefinitionArn(`${body.family}:2`), revision: 2 },
    }),
  };
}

/**
 * What UpdateService does to the service: the older deployments turn ACTIVE and a new PRIMARY one
 * starts IN_PROGRESS on the requested task definition (the current one when none is given), with
 * `running` of its tasks up so far.
 */
export function startDeployment(service, { id, taskDefinition, running = 0 }) {
  for (const d of service.deployments) d.status = 'ACTIVE';
  const td = taskDefinition ?? service.taskDefinition;
  service.deployments.unshift({
    id,
    status: 'PRIMARY',
    taskDefinition: td,
    rolloutState: 'IN_PROGRESS',
    desiredCount: service.desiredCount,
    runningCount: running,
    pendingCount: service.desiredCount - running,
    failedTasks: 0,
  });
  service.taskDefinition = td;
}
