import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { TIMESCALEDB_PRELOADED_SQL } from './database.ts';
import type { Database } from './database.ts';
import { EmbeddedDatabase } from './embedded.ts';
import { ServerDatabase } from './server.ts';

export interface TestDatabase {
  db: Database;
  /** Connection URL of the test database on a server backend; undefined when embedded. */
  url: string | undefined;
  /** Closes the database and, on a server, drops it. */
  dispose(): Promise<void>;
}

/** The server that tests run against, if any (CI sets it; otherwise tests use the embedded database). */
export function testServerUrl(): string | undefined {
  return process.env.OPTFLOW_TEST_DATABASE_URL || undefined;
}

/**
 * Which of the three backends the tests run on, for test names and for tests that need one kind:
 * the embedded TimescaleDB, a TimescaleDB server (the extension preloaded: background jobs,
 * policies, compression — what docker compose users run), or a PostgreSQL server without it (the
 * extension may be installed on disk but not preloaded: optflow treats that as plain PostgreSQL).
 */
export type TestBackend = 'embedded' | 'TimescaleDB server' | 'PostgreSQL server';

let backend: Promise<TestBackend> | undefined;

export function testBackend(): Promise<TestBackend> {
  const url = testServerUrl();
  backend ??=
    url === undefined
      ? Promise.resolve('embedded')
      : withClient(url, async (c) => {
          const { rows } = await c.query<{ preloaded: boolean }>(`SELECT ${TIMESCALEDB_PRELOADED_SQL} AS preloaded`);
          return rows[0]?.preloaded === true ? 'TimescaleDB server' : 'PostgreSQL server';
        });
  return backend;
}

/**
 * A fresh, empty database for one test: a uniquely named database on OPTFLOW_TEST_DATABASE_URL's
 * server, or an in-memory embedded TimescaleDB.
 */
export async function openTestDatabase(): Promise<TestDatabase> {
  const serverUrl = testServerUrl();
  if (!serverUrl) {
    const db = await EmbeddedDatabase.open();
    return { db, url: undefined, dispose: () => db.close() };
  }
  const name = `optflow_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  await withClient(serverUrl, (c) => c.query(`CREATE DATABASE ${name}`));
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const db = new ServerDatabase(url.toString());
  return {
    db,
    url: url.toString(),
    dispose: async () => {
      await db.close();
      await withClient(serverUrl, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    },
  };
}

/** Runs `fn` with a connected `pg` client to `url`, closed afterwards. */
export async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client(url);
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}
