/**
 * Wall-clock time in a named zone ↔ UTC, with the platform's tz database (Intl): collectors write
 * naive New York timestamps, and the volume rules work per New York trading date.
 */
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

/** The wall-clock reading in `timeZone` at instant `utcMs`, expressed as if it were UTC milliseconds. */
export function utcToWallTime(utcMs: number, timeZone: string): number {
  const parts = Object.fromEntries(formatter(timeZone).formatToParts(new Date(utcMs)).map((p) => [p.type, p.value]));
  const wall = Date.UTC(+parts.year!, +parts.month! - 1, +parts.day!, +parts.hour!, +parts.minute!, +parts.second!);
  return wall + (utcMs - Math.floor(utcMs / 1000) * 1000);
}

/**
 * The instant at which clocks in `timeZone` read `wallMs` (a naive timestamp as UTC milliseconds).
 * In a spring-forward gap the result is an hour later; in a fall-back overlap, the first instant.
 */
export function wallTimeToUtc(wallMs: number, timeZone: string): number {
  // Offsets (wall − UTC) a day either side cover any transition near this reading.
  const before = utcToWallTime(wallMs - DAY_MS, timeZone) - (wallMs - DAY_MS);
  const after = utcToWallTime(wallMs + DAY_MS, timeZone) - (wallMs + DAY_MS);
  const matches = [wallMs - before, wallMs - after].filter((utc) => utcToWallTime(utc, timeZone) === wallMs);
  if (matches.length > 0) return Math.min(...matches);
  return wallMs - before; // in a gap: the offset from before the jump reads an hour later
}

/** `YYYY-MM-DD` of the instant in `timeZone` (the trading date of a quote, in New York). */
export function wallDate(utcMs: number, timeZone: string): string {
  return new Date(utcToWallTime(utcMs, timeZone)).toISOString().slice(0, 10);
}
