import { SESSION_TIME_ZONE } from '@optflow/contract';
/**
 * Bind parameters for SQL builders: each value becomes `$n::type`, so user values never reach SQL
 * text. The expiration filters every query type shares live here too.
 */
export class Params {
  readonly values: unknown[] = [];

  add(value: unknown, type: string): string {
    this.values.push(value);
    return `$${this.values.length}::${type}`;
  }
}

/** The session zone as an SQL literal (a constant from the contract, not user input). */
export const ZONE = `'${SESSION_TIME_ZONE}'`;

/** The underlying's last known price before `end` (SQL expressions, e.g. bind parameters). */
export function spotBefore(underlying: string, end: string): string {
  return `(SELECT underlying_price FROM optflow.quotes WHERE underlying = ${underlying} AND quote_time < ${end} AND underlying_price IS NOT NULL ORDER BY quote_time DESC LIMIT 1)`;
}

export interface ExpirationFilter {
  expirations?: string[];
  /** Days to expiration, inclusive, from the New York date of the row's time. */
  dte?: { min?: number; max?: number };
  zeroDte?: boolean;
}

/** `expiration` conditions, with days to expiration counted from the New York date of `time`. */
export function expirationConditions(filter: ExpirationFilter, time: string, p: Params): string[] {
  const dte = daysToExpiration(time);
  const where: string[] = [];
  if (filter.expirations?.length) where.push(`expiration = ANY(${p.add(filter.expirations, 'date[]')})`);
  if (filter.zeroDte) where.push(`${dte} = 0`);
  if (filter.dte?.min !== undefined) where.push(`${dte} >= ${p.add(filter.dte.min, 'int')}`);
  if (filter.dte?.max !== undefined) where.push(`${dte} <= ${p.add(filter.dte.max, 'int')}`);
  return where;
}

export function daysToExpiration(time: string): string {
  return `(expiration - (${time} AT TIME ZONE ${ZONE})::date)`;
}
