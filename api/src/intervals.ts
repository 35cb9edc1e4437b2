/**
 * Bucket widths a query may ask for, the automatic choice from a range and a point budget, and the
 * relation that serves an interval: the coarsest flow aggregate whose width divides it.
 */
export const INTERVALS = { '1m': 60_000, '5m': 300_000, '15m': 900_000, '1h': 3_600_000, '1d': 86_400_000 } as const;
export type IntervalName = keyof typeof INTERVALS;
export const INTERVAL_NAMES = Object.keys(INTERVALS) as IntervalName[];

/** The finest interval that keeps (to − from) / interval within maxDataPoints (else the coarsest). */
export function autoInterval(fromMs: number, toMs: number, maxDataPoints: number): IntervalName {
  const span = Math.max(0, toMs - fromMs);
  return INTERVAL_NAMES.find((name) => span / INTERVALS[name] <= maxDataPoints) ?? '1d';
}

export interface FlowSource {
  relation: 'optflow.flow_1m' | 'optflow.flow_5m' | 'optflow.flow_1h' | 'optflow.flow_1d' | 'optflow.quotes';
  /** Time column of the relation. */
  time: 'bucket' | 'quote_time';
  widthMs: number;
}

const LEVELS: readonly FlowSource[] = [
  { relation: 'optflow.flow_1d', time: 'bucket', widthMs: INTERVALS['1d'] },
  { relation: 'optflow.flow_1h', time: 'bucket', widthMs: INTERVALS['1h'] },
  { relation: 'optflow.flow_5m', time: 'bucket', widthMs: INTERVALS['5m'] },
  { relation: 'optflow.flow_1m', time: 'bucket', widthMs: INTERVALS['1m'] },
];

/** Regular hours (09:30–16:00 New York) are exact on 5-minute buckets, not on hourly ones. */
const REGULAR_HOURS_MAX_WIDTH = INTERVALS['5m'];

/**
 * The coarsest aggregate that serves `interval`; the quotes themselves when the query filters on
 * strikes (the aggregates are per expiration, not per strike) or when the aggregates are plain views
 * (PostgreSQL without TimescaleDB: a view would aggregate every quote before a time filter applies,
 * while the quotes' time index serves the range directly).
 */
export function flowSource(interval: IntervalName, needs: { strikes: boolean; regularHours: boolean; materialized?: boolean }): FlowSource {
  if (needs.strikes || needs.materialized === false) return { relation: 'optflow.quotes', time: 'quote_time', widthMs: 0 };
  const width = INTERVALS[interval];
  const level = LEVELS.find((l) => width % l.widthMs === 0 && (!needs.regularHours || l.widthMs <= REGULAR_HOURS_MAX_WIDTH));
  if (!level) throw new Error(`no flow aggregate serves ${interval}`);
  return level;
}
