// A Polygon (Massive) option chain snapshot (GET /v3/snapshot/options/{underlying}) → chain rows:
// { status, request_id, results: [ { details: { ticker: "O:SPY241018C00580000", contract_type,
// strike_price, expiration_date, shares_per_contract }, day: { volume, close, last_updated },
// last_quote: { bid, ask, bid_size, ask_size, midpoint, last_updated }, last_trade: { price },
// greeks, implied_volatility (a fraction), open_interest, underlying_asset: { ticker, price,
// last_updated } } ], next_url }. Times are epoch nanoseconds. Pure.
import { collectorTime, DocumentError, isRecord, latestTime, percentOfFraction } from './chain-columns.ts';
import type { ChainRow } from './chain-columns.ts';

export function isPolygonSnapshot(doc: Record<string, unknown>): boolean {
  // An error response has no results but says who sent it: its request_id and status.
  return 'results' in doc || (typeof doc.request_id === 'string' && typeof doc.status === 'string');
}

export function polygonSnapshotRows(doc: Record<string, unknown>): ChainRow[] {
  const results = doc.results;
  if (results === undefined || results === null) {
    if (doc.status === 'OK') return []; // nothing listed: an empty snapshot
    const said = [doc.error, doc.message].find((m) => typeof m === 'string');
    throw new DocumentError(
      `a Polygon error response, not a snapshot: status ${JSON.stringify(doc.status)}${said ? ` (${String(said)})` : ''}`
    );
  }
  if (!Array.isArray(results)) throw new DocumentError('results is not a list');
  if (results.length === 0) return [];
  const contracts = results as unknown[];
  const time =
    collectorTime(doc) ??
    latestTime(
      contracts.flatMap((c) =>
        isRecord(c)
          ? [c.last_quote, c.day, c.underlying_asset].map((part) => nanosToMs(field(part, 'last_updated')))
          : []
      ),
      'no contract has a last_quote, day or underlying_asset last_updated'
    );
  return contracts.map((c) => {
    const row: ChainRow = { processDateTime: time };
    if (!isRecord(c)) return row; // rejected by the normalizer: no symbol
    const ticker = field(c.details, 'ticker');
    // O: marks an option at Polygon; the rest is the OSI symbol without padding.
    row.symbol = typeof ticker === 'string' ? ticker.replace(/^O:/, '') : ticker;
    row.putCall = field(c.details, 'contract_type');
    row.strikePrice = field(c.details, 'strike_price');
    row.expirationDate = field(c.details, 'expiration_date');
    row.multiplier = field(c.details, 'shares_per_contract');
    row.bid = field(c.last_quote, 'bid');
    row.ask = field(c.last_quote, 'ask');
    row.mark = field(c.last_quote, 'midpoint');
    row.bidSize = field(c.last_quote, 'bid_size');
    row.askSize = field(c.last_quote, 'ask_size');
    // last_trade needs a higher plan than the day bar, whose close is the day's last trade.
    row.last = field(c.last_trade, 'price') ?? field(c.day, 'close');
    row.totalVolume = field(c.day, 'volume');
    row.openInterest = c.open_interest;
    row.volatility = percentOfFraction(c.implied_volatility);
    for (const greek of ['delta', 'gamma', 'theta', 'vega', 'rho'] as const) row[greek] = field(c.greeks, greek);
    const underlying = field(c.underlying_asset, 'ticker');
    // Indices are "I:SPX" at Polygon: the underlying is SPX.
    row.underlying = typeof underlying === 'string' ? underlying.replace(/^I:/, '') : underlying;
    row.underlyingPrice = field(c.underlying_asset, 'price');
    row.quoteTimeInLong = nanosToMs(field(c.last_quote, 'last_updated'));
    return row;
  });
}

/** A field of a nested object; undefined when the object is absent (a plan without quotes has no last_quote). */
function field(part: unknown, name: string): unknown {
  return isRecord(part) ? part[name] : undefined;
}

/** Epoch nanoseconds → ms; not a positive number: none. (Beyond 2^53 a double keeps ~0.3 µs: ms are exact enough.) */
function nanosToMs(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) && v > 0 ? Math.floor(v / 1e6) : undefined;
}
