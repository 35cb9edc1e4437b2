// The query API's JSON Schemas: the API validates every request against them (a 400 names the
// field) and builds /api/openapi.json from them; the plugin builds its requests and reads its
// answers with the types derived from them. Bodies are validated strictly: unknown properties are
// rejected, not dropped, and values are not coerced ("5" is not a number). Every time, date and
// number is bounded here, or (ISO offsets, calendar dates, from < to) in the API's validation step.
import type { FromSchema } from 'json-schema-to-ts';
import { INTERVAL_NAMES } from './intervals.ts';
import { MAX_INT4, MAX_TIME_MS, MIN_TIME_MS } from './stored-values.ts';

export const LIMITS = {
  maxQueries: 20,
  maxWaitSeconds: 30,
  maxDataPoints: 20_000,
  /** Rows (points across all series) one answer may carry. */
  maxPointsPerAnswer: 100_000,
  bodyBytes: 64 * 1024,
} as const;

/** The query types, in the order an editor offers them. */
export const QUERY_TYPES = [
  'flow',
  'ladder',
  'contracts',
  'chain',
  'gex',
  'exposure',
  'maxpain',
  'unusual',
  'oichange',
  'iv',
] as const;
export type QueryType = (typeof QUERY_TYPES)[number];
/** Query types answered as time series bucketed by the interval (the others: the latest state). */
export const SERIES_QUERY_TYPES: ReadonlySet<QueryType> = new Set(['flow', 'maxpain', 'iv']);

export const FLOW_METRICS = [
  'net_volume',
  'call_volume',
  'put_volume',
  'net_premium',
  'call_premium',
  'put_premium',
  'net_signed_volume',
  'put_call_ratio',
  'spot',
  'ask_volume',
  'bid_volume',
  'ask_premium',
  'bid_premium',
  'net_quote_signed_volume',
] as const;
export type FlowMetric = (typeof FLOW_METRICS)[number];
/** Flow metrics whose side is estimated per quote by the quote rule (read from the quotes). */
export const QUOTE_RULE_METRICS = [
  'ask_volume',
  'bid_volume',
  'ask_premium',
  'bid_premium',
  'net_quote_signed_volume',
] as const satisfies readonly FlowMetric[];
export type QuoteRuleMetric = (typeof QUOTE_RULE_METRICS)[number];
export const FLOW_GROUPS = ['none', 'expiration', 'dte'] as const;
export type FlowGroup = (typeof FLOW_GROUPS)[number];
/** The greeks the exposure query weighs; each is the change of dealers' dollar delta for its variable. */
export const EXPOSURE_GREEKS = ['gamma', 'delta', 'vanna', 'charm'] as const;
export type ExposureGreek = (typeof EXPOSURE_GREEKS)[number];
/** What the iv query measures per expiration through the day. */
export const IV_MEASURES = ['atm_iv', 'risk_reversal', 'straddle', 'expected_move'] as const;
export type IvMeasure = (typeof IV_MEASURES)[number];

/** An ISO date or time with a year 1970–9999 starts so. */
export const YEAR_1970_9999 = '^(19[7-9][0-9]|[2-9][0-9]{3})-';
export const SYMBOL_PATTERN = '^[A-Za-z0-9._/$-]{1,16}$';

const isoTime = { type: 'string', format: 'date-time', pattern: YEAR_1970_9999, maxLength: 40 } as const;
const time = {
  description: 'epoch milliseconds or an ISO 8601 time with its offset, within years 1970–9999',
  anyOf: [{ type: 'number', minimum: MIN_TIME_MS, maximum: MAX_TIME_MS }, isoTime],
} as const;
/** Query strings are strings: epoch ms as digits (range-checked before use) or ISO. */
const queryTime = {
  description: 'epoch milliseconds (digits) or an ISO 8601 time, within years 1970–9999',
  anyOf: [{ type: 'string', pattern: '^[0-9]{1,15}$' }, isoTime],
} as const;
const date = {
  type: 'string',
  format: 'date',
  pattern: `${YEAR_1970_9999}[0-9]{2}-[0-9]{2}$`,
  description: 'a calendar date YYYY-MM-DD, years 1970–9999',
} as const;
const days = { type: 'integer', minimum: 0, maximum: MAX_INT4 } as const;
const strike = { type: 'number', minimum: -1e9, maximum: 1e9 } as const;
const symbol = { type: 'string', pattern: SYMBOL_PATTERN } as const;
const putCall = { type: 'string', enum: ['C', 'P'] } as const;
const strikes = { type: 'object', additionalProperties: false, properties: { min: strike, max: strike } } as const;
const lastMinutes = {
  type: 'integer',
  minimum: 1,
  maximum: 1440,
  description: 'only the last N minutes before the range end (else the whole range)',
} as const;
const limit = <const Max extends number>(maximum: Max) => ({ type: 'integer', minimum: 1, maximum }) as const;

