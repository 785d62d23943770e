import { runExec } from './exec-mode.js';
import { runOneOffTask } from './run-task-mode.js';
import type { MigrationDeps, MigrationOptions, MigrationResult } from './types.js';

/**
 * Runs the command once, in the mode asked for, and returns its exit code. A non-zero exit code is
 * a result, not an exception: the caller decides (the adapter fails the step with it). Failures
 * where the exit code is unknown throw MigrationError, which carries what is known.
 */
export function runMigration(options: MigrationOptions, deps: MigrationDeps): Promise<MigrationResult> {
  return options.mode === 'run-task' ? runOneOffTask(options, deps) : runExec(options, deps);
}
