// Telling a lost database apart from an error the database reported about a statement: the first
// ends a command with "database unavailable" (exit 3, run again to continue), the second is the
// input's or the statement's problem.

/** SQLSTATE classes and codes of a connection that is gone: 08 connection exception, 57P01–57P03 shutdown. */
const LOST_CODES = /^(08...|57P0[123])$/;
/** Node's socket errors, and what pg says when the server closes the connection. */
const LOST_SOCKET = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH']);

/** Whether `error`, or an error it was caused by (a load's error names the file around it), is a lost connection. */
export function isConnectionLoss(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && (LOST_CODES.test(code) || LOST_SOCKET.has(code))) return true;
  return /^Connection terminated/.test(error.message) || isConnectionLoss(error.cause);
}
