// Unusual options activity per contract over a window. Two rules:
// - `volume/OI` (Barchart's): volume / open interest ≥ minRatio, volume > minVolume, open interest >
//   minOpenInterest and price > minPrice; open interest is the prior day's, so a ratio above 1 means
//   more contracts traded today than were open.
// - `hot` (the strike ladder's, per contract): the latest interval's volume > hotFactor × the mean
//   volume per snapshot over the window.
// Pure: the query reads the aggregates (quote-queries.ts unusualSql).

export interface UnusualThresholds {
  minRatio: number;
  minVolume: number;
  minOpenInterest: number;
  minPrice: number;
  hotFactor: number;
}

export const DEFAULT_UNUSUAL: UnusualThresholds = {
  minRatio: 1.25,
  minVolume: 500,
  minOpenInterest: 100,
  minPrice: 0.1,
  hotFactor: 3,
};

export interface ContractActivity {
  volume: number;
  openInterest: number | null;
  price: number | null;
  /** Volume in the window's latest snapshot, and the mean per snapshot. */
  latest: number;
  mean: number;
}

export type UnusualRule = 'volume/OI' | 'hot';

/** Volume over open interest; null without open interest (the ratio is undefined). */
export function volumeOiRatio(c: Pick<ContractActivity, 'volume' | 'openInterest'>): number | null {
  return c.openInterest === null || c.openInterest <= 0 ? null : c.volume / c.openInterest;
}

/** The rules a contract meets (none: not unusual). */
export function unusualRules(c: ContractActivity, t: UnusualThresholds): UnusualRule[] {
  const rules: UnusualRule[] = [];
  const ratio = volumeOiRatio(c);
  if (
    ratio !== null &&
    ratio >= t.minRatio &&
    c.volume > t.minVolume &&
    c.openInterest! > t.minOpenInterest &&
    c.price !== null &&
    c.price > t.minPrice
  )
    rules.push('volume/OI');
  if (c.latest > 0 && c.latest > t.hotFactor * c.mean) rules.push('hot');
  return rules;
}

/** Most unusual first: by volume/OI (none last), then volume, then the key. */
export function byUnusualness<Row extends ContractActivity & { contract: string }>(a: Row, b: Row): number {
  const ra = volumeOiRatio(a) ?? -Infinity;
  const rb = volumeOiRatio(b) ?? -Infinity;
  return rb - ra || b.volume - a.volume || (a.contract < b.contract ? -1 : a.contract > b.contract ? 1 : 0);
}
