// A CBOE delayed-quotes document (cdn.cboe.com/api/global/delayed_quotes/options/_SPX.json) → chain
// rows: { timestamp: "2024-10-15 15:59:59" (New York), data: { symbol, current_price, options: [
// { option: "SPXW241018C05800000", bid, ask, iv (a fraction), volume, … } ] } }. Pure.
import { SESSION_TIME_ZONE, wallTimeToUtc } from '@optflow/contract';
import { collectorTime, DocumentError, isRecord, percentOfFraction } from './chain-columns.ts';
import type { ChainColumn, ChainRow } from './chain-columns.ts';

export function isCboeDelayed(doc: Record<string, unknown>): boolean {
  return isRecord(doc.data) && 'options' in doc.data;
}

/** CBOE field → column (the strike, expiration and put/call come from the OSI symbol alone). */
const RENAMED: ReadonlyArray<readonly [string, ChainColumn]> = [
  ['option', 'symbol'],
  ['bid', 'bid'],
  ['ask', 'ask'],
  ['last_trade_price', 'last'],
  ['bid_size', 'bidSize'],
  ['ask_size', 'askSize'],
  ['volume', 'totalVolume'],
  ['open_interest', 'openInterest'],
  ['delta', 'delta'],
  ['gamma', 'gamma'],
  ['theta', 'theta'],
  ['vega', 'vega'],
  ['rho', 'rho'],
];

export function cboeDelayedRows(doc: Record<string, unknown>): ChainRow[] {
  const data = doc.data as Record<string, unknown>;
  if (!Array.isArray(data.options)) throw new DocumentError('data.options is not a list');
  if (data.options.length === 0) return [];
  const time = collectorTime(doc) ?? cboeTimestamp(doc.timestamp);
  // Indices are "_SPX" at CBOE: the underlying is SPX.
  const underlying = typeof data.symbol === 'string' ? data.symbol.replace(/^[_^]/, '') : null;
  return (data.options as unknown[]).map((o) => {
    const row: ChainRow = { processDateTime: time, underlying, underlyingPrice: data.current_price ?? null };
    if (!isRecord(o)) return row; // rejected by the normalizer: no symbol
    for (const [field, column] of RENAMED) row[column] = o[field];
    row.volatility = percentOfFraction(o.iv); // CBOE's iv is a fraction
    return row;
  });
}

/** "2024-10-15 15:59:59" is New York time; one with a zone or offset is read as it is. Epoch ms. */
export function cboeTimestamp(v: unknown): number {
  if (typeof v !== 'string') throw new DocumentError(`timestamp ${JSON.stringify(v)} is missing or not a string`);
  const text = v.trim().replace(' ', 'T');
  const zoned = /(?:Z|[+-]\d{2}:?\d{2})$/i.test(text);
  const ms = Date.parse(zoned ? text : `${text}Z`);
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(text) || Number.isNaN(ms))
    throw new DocumentError(`timestamp ${JSON.stringify(v)} is not a date and time`);
  return zoned ? ms : wallTimeToUtc(ms, SESSION_TIME_ZONE);
}
