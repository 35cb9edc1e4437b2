// How every long-running command ends: on its own, or at SIGINT/SIGTERM through the abort signal its
// work watches (a load finishes the transaction in progress, a watch its file, a server its wait).
import { errorMessage } from '@optflow/db';

export interface RunOptions {
  /** Called at the first signal, before the work is told to stop (say what happens now). */
  onSignal?: (signal: NodeJS.Signals) => void;
  /** The exit code after a stop by signal (0: a requested stop is a clean stop). */
  exitCode?: number;
}

/**
 * Runs `work` until it returns, or until a signal: the first aborts `work`'s signal and, once `work`
 * (with its own cleanup) has returned, exits with `exitCode`; a failure while stopping is reported
 * and exits 1. A second signal exits at once with 130. Without a signal, returns what `work` returns.
 */
export async function runUntilSignal<T>(work: (stop: AbortSignal) => Promise<T>, options: RunOptions = {}): Promise<T> {
  const stop = new AbortController();
  const handler = (signal: NodeJS.Signals) => {
    if (stop.signal.aborted) process.exit(130);
    options.onSignal?.(signal);
    stop.abort(signal);
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  try {
    const result = await work(stop.signal);
    if (!stop.signal.aborted) return result;
  } catch (error) {
    if (!stop.signal.aborted) throw error;
    process.stderr.write(`optflow: error while stopping: ${errorMessage(error)}\n`);
    process.exit(1);
  } finally {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
  }
  process.exit(options.exitCode ?? 0);
}

/** Resolves when `signal` aborts: the work of a server, which runs until it is stopped. */
export function untilAborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
}
