// A load's failure and where it happened: the file, and the row group being read or written when
// there was one. Errors of the reading thread cross to the main thread as data and become one again.
import { errorMessage } from '@optflow/db';

export class LoadError extends Error {
  override readonly name = 'LoadError';

  /** `reason` is what went wrong, without the path (the message adds it once). */
  constructor(
    readonly path: string,
    readonly rowGroup: number | null,
    readonly reason: string,
    options?: { cause?: unknown }
  ) {
    super(`${path}: ${reason}`, options);
  }
}

/** What went wrong, for a message that names `path` itself: a LoadError of that file without its path. */
export function reasonFor(path: string, error: unknown): string {
  return error instanceof LoadError && error.path === path ? error.reason : errorMessage(error);
}

/** A LoadError as postMessage can carry it (an Error crosses with its message only). */
export interface LoadErrorData {
  path: string;
  rowGroup: number | null;
  reason: string;
}

export function toLoadErrorData(error: LoadError): LoadErrorData {
  return { path: error.path, rowGroup: error.rowGroup, reason: error.reason };
}

export function fromLoadErrorData(data: LoadErrorData): LoadError {
  return new LoadError(data.path, data.rowGroup, data.reason);
}
