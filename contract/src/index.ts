export { assertTimeZone, isRepeatedWallTime, SESSION_TIME_ZONE, sessionBounds, utcToWallTime, wallDate, wallTimeToUtc, wallTimeToUtcLater } from './session-time.ts';
export { ANOMALIES, ANOMALY_CODES, isStorableTime, MAX_TIME_MS, MIN_TIME_MS } from './stored-values.ts';
export type { Anomaly } from './stored-values.ts';
