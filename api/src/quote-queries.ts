import { bucketSql } from './flow-sql.ts';
import type { FlowRange, BuiltQuery } from './flow-sql.ts';
import { OPTIONS_SCHEMAS } from '@optflow/contract';
import type { IntervalName, QueryOptions } from '@optflow/contract';
import { expirationConditions, Params, spotBefore, ZONE } from './sql-params.ts';

/**
 * SQL for the query types that read the quotes themselves: the strike ladder, the latest chain,
 * per-contract series, exposures, max pain and unusual activity. Pure, like flow-sql.ts: values are parameters.
 */
export type LadderOptions = QueryOptions<'ladder'>;
export type ChainOptions = QueryOptions<'chain'>;
export type ContractsOptions = QueryOptions<'contracts'>;
export type GexOptions = QueryOptions<'gex'>;
export type MaxPainOptions = QueryOptions<'maxpain'>;
export type UnusualOptions = QueryOptions<'unusual'>;
export type OiChangeOptions = QueryOptions<'oichange'>;
export type IvOptions = QueryOptions<'iv'>;

/** The most rows a query may ask for: the schemas' bounds, which the builders hold to as well. */
export const MAX_ROWS = {
  chain: OPTIONS_SCHEMAS.chain.properties.limit.maximum,
  contracts: OPTIONS_SCHEMAS.contracts.properties.limit.maximum,
  unusual: OPTIONS_SCHEMAS.unusual.properties.limit.maximum,
  oichange: OPTIONS_SCHEMAS.oichange.properties.limit.maximum,
} as const;

function window(p: Params, underlying: string, range: FlowRange, lastMinutes?: number): string[] {
  const from = lastMinutes === undefined ? range.from : Math.max(range.from, range.to - lastMinutes * 60_000);
  return [
    `underlying = ${p.add(underlying, 'text')}`,
    `quote_time >= ${p.add(new Date(from).toISOString(), 'timestamptz')}`,
    `quote_time < ${p.add(new Date(range.to).toISOString(), 'timestamptz')}`,
  ];
}

/** The latest snapshot time of the underlying before the range end (conditions $1 underlying, $3 end). */
const LATEST = `(SELECT max(quote_time) FROM optflow.quotes WHERE underlying = $1::text AND quote_time < $3::timestamptz)`;
const SPOT = spotBefore('$1::text', '$3::timestamptz');
const YEAR_SECONDS = 365 * 86_400;

/**
 * Rows: strike, call, put (the measure summed over the window), latest (both sides in the latest
 * snapshot: the newest interval), mean (both sides per snapshot over the window: what the latest
 * interval is compared with), spot (the same on every row).
 */
export function ladderSql(options: LadderOptions, range: FlowRange): BuiltQuery {
  const p = new Params();
  const where = [
    ...window(p, options.underlying, range, options.lastMinutes),
    ...expirationConditions(options, 'quote_time', p),
  ];
  const measure = options.measure === 'premium' ? 'premium' : 'volume';
  return {
    sql: `SELECT strike::float8 AS strike,
       coalesce(sum(${measure}) FILTER (WHERE put_call = 'C'), 0)::float8 AS call,
       coalesce(sum(${measure}) FILTER (WHERE put_call = 'P'), 0)::float8 AS put,
       coalesce(sum(${measure}) FILTER (WHERE quote_time = ${LATEST}), 0)::float8 AS latest,
       coalesce(sum(${measure}), 0)::float8 / nullif(count(DISTINCT quote_time), 0) AS mean,
       ${SPOT}::float8 AS spot
FROM optflow.quotes WHERE ${where.join(' AND ')}
GROUP BY strike ORDER BY strike`,
    params: p.values,
  };
}

/** The latest snapshot in the range as a table, the most active contracts (by cumulative volume) first. */
export function chainSql(options: ChainOptions, range: FlowRange): BuiltQuery {
  const p = new Params();
  const where = [...window(p, options.underlying, range), ...expirationConditions(options, 'quote_time', p)];
  return {
    sql: `SELECT contract, expiration::text AS expiration, put_call, strike::float8 AS strike, bid, ask, mark, total_volume::float8 AS total_volume,
       open_interest::float8 AS open_interest, iv, delta, gamma, underlying_price
FROM optflow.quotes WHERE ${where.join(' AND ')} AND quote_time = ${LATEST}
ORDER BY total_volume DESC NULLS LAST, contract LIMIT ${p.add(Math.min(options.limit ?? 100, MAX_ROWS.chain), 'int')}`,
    params: p.values,
  };
}

