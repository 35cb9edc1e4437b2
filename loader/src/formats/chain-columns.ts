// The columns a JSON chain document is converted into: the same representation a Parquet row group
// is read as (RowGroupColumns), named as the TD Ameritrade / Schwab collectors name them, so the
// column map, the normalizer and everything after it treat both alike (and --map still applies).
import type { RowGroupColumns } from '../parquet/parquet-reader.ts';

export const CHAIN_COLUMNS = [
  /** The snapshot time the converter chose for the whole document (see README, "Other collector formats"). */
  'processDateTime',
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
  /** Implied volatility in percent (Schwab's convention). */
  'volatility',
  'delta',
  'gamma',
  'theta',
  'vega',
  'rho',
  'multiplier',
  'underlying',
  'underlyingPrice',
  /** The API's own per-contract quote time (Schwab), for --map time=quoteTimeInLong. */
  'quoteTimeInLong',
] as const;

export type ChainColumn = (typeof CHAIN_COLUMNS)[number];
export type ChainRow = Partial<Record<ChainColumn, unknown>>;

/**
 * Rows → columns. A column of numbers and nulls becomes a Float64Array with NaN for null, as the
 * Parquet reader gives numeric columns; one holding anything else (a "NaN" greek, a bad string)
 * stays a plain array of the values as read, for the normalizer to read or reject with the value.
 */
export function chainColumns(rows: readonly ChainRow[]): RowGroupColumns {
  const columns = new Map<string, ArrayLike<unknown>>();
  for (const name of CHAIN_COLUMNS) {
    const values = rows.map((r) => r[name] ?? null);
    const numeric =
      values.some((v) => typeof v === 'number') && values.every((v) => v === null || typeof v === 'number');
    columns.set(name, numeric ? Float64Array.from(values, (v) => (v === null ? NaN : (v as number))) : values);
  }
  return { length: rows.length, columns, exact: new Map() };
}

/** A problem with a whole document (not one contract): it fails the document's row group. */
export class DocumentError extends Error {}

/** Collector-added top-level snapshot times, which win over the document's own (the time field's names, see column-map.ts). */
export const COLLECTOR_TIME_FIELDS = ['processDateTime', 'snapshot_time', 'quote_time', 'created_at'] as const;

/**
 * The snapshot time a collector wrote into the document, as given (epoch ms, or a timestamp the
 * normalizer reads: a naive one in --timezone); undefined when there is none.
 */
export function collectorTime(doc: Record<string, unknown>): number | string | undefined {
  for (const field of COLLECTOR_TIME_FIELDS) {
    const v = doc[field];
    if (v === undefined || v === null) continue;
    if (typeof v === 'number' && Number.isFinite(v)) return v;
    if (typeof v === 'string' && !Number.isNaN(Date.parse(v.trim().replace(' ', 'T')))) return v;
    throw new DocumentError(`${field} ${JSON.stringify(v)} is not a timestamp`);
  }
  return undefined;
}

/**
 * The latest of the contracts' own times, in epoch ms, as the snapshot time of a document without a
 * collector time; a time that is not a positive number counts as none (0 is how APIs say "no quote").
 */
export function latestTime(times: Iterable<unknown>, none: string): number {
  let latest = 0;
  for (const t of times) if (typeof t === 'number' && Number.isFinite(t) && t > latest) latest = t;
  if (latest === 0)
    throw new DocumentError(
      `no snapshot time: ${none} and the document has no ${COLLECTOR_TIME_FIELDS.slice(0, -1).join(', ')} or ${COLLECTOR_TIME_FIELDS.at(-1)}`
    );
  return latest;
}

/** An IV given as a fraction, in percent as optflow stores it (Schwab's convention); anything else is left for the normalizer to judge. */
export function percentOfFraction(iv: unknown): unknown {
  // toPrecision: 0.1532 × 100 is 15.320000000000002 in binary floating point.
  return typeof iv === 'number' ? Number((iv * 100).toPrecision(12)) : iv;
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
