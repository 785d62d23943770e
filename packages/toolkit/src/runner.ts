import * as core from './runner-protocol.js';
import { cancellationOnSignals } from './cancellation.js';
import { credentialFailure, describeCredentialFailure, resetCredentialFailure } from './credentials.js';
import { checkDeclaredInputs, embeddedActionMetadata, type ActionMetadata } from './declared-inputs.js';
import { systemClock, type Clock } from './clock.js';
import { ActionError, CancelledError, InputError, errorMessage } from './errors.js';
import { Inputs } from './inputs.js';
import { failureSummary, RecentLines } from './failure-summary.js';
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
  const metadata = options.metadata ?? embeddedActionMetadata();
  const recent = new RecentLines();
  const cancellation = cancellationOnSignals((name) => core.info(`Received ${name}: stopping.`));
  // Until the `summary` input is validated, only an explicit `false` turns the summary off (so an
  // unknown input or a bad value still gets its failure summary, and `summary: false` is honoured).
  let summaryEnabled = options.summaryInput === false || (process.env.INPUT_SUMMARY ?? '').trim().toLowerCase() !== 'false';
  let wroteSummary = false;
  let atInputs = true;
  const context: ActionContext = {
    inputs,
    logger: recent.wrap(coreLogger),
    clock: systemClock,
    signal: cancellation.signal,
    setOutput: (name, value) => core.setOutput(name, String(value)),
    summary: async (report) => {
      if (!summaryEnabled) return;
      await writeSummary(report);
      wroteSummary = true;
    },
  };
  try {
    // First of all: an input action.yml does not declare is a typo whose default would be used.
    if (metadata) checkDeclaredInputs(metadata);
    else core.debug('No declared inputs embedded (not a bundle built by scripts/build.mjs): unknown inputs are not checked.');
    // Validated before the action starts, so a malformed `summary` fails before any AWS call.
    if (options.summaryInput !== false) summaryEnabled = inputs.boolean('summary', true);
    atInputs = false;
    await main(context);
  } catch (error) {
    const failure = describeFailure(error);
    reportFailure(error, failure);
    if (summaryEnabled) {
      const report = failureSummary({
        action: metadata?.name ?? 'The step',
        message: failure.message,
        wroteSummary,
        // InputErrors are raised while the adapter reads and checks its inputs, before any request.
        atInputs: atInputs || (error instanceof InputError && !credentialFailure()),
        recent: recent.get(),
      });
      await writeSummary(report).catch((e: unknown) => core.debug(`The failure summary could not be written: ${errorMessage(e)}`));
    }
  } finally {
    cancellation.dispose();
  }
}

/** The one annotation a failure becomes: its title (when any) and sentence. */
export function describeFailure(error: unknown): { title?: string; message: string } {
  const credentials = credentialFailure();
  // The engine's own sentence blames whatever it was doing (often an input such as `bucket`).
  if (credentials && !(error instanceof CancelledError))
    return { title: 'AWS credentials', message: describeCredentialFailure(credentials) };
  if (error instanceof InputError) return { title: error.input, message: error.message };
  if (error instanceof ActionError && error.title) return { title: error.title, message: error.message };
  if (error instanceof CancelledError || error instanceof ActionError) return { message: error.message };
  return {
    message: `Unexpected failure: ${errorMessage(error)}. This is a bug in allthrive/actions; the debug log (ACTIONS_STEP_DEBUG) has the stack trace.`,
  };
}

export function reportFailure(error: unknown, failure = describeFailure(error)): void {
  process.exitCode = 1;
  if (credentialFailure() && !(error instanceof CancelledError)) core.debug(`Failure as the action saw it: ${errorMessage(error)}`);
  if (error instanceof Error && error.stack && !(error instanceof InputError)) core.debug(error.stack);
  core.error(failure.message, failure.title ? { title: failure.title } : undefined);
}
