import { fileURLToPath } from 'node:url';
import { runner } from 'node-pg-migrate';
import type { ClientBase } from 'pg';
import type { Database, Session } from '@optflow/db';
import { detectCapabilities, timescaleNotice, timescaleStatus } from './capabilities.ts';
import type { TimescaleStatus } from './capabilities.ts';
import { errorMessage } from '@optflow/db';

export const MIGRATIONS_DIR = fileURLToPath(new URL('../migrations', import.meta.url));
export const MIGRATIONS_TABLE = 'optflow_migrations';

export interface MigrateOptions {
  direction: 'up' | 'down';
  /** How many migrations to run; all pending (up) or all applied (down) when omitted. */
  count?: number;
  log?: (message: string) => void;
  /** Told once, before migrating, when TimescaleDB is on the server but cannot or does not serve this database. */
  notice?: (message: string) => void;
}

/** node-pg-migrate takes any object with pg's `query`; this one runs on one of our sessions. */
function asMigratorClient(session: Session): ClientBase {
  const client = {
    query: async (textOrConfig: string | { text: string; values?: unknown[] }, values?: unknown[]) => {
      const text = typeof textOrConfig === 'string' ? textOrConfig : textOrConfig.text;
      const params = values ?? (typeof textOrConfig === 'string' ? [] : (textOrConfig.values ?? []));
      return session.query(text, params);
    },
  };
  return client as unknown as ClientBase;
}

/** How this database stands with TimescaleDB (see TimescaleStatus). */
export async function timescaleStatusOf(db: Database): Promise<TimescaleStatus> {
  const select = async (sql: string) => (await db.query<Record<string, unknown>>(sql)).rows;
  const capabilities = await detectCapabilities({ select });
  const [schema] = await select(`SELECT to_regclass('optflow.quotes') IS NOT NULL AS exists`);
  return timescaleStatus(capabilities, schema?.exists === true);
}

/** Applies (or reverts) migrations on one session; returns the names of the migrations it ran. */
export async function migrate(db: Database, options: MigrateOptions): Promise<string[]> {
  const log = options.log ?? (() => undefined);
  const notice = timescaleNotice(await timescaleStatusOf(db));
  if (notice !== null) options.notice?.(notice);
  const ran = await db.withSession((session) =>
    runner({
      dbClient: asMigratorClient(session),
      dir: MIGRATIONS_DIR,
      migrationsTable: MIGRATIONS_TABLE,
      direction: options.direction,
      count: options.count ?? Infinity,
      singleTransaction: true,
      logger: { debug: () => undefined, info: log, warn: log, error: log },
    }).catch(async (error: unknown) => {
      throw await MigrationError.from(error, session);
    })
  );
  return ran.map((m) => m.name);
}

/**
 * A failed migration, said in one line with the role it ran as (node-pg-migrate puts the cause's
 * stack in its message). `code` is the cause's SQLSTATE; 42501 means the role lacks a privilege.
 */
export class MigrationError extends Error {
  readonly code: string | undefined;

  constructor(message: string, code: string | undefined, cause: unknown) {
    super(message, { cause });
    this.code = code;
  }

  static async from(error: unknown, session: Session): Promise<MigrationError> {
    const first = errorMessage(error)
      .split('\n')[0]!
      .replace(
        /^Unable to ensure migrations table: (error: )?/,
        `cannot create the migrations table (public.${MIGRATIONS_TABLE}): `
      );
    const role = await session.query<{ role: string }>('SELECT current_user AS role').then(
      (r) => r.rows[0]?.role ?? '?',
      () => '?'
    );
    // Errors from a migration's SQL keep their SQLSTATE; the migrations-table check only says it in words.
    const code = (error as { code?: unknown } | null)?.code;
    return new MigrationError(
      `migrations failed as ${role}: ${first}`,
      typeof code === 'string' ? code : /permission denied/.test(first) ? '42501' : undefined,
      error
    );
  }
}
