import type { MigrationBuilder } from 'node-pg-migrate';
import { detectCapabilities } from '../src/capabilities.ts';
import { addPoliciesSql, removePoliciesSql } from '../src/policies.ts';

/**
 * Refresh and compression policies, on TimescaleDB servers only: the embedded build runs no
 * background jobs, so there the loader refreshes the aggregates itself after each commit.
 */
export async function up(pgm: MigrationBuilder): Promise<void> {
  const { timescaledb, embedded } = await detectCapabilities(pgm.db);
  if (timescaledb && !embedded) for (const sql of addPoliciesSql()) pgm.sql(sql);
}

export async function down(pgm: MigrationBuilder): Promise<void> {
  const { timescaledb, embedded } = await detectCapabilities(pgm.db);
  if (timescaledb && !embedded) for (const sql of removePoliciesSql()) pgm.sql(sql);
}
