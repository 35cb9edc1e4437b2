import { FLOW_GROUPS, FLOW_METRICS } from './flow-sql.ts';
import { INTERVAL_NAMES } from './intervals.ts';

/**
 * JSON Schemas of the API: Fastify validates every request against them (a 400 names the field),
 * and /api/openapi.json is built from the same objects.
 */
export const LIMITS = {
  maxQueries: 20,
  maxWaitSeconds: 30,
  maxDataPoints: 20_000,
  /** Rows (points across all series) one answer may carry. */
  maxPointsPerAnswer: 100_000,
  bodyBytes: 64 * 1024,
} as const;

const time = { description: 'epoch milliseconds or an ISO 8601 time', anyOf: [{ type: 'number' }, { type: 'string', format: 'date-time' }] } as const;
const date = { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$' } as const;
const symbol = { type: 'string', pattern: '^[A-Za-z0-9._/$-]{1,16}$' } as const;

const expirationFilter = {
  expirations: { type: 'array', items: date, maxItems: 100 },
  dte: { type: 'object', additionalProperties: false, properties: { min: { type: 'integer', minimum: 0 }, max: { type: 'integer', minimum: 0 } } },
  zeroDte: { type: 'boolean' },
} as const;
const strikes = { type: 'object', additionalProperties: false, properties: { min: { type: 'number' }, max: { type: 'number' } } } as const;

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
          properties: {
            refId: { type: 'string', minLength: 1, maxLength: 64 },
            type: { const: type },
            interval: { type: 'string', enum: ['auto', ...INTERVAL_NAMES] },
            cursor: { type: 'string', maxLength: 512 },
            options: OPTIONS[type],
          },
        })),
      },
    },
  },
} as const;

const frameSchema = {
  type: 'object',
  properties: {
    name: { type: 'string' },
    fields: {
      type: 'array',
      items: {
        type: 'object',
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
  properties: {
    results: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          refId: { type: 'string' },
          interval: { type: 'string' },
          frames: { type: 'array', items: frameSchema },
          cursor: { type: 'string', description: 'send it back with the same query for only what is new' },
          reset: { type: 'boolean', description: 'true: the frames carry the full range; replace what you hold' },
        },
      },
    },
  },
} as const;

export const expirationsQuerySchema = {
  type: 'object',
  additionalProperties: false,
  required: ['underlying'],
  properties: { underlying: symbol, from: time, to: time },
} as const;
