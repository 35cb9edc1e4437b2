import { uncoversStoredRows } from './cursor.ts';
import type { Cursor } from './cursor.ts';

/** What the API's notifier knows now about commits for one underlying (see IngestNotifier). */
export interface Watermark {
  /** The notifier's instance id (random per process). */
  instance: string;
  /** Whether its LISTEN connection is up (it was continuously up since any generation still current). */
  listening: boolean;
  /** The generation of the last notification that may concern the underlying (0: none yet). */
  changedAt: number;
}

/**
 * Decides, without the database, that nothing was committed for a flow query's underlying since its
 * cursor, and returns the cursor of that "unchanged" answer (its snapshot and generation stay: no
 * new snapshot was taken); null means: ask the database. The cursor's generation was sampled before
 * its snapshot was taken, so a commit that snapshot does not see notified after the sample, and
 * bumped the underlying's generation past it. That holds only for the same notifier and with no
 * notification possibly lost since. The stored rows' newest time is the cursor's own `latest` then,
 * so the rule for windows that moved past stored rows is decided with it.
 */
export function unchangedByWatermark(cursor: Cursor, rangeTo: number, watermark: Watermark): Cursor | null {
  if (cursor.instance !== watermark.instance || cursor.generation === null || cursor.to === null) return null;
  if (!watermark.listening || watermark.changedAt > cursor.generation) return null;
  if (uncoversStoredRows(cursor, rangeTo, cursor.latest)) return null;
  return { ...cursor, to: Math.max(rangeTo, cursor.to) };
}
