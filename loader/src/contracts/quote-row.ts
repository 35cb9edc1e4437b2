import {
  isRepeatedWallTime,
  isStorableTime,
  MAX_INT4,
  SESSION_TIME_ZONE,
  wallDate,
  wallTimeToUtc,
  wallTimeToUtcLater,
} from '@optflow/contract';
import type { RepeatedHourTracker } from './repeated-hour.ts';
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

/** The canonical contract of a symbol value; null when it is not a readable option symbol. */
export function contractOf(symbol: unknown): string | null {
  if (typeof symbol !== 'string') return null;
  const parsed = parseSymbolCached(symbol);
  return parsed.ok ? parsed.symbol.contract : null;
}

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

/** Normalizes one row given as a record (column name → value). */
export function normalizeRow(raw: Record<string, unknown>, ctx: RowContext): RowResult {
  const quote = emptyQuote();
  const reason = rowNormalizer(new Map(Object.entries(raw).map(([name, v]) => [name, [v]])), ctx)(0, quote);
  return reason === null ? { ok: true, quote } : { ok: false, reason };
}

/** A quote to fill in: rowNormalizer writes into one object per batch instead of one per row. */
export function emptyQuote(): QuoteInput {
  return {
    quoteTime: 0,
    contract: '',
    sourceSymbol: '',
    underlying: '',
    root: '',
    expiration: '',
    putCall: 'C',
    strike: '',
    bid: null,
    ask: null,
    last: null,
    mark: null,
    bidSize: null,
    askSize: null,
    totalVolume: null,
    multiplier: 100,
    openInterest: null,
    iv: null,
    delta: null,
    gamma: null,
    theta: null,
    vega: null,
    rho: null,
    underlyingPrice: null,
  };
}

/**
 * A normalizer over a batch of columns (a Parquet row group): fills `into` with row i's quote and
 * returns null, or returns the reason the row must be rejected (`into` is then unspecified). Reads
 * values straight from the columns and allocates nothing per row: a million rows make no garbage.
 * `secondPass`: rows whose naive time is in a repeated hour's second pass (secondPassRows).
 */