/** Every query type's options: the underlying and which expirations. */
const options = <const P extends object>(properties: P) =>
  ({
    type: 'object',
    additionalProperties: false,
    required: ['underlying'],
    properties: {
      underlying: symbol,
      expirations: { type: 'array', items: date, maxItems: 100 },
      dte: {
        type: 'object',
        additionalProperties: false,
        properties: { min: days, max: days },
        description: 'days to expiration, inclusive, from the New York date',
      },
      zeroDte: { type: 'boolean' },
      ...properties,
    },
  }) as const;

/** Per query type, its options. */
export const OPTIONS_SCHEMAS = {
  flow: {
    ...options({
      metric: {
        type: 'string',
        enum: FLOW_METRICS,
        description:
          'spot: the underlying price at the last snapshot of each bucket (not cumulative); ask_/bid_/net_quote_: sides estimated by the quote rule',
      },
      cumulative: { type: 'boolean', description: 'running total from the session open' },
      rolling: { type: 'integer', minimum: 1, maximum: 500, description: 'rolling mean over this many buckets' },
      putCall,
      strikes,
      strikesAroundSpotPct: {
        type: 'number',
        exclusiveMinimum: 0,
        maximum: 100,
        description: 'strikes within ± this percentage of the latest spot',
      },
      regularHours: { type: 'boolean', description: '09:30–16:00 New York only' },
      otm: {
        type: 'boolean',
        description: 'only contracts out of the money at their snapshot (calls above the spot, puts below)',
      },
      groupBy: { type: 'string', enum: FLOW_GROUPS },
    }),
    required: ['underlying', 'metric'],
  },
  ladder: options({ measure: { type: 'string', enum: ['volume', 'premium'] }, lastMinutes }),
  contracts: options({ putCall, strikes, limit: limit(20) }),
  chain: options({ limit: limit(500) }),
  gex: options({}),
  exposure: {
    ...options({
      greek: { type: 'string', enum: EXPOSURE_GREEKS },
      weight: {
        type: 'string',
        enum: ['open_interest', 'volume'],
        description: "whose exposure: the open interest (default) or the day's volume so far",
      },
      by: { type: 'string', enum: ['strike', 'expiration'], description: 'per strike (default) or per expiration' },
      unit: {
        type: 'string',
        enum: ['per_move', 'notional'],
        description:
          'per_move (default): delta and gamma per 1 % move, vanna per volatility point, charm per day; notional: greek × weight × multiplier × spot',
      },
      overTime: {
        type: 'boolean',
        description:
          'a heatmap series: net exposure per strike or expiration at the last snapshot of each interval bucket',
      },
      rate: {
        type: 'number',
        minimum: -0.1,
        maximum: 0.5,
        description: 'the risk-free rate Black–Scholes uses where the feed gives no greek (default 0.05)',
      },
    }),
    required: ['underlying', 'greek'],
  },
  // Buckets by the query's interval (the last snapshot of each).
  maxpain: options({}),
  unusual: options({
    lastMinutes,
    minRatio: {
      type: 'number',
      minimum: 0,
      maximum: 1e6,
      description: 'volume / open interest at least (default 1.25)',
    },
    minVolume: { type: 'integer', minimum: 0, maximum: MAX_INT4, description: 'volume above (default 500)' },
    minOpenInterest: {
      type: 'integer',
      minimum: 0,
      maximum: MAX_INT4,
      description: 'open interest above (default 100)',
    },
    minPrice: { type: 'number', minimum: 0, maximum: 1e6, description: 'latest mark above (default 0.10)' },
    hotFactor: {
      type: 'number',
      exclusiveMinimum: 0,
      maximum: 1e6,
      description: 'hot: latest interval above this × the mean interval (default 3)',
    },
    limit: limit(500),
  }),
  oichange: options({
    by: {
      type: 'string',
      enum: ['strike', 'expiration', 'contract'],
      description: 'per strike (default), per expiration, or per contract (largest changes first)',
    },
    limit: { ...limit(500), description: 'by contract: at most this many (default 100)' },
  }),
  // Buckets by the query's interval (the last snapshot of each), as maxpain.
  iv: {
    ...options({
      measure: {
        type: 'string',
        enum: IV_MEASURES,
        description:
          'atm_iv: at-the-money IV (percent); risk_reversal: 25-delta call IV − put IV; straddle: the ATM straddle; expected_move: spot ± the straddle',
      },
    }),
    required: ['underlying', 'measure'],
  },
} as const satisfies Record<QueryType, object>;

export type QueryOptions<T extends QueryType> = FromSchema<(typeof OPTIONS_SCHEMAS)[T]>;

const querySchema = <T extends QueryType>(type: T) =>
  ({
    type: 'object',
    additionalProperties: false,
    required: ['refId', 'type', 'options'],
    properties: {
      refId: { type: 'string', minLength: 1, maxLength: 64 },
      type: { const: type },
      interval: { type: 'string', enum: ['auto', ...INTERVAL_NAMES] },
      cursor: {
        type: 'string',
        maxLength: 1024,
        pattern: '^[A-Za-z0-9_-]+([.][A-Za-z0-9_-]+)?$',
        description: 'a cursor this API issued (signed: a tampered one is a 400)',
      },
      options: OPTIONS_SCHEMAS[type],
    },
  }) as const;

