export { assertTimeZone, SESSION_TIME_ZONE, sessionBounds, utcToWallTime, wallDate, wallTimeToUtc } from './session-time.ts';
