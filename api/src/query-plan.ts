// What a query batch asks, decided before and apart from the database: each query's interval, its
// fingerprint and whether its cursor can be continued from (planQueries), and, given what was
// committed since that cursor, whether the answer is "unchanged", an increment or the full range
// again (decideIncrement). Pure: the route feeds them what it read.
import { fingerprint, uncoversStoredRows } from './cursor.ts';
import type { Cursor, DecodedCursor } from './cursor.ts';
import { autoInterval } from '@optflow/contract';
import type { ApiQuery, IntervalName } from '@optflow/contract';

export type Query = ApiQuery;

export interface Plan {
  query: Query;
  interval: IntervalName;
  /** Everything that identifies the query but its time range. */
  fp: string;
  /** The query's own cursor; null without one, when it belongs to another query or is unsigned (staleCursor). */
  cursor: Cursor | null;
  /** A cursor was sent but cannot be continued from: the answer is the full range, reset. */
  staleCursor: boolean;
}

/**
 * One plan per query. `decode` verifies a cursor (throwing for a tampered or foreign one) and says
 * whether it is valid or an unsigned one from before signing, which counts as none.
 */
export function planQueries(
  queries: readonly Query[],
  range: { from: number; to: number },
  maxDataPoints: number,
  decode: (text: string) => DecodedCursor
): Plan[] {
  return queries.map((query) => {
    const interval =
      !query.interval || query.interval === 'auto' ? autoInterval(range.from, range.to, maxDataPoints) : query.interval;
    const fp = fingerprint([query.type, query.options, interval]);
    const decoded = query.cursor === undefined ? null : decode(query.cursor);
    const cursor = decoded?.kind === 'valid' ? decoded.cursor : null;
    return {
      query,
      interval,
      fp,
      cursor: cursor?.fingerprint === fp ? cursor : null,
      staleCursor: decoded !== null && cursor?.fingerprint !== fp,
    };
  });
}

/** What the database says was committed for the query's underlying since the cursor's snapshot. */
export interface Changes {
  any: boolean;
  /** Something older than the cursor's last bucket: the history the client holds is stale. */
  backfill: boolean;
}

export type Increment =
  /** Nothing to send: the cursor, with the stored rows' newest time and the range's end now. */
  | { kind: 'unchanged'; cursor: Cursor }
  /** Query from `since` (null: the full range); `reset` tells the client to drop what it holds. */
  | { kind: 'query'; since: number | null; reset: boolean };

/**
 * The answer a flow query gets. `changes` is null when the plan has no cursor to continue from;
 * `latest` is the underlying's newest stored snapshot (epoch ms) in this answer's database snapshot.
 */
export function decideIncrement(
  plan: Plan,
  changes: Changes | null,
  latest: number | null,
  rangeTo: number
): Increment {
  const cursor = plan.cursor;
  if (cursor !== null && changes !== null) {
    if (!changes.any && !uncoversStoredRows(cursor, rangeTo, latest)) {
      return { kind: 'unchanged', cursor: { ...cursor, latest, to: Math.max(rangeTo, cursor.to ?? rangeTo) } };
    }
    if (!changes.backfill) return { kind: 'query', since: cursor.last, reset: plan.staleCursor };
  }
  return { kind: 'query', since: null, reset: plan.staleCursor || cursor !== null };
}
