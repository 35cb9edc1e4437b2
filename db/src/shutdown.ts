import { errorMessage } from './errors.ts';

/**
 * Runs `close` once on the first SIGINT or SIGTERM, then exits with `exitCode` (0: a requested stop
 * is a clean stop). A second signal while closing exits at once with 130. Returns a function that
 * removes the handlers.
 */
export function onShutdownSignal(close: (signal: NodeJS.Signals) => Promise<void>, exitCode = 0): () => void {
  let closing = false;
  const handler = (signal: NodeJS.Signals) => {
    if (closing) process.exit(130);
    closing = true;
    close(signal).then(
      () => process.exit(exitCode),
      (error: unknown) => {
        console.error(`error while shutting down: ${errorMessage(error)}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return () => {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
  };
}
