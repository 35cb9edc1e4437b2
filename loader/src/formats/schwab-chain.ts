// A Schwab /marketdata/v1/chains response (the TD Ameritrade v1 chain has the same layout) → chain
// rows: callExpDateMap / putExpDateMap = { "2024-10-18:3": { "5800.0": [contract, …] } }. Pure.
import { collectorTime, DocumentError, isRecord, latestTime } from './chain-columns.ts';
import type { ChainRow } from './chain-columns.ts';

export function isSchwabChain(doc: Record<string, unknown>): boolean {
  return 'callExpDateMap' in doc || 'putExpDateMap' in doc;
}

/** The fields copied as they are (the chain names them as the columns do). */
const COPIED = [
  'symbol',
  'putCall',
  'strikePrice',
  'expirationDate',
  'bid',
  'ask',
  'last',
  'mark',
  'bidSize',
  'askSize',
  'totalVolume',
  'openInterest',
  'volatility',
  'delta',
  'gamma',
  'theta',
  'vega',
  'rho',
  'multiplier',
  'quoteTimeInLong',
] as const;

/**
 * The document's contracts as rows. The snapshot time is the collector's own field when it added
 * one, else the latest quoteTimeInLong of the document (the chain has no time of its own): every
 * contract of one poll shares it, so consecutive polls are consecutive snapshots.
 */
export function schwabChainRows(doc: Record<string, unknown>): ChainRow[] {
  const contracts = [...expDateMapContracts(doc, 'callExpDateMap'), ...expDateMapContracts(doc, 'putExpDateMap')];
  if (contracts.length === 0) return []; // e.g. status FAILED: an empty snapshot
  const time = collectorTime(doc) ?? latestQuoteTime(contracts);
  const underlying = typeof doc.symbol === 'string' ? doc.symbol : null;
  return contracts.map((c) => {
    const row: ChainRow = { processDateTime: time, underlying, underlyingPrice: doc.underlyingPrice ?? null };
    if (!isRecord(c)) return row; // rejected by the normalizer: no symbol
    for (const field of COPIED) row[field] = c[field];
    return row;
  });
}

function expDateMapContracts(doc: Record<string, unknown>, key: 'callExpDateMap' | 'putExpDateMap'): unknown[] {
  const map = doc[key];
  if (map === undefined || map === null) return [];
  if (!isRecord(map)) throw new DocumentError(`${key} is not an object`);
  return Object.entries(map).flatMap(([expiration, strikes]) => {
    if (!isRecord(strikes)) throw new DocumentError(`${key}["${expiration}"] is not an object of strikes`);
    return Object.entries(strikes).flatMap(([strike, list]) => {
      if (!Array.isArray(list))
        throw new DocumentError(`${key}["${expiration}"]["${strike}"] is not a list of contracts`);
      return list as unknown[];
    });
  });
}

function latestQuoteTime(contracts: unknown[]): number {
  return latestTime(
    contracts.map((c) => (isRecord(c) ? c.quoteTimeInLong : undefined)),
    'no contract has a quoteTimeInLong'
  );
}
