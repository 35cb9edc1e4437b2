// Converting a database whose optflow schema was created on plain PostgreSQL (tables and views) to
// what the migrations create on TimescaleDB: the quotes become a hypertable, the flow views become
// continuous aggregates (materialized from the stored rows), and the policies are registered.
import type { Database } from '@optflow/db';
import { createFlowSql, dropFlowSql, FLOW_LEVELS } from './flow-aggregates.ts';
import { hypertableSql } from './hypertable.ts';
import { timescaleStatusOf } from './migrate.ts';
import { addPoliciesSql } from './policies.ts';
import { refreshFlowAggregates } from './refresh.ts';

export class ConversionError extends Error {}

const WHY_NOT: Record<string, string> = {
  'in-use': 'this database already uses TimescaleDB',
  absent: 'TimescaleDB is not installed on this server',
  'not-preloaded':
    'TimescaleDB is installed on this server but not preloaded: add it to shared_preload_libraries and restart the server first',
  usable: 'this database has no optflow schema yet: optflow migrate creates it with TimescaleDB',
};

/**
 * Converts in one transaction (the quotes are locked while their rows move into chunks), then
 * materializes the aggregates over the stored range outside it, as refresh requires. Returns the
 * number of quote rows moved.
 */
export async function convertToTimescale(db: Database): Promise<{ rows: number }> {
  const status = await timescaleStatusOf(db);
  if (status !== 'unused') throw new ConversionError(`cannot convert to TimescaleDB: ${WHY_NOT[status] ?? status}`);
  await db.transaction(async (s) => {
    await s.query('CREATE EXTENSION IF NOT EXISTS timescaledb');
    for (const level of [...FLOW_LEVELS].reverse()) await s.query(dropFlowSql(level, 'postgres'));
    await s.query(hypertableSql({ migrateData: true }));
    for (const level of FLOW_LEVELS) await s.query(createFlowSql(level, 'timescaledb'));
    // The embedded build runs no background jobs (see migration 3).
    if (db.backend !== 'embedded') for (const sql of addPoliciesSql()) await s.query(sql);
  });
  const { rows } = await db.query<{ rows: number; first: Date | null; last: Date | null }>(
    `SELECT count(*)::int8 AS rows, min(quote_time) AS first, max(quote_time) AS last FROM optflow.quotes`
  );
  const range = rows[0]!;
  if (range.first && range.last) await refreshFlowAggregates(db, range.first, new Date(range.last.getTime() + 1));
  return { rows: range.rows };
}
