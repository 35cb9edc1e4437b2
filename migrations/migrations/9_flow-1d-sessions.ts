import type { MigrationBuilder } from 'node-pg-migrate';
import { detectCapabilities } from '../src/capabilities.ts';
import { createFlowSql, dropFlowSql, FLOW_LEVELS } from '../src/flow-aggregates.ts';
import type { FlowLevel } from '../src/flow-aggregates.ts';
import { addPoliciesSql } from '../src/policies.ts';

/**
 * flow_1d buckets by New York session (midnight to midnight there) instead of by UTC day, which put
 * 20:00–24:00 New York (19:00–24:00 in winter) into the next day's bucket. The aggregate is made
 * again; on TimescaleDB it starts empty and answers in real time from flow_1h until the loader or
 * its policy materializes it.
 */
const day = FLOW_LEVELS.find((l) => l.interval === '1d')!;
const utcDay: FlowLevel = { ...day, zone: undefined };

async function replace(pgm: MigrationBuilder, level: FlowLevel): Promise<void> {
  const { timescaledb, embedded } = await detectCapabilities(pgm.db);
  const dialect = timescaledb ? 'timescaledb' : 'postgres';
  if (timescaledb && !embedded)
    pgm.sql(`SELECT remove_continuous_aggregate_policy('${level.view}', if_exists => true)`);
  pgm.sql(dropFlowSql(level, dialect));
  pgm.sql(createFlowSql(level, dialect));
  if (timescaledb && !embedded) for (const sql of addPoliciesSql()) pgm.sql(sql); // only the missing one is added
}

export async function up(pgm: MigrationBuilder): Promise<void> {
  await replace(pgm, day);
}

export async function down(pgm: MigrationBuilder): Promise<void> {
  await replace(pgm, utcDay);
}
