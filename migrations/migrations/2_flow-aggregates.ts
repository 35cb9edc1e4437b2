import type { MigrationBuilder } from 'node-pg-migrate';
import { detectCapabilities } from '../src/capabilities.ts';
import { createFlowSql, dropFlowSql, FLOW_LEVELS } from '../src/flow-aggregates.ts';

/** flow_1m, flow_5m, flow_1h, flow_1d: continuous aggregates (WITH NO DATA) or, without TimescaleDB, views. */
export async function up(pgm: MigrationBuilder): Promise<void> {
  const { timescaledb } = await detectCapabilities(pgm.db);
  for (const level of FLOW_LEVELS) pgm.sql(createFlowSql(level, timescaledb ? 'timescaledb' : 'postgres'));
}

export async function down(pgm: MigrationBuilder): Promise<void> {
  const { timescaledb } = await detectCapabilities(pgm.db);
  for (const level of [...FLOW_LEVELS].reverse()) pgm.sql(dropFlowSql(level, timescaledb ? 'timescaledb' : 'postgres'));
}