type QuerySchema<T extends QueryType> = ReturnType<typeof querySchema<T>>;
/** One query of a request, by its type (its options are that type's). */
export type ApiQuery<T extends QueryType = QueryType> = { [K in T]: FromSchema<QuerySchema<K>> }[T];

export const queryRequestSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['range', 'queries'],
  properties: {
    range: {
      type: 'object',
      additionalProperties: false,
      required: ['from', 'to'],
      properties: { from: time, to: time },
    },
    maxDataPoints: { type: 'integer', minimum: 1, maximum: LIMITS.maxDataPoints },
    wait: {
      type: 'number',
      minimum: 0,
      maximum: LIMITS.maxWaitSeconds,
      description: 'long-poll: seconds to hold the answer until new data is committed',
    },
    noContentWhenUnchanged: {
      type: 'boolean',
      description: "answer 204 No Content when nothing was committed since any query's cursor (keep the cursors)",
    },
    queries: {
      type: 'array',
      minItems: 1,
      maxItems: LIMITS.maxQueries,
      items: {
        type: 'object',
        required: ['refId', 'type', 'options'],
        discriminator: { propertyName: 'type' },
        oneOf: QUERY_TYPES.map((type) => querySchema(type)),
      },
    },
  },
} as const;

/** The body of POST /api/query. */
export type ApiQueryRequest = Omit<FromSchema<typeof queryRequestSchema>, 'queries'> & { queries: ApiQuery[] };

const frameSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'fields'],
  properties: {
    name: { type: 'string' },
    fields: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['name', 'type', 'values'],
        properties: {
          name: { type: 'string' },
          type: { type: 'string', enum: ['time', 'number', 'string'] },
          unit: { type: 'string' },
          labels: { type: 'object', additionalProperties: { type: 'string' } },
          values: { type: 'array', items: { type: ['number', 'string', 'null'] } },
        },
      },
    },
  },
} as const;

export type ApiFrame = FromSchema<typeof frameSchema>;
export type ApiField = ApiFrame['fields'][number];
export type ApiValue = ApiField['values'][number];

export const queryResponseSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['results'],
  properties: {
    results: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['refId', 'interval', 'frames', 'cursor', 'reset', 'latestSnapshot', 'age'],
        properties: {
          refId: { type: 'string' },
          interval: { type: 'string', enum: INTERVAL_NAMES },
          frames: { type: 'array', items: frameSchema },
          cursor: { type: 'string', description: 'send it back with the same query for only what is new' },
          reset: { type: 'boolean', description: 'true: the frames carry the full range; replace what you hold' },
          latestSnapshot: {
            type: ['number', 'null'],
            description: "the underlying's latest stored snapshot (epoch ms), in the range or not; null: none",
          },
          age: {
            type: ['number', 'null'],
            description: "whole seconds from latestSnapshot to the API's clock when answering (0 if ahead); null: none",
          },
        },
      },
    },
  },
} as const;

/** The answer of POST /api/query (200; a 204 has no body). */
export type ApiQueryResponse = FromSchema<typeof queryResponseSchema>;
export type ApiResult = ApiQueryResponse['results'][number];

export const errorSchema = { type: 'object', required: ['error'], properties: { error: { type: 'string' } } } as const;

/** Without the token (when one is configured) only `ok`; the details, and why not ok, need it. */
export const healthResponseSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['ok'],
  properties: {
    ok: { type: 'boolean' },
    database: {
      type: 'object',
      additionalProperties: false,
      required: ['backend', 'serverVersion', 'timescaledb'],
      properties: {
        backend: { type: 'string', enum: ['embedded', 'server'] },
        serverVersion: { type: 'string' },
        timescaledb: { type: ['string', 'null'] },
      },
    },
    underlyings: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['underlying', 'latest', 'ingestLagSeconds'],
        properties: {
          underlying: { type: 'string' },
          latest: { type: 'string', format: 'date-time' },
          ingestLagSeconds: { type: 'number' },
        },
      },
    },
    lastIngestNotifiedAt: { type: ['string', 'null'] },
    error: { type: 'string', description: 'with the token: why not ok (the details are logged, not sent)' },
  },
} as const;

export type ApiHealth = FromSchema<typeof healthResponseSchema>;

export const underlyingsResponseSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['underlyings'],
  properties: { underlyings: { type: 'array', items: { type: 'string' } } },
} as const;

export const expirationsResponseSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['expirations'],
  properties: { expirations: { type: 'array', items: { type: 'string', format: 'date' } } },
} as const;

export const expirationsQuerySchema = {
  type: 'object',
  additionalProperties: false,
  required: ['underlying'],
  properties: { underlying: symbol, from: queryTime, to: queryTime },
} as const;
