import { DescribeStacksCommand, type CloudFormationClient, type Output, type Stack } from '@aws-sdk/client-cloudformation';
import { ActionError, CancelledError, InputError, awsErrorCode, describeAwsError } from '@allthrive/toolkit';

/** CloudFront distribution ids: upper-case letters and digits (E2QWRUHAPOMQZL). */
export const DISTRIBUTION_ID = /^[A-Z0-9]{6,64}$/;

export interface DistributionSource {
  distributionId?: string;
  stackName?: string;
  /** OutputKey to read (falls back to an output whose ExportName matches). */
  stackOutput: string;
}

function describeOutput(output: Output): string {
  return output.ExportName ? `${output.OutputKey} (export ${output.ExportName})` : `${output.OutputKey}`;
}

/**
 * The distribution id: given directly, or read from a CloudFormation stack's Outputs by OutputKey,
 * falling back to an output whose ExportName matches. A missing stack or output fails with a
 * sentence that lists the outputs the stack does have.
 */
export async function resolveDistributionId(
  source: DistributionSource,
  deps: { cloudformation?: Pick<CloudFormationClient, 'send'>; signal?: AbortSignal },
): Promise<string> {
  if (source.distributionId) return source.distributionId;
  if (!source.stackName) {
    throw new InputError(
      'distribution-id',
      "Neither 'distribution-id' nor 'stack-name' was given: give the distribution id, or the stack whose output holds it.",
    );
  }
  if (!deps.cloudformation) throw new Error('resolveDistributionId needs a CloudFormation client to read a stack output');
  let stack: Stack | undefined;
  try {
    const response = await deps.cloudformation.send(new DescribeStacksCommand({ StackName: source.stackName }), {
      abortSignal: deps.signal,
    });
    stack = response.Stacks?.[0];
  } catch (error) {
    if (deps.signal?.aborted)
      throw new CancelledError('the run was cancelled while reading the CloudFormation stack; nothing was invalidated');
    const message = (error as Error).message ?? '';
    if (awsErrorCode(error) === 'ValidationError' && /does not exist/i.test(message)) {
      throw new ActionError(
        `CloudFormation stack '${source.stackName}' does not exist in this account and region: check 'stack-name' and 'aws-region' (the stack's region, not CloudFront's).`,
      );
    }
    throw new ActionError(
      `${describeAwsError(error, { service: 'CloudFormation', operation: 'DescribeStacks' })} Check 'stack-name' and the job's credentials.`,
    );
  }
  if (!stack) throw new ActionError(`CloudFormation stack '${source.stackName}' was not returned by DescribeStacks: check 'stack-name'.`);
  const outputs = stack.Outputs ?? [];
  const output = outputs.find((o) => o.OutputKey === source.stackOutput) ?? outputs.find((o) => o.ExportName === source.stackOutput);
  if (!output) {
    const have = outputs.length ? `It has: ${outputs.map(describeOutput).join(', ')}.` : 'It has no outputs.';
    throw new ActionError(
      `CloudFormation stack '${source.stackName}' (${stack.StackStatus ?? 'unknown status'}) has no output with OutputKey or ExportName '${source.stackOutput}'. ${have} Set 'stack-output' to the one holding the distribution id.`,
    );
  }
  const value = (output.OutputValue ?? '').trim();
  if (!DISTRIBUTION_ID.test(value)) {
    throw new ActionError(
      `Output '${describeOutput(output)}' of CloudFormation stack '${source.stackName}' is '${value}', which is not a CloudFront distribution id (upper-case letters and digits such as E2QWRUHAPOMQZL): set 'stack-output' to the output holding the id.`,
    );
  }
  return value;
}
