import { CancelledError } from './errors.js';

/**
 * GitHub cancels a run by sending SIGINT, then SIGTERM ~7.5 s later, then SIGKILL. Long waits
 * watch this signal so they stop polling promptly and say what state they leave behind.
 */
export function cancellationOnSignals(
  onSignal: (name: NodeJS.Signals) => void = () => undefined,
  target: NodeJS.Process = process,
): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const handler = (name: NodeJS.Signals) => {
    onSignal(name);
    if (!controller.signal.aborted) controller.abort(new CancelledError(`the run was cancelled (${name})`));
  };
  target.on('SIGINT', handler);
  target.on('SIGTERM', handler);
  return {
    signal: controller.signal,
    dispose() {
      target.off('SIGINT', handler);
      target.off('SIGTERM', handler);
    },
  };
}
