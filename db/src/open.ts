import type { DatabaseConfig } from './config.ts';
import type { Database } from './database.ts';
import { EmbeddedDatabase } from './embedded.ts';
import { ServerDatabase } from './server.ts';

/** Opens the configured database: a server pool, or the embedded TimescaleDB (not yet served). */
export async function openDatabase(config: DatabaseConfig): Promise<Database> {
  if (config.kind === 'server') {
    const db = new ServerDatabase(config.url);
    await db.query('SELECT 1'); // fail fast with the connection error, not at first use
    return db;
  }
  return EmbeddedDatabase.open(config.dataDir);
}
