// What the database we migrate can do, which decides hypertable vs table and continuous aggregate
// vs view: what the server *can* do (the extension must be preloaded to load at all), not what is
// merely installed on disk.
import { TIMESCALEDB_PRELOADED_SQL } from '@optflow/db';

export interface Capabilities {
  /** TimescaleDB is installed in this database (CREATE EXTENSION was run). */
  timescaledb: boolean;
  /** The embedded WebAssembly build: no background workers, so no policies. */
  embedded: boolean;
  /** The server has the extension's files (pg_available_extensions). */
  available: boolean;
  /** The server loads the library at start (shared_preload_libraries); the embedded build always can. */
  preloaded: boolean;
}

/**
 * How this database stands with TimescaleDB:
 * - `in-use`: the extension is installed here; optflow uses hypertables and continuous aggregates.
 * - `absent`: the server has no TimescaleDB; plain tables and views.
 * - `not-preloaded`: installed on the server but not in shared_preload_libraries, so it cannot be
 *   loaded (CREATE EXTENSION would end the connection); plain tables and views, with a notice.
 * - `unused`: usable, but this database's optflow schema was created without it (e.g. migrated
 *   before TimescaleDB was enabled); plain tables and views until converted.
 * - `usable`: usable and no optflow schema yet; the migrations will install and use it.
 */
export type TimescaleStatus = 'in-use' | 'absent' | 'not-preloaded' | 'unused' | 'usable';

export function timescaleStatus(c: Capabilities, schemaExists: boolean): TimescaleStatus {
  if (c.timescaledb) return 'in-use';
  if (!c.available) return 'absent';
  if (!c.embedded && !c.preloaded) return 'not-preloaded';
  return schemaExists ? 'unused' : 'usable';
}

/** The one line to tell the user, or null when nothing needs saying. */
export function timescaleNotice(status: TimescaleStatus): string | null {
  switch (status) {
    case 'not-preloaded':
      return (
        'optflow: notice: TimescaleDB is installed on this server but not preloaded, so optflow uses plain PostgreSQL tables and views. ' +
        "To use it: add timescaledb to shared_preload_libraries in postgresql.conf (shared_preload_libraries = 'timescaledb'), restart the server, then run optflow migrate --convert-to-timescaledb."
      );
    case 'unused':
      return (
        "optflow: notice: TimescaleDB is available on this server, but this database's optflow schema was created without it (plain tables and views). " +
        'optflow keeps working as plain PostgreSQL; run optflow migrate --convert-to-timescaledb to make optflow.quotes a hypertable with continuous aggregates and policies.'
      );
    default:
      return null;
  }
}

interface Selector {
  select(sql: string): Promise<Array<Record<string, unknown>>>;
}

export async function detectCapabilities(db: Selector): Promise<Capabilities> {
  const [row] = await db.select(
    `SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'timescaledb') AS timescaledb,
            version() ILIKE '%emscripten%' AS embedded,
            EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb') AS available,
            ${TIMESCALEDB_PRELOADED_SQL} AS preloaded`
  );
  return {
    timescaledb: row?.timescaledb === true,
    embedded: row?.embedded === true,
    available: row?.available === true,
    preloaded: row?.preloaded === true,
  };
}

/** Whether TimescaleDB can be created in this database now (the migrations then use it). */
export function canUseTimescale(c: Capabilities): boolean {
  return c.timescaledb || (c.available && (c.embedded || c.preloaded));
}
