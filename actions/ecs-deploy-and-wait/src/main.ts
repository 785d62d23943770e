import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { ECRClient } from '@aws-sdk/client-ecr';
import { ECSClient } from '@aws-sdk/client-ecs';
import { ActionError, createAwsClient, readAwsInputs, runAction } from '@allthrive/toolkit';
import { buildSummary, ecrRepository, failureMessage, parseImage, readOptions, runDeploy } from '@allthrive/ecs-deploy-and-wait';

// Thin adapter: inputs → runDeploy → outputs, job summary, exit code.
void runAction(async ({ inputs, logger, clock, signal, setOutput, summary }) => {
  const options = readOptions(inputs);
  const aws = readAwsInputs(inputs, { maxAttemptsDefault: 8 });
  inputs.boolean('summary', true); // validated now, before any AWS call
  const ecs = createAwsClient(ECSClient, 'ECS', aws);
  // ECR images live in the region their URI names, which can differ from the cluster's.
  const ref = options.image ? parseImage(options.image) : undefined;
  const ecrRegion = (ref && ecrRepository(ref)?.region) ?? undefined;
  const ecr = createAwsClient(ECRClient, 'ECR', ecrRegion ? { ...aws, region: ecrRegion } : aws);

  // Container logs live in the region their task definition names (awslogs-region), one client each.
  const logClients = new Map<string, CloudWatchLogsClient>();
  const logs = (region: string | undefined) => {
    const key = region ?? '';
    if (!logClients.has(key))
      logClients.set(key, createAwsClient(CloudWatchLogsClient, 'CloudWatch Logs', region ? { ...aws, region } : aws));
    return logClients.get(key)!;
  };

  const result = await runDeploy(options, { ecs, ecr, logs, logger, clock, signal });

  setOutput('result', result.result);
  setOutput('services', JSON.stringify(result.services));
  setOutput('task-definition-arns', JSON.stringify(result.taskDefinitionArns));
  setOutput('image', result.image);
  await summary(buildSummary(result, options));

  const failure = failureMessage(result);
  if (failure) throw new ActionError(failure, `ECS deploy ${result.result}`);
});
