// A Tradier option chain (GET /v1/markets/options/chains?greeks=true) → chain rows:
// { options: { option: [ { symbol: "SPY241018C00580000", underlying, option_type, strike,
// expiration_date, contract_size, bid, ask, last, bidsize, asksize, volume, open_interest,
// bid_date, ask_date (epoch ms), greeks: { delta, …, mid_iv (a fraction), updated_at } } ] } }.
// Pure.
import { collectorTime, DocumentError, isRecord, latestTime, percentOfFraction } from './chain-columns.ts';
import type { ChainColumn, ChainRow } from './chain-columns.ts';

export function isTradierChain(doc: Record<string, unknown>): boolean {
  return 'options' in doc && (doc.options === null || (isRecord(doc.options) && 'option' in doc.options));
}

/** Tradier field → column. */
const RENAMED: ReadonlyArray<readonly [string, ChainColumn]> = [
  ['symbol', 'symbol'],
  ['option_type', 'putCall'],
  ['strike', 'strikePrice'],
  ['expiration_date', 'expirationDate'],
  ['contract_size', 'multiplier'],
  ['bid', 'bid'],
  ['ask', 'ask'],
  ['last', 'last'],
  ['bidsize', 'bidSize'],
  ['asksize', 'askSize'],
  ['volume', 'totalVolume'],
  ['open_interest', 'openInterest'],
  ['underlying', 'underlying'],
];

export function tradierChainRows(doc: Record<string, unknown>): ChainRow[] {
  const contracts = chainContracts(doc);
  if (contracts.length === 0) return [];
  const time = collectorTime(doc) ?? latestTime(contracts.map(quoteTime), 'no contract has a bid_date or ask_date');
  return contracts.map((c) => {
    // The chain has no underlying price: null, as when a collector leaves it out.
    const row: ChainRow = { processDateTime: time, underlyingPrice: null };
    if (!isRecord(c)) return row; // rejected by the normalizer: no symbol
    for (const [field, column] of RENAMED) row[column] = c[field];
    // No mark: the normalizer takes (bid + ask) / 2 when both are there, as for any feed without one.
    const greeks = isRecord(c.greeks) ? c.greeks : {}; // null when Tradier has not computed them
    for (const greek of ['delta', 'gamma', 'theta', 'vega', 'rho'] as const) row[greek] = greeks[greek];
    row.volatility = percentOfFraction(greeks.mid_iv);
    row.quoteTimeInLong = quoteTime(c);
    return row;
  });
}

/** options.option: a list, or one contract on its own (how the XML-shaped API renders a list of one); options null: none. */
function chainContracts(doc: Record<string, unknown>): unknown[] {
  if (doc.options === null) return [];
  const option = (doc.options as Record<string, unknown>).option;
  if (option === null || option === undefined) return [];
  if (Array.isArray(option)) return option as unknown[];
  if (isRecord(option)) return [option];
  throw new DocumentError(
    `options.option is neither a list of contracts nor one contract but ${JSON.stringify(option).slice(0, 60)}`
  );
}

/** The contract's own quote time: the later of its bid and ask times (epoch ms, 0 when none). */
function quoteTime(c: unknown): number | undefined {
  if (!isRecord(c)) return undefined;
  const times = [c.bid_date, c.ask_date].filter(
    (t): t is number => typeof t === 'number' && Number.isFinite(t) && t > 0
  );
  return times.length > 0 ? Math.max(...times) : undefined;
}
