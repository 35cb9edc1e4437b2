// Dealer exposures of the open contracts at one snapshot: gamma, delta, vanna and charm, each the
// change of the dealers' dollar delta for a move of its variable. On the usual assumption that
// dealers are long the calls and short the puts customers trade, calls count +, puts −. Delta and
// gamma come from the feed when it gives them, vanna and charm (which no feed gives) and any missing
// one from Black–Scholes on the contract's implied volatility.
import { blackScholes } from '@optflow/contract';
import type { ExposureGreek as Greek, QueryOptions } from '@optflow/contract';

export type ExposureUnit = NonNullable<QueryOptions<'exposure'>['unit']>;

/** One contract at the snapshot, as exposureSql reads it. */
export interface ExposureContract {
  putCall: 'C' | 'P';
  /** Open interest or the day's volume: whose exposure. */
  weight: number;
  multiplier: number;
  delta: number | null;
  gamma: number | null;
  /** Implied volatility in percent (the feeds' convention, as stored). */
  iv: number | null;
  /** Years from the snapshot to the expiration's 16:00 New York close. */
  years: number;
}

export type Greeks = Record<Greek, number>;

/**
 * The contract's greeks: the feed's delta and gamma where given, the rest from Black–Scholes. Null
 * when one is needed and the contract has no usable IV, or it has expired.
 */
export function contractGreeks(
  c: Pick<ExposureContract, 'putCall' | 'delta' | 'gamma' | 'iv' | 'years'>,
  strike: number,
  spot: number,
  rate: number
): Greeks | null {
  if (c.years <= 0 || !(spot > 0) || c.iv === null || !(c.iv > 0)) return null;
  const bs = blackScholes(c.putCall === 'C', spot, strike, c.years, c.iv / 100, rate);
  return { delta: c.delta ?? bs.delta, gamma: c.gamma ?? bs.gamma, vanna: bs.vanna, charm: bs.charm };
}

/**
 * Per move (the default): delta per 1 % move of the underlying, gamma per 1 % move (the gex
 * query's unit), vanna per volatility point, charm per calendar day. Notional: greek × weight ×
 * multiplier × spot.
 */
const PER_MOVE: Record<Greek, (spot: number) => number> = {
  delta: () => 0.01,
  gamma: (spot) => 0.01 * spot,
  vanna: () => 0.01,
  charm: () => 1 / 365,
};

export function exposureOf(
  greek: Greek,
  value: number,
  c: Pick<ExposureContract, 'putCall' | 'weight' | 'multiplier'>,
  spot: number,
  unit: ExposureUnit
): number {
  const side = c.putCall === 'C' ? 1 : -1;
  const notional = side * value * c.weight * c.multiplier * spot;
  return unit === 'notional' ? notional : notional * PER_MOVE[greek](spot);
}
