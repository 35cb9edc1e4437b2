// What the database stores and every reader relies on: the range of times, and the codes of the
// anomalies the loader keeps out of the flow (optflow.quotes.anomaly, optflow.anomaly_reasons).

/** Times are stored within years 1970–9999: PostgreSQL's timestamptz output fails beyond 9999. */
export const MIN_TIME_MS = 0;
export const MAX_TIME_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

/** PostgreSQL int4, the type of sizes, multipliers and day counts. */
export const MAX_INT4 = 2_147_483_647;

/** An epoch-ms time within 1970–9999 (false for NaN and ±Infinity). */
export function isStorableTime(ms: number): boolean {
  return ms >= MIN_TIME_MS && ms <= MAX_TIME_MS;
}

/**
 * Why a quote's volume was kept out of the flow. Codes are stored per quote: append new ones, never
 * renumber (0 = none; NULL = loaded before codes were stored).
 */
export const ANOMALIES = [
  {
    code: 1,
    name: 'zero-total',
    reason: 'total volume 0 under a positive baseline (feed glitch): volume 0, baseline kept',
  },
  {
    code: 2,
    name: 'total-decreased',
    reason: 'total volume below the baseline (stale or corrected data): volume 0, baseline follows down',
  },
  { code: 3, name: 'missing-total', reason: 'total volume missing: volume 0, baseline kept' },
  {
    code: 4,
    name: 'implausible-price',
    reason: 'a negative bid, ask, last or mark, or one above 1e9: volume 0, baseline and tick sign kept',
  },
  {
    code: 5,
    name: 'volume-jump',
    reason: 'interval volume above the bound (--max-interval-volume): volume 0, baseline kept',
  },
] as const;

export type Anomaly = (typeof ANOMALIES)[number]['name'];

export const ANOMALY_CODES: ReadonlyMap<Anomaly, number> = new Map(ANOMALIES.map((a) => [a.name, a.code]));
