import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { ECSClient } from '@aws-sdk/client-ecs';
import { ActionError, createAwsClient, readAwsInputs, runAction } from '@allthrive/toolkit';
import { MigrationError, buildSummary, failureMessage, readOptions, runMigration, type MigrationResult } from '@allthrive/ecs-exec-migrate';

// Thin adapter: inputs → runMigration → outputs, job summary, exit code.
void runAction(async ({ inputs, logger, clock, signal, setOutput, summary }) => {
  const options = readOptions(inputs);
  const aws = readAwsInputs(inputs);
  inputs.boolean('summary', true); // validated now, before any AWS call
  const ecs = createAwsClient(ECSClient, 'ECS', aws);
  const logs = createAwsClient(CloudWatchLogsClient, 'CloudWatch Logs', aws);

  const publish = (result: Partial<MigrationResult>) => {
    setOutput('exit-code', result.exitCode === undefined ? '' : String(result.exitCode));
    setOutput('task-arn', result.taskArn ?? '');
    setOutput('mode', options.mode);
    setOutput('session-id', result.sessionId ?? '');
    setOutput('log-stream', result.logStream ?? '');
    setOutput('failed-command', result.failedCommand ?? '');
    setOutput('exit-codes', JSON.stringify(result.commandResults ?? []));
  };

  let result: MigrationResult;
  try {
    result = await runMigration(options, { ecs, logs, logger, clock, signal });
  } catch (error) {
    if (error instanceof MigrationError) {
      publish(error.partial);
      await summary(buildSummary(options, error.partial, error.message));
    }
    throw error;
  }
  publish(result);
  await summary(buildSummary(options, result));
  if (result.exitCode !== 0) throw new ActionError(failureMessage(options, result), 'Migration failed');
});