/** Per-contract series over the range for the most active matching contracts: t, contract, volume, mark, total_volume. */
export function contractsSql(options: ContractsOptions, range: FlowRange): BuiltQuery {
  const p = new Params();
  const where = [...window(p, options.underlying, range), ...expirationConditions(options, 'quote_time', p)];
  if (options.putCall) where.push(`put_call = ${p.add(options.putCall, 'text')}`);
  if (options.strikes?.min !== undefined) where.push(`strike >= ${p.add(options.strikes.min, 'numeric')}`);
  if (options.strikes?.max !== undefined) where.push(`strike <= ${p.add(options.strikes.max, 'numeric')}`);
  const conditions = where.join(' AND ');
  return {
    sql: `WITH active AS (
  SELECT contract, sum(volume) AS activity FROM optflow.quotes WHERE ${conditions}
  GROUP BY contract ORDER BY activity DESC, contract LIMIT ${p.add(Math.min(options.limit ?? 10, MAX_ROWS.contracts), 'int')}
)
SELECT (extract(epoch FROM q.quote_time) * 1000)::float8 AS t, q.contract, q.volume::float8 AS volume, q.mark, q.total_volume::float8 AS total_volume
FROM optflow.quotes q JOIN active a USING (contract)
WHERE q.underlying = $1::text AND q.quote_time >= $2::timestamptz AND q.quote_time < $3::timestamptz
ORDER BY a.activity DESC, q.contract, q.quote_time`,
    params: p.values,
  };
}

/**
 * Per contract at the range's latest snapshot of the underlying, with a positive weight (open
 * interest or the day's volume so far): t (the snapshot, epoch ms), spot (the underlying's price
 * then), expiration, strike, put_call, weight, multiplier, the feed's delta, gamma and iv, and
 * years to the expiration's 16:00 New York close.
 */
export function exposureSql(options: GexOptions, weight: ExposureWeight, range: FlowRange): BuiltQuery {
  const p = new Params();
  const where = [...window(p, options.underlying, range), ...expirationConditions(options, 'quote_time', p)];
  return {
    sql: `SELECT (extract(epoch FROM quote_time) * 1000)::float8 AS t, ${SPOT}::float8 AS spot, ${exposureColumns(weight)}
FROM optflow.quotes WHERE ${where.join(' AND ')} AND quote_time = ${LATEST} AND ${WEIGHTS[weight]} > 0
ORDER BY strike, expiration, put_call`,
    params: p.values,
  };
}

/**
 * As exposureSql, at the last snapshot of each interval bucket: t is the bucket start (epoch ms) and
 * spot the underlying's price at that snapshot.
 */
export function exposureSeriesSql(
  options: GexOptions,
  weight: ExposureWeight,
  interval: IntervalName,
  range: FlowRange
): BuiltQuery {
  const p = new Params();
  const conditions = [...window(p, options.underlying, range), ...expirationConditions(options, 'quote_time', p)].join(
    ' AND '
  );
  return {
    sql: `SELECT (extract(epoch FROM ${bucketSql(interval, 'quote_time', p)}) * 1000)::float8 AS t, underlying_price::float8 AS spot,
       ${exposureColumns(weight)}
FROM optflow.quotes WHERE ${conditions} AND ${lastSnapshotOfBuckets(interval, conditions, p)} AND ${WEIGHTS[weight]} > 0
ORDER BY t, strike, expiration, put_call`,
    params: p.values,
  };
}

type ExposureWeight = NonNullable<QueryOptions<'exposure'>['weight']>;
const WEIGHTS: Record<ExposureWeight, string> = { open_interest: 'open_interest', volume: 'total_volume' };
/** What the exposures read of each contract: years run to the expiration's 16:00 New York close. */
const exposureColumns = (weight: ExposureWeight) =>
  `expiration::text AS expiration, strike::float8 AS strike, put_call, ${WEIGHTS[weight]}::float8 AS weight,
       multiplier::float8 AS multiplier, delta, gamma, iv,
       extract(epoch FROM ((expiration + time '16:00') AT TIME ZONE ${ZONE}) - quote_time)::float8 / ${YEAR_SECONDS} AS years`;

