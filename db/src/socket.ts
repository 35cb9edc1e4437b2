import type { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import type { EmbeddedDatabase } from './embedded.ts';

export interface SocketHandle {
  host: string;
  port: number;
  /** `postgres://…` for psql, Grafana and `pg` clients. */
  url: string;
  stop(): Promise<void>;
}

/**
 * Serves the embedded database over the PostgreSQL wire protocol. Clients share one session
 * (see EmbeddedDatabase); COPY FROM STDIN must never be sent through it.
 */
export async function serveSocket(
  db: EmbeddedDatabase,
  options: { host: string; port: number; maxConnections?: number },
): Promise<SocketHandle> {
  const server = new PGLiteSocketServer({
    // pglite-socket is typed against @electric-sql/pglite but calls only what SocketBackend declares.
    db: db.socketBackend() as unknown as PGlite,
    host: options.host,
    port: options.port,
    maxConnections: options.maxConnections ?? 100,
  });
  let bound = options.port;
  server.addEventListener('listening', (event) => {
    const detail = (event as CustomEvent<{ port?: number }>).detail;
    if (typeof detail.port === 'number') bound = detail.port;
  });
  try {
    // start() reports a listen failure (port in use) only as an 'error' event, never as a rejection.
    await new Promise<void>((resolve, reject) => {
      server.addEventListener('error', (event) => reject((event as CustomEvent<Error>).detail), { once: true });
      server.start().then(resolve, reject);
    });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`cannot serve the embedded database on ${options.host}:${options.port}: ${reason}`, { cause: error });
  }
  return {
    host: options.host,
    port: bound,
    // The embedded server wants a password but accepts any, and every client is the superuser.
    url: `postgres://postgres:postgres@${options.host}:${bound}/postgres?sslmode=disable`,
    stop: () => server.stop(),
  };
}
