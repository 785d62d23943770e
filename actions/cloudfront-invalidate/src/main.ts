import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { CloudFrontClient } from '@aws-sdk/client-cloudfront';
import { createAwsClient, readRunContext, runAction } from '@allthrive/toolkit';
import {
  invalidationSummary,
  readOptions,
  runInvalidation,
  WaitTimeoutError,
  type InvalidationResult,
} from '@allthrive/cloudfront-invalidate';

runAction(async ({ inputs, logger, clock, signal, setOutput, summary }) => {
  // Every input is read and validated here, before the first AWS call.
  const options = readOptions(inputs);
  // CloudFront is a global service (signed for us-east-1): it must not need a region input.
  const env = process.env;
  const cloudfrontRegion = options.aws.region || env.AWS_REGION || env.AWS_DEFAULT_REGION || 'us-east-1';
  const cloudfront = createAwsClient(CloudFrontClient, 'CloudFront', { ...options.aws, region: cloudfrontRegion });
  const cloudformation = options.stackName ? createAwsClient(CloudFormationClient, 'CloudFormation', options.aws) : undefined;

  const publish = async (result: InvalidationResult) => {
    setOutput('distribution-id', result.distributionId);
    setOutput('invalidation-id', result.invalidationIds.join(','));
    setOutput('status', result.status);
    setOutput('paths', JSON.stringify(result.paths));
    if (options.summary) await summary(invalidationSummary(result));
  };

  try {
    const result = await runInvalidation(
      // The run, attempt and job go into the caller reference (with a value unique to this step).
      { ...options, ...readRunContext() },
      { cloudfront, cloudformation, logger, clock, signal },
    );
    await publish(result);
  } catch (error) {
    if (error instanceof WaitTimeoutError) await publish(error.result);
    throw error;
  }
});
