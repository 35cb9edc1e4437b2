import { createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import { PGLiteSocketHandler } from '@electric-sql/pglite-socket';
import type { PGLiteSocketHandlerOptions } from '@electric-sql/pglite-socket';
import type { EmbeddedDatabase } from './embedded.ts';
import { SocketGate } from './socket-gate.ts';
import { errorMessage } from '@optflow/contract';

export interface SocketHandle {
  host: string;
  port: number;
  /** `postgres://…` for psql, Grafana and `pg` clients. */
  url: string;
  stop(): Promise<void>;
}

/** Who socket clients are: optflow_reader (the default), optflow_writer, or the superuser. */
export type SocketRole = 'reader' | 'writer' | 'superuser';
export const SOCKET_ROLES: readonly SocketRole[] = ['reader', 'writer', 'superuser'];
const ROLE_NAMES: Record<SocketRole, string | null> = {
  reader: 'optflow_reader',
  writer: 'optflow_writer',
  superuser: null,
};

export interface SocketOptions {
  host: string;
  port: number;
  maxConnections?: number;
  role?: SocketRole;
  /** Required for a host other than loopback. */
  password?: string | undefined;
  idleTransactionMs?: number;
  maxTransactionMs?: number;
}

/** 127.0.0.0/8, ::1 and localhost: only this machine can connect. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/**
 * Functions through which a non-superuser could run a string as SQL (and so change the session
 * authorization the statement screen guards), or define code that does (DO blocks, functions in
 * pg_temp; calling existing functions needs no language privilege): taken from PUBLIC in the
 * embedded database, whose only other user is optflow itself, as the superuser.
 */
const RESTRICT_SQL = `
  REVOKE EXECUTE ON FUNCTION pg_catalog.set_config(text, text, boolean) FROM PUBLIC;
  REVOKE EXECUTE ON FUNCTION pg_catalog.query_to_xml(text, boolean, boolean, text),
    pg_catalog.query_to_xmlschema(text, boolean, boolean, text),
    pg_catalog.query_to_xml_and_xmlschema(text, boolean, boolean, text),
    pg_catalog.ts_stat(text), pg_catalog.ts_stat(text, text), pg_catalog.ts_rewrite(tsquery, text) FROM PUBLIC;
  REVOKE USAGE ON LANGUAGE plpgsql, sql FROM PUBLIC;`;

/**
 * Serves the embedded database over the PostgreSQL wire protocol. Clients share optflow's one
 * session, so each of their messages passes a SocketGate (role, password, statement screen,
 * transaction time limits) and pglite-socket's connection handlers do the framing.
 */
export async function serveSocket(db: EmbeddedDatabase, options: SocketOptions): Promise<SocketHandle> {
  const role = options.role ?? 'reader';
  if (!isLoopback(options.host) && options.password === undefined) {
    throw new Error(
      `refusing to serve the embedded database on ${options.host}, which is not a loopback address, without a password: ` +
        'set OPTFLOW_PG_PASSWORD (clients then need it), or keep the socket on 127.0.0.1'
    );
  }
  const roleName = ROLE_NAMES[role];
  if (roleName !== null) {
    const { rows } = await db.query(`SELECT 1 FROM pg_roles WHERE rolname = $1`, [roleName]);
    if (rows.length === 0)
      throw new Error(
        `cannot serve the embedded database as ${roleName}: the role does not exist (run optflow migrate first)`
      );
    await db.query(RESTRICT_SQL);
  }
  const gate = new SocketGate(db.socketBackend(roleName), {
    restricted: roleName !== null,
    password: options.password,
    idleTransactionMs: options.idleTransactionMs ?? 5_000,
    maxTransactionMs: options.maxTransactionMs ?? 60_000,
  });
  const handlers = new Set<PGLiteSocketHandler>();
  const server: Server = createServer((socket: Socket) => {
    // pglite-socket's handler reads whole messages and hands them to its queue, here the gate.
    const handler = new PGLiteSocketHandler({
      queryQueue: gate as unknown as PGLiteSocketHandlerOptions['queryQueue'],
      closeOnDetach: true,
    });
    handlers.add(handler);
    handler.addEventListener('close', () => handlers.delete(handler));
    handler.addEventListener('error', () => handlers.delete(handler));
    gate.open(handler.handlerId, (farewell) => {
      if (socket.writable) socket.write(farewell);
      void handler.detach(true);
    });
    handler.attach(socket).catch(() => socket.destroy());
  });
  server.maxConnections = options.maxConnections ?? 100;
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port, options.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    const reason = errorMessage(error);
    throw new Error(`cannot serve the embedded database on ${options.host}:${options.port}: ${reason}`, {
      cause: error,
    });
  }
  server.on('error', () => undefined); // after listening, errors concern single connections
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : options.port;
  const user = roleName ?? 'postgres';
  const password = encodeURIComponent(options.password ?? 'optflow');
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    host: options.host,
    port,
    // The user name is informational (the role is the gate's); the password is checked only when set.
    url: `postgres://${user}:${password}@${host}:${port}/postgres?sslmode=disable`,
    stop: async () => {
      await Promise.all([...handlers].map((h) => h.detach(true)));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
