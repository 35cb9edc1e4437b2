// SQL for `flow` queries: per bucket, one measure of call/put option flow, from the coarsest flow
// aggregate that serves the interval (or the quotes when filtering by strike). Pure: values go in as
// parameters; identifiers come from the whitelists below, never from the request.
import { INTERVALS, QUOTE_RULE_METRICS, sessionBounds } from '@optflow/contract';
import type { FlowMetric, IntervalName, QueryOptions, QuoteRuleMetric } from '@optflow/contract';
import { flowSource } from './intervals.ts';
import { daysToExpiration, expirationConditions, Params, spotBefore, ZONE } from './sql-params.ts';

export type FlowOptions = QueryOptions<'flow'>;

export interface FlowRange {
  /** Epoch ms; the first bucket returned starts at or after this. */
  from: number;
  /** Epoch ms, exclusive. */
  to: number;
}

export interface BuiltQuery {
  sql: string;
  params: unknown[];
}

type AggregateMetric = Exclude<FlowMetric, 'spot' | QuoteRuleMetric>;
const isQuoteRule = (m: FlowMetric): m is QuoteRuleMetric => (QUOTE_RULE_METRICS as readonly string[]).includes(m);

/**
 * The quote rule per quote: +1 when the last trade is above the bid/ask midpoint at the snapshot
 * (bought at the ask), −1 below (sold at the bid); at the midpoint or without a quote, the tick
 * rule's sign (as in signed_volume), as Lee and Ready fall back. An estimate: snapshots carry no
 * trades, only the latest one.
 */
const QUOTE_SIGN = `CASE WHEN last IS NOT NULL AND bid IS NOT NULL AND ask IS NOT NULL AND last <> (bid + ask) / 2
  THEN sign(last - (bid + ask) / 2) ELSE sign(signed_volume) END`;

/** Per quote, what a quote-rule metric sums (the quotes hold no sides, so these read the quotes). */
const QUOTE_RULE: Record<QuoteRuleMetric, string> = {
  ask_volume: `CASE WHEN ${QUOTE_SIGN} > 0 THEN volume ELSE 0 END`,
  bid_volume: `CASE WHEN ${QUOTE_SIGN} < 0 THEN volume ELSE 0 END`,
  ask_premium: `CASE WHEN ${QUOTE_SIGN} > 0 THEN premium ELSE 0 END`,
  bid_premium: `CASE WHEN ${QUOTE_SIGN} < 0 THEN premium ELSE 0 END`,
  net_quote_signed_volume: `volume * ${QUOTE_SIGN}`,
};

/** Which side columns (in the aggregates) a flow metric reads (spot reads the price instead). */
const MEASURE: Record<AggregateMetric, 'volume' | 'premium' | 'signed_volume'> = {
  call_volume: 'volume',
  put_volume: 'volume',
  net_volume: 'volume',
  call_premium: 'premium',
  put_premium: 'premium',
  net_premium: 'premium',
  net_signed_volume: 'signed_volume',
  put_call_ratio: 'volume',
};

/** The metric from the call side `cc` and the put side `pp` (each running when cumulative). */
const VALUE: Record<Exclude<FlowMetric, 'spot'>, string> = {
  ask_volume: 'cc + pp',
  bid_volume: 'cc + pp',
  ask_premium: 'cc + pp',
  bid_premium: 'cc + pp',
  net_quote_signed_volume: 'cc - pp',
  call_volume: 'cc',
  put_volume: 'pp',
  net_volume: 'cc - pp',
  call_premium: 'cc',
  put_premium: 'pp',
  net_premium: 'cc - pp',
  net_signed_volume: 'cc - pp',
  put_call_ratio: 'pp / nullif(cc, 0)',
};

// The origin the aggregates bucket by (time_bucket's default), so re-bucketing lines up with them.
const ORIGIN = `TIMESTAMPTZ '2000-01-03 00:00:00+00'`;
/** The bucket of `time` (an SQL expression): a New York session for `1d`, else fixed widths from ORIGIN. */
export function bucketSql(interval: IntervalName, time: string, params: Params): string {
  return interval === '1d'
    ? `date_trunc('day', ${time}, ${ZONE})`
    : `date_bin(${params.add(`${INTERVALS[interval] / 1000} seconds`, 'interval')}, ${time}, ${ORIGIN})`;
}
const dteBucket = (d: string) =>
  `CASE WHEN ${d} <= 0 THEN '0DTE' WHEN ${d} = 1 THEN '1DTE' WHEN ${d} <= 7 THEN '2-7DTE' WHEN ${d} <= 30 THEN '8-30DTE' ELSE '>30DTE' END`;

/**
 * Rows (t: epoch ms of the bucket start, series, value) ordered by series and time, for buckets in
 * [max(range.from, since), range.to). `since` is an incremental cursor's last bucket: windows
 * (cumulative, rolling) still read what precedes it, so the values equal a full query's.
 * `materialized`: the flow aggregates are continuous aggregates (TimescaleDB), not plain views.
 */
