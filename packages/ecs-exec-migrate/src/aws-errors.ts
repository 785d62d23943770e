import { ActionError, awsErrorCode, describeAwsError } from '@allthrive/toolkit';

/**
 * An ECS error as one sentence that names what the inputs pointed at. ECS's own messages do not
 * ("Cluster not found.", "Unable to describe task definition."), so a typo in `cluster` or
 * `task-definition` would leave the reader guessing which name was wrong.
 */
export function ecsFailure(
  error: unknown,
  operation: string,
  names: { cluster?: string; taskDefinition?: string; taskDefinitionFromService?: string },
): ActionError {
  const sentence = describeAwsError(error, { service: 'ECS', operation });
  const code = awsErrorCode(error);
  if (code === 'ClusterNotFoundException' && names.cluster) {
    return new ActionError(
      `Cluster '${names.cluster}' was not found (${sentence}) Check the 'cluster' input: the cluster name or ARN, in the region and account this job uses (aws-region / AWS_REGION and the assumed role).`,
      'Cluster not found',
    );
  }
  if (operation === 'DescribeTaskDefinition' && code === 'ClientException' && (names.taskDefinition || names.taskDefinitionFromService)) {
    const which = names.taskDefinition
      ? `Task definition '${names.taskDefinition}' was not found (${sentence}) Check the 'task-definition' input: a family, family:revision or ARN registered in this region and account (an ACTIVE or INACTIVE revision, not a deleted one).`
      : `The service's task definition '${names.taskDefinitionFromService}' could not be described (${sentence}) Check that it still exists in this region and account, or give the 'task-definition' input.`;
    return new ActionError(which, 'Task definition not found');
  }
  return new ActionError(sentence);
}
