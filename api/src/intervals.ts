// The relation that serves an interval: the coarsest flow aggregate whose width divides it.
import { FLOW_AGGREGATES, INTERVALS } from '@optflow/contract';
import type { FlowAggregateInterval, IntervalName } from '@optflow/contract';

export interface FlowSource {
  relation: (typeof FLOW_AGGREGATES)[FlowAggregateInterval] | 'optflow.quotes';
  /** Time column of the relation. */
  time: 'bucket' | 'quote_time';
  widthMs: number;
}

// Coarsest first.
const LEVELS: readonly FlowSource[] = (['1d', '1h', '5m', '1m'] as const).map((i) => ({
  relation: FLOW_AGGREGATES[i],
  time: 'bucket',
  widthMs: INTERVALS[i],
}));

/** Regular hours (09:30–16:00 New York) are exact on 5-minute buckets, not on hourly ones. */
const REGULAR_HOURS_MAX_WIDTH = INTERVALS['5m'];

/**
 * The coarsest aggregate that serves `interval`; the quotes themselves when the query filters on
 * strikes (the aggregates are per expiration, not per strike) or when the aggregates are plain views
 * (PostgreSQL without TimescaleDB: a view would aggregate every quote before a time filter applies,
 * while the quotes' time index serves the range directly).
 */
export function flowSource(
  interval: IntervalName,
  needs: { strikes: boolean; regularHours: boolean; materialized?: boolean }
): FlowSource {
  if (needs.strikes || needs.materialized === false)
    return { relation: 'optflow.quotes', time: 'quote_time', widthMs: 0 };
  const width = INTERVALS[interval];
  const level = LEVELS.find(
    (l) => width % l.widthMs === 0 && (!needs.regularHours || l.widthMs <= REGULAR_HOURS_MAX_WIDTH)
  );
  if (!level) throw new Error(`no flow aggregate serves ${interval}`);
  return level;
}
