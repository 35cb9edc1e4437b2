import { DeadlineExceeded } from './deadline.ts';

/**
 * What a failure that is not the client's fault means for the answer: the request's deadline passed
 * (a statement timeout is the deadline's doing), the database cannot be reached (both 503), or a bug
 * (500, logged). Pure: by the error's class, SQLSTATE or system error code.
 */
export type FailureKind = 'deadline' | 'unavailable' | 'internal';

const UNAVAILABLE_MESSAGES =
  /connection terminated|connection (is )?closed|not queryable|timeout exceeded when trying to connect|database is closed|unreachable|the database system is (starting up|shutting down)/i;

export function classifyFailure(error: unknown): FailureKind {
  if (error instanceof DeadlineExceeded) return 'deadline';
  const code =
    typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string' ? error.code : '';
  if (code === '57014') return 'deadline'; // query_canceled: only our statement timeouts cancel
  // Connection exceptions, operator intervention (shutdown, cannot connect now), insufficient resources, system errors.
  if (/^(08|57P|53|58)/.test(code)) return 'unavailable';
  if (/^E[A-Z]+$/.test(code) && code !== 'ERR') return 'unavailable'; // ECONNREFUSED, ECONNRESET, ETIMEDOUT, EPIPE…
  if (error instanceof Error && !/^[0-9A-Z]{5}$/.test(code) && UNAVAILABLE_MESSAGES.test(error.message))
    return 'unavailable';
  return 'internal';
}
