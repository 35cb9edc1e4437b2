import { LIMITS, MAX_TIME_MS, MIN_TIME_MS } from '@optflow/contract';

/**
 * The validation step after the JSON Schemas and before any query: what a schema cannot say
 * (ISO times with offsets, calendar dates, from < to), with the same bounds the schemas document.
 * Pure; a failure is a BadRequest (400) naming the field.
 */
export class BadRequest extends Error {}

/** An answer of more points than a panel can draw is refused, saying what to narrow. */
export function checkPoints(count: number): void {
  if (count > LIMITS.maxPointsPerAnswer)
    throw new BadRequest(
      `more than ${LIMITS.maxPointsPerAnswer} points; choose a coarser interval, a shorter range or fewer expirations`
    );
}

/** The largest |epoch ms| a JavaScript Date holds (beyond it toISOString throws). */
export const MAX_DATE_MS = 8.64e15;
const TIME_RANGE = 'must be within years 1970–9999 (epoch ms 0 to 253402300799999)';

/** A request time: epoch ms (a number, or digits in a query string) or an ISO 8601 time. */
export function parseTime(t: number | string, field: string): number {
  const ms = typeof t === 'number' ? t : /^\d+$/.test(t) ? Number(t) : Date.parse(t);
  if (!Number.isFinite(ms)) throw new BadRequest(`${field}: not a time`);
  if (ms < MIN_TIME_MS || ms > MAX_TIME_MS) throw new BadRequest(`${field}: ${TIME_RANGE}`);
  return ms;
}

/** Whether `d` is a real calendar date YYYY-MM-DD within years 1970–9999 (2023-02-30 is not). */
export function isCalendarDate(d: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(d);
  if (!m) return false;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (year < 1970 || month < 1 || month > 12 || day < 1) return false;
  // Day 0 of the next month is the last day of this one (leap years included).
  return day <= new Date(Date.UTC(year, month, 0)).getUTCDate();
}

export interface CheckedRange {
  from: number;
  to: number;
}

interface RequestShape {
  range: { from: number | string; to: number | string };
  queries: ReadonlyArray<{ options: { expirations?: readonly string[]; metric?: string; cumulative?: boolean } }>;
}

/**
 * The query body beyond its schema: the range (epoch ms, from < to), the expiration dates, and no
 * running total of a price.
 */
export function checkQueryRequest(body: RequestShape): CheckedRange {
  const range = { from: parseTime(body.range.from, 'body/range/from'), to: parseTime(body.range.to, 'body/range/to') };
  if (range.to <= range.from) throw new BadRequest('range: "to" must be after "from"');
  body.queries.forEach((q, i) => {
    for (const d of q.options.expirations ?? []) {
      if (!isCalendarDate(d))
        throw new BadRequest(`body/queries/${i}/options/expirations: "${d}" is not a calendar date`);
    }
    if (q.options.metric === 'spot' && q.options.cumulative)
      throw new BadRequest(`body/queries/${i}/options/cumulative: spot is a price, it has no running total`);
  });
  return range;
}

/** /api/expirations: optional from and to (epoch ms digits or ISO). */
export function checkExpirationsQuery(query: { from?: string; to?: string }): {
  from: number | null;
  to: number | null;
} {
  return {
    from: query.from === undefined ? null : parseTime(query.from, 'querystring/from'),
    to: query.to === undefined ? null : parseTime(query.to, 'querystring/to'),
  };
}
