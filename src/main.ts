import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { CloudFrontClient } from '@aws-sdk/client-cloudfront';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { ECRClient } from '@aws-sdk/client-ecr';
import { ECSClient } from '@aws-sdk/client-ecs';
import { ActionError, CancelledError, createAwsClient, readRunContext, runAction, runnerInputSource } from '@allthrive/toolkit';
import { ecrRepository, parseImage } from '@allthrive/ecs-deploy-and-wait';
import { partLabel, readOptions, runWholeDeploy, wholeDeploySummary } from '@allthrive/deploy';
import { createS3Client, directS3 } from '@allthrive/s3-sync-frontend';

// The root action (`uses: allthrive/actions@v1`): the whole deploy in one step. Thin adapter:
// every input validated (through the five engines' own readers) → runWholeDeploy → outputs,
// summary, exit code.
void runAction(async ({ inputs, logger, clock, signal, setOutput, summary }) => {
  const options = readOptions(runnerInputSource());
  inputs.boolean('summary', true); // validated now, before any AWS call
  const { aws } = options;
  const env = process.env;
  // ECR images live in the region their URI names; CloudFront is global (signed for us-east-1 by default).
  const ref = options.backend?.image ? parseImage(options.backend.image) : undefined;
  const ecrRegion = (ref && ecrRepository(ref)?.region) ?? undefined;
  const cloudfrontRegion = aws.region || env.AWS_REGION || env.AWS_DEFAULT_REGION || 'us-east-1';

  const result = await runWholeDeploy(options, {
    // the bucket may be in another region than the cluster: the S3 client follows region redirects
    s3: createS3Client(aws),
    // its GetObject and PutObjects as single signed requests where they certainly reach what the
    // SDK's would (static keys, no profile or config file): the same as s3-sync-frontend's
    direct: options.frontend ? directS3(options.frontend.bucket, aws, { maxSockets: options.frontend.concurrency, logger }) : undefined,
    ecs: createAwsClient(ECSClient, 'ECS', aws),
    ecr: createAwsClient(ECRClient, 'ECR', ecrRegion ? { ...aws, region: ecrRegion } : aws),
    logs: createAwsClient(CloudWatchLogsClient, 'CloudWatch Logs', aws),
    cloudfront: createAwsClient(CloudFrontClient, 'CloudFront', { ...aws, region: cloudfrontRegion }),
    cloudformation: options.invalidate?.stackName ? createAwsClient(CloudFormationClient, 'CloudFormation', aws) : undefined,
    logger,
    clock,
    signal,
    root: env.GITHUB_WORKSPACE || process.cwd(),
    // The run ties re-run attempts together (frontend) and, with the job, makes the CloudFront
    // caller reference unique.
    ...readRunContext(),
  });

  setOutput('result', result.result);
  setOutput('parts', JSON.stringify(Object.fromEntries(result.parts.map((p) => [p.part, p.status]))));
  setOutput('production-state', result.productionState);
  setOutput('frontend-uploaded', result.frontend ? String(result.frontend.uploaded) : '');
  setOutput('frontend-deleted', result.frontend ? String(result.frontend.deleted) : '');
  setOutput('frontend-changed-paths', result.frontend ? JSON.stringify(result.frontend.changedPaths) : '');
  // migrate-when: before, stopped before the deploy: `registered`, with the revisions registered but not deployed.
  const backend = result.backend ?? result.registered;
  setOutput('backend-result', backend?.result ?? '');
  setOutput('backend-image', backend?.image ?? '');
  setOutput('backend-task-definition-arns', backend ? JSON.stringify(backend.taskDefinitionArns) : '');
  setOutput('migrate-exit-code', result.migrate?.exitCode === undefined ? '' : String(result.migrate.exitCode));
  setOutput('migrate-task-arn', result.migrate?.taskArn ?? '');
  setOutput('invalidation-id', result.invalidate?.invalidationIds.join(',') ?? '');
  setOutput('invalidation-status', result.invalidate?.status ?? '');
  if (options.summary) await summary(wholeDeploySummary(result));

  logger.info(`Production now: ${result.productionState}.`);
  if (result.result === 'cancelled') throw new CancelledError(`${result.failure} Production now: ${result.productionState}.`);
  if (result.failedPart) {
    throw new ActionError(
      `${partLabel(result.failedPart)} failed: ${result.failure} Production now: ${result.productionState}.`,
      'Deploy failed',
    );
  }
});