/**
 * Rows of the last snapshot of each interval bucket of the rows meeting `conditions`: a condition on
 * quote_time. The snapshot times are gathered once (an InitPlan) and then found through the index,
 * whatever the planner believes about the row counts.
 */
function lastSnapshotOfBuckets(interval: IntervalName, conditions: string, p: Params): string {
  return `quote_time = ANY(ARRAY(
  SELECT max(quote_time) FROM optflow.quotes WHERE ${conditions} GROUP BY ${bucketSql(interval, 'quote_time', p)}))`;
}

/**
 * Max pain per expiration at the last snapshot of each interval bucket: rows t (bucket start, epoch
 * ms), expiration, strike (the minimizer; the lowest strike on a tie), pain (what holders would be
 * paid there). Only one snapshot per bucket is read whole, so the work is buckets × contracts, not
 * every snapshot's. Payout at a candidate strike K, with OI × multiplier per side and strike:
 *   calls Σ_{k<K} c_k (K − k) = K·C(<K) − CK(<K), puts Σ_{k>K} p_k (k − K) = PK(>K) − K·P(>K),
 * running sums over strikes in each direction (numeric: exact, so ties are ties).
 */
export function maxPainSql(options: MaxPainOptions, interval: IntervalName, range: FlowRange): BuiltQuery {
  const p = new Params();
  const where = [...window(p, options.underlying, range), ...expirationConditions(options, 'quote_time', p)];
  const conditions = where.join(' AND ');
  const oi = (side: 'C' | 'P') =>
    `coalesce(sum(open_interest::numeric * multiplier) FILTER (WHERE put_call = '${side}'), 0)`;
  return {
    sql: `WITH strikes AS (
  SELECT ${bucketSql(interval, 'quote_time', p)} AS t, expiration, strike, ${oi('C')} AS c, ${oi('P')} AS p
  FROM optflow.quotes WHERE ${conditions} AND ${lastSnapshotOfBuckets(interval, conditions, p)}
  GROUP BY 1, 2, 3
), running AS (
  SELECT t, expiration, strike,
         sum(c) OVER up AS c_upto, sum(c * strike) OVER up AS ck_upto,
         sum(p) OVER down AS p_from, sum(p * strike) OVER down AS pk_from,
         sum(c + p) OVER (PARTITION BY t, expiration) AS total
  FROM strikes
  WINDOW up AS (PARTITION BY t, expiration ORDER BY strike), down AS (PARTITION BY t, expiration ORDER BY strike DESC)
), ranked AS (
  SELECT t, expiration, strike, strike * c_upto - ck_upto + pk_from - strike * p_from AS pain,
         row_number() OVER (PARTITION BY t, expiration ORDER BY strike * c_upto - ck_upto + pk_from - strike * p_from, strike) AS n
  FROM running WHERE total > 0
)
SELECT (extract(epoch FROM t) * 1000)::float8 AS t, expiration::text AS expiration, strike::float8 AS strike, pain::float8 AS pain
FROM ranked WHERE n = 1 ORDER BY expiration, t`,
    params: p.values,
  };
}

/**
 * Per contract with volume in the window: volume and premium summed, the latest open interest and
 * mark, and the latest interval's volume against the mean per snapshot (the strike ladder's hot
 * rule, per contract). The rules themselves are applied by unusual.ts.
 */
export function unusualSql(options: UnusualOptions, range: FlowRange): BuiltQuery {
  const p = new Params();
  const where = [
    ...window(p, options.underlying, range, options.lastMinutes),
    ...expirationConditions(options, 'quote_time', p),
  ];
  const latest = (column: string) =>
    `(array_agg(${column} ORDER BY quote_time DESC) FILTER (WHERE ${column} IS NOT NULL))[1]`;
  return {
    sql: `SELECT contract, min(expiration)::text AS expiration, min(put_call) AS put_call, min(strike)::float8 AS strike,
       sum(volume)::float8 AS volume, ${latest('open_interest')}::float8 AS open_interest, ${latest('mark')} AS price,
       sum(premium)::float8 AS premium,
       coalesce(sum(volume) FILTER (WHERE quote_time = ${LATEST}), 0)::float8 AS latest,
       sum(volume)::float8 / count(*) AS mean
FROM optflow.quotes WHERE ${where.join(' AND ')}
GROUP BY contract HAVING sum(volume) > 0`,
    params: p.values,
  };
}

