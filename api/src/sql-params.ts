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

export const ZONE = `'America/New_York'`;

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
