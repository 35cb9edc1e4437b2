import type { CopyColumn } from './copy-writer.ts';
import { quoteIdent, quoteQualified } from './identifiers.ts';

export interface QueryResult<Row> {
  rows: Row[];
  rowCount: number;
}

/** One connection's worth of work: queries and binary COPY, in order, on one PostgreSQL session. */
export interface Session {
  query<Row = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<QueryResult<Row>>;
  /** Bulk-loads a finished binary COPY payload (see BinaryCopyWriter); returns the rows copied. */
  copyBinary(table: string, columns: readonly CopyColumn[], payload: Uint8Array): Promise<number>;
}

export type Backend = 'embedded' | 'server';

export interface SessionStats {
  total: number;
  idle: number;
  /** Callers waiting for a session. */
  waiting: number;
}

export interface DatabaseInfo {
  backend: Backend;
  serverVersion: string;
  /** Installed TimescaleDB extension version, or null on plain PostgreSQL. */
  timescaledb: string | null;
}

/**
 * The one database interface of optflow. Values come back the same on both backends:
 * int8 as number, numeric as string, date as 'YYYY-MM-DD', timestamptz as Date.
 */
export interface Database extends Session {
  readonly backend: Backend;
  /** Runs `fn` on one session, with no other work of ours interleaved. */
  withSession<T>(fn: (session: Session) => Promise<T>): Promise<T>;
  /** Runs `fn` inside BEGIN … COMMIT; rolls back and rethrows if it throws. */
  transaction<T>(fn: (session: Session) => Promise<T>): Promise<T>;
  info(): Promise<DatabaseInfo>;
  /** Sessions in use: the pool's connections on a server; the one PGlite session embedded. */
  sessions(): SessionStats;
  /**
   * Calls `onMessage` with the payload of each NOTIFY on `channel` (committed transactions only)
   * until the returned function is called. The channel name must be a plain identifier. When the
   * listening connection is lost (server only), `onInterrupted` is called at once: notifications may
   * be missed from then until it is re-established, which `onMessage('')` signals.
   */
  listen(
    channel: string,
    onMessage: (payload: string) => void,
    onInterrupted?: () => void
  ): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

/** What both backends share: everything but how a session is obtained, in terms of withSession. */
export abstract class SessionDatabase implements Database {
  abstract readonly backend: Backend;
  abstract withSession<T>(fn: (session: Session) => Promise<T>): Promise<T>;
  abstract sessions(): SessionStats;
  abstract listen(
    channel: string,
    onMessage: (payload: string) => void,
    onInterrupted?: () => void
  ): Promise<() => Promise<void>>;
  abstract close(): Promise<void>;

  query<Row = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<QueryResult<Row>> {
    return this.withSession((s) => s.query<Row>(sql, params));
  }

  copyBinary(table: string, columns: readonly CopyColumn[], payload: Uint8Array): Promise<number> {
    return this.withSession((s) => s.copyBinary(table, columns, payload));
  }

  transaction<T>(fn: (session: Session) => Promise<T>): Promise<T> {
    return this.withSession((s) => inTransaction(s, fn));
  }

  info(): Promise<DatabaseInfo> {
    return this.withSession((s) => describeDatabase(s, this.backend));
  }
}

/** BEGIN/COMMIT around `fn`, ROLLBACK on error. */
async function inTransaction<T>(session: Session, fn: (session: Session) => Promise<T>): Promise<T> {
  await session.query('BEGIN');
  try {
    const result = await fn(session);
    await session.query('COMMIT');
    return result;
  } catch (error) {
    await session.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

/**
 * SQL true when the server loads TimescaleDB at start: without that the extension cannot be
 * created or used, whatever pg_available_extensions says. The preloaded loader registers its
 * settings in every session, and pg_settings is readable by any role (shared_preload_libraries
 * itself needs pg_read_all_settings, which optflow's login may not have).
 */
export const TIMESCALEDB_PRELOADED_SQL = `EXISTS (SELECT 1 FROM pg_settings WHERE name = 'timescaledb.max_background_workers')`;

async function describeDatabase(session: Session, backend: Backend): Promise<DatabaseInfo> {
  const { rows } = await session.query<{ server_version: string; timescaledb: string | null }>(
    `SELECT current_setting('server_version') AS server_version,
            (SELECT extversion FROM pg_extension WHERE extname = 'timescaledb') AS timescaledb`
  );
  const row = rows[0]!;
  return { backend, serverVersion: row.server_version, timescaledb: row.timescaledb };
}

export function copyStatement(table: string, columns: readonly CopyColumn[], source: 'STDIN' | "'/dev/blob'"): string {
  return `COPY ${quoteQualified(table)} (${columns.map((c) => quoteIdent(c.name)).join(', ')}) FROM ${source} WITH (FORMAT binary)`;
}
