import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { CopyColumn, Database, QueryResult, Session } from '@optflow/db';
import type { TestDatabase } from '@optflow/db/testing';
import { DEFAULT_SAMPLE, loadFile, sampleDay, writeSampleBatches } from '@optflow/loader';
import type { SampleOptions } from '@optflow/loader';
import { openMigratedTestDatabase } from '@optflow/migrations/testing';

/** Test helpers shared by hardening.test.ts and fuzz.test.ts (not a test file itself). */

export const DAY: SampleOptions = { ...DEFAULT_SAMPLE, strikes: 4, expirations: 2, snapshotsPerRowGroup: 40, seed: 7 };
export const OPEN = Date.parse('2023-05-19T13:30:00Z');
export const CLOSE = Date.parse('2023-05-19T20:01:00Z');
const LOAD = { timeZone: 'America/New_York', overrides: {} };

export interface LoadedDatabase {
  t: TestDatabase;
  db: Database;
  /** Loads the next snapshot (a commit the API is notified of); one new snapshot per call. */
  commit(): Promise<void>;
  dispose(): Promise<void>;
}

/** A migrated test database with the first half of a small sample day (SPX, 2023-05-19). */
export async function openLoadedDatabase(): Promise<LoadedDatabase> {
  const dir = mkdtempSync(join(tmpdir(), 'optflow-api-'));
  const t = await openMigratedTestDatabase();
  const batches = [...sampleDay(DAY)];
  const rest = [...sampleDay({ ...DAY, snapshotsPerRowGroup: 1 })].slice(5 * DAY.snapshotsPerRowGroup);
  const load = async (name: string, parts: typeof batches) => {
    const outcome = await loadFile(t.db, writeSampleBatches(join(dir, name), parts).path, LOAD);
    if (outcome.status !== 'loaded') throw new Error(`sample ${name}: ${outcome.status}`);
  };
  await load('SPX.X.2023-05-19.a.parquet', batches.slice(0, 5));
  let next = 0;
  return {
    t,
    db: t.db,
    commit: () => load(`SPX.X.2023-05-19.c${next}.parquet`, rest.slice(next, ++next)),
    dispose: async () => {
      await t.dispose();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * The test database with a probe on every statement the API runs: counted (a read is one
 * transaction, a call), recorded, and optionally delayed or failed by `before`.
 */
export class ProbeDatabase implements Database {
  calls = 0;
  readonly statements: Array<{ sql: string; params: readonly unknown[] }> = [];
  before: (sql: string, session: Session) => Promise<void> = async () => undefined;
  readonly #db: Database;
  constructor(db: Database) {
    this.#db = db;
  }
  get backend() {
    return this.#db.backend;
  }
  #probe(session: Session): Session {
    return {
      query: async <Row = Record<string, unknown>>(
        sql: string,
        params: readonly unknown[] = []
      ): Promise<QueryResult<Row>> => {
        this.statements.push({ sql, params });
        await this.before(sql, session);
        return session.query<Row>(sql, params);
      },
      copyBinary: (table, columns, payload) => session.copyBinary(table, columns, payload),
    };
  }
  query<Row = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<QueryResult<Row>> {
    this.calls++;
    return this.#db.withSession((s) => this.#probe(s).query<Row>(sql, params));
  }
  copyBinary(table: string, columns: readonly CopyColumn[], payload: Uint8Array): Promise<number> {
    this.calls++;
    return this.#db.copyBinary(table, columns, payload);
  }
  withSession<T>(fn: (session: Session) => Promise<T>): Promise<T> {
    this.calls++;
    return this.#db.withSession((s) => fn(this.#probe(s)));
  }
  transaction<T>(fn: (session: Session) => Promise<T>): Promise<T> {
    this.calls++;
    return this.#db.transaction((s) => fn(this.#probe(s)));
  }
  info() {
    this.calls++;
    return this.#db.info();
  }
  sessions() {
    return this.#db.sessions();
  }
  listen(channel: string, onMessage: (payload: string) => void, onInterrupted?: () => void) {
    return this.#db.listen(channel, onMessage, onInterrupted);
  }
  close() {
    return this.#db.close();
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A metric's value from an API's /metrics (0 when absent). */
export async function metric(api: FastifyInstance, pattern: RegExp): Promise<number> {
  const match = pattern.exec((await api.inject({ url: '/metrics' })).body);
  return match ? Number(match[1]) : 0;
}

/** Polls until `check` holds (the API's own events have no other hook a test can wait on). */
export async function until(check: () => Promise<boolean>, what: string): Promise<void> {
  for (let tries = 0; !(await check()); tries++) {
    if (tries > 1500) throw new Error(`timed out waiting: ${what}`);
    await sleep(10);
  }
}
