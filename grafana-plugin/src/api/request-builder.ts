import type { FlowQuery, QueryType } from '../types';
import type { ApiQuery } from './wire';

/** Query types answered as time series bucketed by the interval. */
const SERIES_TYPES: ReadonlySet<QueryType> = new Set(['flow', 'maxpain']);

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const SYMBOL = /^[A-Za-z0-9._/$-]{1,16}$/;

/** What is wrong with a query, as the editor shows it and `query()` reports it. */
export interface QueryProblem {
  field: keyof FlowQuery;
  message: string;
}

/**
 * Problems a query has before it reaches the API (the API would answer 400 for each). Run on the
 * interpolated query: `$underlying` is fine in the editor and checked once it is replaced.
 */
export function validateQuery(q: FlowQuery, { interpolated }: { interpolated: boolean }): QueryProblem[] {
  const problems: QueryProblem[] = [];
  const variable = (text: string) => !interpolated && text.includes('$');
  if (!q.underlying) {
    problems.push({ field: 'underlying', message: 'Choose an underlying' });
  } else if (!variable(q.underlying) && !SYMBOL.test(q.underlying)) {
    problems.push({
      field: 'underlying',
      message: `"${q.underlying}" is not a symbol (letters, digits and . _ / $ -, at most 16)`,
    });
  }
  for (const e of q.expirations ?? []) {
    if (
      !variable(e) &&
      (!DATE.test(e) ||
        Number.isNaN(Date.parse(`${e}T00:00:00Z`)) ||
        new Date(`${e}T00:00:00Z`).toISOString().slice(0, 10) !== e)
    ) {
      problems.push({ field: 'expirations', message: `"${e}" is not a date (YYYY-MM-DD)` });
    }
  }
  if (q.dteMin !== undefined && q.dteMax !== undefined && q.dteMin > q.dteMax) {
    problems.push({ field: 'dteMax', message: 'DTE max is below DTE min' });
  }
  if ((q.dteMin ?? 0) < 0 || (q.dteMax ?? 0) < 0) {
    problems.push({ field: 'dteMin', message: 'DTE cannot be negative' });
  }
  if (q.strikeMin !== undefined && q.strikeMax !== undefined && q.strikeMin > q.strikeMax) {
    problems.push({ field: 'strikeMax', message: 'Strike max is below strike min' });
  }
  if (q.strikesAroundSpotPct !== undefined && !(q.strikesAroundSpotPct > 0 && q.strikesAroundSpotPct <= 100)) {
    problems.push({ field: 'strikesAroundSpotPct', message: '± % of spot must be above 0 and at most 100' });
  }
  if (q.rolling !== undefined && !(Number.isInteger(q.rolling) && q.rolling >= 1 && q.rolling <= 500)) {
    problems.push({ field: 'rolling', message: 'Rolling mean: a whole number of buckets from 1 to 500' });
  }
  if (
    q.lastMinutes !== undefined &&
    !(Number.isInteger(q.lastMinutes) && q.lastMinutes >= 1 && q.lastMinutes <= 1440)
  ) {
    problems.push({ field: 'lastMinutes', message: 'Last minutes: 1 to 1440' });
  }
  const counts: Array<[keyof FlowQuery, string]> = [
    ['minVolume', 'Min volume'],
    ['minOpenInterest', 'Min open interest'],
  ];
  for (const [field, label] of counts) {
    const v = q[field];
    if (v !== undefined && !(typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 2147483647)) {
      problems.push({ field, message: `${label}: a whole number from 0` });
    }
  }
  for (const [field, label] of [
    ['minRatio', 'Min volume/OI'],
    ['minPrice', 'Min price'],
  ] as Array<[keyof FlowQuery, string]>) {
    const v = q[field];
    if (v !== undefined && !(typeof v === 'number' && v >= 0 && v <= 1e6)) {
      problems.push({ field, message: `${label}: 0 to 1,000,000` });
    }
  }
  if (q.hotFactor !== undefined && !(q.hotFactor > 0 && q.hotFactor <= 1e6)) {
    problems.push({ field: 'hotFactor', message: 'Hot factor: above 0, at most 1,000,000' });
  }
  const maxLimit = q.queryType === 'contracts' ? 20 : 500;
  if (q.limit !== undefined && !(Number.isInteger(q.limit) && q.limit >= 1 && q.limit <= maxLimit)) {
    problems.push({ field: 'limit', message: `Limit: 1 to ${maxLimit}` });
  }
  return problems;
}

const defined = <T extends object>(o: T): Partial<T> =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== '' && v !== false)) as Partial<T>;

function expirationFilter(q: FlowQuery) {
  const dte = q.dteMin !== undefined || q.dteMax !== undefined ? defined({ min: q.dteMin, max: q.dteMax }) : undefined;
  return {
    expirations: q.expirations?.length ? [...new Set(q.expirations)].sort() : undefined,
    dte,
    zeroDte: q.zeroDte,
  };
}

const strikes = (q: FlowQuery) =>
  q.strikeMin !== undefined || q.strikeMax !== undefined ? defined({ min: q.strikeMin, max: q.strikeMax }) : undefined;

/** The options object of one API query, per query type (only the options that type accepts). */
function apiOptions(type: QueryType, q: FlowQuery): Record<string, unknown> {
  const common = { underlying: q.underlying, ...expirationFilter(q) };
  switch (type) {
    case 'flow':
      return defined({
        ...common,
        metric: q.metric ?? 'net_volume',
        cumulative: q.cumulative,
        rolling: q.rolling,
        putCall: q.putCall,
        strikes: strikes(q),
        strikesAroundSpotPct: q.strikesAroundSpotPct,
        regularHours: q.regularHours,
        groupBy: q.groupBy && q.groupBy !== 'none' ? q.groupBy : undefined,
      });
    case 'ladder':
      return defined({ ...common, measure: q.measure, lastMinutes: q.lastMinutes });
    case 'chain':
      return defined({ ...common, limit: q.limit });
    case 'contracts':
      return defined({ ...common, putCall: q.putCall, strikes: strikes(q), limit: q.limit });
    case 'gex':
    case 'maxpain':
      return defined(common);
    case 'unusual':
      return defined({
        ...common,
        lastMinutes: q.lastMinutes,
        minRatio: q.minRatio,
        minVolume: q.minVolume,
        minOpenInterest: q.minOpenInterest,
        minPrice: q.minPrice,
        hotFactor: q.hotFactor,
        limit: q.limit,
      });
  }
}

/** An interpolated panel query → the API's query (without cursor). */
export function toApiQuery(q: FlowQuery): ApiQuery {
  const type = q.queryType ?? 'flow';
  return {
    refId: q.refId,
    type,
    ...(SERIES_TYPES.has(type) && q.interval && q.interval !== 'auto' ? { interval: q.interval } : {}),
    options: apiOptions(type, q),
  };
}

/**
 * Identifies what a query asks for as the range slides: cached increments only merge into state of
 * the same signature. `rangeStart` is the range's raw start (`now-6h`): a wider or narrower range
 * needs history the held series does not have, and may get another automatic interval.
 */
export function querySignature(q: ApiQuery, maxDataPoints: number | undefined, rangeStart: string): string {
  return JSON.stringify([q.type, q.interval ?? 'auto', q.options, maxDataPoints ?? null, rangeStart]);
}
