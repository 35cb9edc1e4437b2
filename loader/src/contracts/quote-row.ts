import { wallDate, wallTimeToUtc } from '../zoned-time.ts';
import type { ColumnMap, Field } from './column-map.ts';
import { decimalToThousandths, parseSymbol, underlyingForRoot } from './symbol.ts';

/**
 * One input row → one quote ready for the volume rules, or the reason it must be rejected.
 * Pure: the reader supplies plain values (see parquet-reader.ts), the caller the file context.
 */
export interface QuoteInput {
  /** Snapshot time, epoch ms UTC. */
  quoteTime: number;
  contract: string;
  sourceSymbol: string;
  underlying: string;
  root: string;
  expiration: string;
  putCall: 'C' | 'P';
  strike: string;
  bid: number | null;
  ask: number | null;
  last: number | null;
  mark: number | null;
  bidSize: number | null;
  askSize: number | null;
  totalVolume: number | null;
  multiplier: number;
  openInterest: number | null;
  iv: number | null;
  delta: number | null;
  gamma: number | null;
  theta: number | null;
  vega: number | null;
  rho: number | null;
  underlyingPrice: number | null;
}

export interface RowContext {
  map: ColumnMap;
  /** Zone of naive timestamps (--timezone). */
  timeZone: string;
  /** The time column holds wall-clock time (a naive Parquet timestamp). */
  naiveTime: boolean;
  /** --underlying: wins over everything. */
  underlyingOverride?: string | undefined;
  /** From the file name (SPX.X.2023-05-19.parquet → SPX), used when the row has no underlying. */
  underlyingFromFile: string | null;
}

export type RowResult = { ok: true; quote: QuoteInput } | { ok: false; reason: string };

const NEW_YORK = 'America/New_York';
/** TD Ameritrade / Schwab send -999 (or "NaN") when a greek is unavailable. */
const SENTINEL = -999;

class Reject extends Error {}

/** A chain repeats the same few thousand symbols every snapshot: parse each once (bounded). */
const symbolCache = new Map<string, ReturnType<typeof parseSymbol>>();
function parseSymbolCached(raw: string): ReturnType<typeof parseSymbol> {
  let result = symbolCache.get(raw);
  if (!result) {
    if (symbolCache.size >= 200_000) symbolCache.clear();
    result = parseSymbol(raw);
    symbolCache.set(raw, result);
  }
  return result;
}

/** Normalizes one row given as a record (column name → value). */
/** A chain repeats the same few hundred strikes every snapshot: convert each once (bounded). */
const strikeCache = new Map<unknown, number | null>();
function strikeThousandths(strike: unknown): number | null {
  let result = strikeCache.get(strike);
  if (result === undefined) {
    if (strikeCache.size >= 100_000) strikeCache.clear();
    result = decimalToThousandths(String(strike));
    strikeCache.set(strike, result);
  }
  return result;
}

export function normalizeRow(raw: Record<string, unknown>, ctx: RowContext): RowResult {
  return rowNormalizer(new Map(Object.entries(raw).map(([name, v]) => [name, [v]])), ctx)(0);
}

/**
 * A normalizer over a batch of columns (a Parquet row group): row index → quote or reason. Reads
 * values straight from the columns, so a million rows cost a million quotes and no other objects.
 */
