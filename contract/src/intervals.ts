// Bucket widths a query may ask for, the automatic choice from a range and a point budget, and the
// flow aggregates (a public SQL interface) by the width of their buckets.

export const INTERVALS = { '1m': 60_000, '5m': 300_000, '15m': 900_000, '1h': 3_600_000, '1d': 86_400_000 } as const;
export type IntervalName = keyof typeof INTERVALS;
export const INTERVAL_NAMES = Object.keys(INTERVALS) as IntervalName[];

/** The finest interval that keeps (to − from) / interval within maxDataPoints (else the coarsest). */
export function autoInterval(fromMs: number, toMs: number, maxDataPoints: number): IntervalName {
  const span = Math.max(0, toMs - fromMs);
  return INTERVAL_NAMES.find((name) => span / INTERVALS[name] <= maxDataPoints) ?? '1d';
}

/**
 * The flow aggregates, each rolled up from the one before: continuous aggregates on TimescaleDB,
 * views on plain PostgreSQL. Days are New York sessions (see session-time.ts).
 */
export const FLOW_AGGREGATES = {
  '1m': 'optflow.flow_1m',
  '5m': 'optflow.flow_5m',
  '1h': 'optflow.flow_1h',
  '1d': 'optflow.flow_1d',
} as const satisfies Partial<Record<IntervalName, string>>;
export type FlowAggregateInterval = keyof typeof FLOW_AGGREGATES;
