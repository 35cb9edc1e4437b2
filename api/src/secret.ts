import { randomBytes } from 'node:crypto';
import type { Database } from '@optflow/db';

/**
 * The key cursors are signed with: the database's own secret (optflow.api_secret, migration 8),
 * so every API process on one database accepts the others' cursors, across restarts, and nothing
 * another database's API issued. Only the role the API connects as can read it (not
 * optflow_reader: Grafana's SQL data source and the embedded socket's clients run as that role).
 * Read once at start, as the connecting role (before any switch to optflow_reader).
 */
export async function readCursorKey(db: Database): Promise<{ key: Uint8Array; warning: string | null }> {
  try {
    const { rows } = await db.query<{ secret: string }>(
      `SELECT encode(secret, 'hex') AS secret FROM optflow.api_secret`
    );
    const hex = rows[0]?.secret;
    if (hex !== undefined && hex.length >= 64) return { key: Buffer.from(hex, 'hex'), warning: null };
  } catch {
    // Not migrated yet, or a connecting role without access: a key of this process (below).
  }
  return {
    key: randomBytes(32),
    warning:
      'optflow.api_secret is not readable by the role the API connects as (run `optflow migrate`, or connect as the schema owner): cursors are signed with a key of this process, and clients start over after a restart',
  };
}