export function rowNormalizer(columns: ReadonlyMap<string, ArrayLike<unknown>>, ctx: RowContext): (i: number) => RowResult {
  const { map } = ctx;
  const NONE: ArrayLike<unknown> = { length: 0 };
  const col = (field: Field): ArrayLike<unknown> => {
    const name = map[field];
    return (name === undefined ? undefined : columns.get(name)) ?? NONE;
  };
  const time = col('time'), symbolColumn = col('symbol'), strikeColumn = col('strike'), expirationColumn = col('expiration');
  const putCallColumn = col('putCall'), underlyingColumn = col('underlying');
  const bid = col('bid'), ask = col('ask'), last = col('last'), mark = col('mark'), bidSize = col('bidSize'), askSize = col('askSize');
  const totalVolumeColumn = col('totalVolume'), multiplier = col('multiplier'), openInterest = col('openInterest'), underlyingPrice = col('underlyingPrice');
  const iv = col('iv'), delta = col('delta'), gamma = col('gamma'), theta = col('theta'), vega = col('vega'), rho = col('rho');
  const number = (field: Field, values: ArrayLike<unknown>, i: number): number | null => toNumber(field, map[field], values[i]);
  const greek = (field: Field, values: ArrayLike<unknown>, i: number): number | null => {
    const v = number(field, values, i);
    return v === SENTINEL ? null : v;
  };

  const toQuote = (i: number): QuoteInput => {
    const quoteTime = toTime(map.time!, time[i], ctx);
    const sourceSymbol = symbolColumn[i];
    if (typeof sourceSymbol !== 'string' || sourceSymbol.trim() === '') throw new Reject(`${map.symbol}: missing option symbol`);
    const parsed = parseSymbolCached(sourceSymbol);
    if (!parsed.ok) throw new Reject(parsed.reason);
    const symbol = parsed.symbol;

    // Columns that restate the symbol must agree with it.
    const strike = strikeColumn[i];
    if (strike !== null && strike !== undefined) {
      const thousandths = strikeThousandths(strike);
      if (thousandths !== symbol.strikeThousandths) throw new Reject(`${map.strike} ${String(strike)} disagrees with symbol ${sourceSymbol} (strike ${symbol.strike})`);
    }
    const expiration = toExpirationDate(expirationColumn[i]);
    if (expiration !== null && expiration !== symbol.expiration) throw new Reject(`${map.expiration} ${expiration} disagrees with symbol ${sourceSymbol} (expiration ${symbol.expiration})`);
    const putCall = putCallColumn[i];
    if (putCall !== null && putCall !== undefined) {
      const pc = PUT_CALL.get(String(putCall).trim().toUpperCase());
      if (pc === undefined) throw new Reject(`${map.putCall}: "${String(putCall)}" is not CALL, PUT, C or P`);
      if (pc !== symbol.putCall) throw new Reject(`${map.putCall} ${String(putCall)} disagrees with symbol ${sourceSymbol} (${symbol.putCall})`);
    }

    const bidValue = number('bid', bid, i);
    const askValue = number('ask', ask, i);
    const totalVolume = number('totalVolume', totalVolumeColumn, i);
    if (totalVolume !== null && (totalVolume < 0 || !Number.isInteger(totalVolume))) throw new Reject(`${map.totalVolume}: ${totalVolume} is not a whole number of contracts`);
    const underlyingValue = underlyingColumn[i];
    const underlying = ctx.underlyingOverride
      ?? (typeof underlyingValue === 'string' && underlyingValue.trim() !== '' ? underlyingValue.trim().replace(/^\$/, '').replace(/\.X$/, '') : null)
      ?? ctx.underlyingFromFile
      ?? underlyingForRoot(symbol.root);

    return {
      quoteTime,
      contract: symbol.contract,
      sourceSymbol,
      underlying,
      root: symbol.root,
      expiration: symbol.expiration,
      putCall: symbol.putCall,
      strike: symbol.strike,
      bid: bidValue,
      ask: askValue,
      last: number('last', last, i),
      mark: number('mark', mark, i) ?? (bidValue !== null && askValue !== null ? (bidValue + askValue) / 2 : null),
      bidSize: integerOrNull('bidSize', number('bidSize', bidSize, i)),
      askSize: integerOrNull('askSize', number('askSize', askSize, i)),
      totalVolume,
      multiplier: number('multiplier', multiplier, i) ?? 100,
      openInterest: integerOrNull('openInterest', number('openInterest', openInterest, i)),
      iv: greek('iv', iv, i),
      delta: greek('delta', delta, i),
      gamma: greek('gamma', gamma, i),
      theta: greek('theta', theta, i),
      vega: greek('vega', vega, i),
      rho: greek('rho', rho, i),
      underlyingPrice: number('underlyingPrice', underlyingPrice, i),
    };
  };

  return (i) => {
    try {
      return { ok: true, quote: toQuote(i) };
    } catch (error) {
      if (error instanceof Reject) return { ok: false, reason: error.message };
      throw error;
    }
  };
}

const PUT_CALL = new Map<string, 'C' | 'P'>([['CALL', 'C'], ['C', 'C'], ['PUT', 'P'], ['P', 'P']]);

function toNumber(field: Field, column: string | undefined, v: unknown): number | null {
  if (v === null || v === undefined || v === '') return null;
  if (typeof v === 'number') return Number.isNaN(v) ? null : v;
  if (typeof v === 'string') {
    if (/^\s*nan\s*$/i.test(v)) return null;
    const n = Number(v);
    if (Number.isFinite(n)) return n;
  }
  throw new Reject(`${column ?? field}: ${JSON.stringify(v)} is not a number`);
}

function integerOrNull(field: Field, v: number | null): number | null {
  if (v === null) return null;
  if (!Number.isInteger(v)) throw new Reject(`${field}: ${v} is not a whole number`);
  return v;
}

function toTime(column: string, v: unknown, ctx: RowContext): number {
  let ms: number | null = null;
  let naive = ctx.naiveTime;
  if (typeof v === 'number' && Number.isFinite(v)) ms = v;
  else if (v instanceof Date) ms = v.getTime();
  else if (typeof v === 'string') {
    const text = v.trim();
    const zoned = /(?:Z|[+-]\d{2}:?\d{2})$/i.test(text);
    const parsed = Date.parse(zoned ? text : `${text.replace(' ', 'T')}Z`);
    if (!Number.isNaN(parsed)) {
      ms = parsed;
      naive = !zoned;
    }
  }
  if (ms === null) throw new Reject(`${column}: missing or unparseable snapshot time ${JSON.stringify(v)}`);
  return naive ? wallTimeToUtc(ms, ctx.timeZone) : ms;
}

/** Expiration as TDA epoch ms (close on expiry), Schwab ISO string, or a DATE ('YYYY-MM-DD'). */
function toExpirationDate(v: unknown): string | null {
  if (v === null || v === undefined || v === '') return null;
  if (typeof v === 'number') return wallDate(v, NEW_YORK);
  if (typeof v === 'string' && /^\d{4}-\d{2}-\d{2}/.test(v)) return v.slice(0, 10);
  throw new Reject(`expiration ${JSON.stringify(v)} is neither a date nor epoch milliseconds`);
}
