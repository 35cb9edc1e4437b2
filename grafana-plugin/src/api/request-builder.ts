import { OPTIONS_SCHEMAS, SERIES_QUERY_TYPES, SYMBOL_PATTERN, type ApiQuery } from '@optflow/contract';
import type { FlowQuery } from '../types';

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const SYMBOL = new RegExp(SYMBOL_PATTERN);
// The API's bounds, from the schemas it validates with.
const { rolling: ROLLING, strikesAroundSpotPct: AROUND_SPOT } = OPTIONS_SCHEMAS.flow.properties;
const { lastMinutes: LAST_MINUTES, hotFactor: HOT_FACTOR } = OPTIONS_SCHEMAS.unusual.properties;
const RATE = OPTIONS_SCHEMAS.exposure.properties.rate;

/** Unset, or a whole number within [min, max]. */
const wholeWithin = (v: number | undefined, min: number, max: number) =>
  v === undefined || (Number.isInteger(v) && v >= min && v <= max);

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
  if ((q.queryType ?? 'flow') === 'flow' && q.metric === 'spot' && q.cumulative) {
    problems.push({ field: 'cumulative', message: 'Spot is a price: it has no running total' });
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
  if (
    q.strikesAroundSpotPct !== undefined &&
    !(q.strikesAroundSpotPct > AROUND_SPOT.exclusiveMinimum && q.strikesAroundSpotPct <= AROUND_SPOT.maximum)
  ) {
    problems.push({
      field: 'strikesAroundSpotPct',
      message: `± % of spot must be above ${AROUND_SPOT.exclusiveMinimum} and at most ${AROUND_SPOT.maximum}`,
    });
  }
  if (!wholeWithin(q.rolling, ROLLING.minimum, ROLLING.maximum)) {
    problems.push({
      field: 'rolling',
      message: `Rolling mean: a whole number of buckets from ${ROLLING.minimum} to ${ROLLING.maximum}`,
    });
  }
  if (!wholeWithin(q.lastMinutes, LAST_MINUTES.minimum, LAST_MINUTES.maximum)) {
    problems.push({
      field: 'lastMinutes',
      message: `Last minutes: ${LAST_MINUTES.minimum} to ${LAST_MINUTES.maximum}`,
    });
  }
  const unusual = OPTIONS_SCHEMAS.unusual.properties;
  const bounded = [
    ['minVolume', 'Min volume'],
    ['minOpenInterest', 'Min open interest'],
    ['minRatio', 'Min volume/OI'],
    ['minPrice', 'Min price'],
  ] as const;
  for (const [field, label] of bounded) {
    const v = q[field];
    const { type, minimum, maximum } = unusual[field];
    if (v !== undefined && !((type === 'number' || Number.isInteger(v)) && v >= minimum && v <= maximum)) {
      const what =
        type === 'integer' ? `a whole number from ${minimum}` : `${minimum} to ${maximum.toLocaleString('en-US')}`;
      problems.push({ field, message: `${label}: ${what}` });
    }
  }
  if (q.rate !== undefined && !(q.rate >= RATE.minimum && q.rate <= RATE.maximum)) {
    problems.push({ field: 'rate', message: `Rate: ${RATE.minimum} to ${RATE.maximum} (0.05 is 5 %)` });
  }
  if (q.hotFactor !== undefined && !(q.hotFactor > HOT_FACTOR.exclusiveMinimum && q.hotFactor <= HOT_FACTOR.maximum)) {
    problems.push({
      field: 'hotFactor',
      message: `Hot factor: above 0, at most ${HOT_FACTOR.maximum.toLocaleString('en-US')}`,
    });
  }
  const limit = OPTIONS_SCHEMAS.contracts.properties.limit;
  const maxLimit = q.queryType === 'contracts' ? limit.maximum : OPTIONS_SCHEMAS.chain.properties.limit.maximum;
  if (!wholeWithin(q.limit, limit.minimum, maxLimit)) {
    problems.push({ field: 'limit', message: `Limit: ${limit.minimum} to ${maxLimit}` });
  }
  return problems;
}

/** Without the options left unset: undefined, empty and false ones (false is every flag's default). */
const defined = <T extends object>(o: T): T =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== '' && v !== false)) as T;

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

/** An interpolated panel query → the API's query (without cursor): only the options its type accepts. */
export function toApiQuery(q: FlowQuery): ApiQuery {
  const type = q.queryType ?? 'flow';
  const base = {
    refId: q.refId,
    ...(SERIES_QUERY_TYPES.has(type) && q.interval && q.interval !== 'auto' ? { interval: q.interval } : {}),
  };
  // An empty underlying is left out: the API then names the missing field (validateQuery does first).
  const common = { underlying: q.underlying ?? '', ...expirationFilter(q) };
  switch (type) {
    case 'flow':
      return {
        ...base,
        type,
        options: defined({
          ...common,
          metric: q.metric ?? 'net_volume',
          cumulative: q.cumulative,
          rolling: q.rolling,
          putCall: q.putCall,
          strikes: strikes(q),
          strikesAroundSpotPct: q.strikesAroundSpotPct,
          regularHours: q.regularHours,
          otm: q.otm,
          groupBy: q.groupBy && q.groupBy !== 'none' ? q.groupBy : undefined,
        }),
      };
    case 'ladder':
      return { ...base, type, options: defined({ ...common, measure: q.measure, lastMinutes: q.lastMinutes }) };
    case 'chain':
      return { ...base, type, options: defined({ ...common, limit: q.limit }) };
    case 'contracts':
      return {
        ...base,
        type,
        options: defined({ ...common, putCall: q.putCall, strikes: strikes(q), limit: q.limit }),
      };
    case 'gex':
    case 'maxpain':
      return { ...base, type, options: defined(common) };
    case 'exposure':
      return {
        ...base,
        type,
        options: defined({
          ...common,
          greek: q.greek ?? 'gamma',
          weight: q.weight,
          by: q.exposureBy,
          unit: q.exposureUnit,
          overTime: q.exposureOverTime,
          rate: q.rate,
        }),
      };
    case 'iv':
      return { ...base, type, options: defined({ ...common, measure: q.ivMeasure ?? 'atm_iv' }) };
    case 'oichange':
      return {
        ...base,
        type,
        options: defined({ ...common, by: q.oiChangeBy, limit: q.oiChangeBy === 'contract' ? q.limit : undefined }),
      };
    case 'unusual':
      return {
        ...base,
        type,
        options: defined({
          ...common,
          lastMinutes: q.lastMinutes,
          minRatio: q.minRatio,
          minVolume: q.minVolume,
          minOpenInterest: q.minOpenInterest,
          minPrice: q.minPrice,
          hotFactor: q.hotFactor,
          limit: q.limit,
        }),
      };
  }
}

/**
 * Identifies what a query asks for as the range slides: cached increments only merge into state of
 * the same signature. `rangeStart` is the range's raw start (`now-6h`): a wider or narrower range
 * needs history the held series does not have, and may get another automatic interval.
 */
export function querySignature(q: ApiQuery, maxDataPoints: number | undefined, rangeStart: string): string {
  return JSON.stringify([q.type, q.interval ?? 'auto', q.options, maxDataPoints ?? null, rangeStart]);
}
