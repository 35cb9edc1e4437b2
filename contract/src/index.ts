export {
  assertTimeZone,
  isRepeatedWallTime,
  SESSION_TIME_ZONE,
  sessionBounds,
  utcToWallTime,
  wallDate,
  wallTimeToUtc,
  wallTimeToUtcLater,
} from './session-time.ts';
export { ANOMALIES, ANOMALY_CODES, isStorableTime, MAX_INT4, MAX_TIME_MS, MIN_TIME_MS } from './stored-values.ts';
export type { Anomaly } from './stored-values.ts';
export { errorMessage } from './error-message.ts';
export { blackScholes, normalCdf } from './black-scholes.ts';
export type { OptionValue } from './black-scholes.ts';
export { autoInterval, FLOW_AGGREGATES, INTERVAL_NAMES, INTERVALS } from './intervals.ts';
export type { FlowAggregateInterval, IntervalName } from './intervals.ts';
export {
  errorSchema,
  EXPOSURE_GREEKS,
  IV_MEASURES,
  QUOTE_RULE_METRICS,
  expirationsQuerySchema,
  expirationsResponseSchema,
  FLOW_GROUPS,
  FLOW_METRICS,
  healthResponseSchema,
  LIMITS,
  OPTIONS_SCHEMAS,
  QUERY_TYPES,
  queryRequestSchema,
  queryResponseSchema,
  SERIES_QUERY_TYPES,
  SYMBOL_PATTERN,
  underlyingsResponseSchema,
  YEAR_1970_9999,
} from './api-schemas.ts';
export type {
  ApiField,
  ApiFrame,
  ApiHealth,
  ApiQuery,
  ApiQueryRequest,
  ApiQueryResponse,
  ApiResult,
  ApiValue,
  ExposureGreek,
  IvMeasure,
  QuoteRuleMetric,
  FlowGroup,
  FlowMetric,
  QueryOptions,
  QueryType,
} from './api-schemas.ts';
