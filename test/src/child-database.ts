import { join } from 'node:path';
import { EmbeddedDatabase } from '@optflow/db';
import type { Database } from '@optflow/db';
import { openTestDatabase, testServerUrl } from '@optflow/db/testing';
import type { TestDatabase } from '@optflow/db/testing';

/**
 * The database an optflow child process works on in a test: a fresh database on the test server, or
 * an embedded one under `home`. `read` opens it for the test's own queries; the embedded one only
 * while no child holds it.
 */
export interface ChildDatabase {
  env: NodeJS.ProcessEnv;
  read<T>(fn: (db: Database) => Promise<T>): Promise<T>;
  dispose(): Promise<void>;
}

export async function childDatabase(home: string): Promise<ChildDatabase> {
  if (testServerUrl()) {
    const server: TestDatabase = await openTestDatabase();
    return { env: { DATABASE_URL: server.url }, read: (fn) => fn(server.db), dispose: () => server.dispose() };
  }
  return {
    env: { DATABASE_URL: '', OPTFLOW_HOME: home },
    read: async (fn) => {
      const db = await EmbeddedDatabase.open(join(home, 'pgdata'));
      try {
        return await fn(db);
      } finally {
        await db.close();
      }
    },
    dispose: async () => undefined,
  };
}