export function rowNormalizer(
  columns: ReadonlyMap<string, ArrayLike<unknown>>,
  ctx: RowContext,
  secondPass: Uint8Array | null = null
): (i: number, into: QuoteInput) => string | null {
  const { map } = ctx;
  const NONE: ArrayLike<unknown> = { length: 0 };
  const col = (field: Field): ArrayLike<unknown> => {
    const name = map[field];
    return (name === undefined ? undefined : columns.get(name)) ?? NONE;
  };
  /** Row i of a numeric field: null when absent, a rejection when not a finite number. */
  const numeric = (field: Field): ((i: number) => number | null) => {
    const values = col(field);
    const name = map[field] ?? field;
    if (values instanceof Float64Array) {
      // The reader's numeric columns: NaN is null; ±Infinity would reach premiums and aggregates.
      return (i) => {
        const v = values[i]!;
        if (v - v === 0) return v; // finite
        if (v !== v) return null;
        throw new Reject(`${name}: ${v} is not a finite number`);
      };
    }
    return (i) => toNumber(name, values[i]);
  };
  const whole = (field: Field, max: number): ((i: number) => number | null) => {
    const at = numeric(field);
    return (i) => integerOrNull(field, at(i), max);
  };
  const greek = (field: Field): ((i: number) => number | null) => {
    const at = numeric(field);
    return (i) => {
      const v = at(i);
      return v === SENTINEL ? null : v;
    };
  };
  const time = col('time'),
    symbolColumn = col('symbol'),
    strikeColumn = col('strike'),
    expirationColumn = col('expiration');
  const putCallColumn = col('putCall'),
    underlyingColumn = col('underlying');
  const bid = numeric('bid'),
    ask = numeric('ask'),
    last = numeric('last'),
    mark = numeric('mark'),
    totalVolume = numeric('totalVolume');
  const multiplier = numeric('multiplier'),
    underlyingPrice = numeric('underlyingPrice');
  const bidSize = whole('bidSize', MAX_INT4),
    askSize = whole('askSize', MAX_INT4),
    openInterest = whole('openInterest', Number.MAX_SAFE_INTEGER);
  const iv = greek('iv'),
    delta = greek('delta'),
    gamma = greek('gamma'),
    theta = greek('theta'),
    vega = greek('vega'),
    rho = greek('rho');
  // Columns that repeat a few values all day: each distinct value is read once.
  const putCalls = new Map<unknown, 'C' | 'P' | null>();
  const expirations = new Map<unknown, string | null>();
  const underlyings = new Map<unknown, string | null>();

  const fill = (i: number, q: QuoteInput): void => {
    q.quoteTime = toTime(map.time!, time[i], ctx, secondPass?.[i] === 1);
    const sourceSymbol = symbolColumn[i];
    if (typeof sourceSymbol !== 'string' || sourceSymbol.trim() === '')
      throw new Reject(`${map.symbol}: missing option symbol`);
    // PostgreSQL text cannot hold NUL: one would fail the whole COPY.
    if (sourceSymbol.includes('\0'))
      throw new Reject(`${map.symbol}: ${JSON.stringify(sourceSymbol)} contains a NUL character`);
    const parsed = parseSymbolCached(sourceSymbol);
    if (!parsed.ok) throw new Reject(parsed.reason);
    const symbol = parsed.symbol;

    // Columns that restate the symbol must agree with it.
    const strike = strikeColumn[i];
    if (!absent(strike)) {
      const thousandths = strikeThousandths(strike);
      if (thousandths !== symbol.strikeThousandths)
        throw new Reject(
          `${map.strike} ${String(strike)} disagrees with symbol ${sourceSymbol} (strike ${symbol.strike})`
        );
    }
    const expirationValue = expirationColumn[i];
    let expiration = expirations.get(expirationValue);
    if (expiration === undefined) expirations.set(expirationValue, (expiration = toExpirationDate(expirationValue)));
    if (expiration !== null && expiration !== symbol.expiration)
      throw new Reject(
        `${map.expiration} ${expiration} disagrees with symbol ${sourceSymbol} (expiration ${symbol.expiration})`
      );
    const putCall = putCallColumn[i];
    if (!absent(putCall)) {
      let pc = putCalls.get(putCall);
      if (pc === undefined) putCalls.set(putCall, (pc = PUT_CALL.get(String(putCall).trim().toUpperCase()) ?? null));
      if (pc === null) throw new Reject(`${map.putCall}: "${String(putCall)}" is not CALL, PUT, C or P`);
      if (pc !== symbol.putCall)
        throw new Reject(`${map.putCall} ${String(putCall)} disagrees with symbol ${sourceSymbol} (${symbol.putCall})`);
    }

    const bidValue = bid(i);
    const askValue = ask(i);
    const volume = totalVolume(i);
    if (volume !== null && (volume < 0 || !Number.isSafeInteger(volume)))
      throw new Reject(`${map.totalVolume}: ${volume} is not a whole number of contracts`);
    const contractMultiplier = multiplier(i) ?? 100;
    if (!Number.isInteger(contractMultiplier) || contractMultiplier <= 0 || contractMultiplier > MAX_INT4) {
      throw new Reject(`${map.multiplier}: ${contractMultiplier} is not a positive whole number`);
    }
    let rowUnderlying: string | null | undefined = null;
    if (ctx.underlyingOverride === undefined) {
      const underlyingValue = underlyingColumn[i];
      rowUnderlying = underlyings.get(underlyingValue);
      if (rowUnderlying === undefined)
        underlyings.set(underlyingValue, (rowUnderlying = cleanUnderlying(map.underlying!, underlyingValue)));
    }

    q.contract = symbol.contract;
    q.sourceSymbol = sourceSymbol;
    q.underlying = ctx.underlyingOverride ?? rowUnderlying ?? ctx.underlyingFromFile ?? underlyingForRoot(symbol.root);
    q.root = symbol.root;
    q.expiration = symbol.expiration;
    q.putCall = symbol.putCall;
    q.strike = symbol.strike;
    q.bid = bidValue;
    q.ask = askValue;
    q.last = last(i);
    q.mark = mark(i) ?? (bidValue !== null && askValue !== null ? (bidValue + askValue) / 2 : null);
    q.bidSize = bidSize(i);
    q.askSize = askSize(i);
    q.totalVolume = volume;
    q.multiplier = contractMultiplier;
    q.openInterest = openInterest(i);
    q.iv = iv(i);
    q.delta = delta(i);
    q.gamma = gamma(i);
    q.theta = theta(i);
    q.vega = vega(i);
    q.rho = rho(i);
    q.underlyingPrice = underlyingPrice(i);
  };

  return (i, into) => {
    try {
      fill(i, into);
      return null;
    } catch (error) {
      if (error instanceof Reject) return error.message;
      throw error;
    }
  };
}

const PUT_CALL = new Map<string, 'C' | 'P'>([
  ['CALL', 'C'],
  ['C', 'C'],
  ['PUT', 'P'],
  ['P', 'P'],
]);

/** No value: null, or NaN (how a numeric column marks null; see parquet-reader.ts). */
function absent(v: unknown): boolean {
  return v === null || v === undefined || (typeof v === 'number' && Number.isNaN(v));
}

/** An underlying column's value without the broker's decorations ($SPX.X → SPX); null when empty. */
function cleanUnderlying(column: string, v: unknown): string | null {
  if (typeof v !== 'string' || v.trim() === '') return null;
  if (v.includes('\0')) throw new Reject(`${column}: ${JSON.stringify(v)} contains a NUL character`); // as in the symbol
  return v.trim().replace(/^\$/, '').replace(/\.X$/, '');
}

