// Wall-clock time in a named zone ↔ UTC, with the platform's tz database (Intl): collectors write
// naive New York timestamps, the volume rules work per New York trading date, and daily flow
// buckets are New York sessions.

/** The zone of trading sessions: a session is a New York calendar date. */
export const SESSION_TIME_ZONE = 'America/New_York';

const DAY_MS = 86_400_000;
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** Throws a clear error for a zone name the tz database does not know. */
export function assertTimeZone(timeZone: string): void {
  try {
    formatter(timeZone);
  } catch {
    throw new Error(`unknown time zone "${timeZone}" (expected an IANA name such as America/New_York)`);
  }
}

/**
 * Intl is slow (microseconds a call) and a trading day has only a few hundred distinct snapshot
 * times among a million rows: conversions are memoized per zone and instant, in bounded maps.
 */
function memoized(fn: (ms: number, timeZone: string) => number): (ms: number, timeZone: string) => number {
  const caches = new Map<string, Map<number, number>>();
  return (ms, timeZone) => {
    let cache = caches.get(timeZone);
    if (!cache) caches.set(timeZone, (cache = new Map()));
    let result = cache.get(ms);
    if (result === undefined) {
      if (cache.size >= 100_000) cache.clear();
      result = fn(ms, timeZone);
      cache.set(ms, result);
    }
    return result;
  };
}

/** The wall-clock reading in `timeZone` at instant `utcMs`, expressed as if it were UTC milliseconds. */
export const utcToWallTime = memoized(computeUtcToWallTime);

function computeUtcToWallTime(utcMs: number, timeZone: string): number {
  const parts = Object.fromEntries(
    formatter(timeZone)
      .formatToParts(new Date(utcMs))
      .map((p) => [p.type, p.value])
  );
  const wall = Date.UTC(+parts.year!, +parts.month! - 1, +parts.day!, +parts.hour!, +parts.minute!, +parts.second!);
  return wall + (utcMs - Math.floor(utcMs / 1000) * 1000);
}

/**
 * The instant at which clocks in `timeZone` read `wallMs` (a naive timestamp as UTC milliseconds).
 * In a spring-forward gap the result is an hour later; in a fall-back overlap, the first instant.
 */
export const wallTimeToUtc = memoized(computeWallTimeToUtc);

function computeWallTimeToUtc(wallMs: number, timeZone: string): number {
  const matches = instantsOf(wallMs, timeZone);
  if (matches.length > 0) return Math.min(...matches);
  return wallMs - offsetBefore(wallMs, timeZone); // in a gap: the offset from before the jump reads an hour later
}

/**
 * The later instant at which clocks in `timeZone` read `wallMs` when they read it twice (the
 * repeated hour of a fall-back: 01:30 EST, not EDT); otherwise the same as wallTimeToUtc.
 */
export const wallTimeToUtcLater = memoized((wallMs: number, timeZone: string): number => {
  const matches = instantsOf(wallMs, timeZone);
  return matches.length > 1 ? Math.max(...matches) : wallTimeToUtc(wallMs, timeZone);
});

/** Whether clocks in `timeZone` read `wallMs` twice (a fall-back's repeated hour). */
export function isRepeatedWallTime(wallMs: number, timeZone: string): boolean {
  return wallTimeToUtcLater(wallMs, timeZone) !== wallTimeToUtc(wallMs, timeZone);
}

// Offsets (wall − UTC) a day either side cover any transition near this reading.
function offsetBefore(wallMs: number, timeZone: string): number {
  return utcToWallTime(wallMs - DAY_MS, timeZone) - (wallMs - DAY_MS);
}

/** The instants at which clocks in `timeZone` read `wallMs`: none (a gap), one, or two (an overlap). */
function instantsOf(wallMs: number, timeZone: string): number[] {
  const before = offsetBefore(wallMs, timeZone);
  const after = utcToWallTime(wallMs + DAY_MS, timeZone) - (wallMs + DAY_MS);
  const candidates = before === after ? [wallMs - before] : [wallMs - before, wallMs - after];
  return candidates.filter((utc) => utcToWallTime(utc, timeZone) === wallMs);
}

/** `YYYY-MM-DD` of the instant in `timeZone` (the trading date of a quote, in New York). */
export function wallDate(utcMs: number, timeZone: string): string {
  // Memoized through utcToWallTime; whole days in UTC-ms terms give the date without toISOString.
  const days = Math.floor(utcToWallTime(utcMs, timeZone) / DAY_MS);
  let date = dateStrings.get(days);
  if (date === undefined) {
    date = new Date(days * DAY_MS).toISOString().slice(0, 10);
    dateStrings.set(days, date);
  }
  return date;
}

const dateStrings = new Map<number, string>();

/**
 * The session holding `utcMs` as [start, end): New York midnight to the next (23, 24 or 25 hours),
 * the bounds of a daily flow bucket.
 */
export function sessionBounds(utcMs: number, timeZone = SESSION_TIME_ZONE): { start: number; end: number } {
  const day = Math.floor(utcToWallTime(utcMs, timeZone) / DAY_MS) * DAY_MS;
  return { start: wallTimeToUtc(day, timeZone), end: wallTimeToUtc(day + DAY_MS, timeZone) };
}
