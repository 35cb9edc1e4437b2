import { SESSION_TIME_ZONE } from '@optflow/contract';

/**
 * US equity-option sessions in New York time: Monday to Friday, 09:30 to 16:15 (index options
 * trade until 16:15). Exchange holidays are not known here: on one, live mode long-polls as on a
 * trading day and simply receives nothing.
 */
const OPEN_MINUTE = 9 * 60 + 30;
const CLOSE_MINUTE = 16 * 60 + 15;
const MINUTE_MS = 60_000;

const newYork = new Intl.DateTimeFormat('en-US', {
  timeZone: SESSION_TIME_ZONE,
  hourCycle: 'h23',
  weekday: 'short',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
});
const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

/** Day of week (0 = Sunday) and milliseconds since New York midnight. */
function wallClock(ms: number): { day: number; msOfDay: number } {
  const parts = Object.fromEntries(newYork.formatToParts(new Date(ms)).map((p) => [p.type, p.value]));
  const msOfDay = ((Number(parts.hour) * 60 + Number(parts.minute)) * 60 + Number(parts.second)) * 1000 + (ms % 1000);
  return { day: WEEKDAYS.indexOf(parts.weekday ?? ''), msOfDay };
}

export function isMarketOpen(ms: number): boolean {
  const { day, msOfDay } = wallClock(ms);
  return day >= 1 && day <= 5 && msOfDay >= OPEN_MINUTE * MINUTE_MS && msOfDay < CLOSE_MINUTE * MINUTE_MS;
}

/**
 * Milliseconds from `ms` until the next session opens (0 while one is open). Steps to whole New
 * York hours, and from 03:00 on a weekday straight to the open: daylight-saving changes happen at
 * 02:00, so no step crosses one with a wall-clock difference.
 */
export function msUntilNextOpen(ms: number): number {
  if (isMarketOpen(ms)) {
    return 0;
  }
  const HOUR_MS = 60 * MINUTE_MS;
  let t = ms;
  for (let i = 0; i < 24 * 8 && !isMarketOpen(t); i++) {
    const { day, msOfDay } = wallClock(t);
    const weekday = day >= 1 && day <= 5;
    t +=
      weekday && msOfDay >= 3 * HOUR_MS && msOfDay < OPEN_MINUTE * MINUTE_MS
        ? OPEN_MINUTE * MINUTE_MS - msOfDay
        : HOUR_MS - (msOfDay % HOUR_MS);
  }
  return t - ms;
}