export function buildFlowSql(
  options: FlowOptions,
  interval: IntervalName,
  range: FlowRange,
  since: number | null = null,
  materialized = true
): BuiltQuery {
  const params = new Params();
  const p = (value: unknown, type: string) => params.add(value, type);
  const width = INTERVALS[interval];
  // These need each row's strike, price or quote: the quotes, not the aggregates.
  const byStrike =
    options.strikes !== undefined ||
    options.strikesAroundSpotPct !== undefined ||
    options.otm === true ||
    isQuoteRule(options.metric);
  const source = flowSource(interval, { strikes: byStrike, regularHours: options.regularHours === true, materialized });
  const time = source.time;
  const first = Math.max(range.from, since ?? -Infinity);
  // Days are New York sessions (23 to 25 hours), as in optflow.flow_1d; shorter buckets are fixed.
  const daily = interval === '1d';
  const bucketStart = (ms: number) => (daily ? sessionBounds(ms).start : Math.floor(ms / width) * width);
  const firstBucket = bucketStart(first);
  // Windows need what precedes the first bucket: the session so far, or rolling − 1 buckets (for
  // days, counted back by 24 h from midday, which lands in the right session whatever their length).
  const rolling = Math.max(1, Math.floor(options.rolling ?? 1));
  const scanFrom = daily
    ? bucketStart(firstBucket - (rolling - 1) * width + width / 2)
    : firstBucket - (rolling - 1) * width;
  // $1 and $2 are the underlying and the end of the range (the spot subquery below refers to them).
  const where = [
    `underlying = ${p(options.underlying, 'text')}`,
    `${time} < ${p(new Date(range.to).toISOString(), 'timestamptz')}`,
  ];
  const scanStart = p(new Date(scanFrom).toISOString(), 'timestamptz');
  where.push(
    `${time} >= ${options.cumulative ? `((${scanStart} AT TIME ZONE ${ZONE})::date::timestamp AT TIME ZONE ${ZONE})` : scanStart}`
  );
  where.push(...expirationConditions(options, time, params));
  if (options.regularHours)
    where.push(`(${time} AT TIME ZONE ${ZONE})::time >= '09:30' AND (${time} AT TIME ZONE ${ZONE})::time < '16:00'`);
  if (options.strikes?.min !== undefined) where.push(`strike >= ${p(options.strikes.min, 'numeric')}`);
  if (options.strikes?.max !== undefined) where.push(`strike <= ${p(options.strikes.max, 'numeric')}`);
  if (options.strikesAroundSpotPct !== undefined) {
    const spot = spotBefore('$1::text', '$2::timestamptz');
    const pct = p(options.strikesAroundSpotPct / 100, 'float8');
    where.push(`strike BETWEEN ${spot} * (1 - ${pct}) AND ${spot} * (1 + ${pct})`);
  }

  // Out of the money at the row's own snapshot; a row without the underlying's price is left out.
  if (options.otm)
    where.push(`CASE put_call WHEN 'C' THEN strike > underlying_price ELSE strike < underlying_price END`);

  const metric = options.metric;
  const side = (pc: 'C' | 'P') => {
    if (metric === 'spot' || (options.putCall && options.putCall !== pc)) return '0';
    if (isQuoteRule(metric)) return `coalesce(sum(${QUOTE_RULE[metric]}) FILTER (WHERE put_call = '${pc}'), 0)`;
    return source.relation === 'optflow.quotes'
      ? `coalesce(sum(${MEASURE[metric]}) FILTER (WHERE put_call = '${pc}'), 0)`
      : `sum(${pc === 'C' ? 'call' : 'put'}_${MEASURE[metric]})`;
  };
  // The price at the bucket's last snapshot (the aggregates keep each bucket's last; quotes each row's).
  const spot = `(array_agg(underlying_price ORDER BY ${time} DESC) FILTER (WHERE underlying_price IS NOT NULL))[1]`;
  const group = options.groupBy ?? 'none';
  const series =
    group === 'expiration' ? `expiration::text` : group === 'dte' ? dteBucket(daysToExpiration(time)) : `'total'`;
  const bucket = bucketSql(interval, time, params);
  const running = (col: string) =>
    options.cumulative ? `sum(${col}) OVER (PARTITION BY series, (t AT TIME ZONE ${ZONE})::date ORDER BY t)` : col;
  const value = metric === 'spot' ? 's' : VALUE[metric];
  const smoothed =
    rolling > 1
      ? `avg(v) OVER (PARTITION BY series ORDER BY t ROWS BETWEEN ${rolling - 1} PRECEDING AND CURRENT ROW)`
      : 'v';

  const sql = [
    `WITH base AS (`,
    `  SELECT ${bucket} AS t, ${series} AS series, (${side('C')})::float8 AS c, (${side('P')})::float8 AS p,`,
    `    ${metric === 'spot' ? spot : 'NULL'}::float8 AS s`,
    `  FROM ${source.relation}`,
    `  WHERE ${where.join('\n    AND ')}`,
    `  GROUP BY 1, 2`,
    `), sides AS (`,
    `  SELECT t, series, ${running('c')} AS cc, ${running('p')} AS pp, s FROM base`,
    `), shaped AS (`,
    `  SELECT t, series, (${value})::float8 AS v FROM sides`,
    `)`,
    `SELECT (extract(epoch FROM t) * 1000)::float8 AS t, series, (${smoothed})::float8 AS value FROM shaped`,
  ].join('\n');
  return {
    sql: `SELECT t, series, value FROM (${sql}) q WHERE t >= ${p(firstBucket, 'float8')} ORDER BY series, t`,
    params: params.values,
  };
}
