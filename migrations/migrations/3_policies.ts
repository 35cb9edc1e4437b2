import type { MigrationBuilder } from 'node-pg-migrate';
import { detectCapabilities } from '../src/capabilities.ts';
import { FLOW_POLICIES, COMPRESS_AFTER } from '../src/policies.ts';

/**
 * Refresh and compression policies, on TimescaleDB servers only: the embedded build runs no
 * background jobs, so there the loader refreshes the aggregates itself after each commit.
 */
export async function up(pgm: MigrationBuilder): Promise<void> {
  const { timescaledb, embedded } = await detectCapabilities(pgm.db);
  if (!timescaledb || embedded) return;
  for (const p of FLOW_POLICIES) {
    pgm.sql(`SELECT add_continuous_aggregate_policy('${p.view}',
      start_offset => INTERVAL '${p.startOffset}', end_offset => INTERVAL '${p.endOffset}',
      schedule_interval => INTERVAL '${p.schedule}', if_not_exists => true)`);
  }
  pgm.sql(`SELECT add_compression_policy('optflow.quotes', INTERVAL '${COMPRESS_AFTER}', if_not_exists => true)`);
}

export async function down(pgm: MigrationBuilder): Promise<void> {
  const { timescaledb, embedded } = await detectCapabilities(pgm.db);
  if (!timescaledb || embedded) return;
  pgm.sql(`SELECT remove_compression_policy('optflow.quotes', if_exists => true)`);
  for (const p of FLOW_POLICIES) pgm.sql(`SELECT remove_continuous_aggregate_policy('${p.view}', if_exists => true)`);
}
