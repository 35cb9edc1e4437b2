import { openTestDatabase } from '@optflow/db/testing';
import type { TestDatabase } from '@optflow/db/testing';
import { migrate } from './migrate.ts';

/** A fresh test database (see @optflow/db/testing) with the optflow schema applied. */
export async function openMigratedTestDatabase(): Promise<TestDatabase> {
  const t = await openTestDatabase();
  try {
    await migrate(t.db, { direction: 'up' });
  } catch (error) {
    await t.dispose();
    throw error;
  }
  return t;
}
