import { resolve } from 'node:path';

/** Where optflow's database lives: a server (DATABASE_URL) or the embedded TimescaleDB under OPTFLOW_HOME. */
export type DatabaseConfig =
  | { kind: 'server'; url: string }
  | { kind: 'embedded'; dataDir: string; socket: { host: string; port: number; password: string | undefined } };

export const DEFAULT_SOCKET_PORT = 5433;

export function databaseConfigFromEnv(env: NodeJS.ProcessEnv = process.env): DatabaseConfig {
  if (env.DATABASE_URL) {
    // A typo here is a configuration error (exit 2), not an unreachable database (exit 3).
    let protocol: string | null = null;
    try {
      protocol = new URL(env.DATABASE_URL).protocol;
    } catch {
      // not a URL at all
    }
    if (protocol !== 'postgres:' && protocol !== 'postgresql:' && protocol !== 'socket:') {
      throw new Error(
        'DATABASE_URL must be a postgres:// (or postgresql://) URL, e.g. postgres://user:password@host:5432/database'
      );
    }
    return { kind: 'server', url: env.DATABASE_URL };
  }
  const home = resolve(env.OPTFLOW_HOME ?? '.optflow');
  const port = env.OPTFLOW_PG_PORT === undefined ? DEFAULT_SOCKET_PORT : Number(env.OPTFLOW_PG_PORT);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`OPTFLOW_PG_PORT must be a port number (0-65535), got "${env.OPTFLOW_PG_PORT}"`);
  }
  return {
    kind: 'embedded',
    dataDir: resolve(home, 'pgdata'),
    socket: { host: env.OPTFLOW_PG_HOST ?? '127.0.0.1', port, password: env.OPTFLOW_PG_PASSWORD || undefined },
  };
}
