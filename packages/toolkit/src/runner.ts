import * as core from '@actions/core';
import { cancellationOnSignals } from './cancellation.js';
import { credentialFailure, describeCredentialFailure, resetCredentialFailure } from './credentials.js';
import { checkDeclaredInputs, embeddedActionMetadata, type ActionMetadata } from './declared-inputs.js';
import { systemClock, type Clock } from './clock.js';
import { ActionError, CancelledError, InputError, errorMessage } from './errors.js';
import { Inputs } from './inputs.js';
import { coreLogger, type Logger } from './logger.js';
import { writeSummary, type SummaryReport } from './summary.js';

export interface ActionContext {
  inputs: Inputs;
  logger: Logger;
  clock: Clock;
  /** Aborts on SIGINT/SIGTERM (a cancelled run). */
  signal: AbortSignal;
  setOutput(name: string, value: string | number | boolean): void;
  /** Writes the job summary unless the action's `summary` input is `false`. */
  summary(report: SummaryReport): Promise<void>;
}

/**
 * The one entry point of every action adapter: builds the context, runs the action, and turns
 * every failure into exit code 1 with one actionable line. Input errors become
 * `::error title=<input>::<message>`; other failures `::error::<message>`; stack traces go to debug.
 */
export async function runAction(
  main: (context: ActionContext) => Promise<void>,
  options: {
    summaryInput?: boolean;
    /** The action's declared inputs; default: what scripts/build.mjs embedded in the bundle. */
    metadata?: ActionMetadata;
  } = {},
): Promise<void> {
  const inputs = new Inputs();
  resetCredentialFailure();
  const cancellation = cancellationOnSignals((name) => core.info(`Received ${name}: stopping.`));
  const context: ActionContext = {
    inputs,
    logger: coreLogger,
    clock: systemClock,
    signal: cancellation.signal,
    setOutput: (name, value) => core.setOutput(name, String(value)),
    summary: async (report) => {
      if (summaryEnabled) await writeSummary(report);
    },
  };
  let summaryEnabled = true;
  try {
    // First of all: an input action.yml does not declare is a typo whose default would be used.
    const metadata = options.metadata ?? embeddedActionMetadata();
    if (metadata) checkDeclaredInputs(metadata);
    else core.debug('No declared inputs embedded (not a bundle built by scripts/build.mjs): unknown inputs are not checked.');
    // Validated before the action starts, so a malformed `summary` fails before any AWS call.
    if (options.summaryInput !== false) summaryEnabled = inputs.boolean('summary', true);
    await main(context);
  } catch (error) {
    reportFailure(error);
  } finally {
    cancellation.dispose();
  }
}

export function reportFailure(error: unknown): void {
  process.exitCode = 1;
  const credentials = credentialFailure();
  if (credentials && !(error instanceof CancelledError)) {
    // The engine's own sentence blames whatever it was doing (often an input such as `bucket`).
    core.debug(`Failure as the action saw it: ${errorMessage(error)}`);
    core.error(describeCredentialFailure(credentials), { title: 'AWS credentials' });
    return;
  }
  if (error instanceof InputError) {
    core.error(error.message, { title: error.input });
    return;
  }
  if (error instanceof Error && error.stack) core.debug(error.stack);
  if (error instanceof ActionError && error.title) {
    core.error(error.message, { title: error.title });
    return;
  }
  if (error instanceof CancelledError || error instanceof ActionError) {
    core.error(error.message);
    return;
  }
  core.error(
    `Unexpected failure: ${errorMessage(error)}. This is a bug in allthrive/actions; the debug log (ACTIONS_STEP_DEBUG) has the stack trace.`,
  );
}