function toNumber(column: string, v: unknown): number | null {
  if (typeof v === 'number') {
    if (Number.isFinite(v)) return v;
    if (Number.isNaN(v)) return null;
    throw new Reject(`${column}: ${v} is not a finite number`);
  }
  if (v === null || v === undefined || v === '') return null;
  if (typeof v === 'string') {
    if (/^\s*nan\s*$/i.test(v)) return null;
    const n = Number(v);
    if (Number.isFinite(n)) return n;
  }
  throw new Reject(`${column}: ${JSON.stringify(v)} is not a number`);
}

function integerOrNull(field: Field, v: number | null, max: number): number | null {
  if (v === null) return null;
  if (!Number.isInteger(v) || Math.abs(v) > max) throw new Reject(`${field}: ${v} is not a whole number in range`);
  return v;
}

/** A snapshot time as read: epoch ms, or wall-clock ms when naive (no zone); null when unreadable. */
function readTime(v: unknown, ctx: RowContext): { ms: number; naive: boolean } | null {
  if (typeof v === 'number') return Number.isNaN(v) ? null : { ms: v, naive: ctx.naiveTime }; // ±Infinity are rejected by toTime
  if (v instanceof Date) return { ms: v.getTime(), naive: ctx.naiveTime };
  if (typeof v !== 'string') return null;
  const text = v.trim();
  const zoned = /(?:Z|[+-]\d{2}:?\d{2})$/i.test(text);
  const parsed = Date.parse(zoned ? text : `${text.replace(' ', 'T')}Z`);
  return Number.isNaN(parsed) ? null : { ms: parsed, naive: !zoned };
}

/**
 * Rows of a batch whose naive time falls in the second pass through a fall-back's repeated hour
 * (EST, not EDT), judged in file order by `tracker`, which follows the whole file; null when the
 * batch has no repeated wall time (nearly always).
 */
export function secondPassRows(
  times: ArrayLike<unknown>,
  length: number,
  ctx: RowContext,
  tracker: RepeatedHourTracker
): Uint8Array | null {
  // The usual column, numbers: nothing to do unless they are naive; no allocation per row.
  if (times instanceof Float64Array && !ctx.naiveTime) return null;
  let flags: Uint8Array | null = null;
  let lastMs = NaN;
  let lastRepeated = false;
  for (let i = 0; i < length; i++) {
    const v = times[i];
    let ms: number;
    let naive = ctx.naiveTime;
    if (typeof v === 'number')
      ms = v; // no allocation per row
    else {
      const t = readTime(v, ctx);
      if (t === null) continue;
      ({ ms, naive } = t);
    }
    if (!naive || !isStorableTime(ms)) continue; // NaN is not storable
    // A snapshot's rows share one time: ask the zone once per run of equal times.
    if (ms !== lastMs) {
      lastMs = ms;
      lastRepeated = isRepeatedWallTime(ms, ctx.timeZone);
    }
    if (lastRepeated && tracker.secondPass(ms)) (flags ??= new Uint8Array(length))[i] = 1;
  }
  return flags;
}

/** `later`: the time is in the second pass through a repeated hour (secondPassRows). */
function toTime(column: string, v: unknown, ctx: RowContext, later: boolean): number {
  let ms: number;
  let naive = ctx.naiveTime;
  if (typeof v === 'number' && v === v)
    ms = v; // the hot path (a million rows): no allocation
  else {
    const t = readTime(v, ctx);
    if (t === null) throw new Reject(`${column}: missing or unparseable snapshot time ${JSON.stringify(v)}`);
    ({ ms, naive } = t);
  }
  // Checked before the zone conversion too: beyond the JS date range it would throw.
  if (!isStorableTime(ms)) throw new Reject(`${column}: snapshot time ${describeTime(ms)} is outside years 1970–9999`);
  if (!naive) return ms;
  const utc = later ? wallTimeToUtcLater(ms, ctx.timeZone) : wallTimeToUtc(ms, ctx.timeZone);
  if (!isStorableTime(utc))
    throw new Reject(`${column}: snapshot time ${describeTime(ms)} in ${ctx.timeZone} is outside years 1970–9999`);
  return utc;
}

/** Epoch ms with its ISO form where JS dates reach (±8.64e15 ms), for reasons. */
function describeTime(ms: number): string {
  return Math.abs(ms) <= 8.64e15 ? `${ms} (${new Date(ms).toISOString()})` : String(ms);
}

/** Expiration as TDA epoch ms (close on expiry), Schwab ISO string, or a DATE ('YYYY-MM-DD'). */
function toExpirationDate(v: unknown): string | null {
  if (absent(v) || v === '') return null;
  if (typeof v === 'number') {
    if (!isStorableTime(v)) throw new Reject(`expiration ${v} is outside years 1970–9999`); // wallDate would throw
    return wallDate(v, SESSION_TIME_ZONE);
  }
  if (typeof v === 'string' && /^\d{4}-\d{2}-\d{2}/.test(v)) return v.slice(0, 10);
  throw new Reject(`expiration ${JSON.stringify(v)} is neither a date nor epoch milliseconds`);
}
