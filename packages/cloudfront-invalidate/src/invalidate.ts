import { CreateInvalidationCommand, type CloudFrontClient } from '@aws-sdk/client-cloudfront';
import type { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { ActionError, CancelledError, awsErrorCode, describeAwsError, formatDuration, type Clock, type Logger } from '@allthrive/toolkit';
import { callerReference, newStepId, type RunIdentity } from './caller-reference.js';
import { resolveDistributionId } from './distribution.js';
import { chooseOriginPath, stripOriginPath, type OriginPathSetting } from './origin-path.js';
import { describePlan } from './plan.js';
import { isWildcard } from './paths.js';
import { boundedRequest, RetriesExhaustedError, withRetries } from './retry.js';
import { canonicalStatus, waitForInvalidations } from './wait.js';

export interface InvalidateOptions extends RunIdentity {
  distributionId?: string;
  stackName?: string;
  /** OutputKey (or ExportName) of the stack output holding the distribution id. */
  stackOutput?: string;
  /** Paths as given (JSON-array items or lines); normalized here. Empty: nothing to invalidate. */
  paths: readonly string[];
  /** Collapse into wildcards above this many distinct paths (default 15). */
  maxPaths?: number;
  /** Wait for Completed (default true). */
  wait?: boolean;
  /** Budget for retries and waiting, in ms (default 20 minutes). */
  waitTimeoutMs?: number;
  /** Fail instead of warning when waiting runs out of time (default false). */
  failOnWaitTimeout?: boolean;
  /** Replaces the generated caller reference (batches get -1, -2, ...). */
  callerReference?: string;
  /**
   * `auto` (default): remove the OriginPath of the distribution's S3 origin from every path;
   * `none`: send the paths as given; `/app`: remove that.
   */
  originPath?: OriginPathSetting;
  /** Abandon (and retry, with the same caller reference) a request unanswered for this long (default 30 s). */
  requestTimeoutMs?: number;
}

export interface InvalidateDeps {
  cloudfront: Pick<CloudFrontClient, 'send'>;
  /** Needed only when the id comes from a stack output. */
  cloudformation?: Pick<CloudFormationClient, 'send'>;
  logger: Logger;
  clock: Clock;
  signal?: AbortSignal;
  random?: () => number;
}

export interface BatchResult {
  id: string;
  callerReference: string;
  paths: string[];
  status: string;
}

export interface InvalidationResult {
  /** '' only when no id was given or found (never in practice: resolving fails first). */
  distributionId: string;
  /** The origin path removed from the paths ('' when none). */
  originPath: string;
  invalidationIds: string[];
  /** `Completed`, `InProgress` (not waited, or wait-timeout reached) or `skipped` (nothing to do). */
  status: 'Completed' | 'InProgress' | 'skipped';
  /** Every path submitted, all batches together. */
  paths: string[];
  /** Distinct input paths after normalization (what the submitted paths cover). */
  inputPathCount: number;
  /** Billable paths: one per submitted path, a wildcard counting as one. */
  billablePaths: number;
  wildcardCount: number;
  /** Wildcards introduced by collapsing, empty when the paths fitted max-paths. */
  collapsedInto: string[];
  maxPaths: number;
  batches: BatchResult[];
  /** True when waiting stopped at wait-timeout with work still InProgress. */
  timedOut: boolean;
  waited: boolean;
  durationMs: number;
  warnings: string[];
}

/** How far the runner's clock may be behind CloudFront's before an invalidation counts as older than the step. */
const CLOCK_SKEW_MS = 5_000;

/** wait-timeout ran out with fail-on-wait-timeout set; `result` has what was created. */
export class WaitTimeoutError extends ActionError {
  constructor(
    message: string,
    readonly result: InvalidationResult,
  ) {
    super(message);
    this.name = 'WaitTimeoutError';
  }
}

function createFailure(error: unknown, distributionId: string, options: InvalidateOptions, waitTimeoutMs: number): string {
  if (error instanceof RetriesExhaustedError) {
    const code = awsErrorCode(error.lastError);
    const why =
      code === 'TooManyInvalidationsInProgress'
        ? `CloudFront kept answering TooManyInvalidationsInProgress: other invalidations on distribution ${distributionId} are using its in-flight limits (3,000 file paths, 15 wildcard paths)`
        : `CloudFront kept failing with ${code ?? 'an error'} (${(error.lastError as Error).message})`;
    return `${why}; gave up after ${error.attempts} attempts over ${formatDuration(error.waitedMs)} because wait-timeout (${formatDuration(waitTimeoutMs)}) ran out. Wait for the running invalidations, raise 'wait-timeout', or lower 'max-paths'.`;
  }
  const code = awsErrorCode(error);
  const base = describeAwsError(error, { service: 'CloudFront', operation: 'CreateInvalidation' });
  if (code === 'NoSuchDistribution')
    return `${base} Check '${options.stackName ? 'stack-output' : 'distribution-id'}': no distribution ${distributionId} is visible to these credentials.`;
  if (code === 'InvalidationBatchAlreadyExists') {
    return `${base} The caller reference was already used for a different set of paths: leave 'caller-reference' empty (the default is unique per run attempt and path set) or give a new one.`;
  }
  return base;
}

/**
 * Invalidates `paths` on one distribution: plan (normalize, drop covered paths, collapse to at most
 * maxPaths, batch within CloudFront's limits; bad paths fail before any AWS call), resolve the
 * distribution id, create each batch in turn (retrying TooManyInvalidationsInProgress, throttling
 * and 5xx within wait-timeout, with a caller reference that makes retries idempotent), then wait for
 * Completed unless told not to.
 */
export async function runInvalidation(options: InvalidateOptions, deps: InvalidateDeps): Promise<InvalidationResult> {
  const { cloudfront, logger, clock, signal } = deps;
  const started = clock.now();
  const maxPaths = options.maxPaths ?? 15;
  const waitTimeoutMs = options.waitTimeoutMs ?? 20 * 60_000;
  const deadline = started + waitTimeoutMs;
  // Validated before any AWS call (a bad path fails here); planned again once the origin path is known.
  let plan = describePlan(options.paths, { maxPaths });

  const distributionId = await resolveDistributionId(
    { distributionId: options.distributionId, stackName: options.stackName, stackOutput: options.stackOutput ?? 'DistributionId' },
    { cloudformation: deps.cloudformation, signal },
  );
  if (options.stackName)
    logger.info(`Distribution ${distributionId} (output '${options.stackOutput ?? 'DistributionId'}' of stack ${options.stackName}).`);

  let originPath = '';
  if (plan.paths.length) {
    const choice = await chooseOriginPath(options.originPath ?? 'auto', distributionId, {
      cloudfront,
      signal,
      idInput: options.stackName ? 'stack-output' : 'distribution-id',
    });
    originPath = choice.originPath;
    const stripped = stripOriginPath(plan.inputPaths, originPath);
    if (stripped.stripped) {
      logger.info(
        `${choice.reason}; CloudFront adds it to every request, so it was removed from ${stripped.stripped} path(s) (for example ${stripped.example}).`,
      );
      plan = describePlan(stripped.paths, { maxPaths });
    } else if (originPath) logger.info(`${choice.reason}; no path starts with it, so the paths are sent as given.`);
    else logger.info(choice.reason.endsWith('.') ? choice.reason : `${choice.reason}.`);
  }
  for (const warning of plan.warnings) logger.warning(warning, { title: 'paths' });

  const result: InvalidationResult = {
    distributionId,
    originPath,
    invalidationIds: [],
    status: 'skipped',
    paths: plan.paths,
    inputPathCount: plan.inputPaths.length,
    billablePaths: plan.paths.length,
    wildcardCount: plan.paths.filter(isWildcard).length,
    collapsedInto: plan.collapsedInto,
    maxPaths,
    batches: [],
    timedOut: false,
    waited: false,
    durationMs: 0,
    warnings: plan.warnings,
  };
  if (plan.paths.length === 0) {
    logger.info(`No paths to invalidate: nothing changed, so no invalidation was sent to distribution ${distributionId}.`);
    return result;
  }
  if (plan.collapsedInto.length) {
    logger.info(
      `${plan.inputPaths.length} distinct paths exceed max-paths (${maxPaths}): sending ${plan.paths.length} that cover them all, collapsed into ${plan.collapsedInto.join(', ')}.`,
    );
  } else if (plan.paths.length < plan.inputPaths.length) {
    logger.info(
      `${plan.inputPaths.length - plan.paths.length} of ${plan.inputPaths.length} paths are already covered by a wildcard in the list and are not sent.`,
    );
  }

  // One value for this step execution: every retry below reuses the same caller references.
  const stepId = options.stepId ?? newStepId();
  // For the cancellation message: which batch was being created, and whether a request was open.
  let inFlight: number | undefined;
  let requestOpen = false;
  try {
    for (const [index, paths] of plan.batches.entries()) {
      const reference = callerReference(paths, {
        given: options.callerReference,
        runId: options.runId,
        runAttempt: options.runAttempt,
        job: options.job,
        stepId,
        batchIndex: index,
        batchCount: plan.batches.length,
        fallback: String(started),
      });
      const label = plan.batches.length > 1 ? `batch ${index + 1} of ${plan.batches.length}` : 'the invalidation';
      inFlight = index;
      let response;
      try {
        response = await withRetries(
          async () => {
            requestOpen = true;
            try {
              return await boundedRequest(
                (abortSignal) =>
                  cloudfront.send(
                    new CreateInvalidationCommand({
                      DistributionId: distributionId,
                      InvalidationBatch: { CallerReference: reference, Paths: { Quantity: paths.length, Items: paths } },
                    }),
                    { abortSignal },
                  ),
                { clock, deadline, signal, requestTimeoutMs: options.requestTimeoutMs, what: `creating ${label}` },
              );
            } finally {
              // A request cut short by cancellation stays "open": its fate on CloudFront is unknown.
              if (!signal?.aborted) requestOpen = false;
            }
          },
          { clock, logger, signal, deadline, random: deps.random, what: `creating ${label}` },
        );
      } catch (error) {
        if (error instanceof CancelledError || signal?.aborted) throw error;
        const done = result.batches.length
          ? ` Already created on CloudFront and not affected: ${result.batches.map((b) => b.id).join(', ')}.`
          : ' Nothing was invalidated.';
        throw new ActionError(
          `Creating ${label} on distribution ${distributionId} failed: ${createFailure(error, distributionId, options, waitTimeoutMs)}${done}`,
        );
      }
      inFlight = undefined;
      const id = response.Invalidation?.Id ?? '';
      const status = canonicalStatus(response.Invalidation?.Status);
      const createdAt = response.Invalidation?.CreateTime?.getTime();
      if (createdAt !== undefined && createdAt < started - CLOCK_SKEW_MS) {
        // CloudFront answered with the invalidation an earlier request made under this reference.
        const warning =
          `CloudFront returned invalidation ${id}, created at ${new Date(createdAt).toISOString()}, before this step started: ` +
          `caller reference '${reference}' was already used with these paths, so CloudFront did not create a new invalidation and nothing was invalidated now. ` +
          "Leave 'caller-reference' empty (the default is unique per step) or give a new one.";
        logger.warning(warning, { title: 'caller-reference' });
        result.warnings.push(warning);
      }
      result.batches.push({ id, callerReference: reference, paths, status });
      result.invalidationIds.push(id);
      logger.info(
        `Created invalidation ${id} for ${paths.length} path${paths.length === 1 ? '' : 's'} (caller reference ${reference}): ${status}.`,
      );
    }

    const statuses = new Map(result.batches.map((b) => [b.id, b.status]));
    if (options.wait !== false && [...statuses.values()].some((s) => s !== 'Completed')) {
      result.waited = true;
      logger.info(
        `Waiting for ${result.invalidationIds.join(', ')} to complete (up to ${formatDuration(Math.max(0, deadline - clock.now()))} more)...`,
      );
      const waited = await waitForInvalidations(distributionId, statuses, {
        cloudfront,
        clock,
        logger,
        signal,
        random: deps.random,
        deadline,
        startedAt: clock.now(),
        requestTimeoutMs: options.requestTimeoutMs,
      }).catch((error) => {
        if (error instanceof RetriesExhaustedError) return { statuses, timedOut: true };
        throw error;
      });
      result.timedOut = waited.timedOut;
      for (const batch of result.batches) batch.status = waited.statuses.get(batch.id) ?? batch.status;
    }
  } catch (error) {
    if (error instanceof CancelledError || (signal?.aborted && !(error instanceof ActionError))) {
      throw new CancelledError(cancelMessage(distributionId, result, inFlight, requestOpen, plan.batches.length));
    }
    if (error instanceof ActionError) throw error;
    const ids = result.invalidationIds.join(', ');
    throw new ActionError(
      `${describeAwsError(error, { service: 'CloudFront', operation: 'GetInvalidation' })} Invalidation ${ids} on distribution ${distributionId} was created and keeps running; only checking its status failed. Grant cloudfront:GetInvalidation, or set 'wait: false'.`,
    );
  }

  result.status = result.batches.every((b) => b.status === 'Completed') ? 'Completed' : 'InProgress';
  result.durationMs = clock.now() - started;
  if (result.timedOut) {
    const message = `Invalidation ${result.invalidationIds.join(', ')} on distribution ${distributionId} is still InProgress after wait-timeout (${formatDuration(waitTimeoutMs)}). It keeps running on CloudFront and completes on its own; raise 'wait-timeout' to wait longer.`;
    if (options.failOnWaitTimeout) throw new WaitTimeoutError(message, result);
    logger.warning(message, { title: 'wait-timeout' });
  } else if (result.status === 'Completed') {
    logger.info(`Invalidation ${result.invalidationIds.join(', ')} completed in ${formatDuration(result.durationMs)}.`);
  } else {
    logger.info(
      `Not waiting (wait: false): invalidation ${result.invalidationIds.join(', ')} is ${result.status} and completes on its own.`,
    );
  }
  return result;
}

function cancelMessage(
  distributionId: string,
  result: InvalidationResult,
  inFlight: number | undefined,
  requestOpen: boolean,
  batchCount: number,
): string {
  const parts: string[] = [];
  if (result.batches.length) {
    parts.push(
      `The run was cancelled while invalidation ${result.invalidationIds.join(', ')} on distribution ${distributionId} was InProgress: CloudFront cannot cancel an invalidation, so it keeps running and completes on its own.`,
    );
  } else {
    parts.push(`The run was cancelled before any invalidation was created on distribution ${distributionId}.`);
  }
  if (inFlight !== undefined) {
    const label = batchCount > 1 ? `batch ${inFlight + 1} of ${batchCount}` : 'the invalidation';
    const state = requestOpen
      ? `The request creating ${label} was interrupted and may or may not have reached CloudFront`
      : `CloudFront had not accepted ${label} yet (it was waiting to retry)`;
    parts.push(`${state}${inFlight < batchCount - 1 ? '; later batches were not sent' : ''}.`);
  }
  parts.push(
    'Re-running the job starts a new run attempt, which submits a new invalidation (its caller reference includes the attempt and the step); within one step a repeated request never creates a duplicate.',
  );
  return parts.join(' ');
}
