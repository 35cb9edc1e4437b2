import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { CopyColumn } from './copy-writer.ts';
import { copyStatement, SessionDatabase } from './database.ts';
import type { QueryResult, Session, SessionStats } from './database.ts';
import { assertChannel } from './identifiers.ts';

const PG_INT8 = 20;
const PG_DATE = 1082;
/** How often a LISTEN connection is checked, and how long its check may take. */
const LISTEN_PROBE_MS = 2000;

/** Type parsers that make a server answer like the embedded database (see Database). */
const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === PG_INT8) return (value: string) => Number(value);
    if (oid === PG_DATE) return (value: string) => value;
    return pg.types.getTypeParser(oid, format);
  },
} as pg.CustomTypesConfig;

class ClientSession implements Session {
  readonly #client: pg.PoolClient;

  constructor(client: pg.PoolClient) {
    this.#client = client;
  }

  async query<Row>(sql: string, params: readonly unknown[] = []): Promise<QueryResult<Row>> {
    const result = await this.#client.query(sql, params as unknown[]);
    return { rows: result.rows as Row[], rowCount: result.rowCount ?? 0 };
  }

  async copyBinary(table: string, columns: readonly CopyColumn[], payload: Uint8Array): Promise<number> {
    const stream = this.#client.query(copyFrom(copyStatement(table, columns, 'STDIN')));
    await new Promise<void>((resolve, reject) => {
      stream.on('error', reject);
      stream.on('finish', resolve);
      stream.end(payload);
    });
    return Number(stream.rowCount ?? 0);
  }
}

/** A PostgreSQL (optionally TimescaleDB) server reached through a `pg` pool. */
export class ServerDatabase extends SessionDatabase {
  readonly backend = 'server' as const;
  readonly #pool: pg.Pool;
  readonly #url: string;

  constructor(url: string, options: { max?: number; applicationName?: string } = {}) {
    super();
    this.#url = url;
    this.#pool = new pg.Pool({
      connectionString: url,
      types,
      max: options.max ?? 10,
      application_name: options.applicationName ?? 'optflow',
    });
    // An idle client losing its connection must not crash the process; the next checkout reconnects.
    this.#pool.on('error', () => undefined);
  }

  async withSession<T>(fn: (session: Session) => Promise<T>): Promise<T> {
    const client = await this.#pool.connect();
    // pg listens for errors only on idle clients: a connection lost while checked out (a server
    // restart, a FATAL) would be an unhandled 'error' event that kills the process. The query in
    // flight rejects with it anyway, and the client is then destroyed below.
    const ignoreLost = () => undefined;
    client.on('error', ignoreLost);
    let healthy = true;
    try {
      return await fn(new ClientSession(client));
    } catch (error) {
      // An error the server reported leaves the connection usable; any other (a reset, a COPY stream
      // failing half-way) may not, so that client is destroyed instead of returned to the pool.
      healthy = error instanceof pg.DatabaseError;
      throw error;
    } finally {
      client.off('error', ignoreLost);
      client.release(!healthy);
    }
  }

  /**
   * One dedicated connection per listen (not from the pool), reconnecting with backoff when it is
   * lost: notifications sent while it was down are gone, so callers treat a reconnect (signalled by
   * an empty payload) as "something may have changed", and learn of the loss at once through
   * `onInterrupted`. A connection that silently stopped answering (a host gone without closing it)
   * would look alive forever, so it is probed every LISTEN_PROBE_MS and dropped when the probe fails.
   */
  async listen(
    channel: string,
    onMessage: (payload: string) => void,
    onInterrupted: () => void = () => undefined
  ): Promise<() => Promise<void>> {
    assertChannel(channel);
    let client: pg.Client | null = null;
    let drop: (() => void) | null = null; // gives up the current connection
    let stopped = false;
    let retry: NodeJS.Timeout | undefined;
    const open = async (): Promise<void> => {
      const c = new pg.Client({
        connectionString: this.#url,
        application_name: 'optflow-listen',
        query_timeout: LISTEN_PROBE_MS,
      });
      let alive = true; // a dropped connection's late notifications must not pass for the new one's
      c.on('notification', (n) => {
        if (alive && n.channel === channel) onMessage(n.payload ?? '');
      });
      const lost = () => {
        if (stopped || client !== c) return;
        alive = false;
        client = null;
        drop = null;
        onInterrupted();
        c.end().catch(() => undefined);
        reconnect(100);
      };
      c.on('error', lost);
      c.on('end', lost);
      try {
        await c.connect();
        await c.query(`LISTEN ${channel}`);
      } catch (error) {
        await c.end().catch(() => undefined);
        throw error;
      }
      if (stopped) await c.end();
      else {
        client = c;
        drop = lost;
      }
    };
    const reconnect = (delay: number) => {
      retry = setTimeout(() => {
        open().then(
          () => onMessage(''),
          () => reconnect(Math.min(delay * 2, 5000))
        );
      }, delay);
    };
    await open();
    const probe = setInterval(() => {
      const [c, fail] = [client, drop];
      if (c && fail) c.query('SELECT 1').catch(fail);
    }, LISTEN_PROBE_MS).unref();
    return async () => {
      stopped = true;
      clearTimeout(retry);
      clearInterval(probe);
      const c = client;
      client = null;
      await c?.end();
    };
  }

  sessions(): SessionStats {
    return { total: this.#pool.totalCount, idle: this.#pool.idleCount, waiting: this.#pool.waitingCount };
  }

  async close(): Promise<void> {
    await this.#pool.end();
  }
}
