// SQL for the flow aggregates: optflow.flow_1m from the quotes, and flow_5m, flow_1h, flow_1d each
// rolled up from the level below. On TimescaleDB they are continuous aggregates with real-time
// aggregation; on plain PostgreSQL ordinary views with the same names and columns.
import { FLOW_AGGREGATES, SESSION_TIME_ZONE } from '@optflow/contract';
import type { FlowAggregateInterval } from '@optflow/contract';

export interface FlowLevel {
  view: string;
  interval: FlowAggregateInterval;
  /** The bucket width as SQL writes it (the migrations' text: changing it would change the views). */
  width: string;
  /** The relation it aggregates: the quotes or the level below. */
  source: string;
  /**
   * Days are trading sessions: New York midnight to midnight, not UTC days (whose buckets would put
   * 20:00–24:00 New York in the next day). Minutes and hours need no zone: New York's offsets are
   * whole hours.
   */
  zone?: string;
}

export const FLOW_LEVELS: readonly FlowLevel[] = [
  { view: FLOW_AGGREGATES['1m'], interval: '1m', width: '1 minute', source: 'optflow.quotes' },
  { view: FLOW_AGGREGATES['5m'], interval: '5m', width: '5 minutes', source: FLOW_AGGREGATES['1m'] },
  { view: FLOW_AGGREGATES['1h'], interval: '1h', width: '1 hour', source: FLOW_AGGREGATES['5m'] },
  {
    view: FLOW_AGGREGATES['1d'],
    interval: '1d',
    width: '1 day',
    source: FLOW_AGGREGATES['1h'],
    zone: SESSION_TIME_ZONE,
  },
];

/** Per-side measures: quotes column → its SQL type in the aggregates. */
const MEASURES = [
  ['volume', 'bigint'],
  ['premium', 'double precision'],
  ['signed_volume', 'bigint'],
] as const;

/** The columns every flow aggregate has, in order (a public interface: users query them with SQL). */
export const FLOW_COLUMNS: readonly string[] = [
  'bucket',
  'underlying',
  'expiration',
  ...MEASURES.flatMap(([m]) => [`call_${m}`, `put_${m}`, `net_${m}`]),
  'quotes',
  'underlying_price',
];

export type Dialect = 'timescaledb' | 'postgres';

// date_bin needs an origin; UTC midnight of 2000-01-03 is what time_bucket uses, so both agree.
const ORIGIN = `TIMESTAMPTZ '2000-01-03 00:00:00+00'`;

function bucketExpr(dialect: Dialect, level: FlowLevel, column: string): string {
  if (level.zone !== undefined) {
    if (level.width !== '1 day') throw new Error(`${level.view}: zoned buckets are whole days`);
    return dialect === 'timescaledb'
      ? `time_bucket(INTERVAL '1 day', ${column}, '${level.zone}')`
      : `date_trunc('day', ${column}, '${level.zone}')`;
  }
  return dialect === 'timescaledb'
    ? `time_bucket(INTERVAL '${level.width}', ${column})`
    : `date_bin(INTERVAL '${level.width}', ${column}, ${ORIGIN})`;
}

function lastExpr(dialect: Dialect, value: string, time: string): string {
  return dialect === 'timescaledb' ? `last(${value}, ${time})` : `(array_agg(${value} ORDER BY ${time} DESC))[1]`;
}

export function flowSelectSql(level: FlowLevel, dialect: Dialect): string {
  const fromQuotes = level.source === 'optflow.quotes';
  const time = fromQuotes ? 'quote_time' : 'bucket';
  const bucket = bucketExpr(dialect, level, time);
  const measures = MEASURES.flatMap(([m, type]) => {
    if (fromQuotes) {
      const call = `coalesce(sum(${m}) FILTER (WHERE put_call = 'C'), 0)`;
      const put = `coalesce(sum(${m}) FILTER (WHERE put_call = 'P'), 0)`;
      return [
        `(${call})::${type} AS call_${m}`,
        `(${put})::${type} AS put_${m}`,
        `(${call} - ${put})::${type} AS net_${m}`,
      ];
    }
    return ['call', 'put', 'net'].map((side) => `sum(${side}_${m})::${type} AS ${side}_${m}`);
  });
  const quotes = fromQuotes ? 'count(*) AS quotes' : 'sum(quotes)::bigint AS quotes';
  return [
    `SELECT ${bucket} AS bucket,`,
    `  underlying,`,
    `  expiration,`,
    ...measures.map((m) => `  ${m},`),
    `  ${quotes},`,
    `  ${lastExpr(dialect, 'underlying_price', time)} AS underlying_price`,
    `FROM ${level.source}`,
    // By expression, not alias: in GROUP BY a bare "bucket" would mean the source's column.
    `GROUP BY ${bucket}, underlying, expiration`,
  ].join('\n');
}

export function createFlowSql(level: FlowLevel, dialect: Dialect): string {
  if (dialect === 'postgres') return `CREATE VIEW ${level.view} AS\n${flowSelectSql(level, dialect)}`;
  return [
    `CREATE MATERIALIZED VIEW ${level.view}`,
    `WITH (timescaledb.continuous, timescaledb.materialized_only = false) AS`,
    flowSelectSql(level, dialect),
    `WITH NO DATA`,
  ].join('\n');
}

export function dropFlowSql(level: FlowLevel, dialect: Dialect): string {
  return dialect === 'postgres'
    ? `DROP VIEW IF EXISTS ${level.view}`
    : `DROP MATERIALIZED VIEW IF EXISTS ${level.view}`;
}