/**
 * Open interest is published once a day, so each session's first snapshot holds it. Rows: today
 * (the first snapshot of the New York session of the range's latest snapshot, epoch ms), previous
 * (the first snapshot of the underlying's session before it), and per contract listed in both with
 * open interest: contract, expiration, put_call, strike, open_interest (today's), previous_oi. Without
 * a previous session, or when no contract is in both, one row with the times and no contract.
 */
export function oiChangeSql(options: OiChangeOptions, range: FlowRange): BuiltQuery {
  const p = new Params();
  const underlying = p.add(options.underlying, 'text');
  const from = p.add(new Date(range.from).toISOString(), 'timestamptz');
  const to = p.add(new Date(range.to).toISOString(), 'timestamptz');
  const midnight = (date: string) => `((${date})::timestamp AT TIME ZONE ${ZONE})`;
  const filters = expirationConditions(options, 'quote_time', p);
  return {
    sql: `WITH today AS (
  SELECT (max(quote_time) AT TIME ZONE ${ZONE})::date AS d FROM optflow.quotes
  WHERE underlying = ${underlying} AND quote_time >= ${from} AND quote_time < ${to}
), firsts AS (
  SELECT (SELECT min(quote_time) FROM optflow.quotes WHERE underlying = ${underlying}
            AND quote_time >= ${midnight('today.d')} AND quote_time < ${midnight('today.d + 1')}) AS today,
         (SELECT max(quote_time) FROM optflow.quotes WHERE underlying = ${underlying}
            AND quote_time < ${midnight('today.d')}) AS last_before
  FROM today
), snaps AS (
  SELECT today, (SELECT min(quote_time) FROM optflow.quotes WHERE underlying = ${underlying}
                   AND quote_time >= ${midnight(`(last_before AT TIME ZONE ${ZONE})::date`)}
                   AND quote_time <= last_before) AS previous
  FROM firsts
), changes AS (
  SELECT t.contract, t.expiration::text AS expiration, t.put_call, t.strike::float8 AS strike,
         t.open_interest::float8 AS open_interest, y.open_interest::float8 AS previous_oi
  FROM (SELECT * FROM optflow.quotes WHERE underlying = ${underlying} AND quote_time = (SELECT today FROM snaps)
          AND open_interest IS NOT NULL${filters.map((f) => ` AND ${f}`).join('')}) t
  JOIN optflow.quotes y ON y.contract = t.contract AND y.quote_time = (SELECT previous FROM snaps)
  WHERE y.open_interest IS NOT NULL
)
SELECT (extract(epoch FROM snaps.today) * 1000)::float8 AS today, (extract(epoch FROM snaps.previous) * 1000)::float8 AS previous, changes.*
FROM snaps LEFT JOIN changes ON true
ORDER BY changes.strike, changes.expiration, changes.put_call`,
    params: p.values,
  };
}

/**
 * The contracts of the last snapshot of each interval bucket, for the IV measures: t (bucket start,
 * epoch ms), expiration, put_call, strike, iv, delta, mark, spot (the underlying's price then).
 */
export function ivSql(options: IvOptions, interval: IntervalName, range: FlowRange): BuiltQuery {
  const p = new Params();
  const where = [...window(p, options.underlying, range), ...expirationConditions(options, 'quote_time', p)];
  const conditions = where.join(' AND ');
  return {
    sql: `SELECT (extract(epoch FROM ${bucketSql(interval, 'quote_time', p)}) * 1000)::float8 AS t, expiration::text AS expiration,
       put_call, strike::float8 AS strike, iv, delta, mark, underlying_price AS spot
FROM optflow.quotes WHERE ${conditions} AND ${lastSnapshotOfBuckets(interval, conditions, p)}
ORDER BY expiration, t, strike, put_call`,
    params: p.values,
  };
}
