import { InputError, readAwsInputs, type AwsOptions, type Inputs } from '@allthrive/toolkit';
import { DISTRIBUTION_ID } from './distribution.js';
import type { InvalidateOptions } from './invalidate.js';
import type { OriginPathSetting } from './origin-path.js';
import { normalizePaths, parsePathsInput } from './paths.js';

export interface Options extends InvalidateOptions {
  paths: string[];
  maxPaths: number;
  wait: boolean;
  waitTimeoutMs: number;
  failOnWaitTimeout: boolean;
  aws: AwsOptions;
  summary: boolean;
}

const STACK_NAME =
  /^([a-zA-Z][-a-zA-Z0-9]{0,127}|arn:aws[a-z-]*:cloudformation:[a-z0-9-]+:\d{12}:stack\/[a-zA-Z][-a-zA-Z0-9]*\/[-a-f0-9]+)$/;
const OUTPUT_NAME = /^[A-Za-z0-9:._-]{1,255}$/;
const CALLER_REFERENCE = /^[\x21-\x7e]{1,128}$/;

/**
 * Reads and validates every input of cloudfront-invalidate before any AWS call (the root action
 * reuses this). Paths are parsed and checked here too, so a path CloudFront would reject fails the
 * step before anything is sent.
 */
export function readOptions(inputs: Inputs, options: { emptyPaths?: 'error' | 'nothing' } = {}): Options {
  inputs.exclusive('distribution-id', 'stack-name');
  const distributionId = inputs.optional('distribution-id');
  const stackName = inputs.optional('stack-name');
  const stackOutput = inputs.string('stack-output', { default: 'DistributionId' });
  if (distributionId !== undefined && !DISTRIBUTION_ID.test(distributionId)) {
    throw new InputError(
      'distribution-id',
      `Input 'distribution-id' has the value '${distributionId}', which is not accepted: expected a CloudFront distribution id (upper-case letters and digits such as E2QWRUHAPOMQZL).`,
    );
  }
  if (stackName !== undefined && !STACK_NAME.test(stackName)) {
    throw new InputError(
      'stack-name',
      `Input 'stack-name' has the value '${stackName}', which is not accepted: expected a CloudFormation stack name (a letter, then letters, digits and hyphens, at most 128) or a stack ARN.`,
    );
  }
  if (!OUTPUT_NAME.test(stackOutput)) {
    throw new InputError(
      'stack-output',
      `Input 'stack-output' has the value '${stackOutput}', which is not accepted: expected an output key or export name (letters, digits, '-', '_', '.', ':').`,
    );
  }
  if (!distributionId && !stackName) {
    throw new InputError(
      'distribution-id',
      "Neither 'distribution-id' nor 'stack-name' was given: give the distribution id, or 'stack-name' of the CloudFormation stack whose output (see 'stack-output') holds it.",
    );
  }
  const pathsText = inputs.string('paths');
  // The runner sets the declared default (/*) when `paths` is left out, so an empty value comes
  // from an expression that evaluated to nothing, most often a mistyped output name. `[]` is how
  // s3-sync-frontend says that nothing changed; the root action feeds the paths itself.
  if (!pathsText && options.emptyPaths !== 'nothing') {
    throw new InputError(
      'paths',
      "Input 'paths' is empty, so it is not known what changed. It is usually fed by `${{ steps.<sync step id>.outputs.changed-paths }}` " +
        "from s3-sync-frontend: check the step id and the output name (with a hyphen: 'changed_paths' is not an output and evaluates to empty). " +
        "Pass '[]' to say that nothing changed, or leave 'paths' out to invalidate '/*'.",
    );
  }
  const rawPaths = parsePathsInput(pathsText);
  // Validated now (a bad path fails before any AWS call); the engine normalizes again, idempotently.
  const { paths } = normalizePaths(rawPaths);
  const maxPaths = inputs.integer('max-paths', { default: 15, min: 1, max: 10_000 });
  const wait = inputs.boolean('wait', true);
  const waitTimeoutMs = inputs.duration('wait-timeout', { default: '20m', bareUnit: 's', minMs: 1000, maxMs: 6 * 3_600_000 });
  const failOnWaitTimeout = inputs.boolean('fail-on-wait-timeout', false);
  const callerReference = inputs.optional('caller-reference');
  if (callerReference !== undefined && !CALLER_REFERENCE.test(callerReference)) {
    throw new InputError(
      'caller-reference',
      `Input 'caller-reference' has the value '${callerReference}', which is not accepted: expected 1 to 128 printable characters without spaces (or leave it empty for a reference unique per run attempt).`,
    );
  }
  const originPathText = inputs.string('origin-path', { default: 'auto' }).replace(/(.)\/+$/, '$1');
  if (!/^(auto|none|\/[\x21-\x7e]*[^/\s])$/.test(originPathText) || originPathText.includes('*')) {
    throw new InputError(
      'origin-path',
      `Input 'origin-path' has the value '${originPathText}', which is not accepted: expected 'auto' (read the distribution's S3 origin), 'none', or the origin path such as /app.`,
    );
  }
  const originPath = originPathText as OriginPathSetting;
  const aws = readAwsInputs(inputs);
  const summary = inputs.boolean('summary', true);
  return {
    distributionId,
    stackName,
    stackOutput,
    paths,
    maxPaths,
    wait,
    waitTimeoutMs,
    failOnWaitTimeout,
    callerReference,
    originPath,
    aws,
    summary,
  };
}
