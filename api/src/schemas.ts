import { FLOW_GROUPS, FLOW_METRICS } from './flow-sql.ts';
import { INTERVAL_NAMES } from './intervals.ts';
import { MAX_TIME_MS, MIN_TIME_MS } from '@optflow/contract';
import { MAX_INT4, YEAR_1970_9999 } from './validation.ts';

/**
 * JSON Schemas of the API: Fastify validates every request against them (a 400 names the field),
 * and /api/openapi.json is built from the same objects. Bodies are validated strictly: unknown
 * properties are rejected, not dropped, and values are not coerced ("5" is not a number). Every
 * time, date and number is bounded here, or (ISO offsets, calendar dates, from < to) in validation.ts.
 */
export const LIMITS = {
  maxQueries: 20,
  maxWaitSeconds: 30,
  maxDataPoints: 20_000,
  /** Rows (points across all series) one answer may carry. */
  maxPointsPerAnswer: 100_000,
  bodyBytes: 64 * 1024,
} as const;

const isoTime = { type: 'string', format: 'date-time', pattern: YEAR_1970_9999, maxLength: 40 } as const;
const time = {
  description: 'epoch milliseconds or an ISO 8601 time with its offset, within years 1970–9999',
  anyOf: [{ type: 'number', minimum: MIN_TIME_MS, maximum: MAX_TIME_MS }, isoTime],
} as const;
/** Query strings are strings: epoch ms as digits (range-checked before use) or ISO. */
const queryTime = { description: 'epoch milliseconds (digits) or an ISO 8601 time, within years 1970–9999', anyOf: [{ type: 'string', pattern: '^[0-9]{1,15}$' }, isoTime] } as const;
const date = { type: 'string', format: 'date', pattern: `${YEAR_1970_9999}[0-9]{2}-[0-9]{2}$`, description: 'a calendar date YYYY-MM-DD, years 1970–9999' } as const;
const days = { type: 'integer', minimum: 0, maximum: MAX_INT4 } as const;
const strike = { type: 'number', minimum: -1e9, maximum: 1e9 } as const;
const symbol = { type: 'string', pattern: '^[A-Za-z0-9._/$-]{1,16}$' } as const;

const expirationFilter = {
  expirations: { type: 'array', items: date, maxItems: 100 },
  dte: { type: 'object', additionalProperties: false, properties: { min: days, max: days } },
  zeroDte: { type: 'boolean' },
} as const;
const strikes = { type: 'object', additionalProperties: false, properties: { min: strike, max: strike } } as const;

export const flowOptionsSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['underlying', 'metric'],
  properties: {
    underlying: symbol,
    metric: { type: 'string', enum: [...FLOW_METRICS] },
    cumulative: { type: 'boolean', description: 'running total from the session open' },
    rolling: { type: 'integer', minimum: 1, maximum: 500, description: 'rolling mean over this many buckets' },
    ...expirationFilter,
    putCall: { type: 'string', enum: ['C', 'P'] },
    strikes,
    strikesAroundSpotPct: { type: 'number', exclusiveMinimum: 0, maximum: 100 },
    regularHours: { type: 'boolean', description: '09:30–16:00 New York only' },
    groupBy: { type: 'string', enum: [...FLOW_GROUPS] },
  },
} as const;

const options = (properties: Record<string, object>) => ({ type: 'object', additionalProperties: false, required: ['underlying'], properties: { underlying: symbol, ...expirationFilter, ...properties } }) as const;

/** Per query type, its options. */
const OPTIONS = {
  flow: flowOptionsSchema,
  ladder: options({ measure: { type: 'string', enum: ['volume', 'premium'] }, lastMinutes: { type: 'integer', minimum: 1, maximum: 1440 } }),
  chain: options({ limit: { type: 'integer', minimum: 1, maximum: 500 } }),
  contracts: options({ putCall: { type: 'string', enum: ['C', 'P'] }, strikes, limit: { type: 'integer', minimum: 1, maximum: 20 } }),
  gex: options({}),
  // Buckets by the query's interval (the last snapshot of each).
  maxpain: options({}),
  unusual: options({
    lastMinutes: { type: 'integer', minimum: 1, maximum: 1440 },
    minRatio: { type: 'number', minimum: 0, maximum: 1e6, description: 'volume / open interest at least (default 1.25)' },
    minVolume: { type: 'integer', minimum: 0, maximum: MAX_INT4, description: 'volume above (default 500)' },
    minOpenInterest: { type: 'integer', minimum: 0, maximum: MAX_INT4, description: 'open interest above (default 100)' },
    minPrice: { type: 'number', minimum: 0, maximum: 1e6, description: 'latest mark above (default 0.10)' },
    hotFactor: { type: 'number', exclusiveMinimum: 0, maximum: 1e6, description: 'hot: latest interval above this × the mean interval (default 3)' },
    limit: { type: 'integer', minimum: 1, maximum: 500 },
  }),
} as const;

export const QUERY_TYPES = Object.keys(OPTIONS) as Array<keyof typeof OPTIONS>;

export const queryRequestSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['range', 'queries'],
  properties: {
    range: { type: 'object', additionalProperties: false, required: ['from', 'to'], properties: { from: time, to: time } },
    maxDataPoints: { type: 'integer', minimum: 1, maximum: LIMITS.maxDataPoints },
    wait: { type: 'number', minimum: 0, maximum: LIMITS.maxWaitSeconds, description: 'long-poll: seconds to hold the answer until new data is committed' },
    noContentWhenUnchanged: { type: 'boolean', description: 'answer 204 No Content when nothing was committed since any query\'s cursor (keep the cursors)' },
    queries: {
      type: 'array',
      minItems: 1,
      maxItems: LIMITS.maxQueries,
      items: {
        type: 'object',
        required: ['refId', 'type', 'options'],
        discriminator: { propertyName: 'type' },
        oneOf: QUERY_TYPES.map((type) => ({
          type: 'object',
          additionalProperties: false,
          required: ['refId', 'type', 'options'],
          properties: {
            refId: { type: 'string', minLength: 1, maxLength: 64 },
            type: { const: type },
            interval: { type: 'string', enum: ['auto', ...INTERVAL_NAMES] },
            cursor: { type: 'string', maxLength: 1024, pattern: '^[A-Za-z0-9_-]+([.][A-Za-z0-9_-]+)?$', description: 'a cursor this API issued (signed: a tampered one is a 400)' },
            options: OPTIONS[type],
          },
        })),
      },
    },
  },
} as const;

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
        required: ['refId', 'interval', 'frames', 'cursor', 'reset'],
        properties: {
          refId: { type: 'string' },
          interval: { type: 'string', enum: INTERVAL_NAMES },
          frames: { type: 'array', items: frameSchema },
          cursor: { type: 'string', description: 'send it back with the same query for only what is new' },
          reset: { type: 'boolean', description: 'true: the frames carry the full range; replace what you hold' },
        },
      },
    },
  },
} as const;

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
      properties: { backend: { type: 'string', enum: ['embedded', 'server'] }, serverVersion: { type: 'string' }, timescaledb: { type: ['string', 'null'] } },
    },
    underlyings: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['underlying', 'latest', 'ingestLagSeconds'],
        properties: { underlying: { type: 'string' }, latest: { type: 'string', format: 'date-time' }, ingestLagSeconds: { type: 'number' } },
      },
    },
    lastIngestNotifiedAt: { type: ['string', 'null'] },
    error: { type: 'string', description: 'with the token: why not ok (the details are logged, not sent)' },
  },
} as const;

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
