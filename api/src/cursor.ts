import { createHash } from 'node:crypto';

/**
 * The opaque cursor an incremental answer carries. It remembers which query it belongs to (a
 * fingerprint of everything but the time range), the start of the last bucket returned (the next
 * answer starts there: that bucket may still have been filling), the newest snapshot then stored
 * (long-poll answers at once when a newer one exists) and the database snapshot the answer was read
 * in (a snapshot row older than `last` written by a transaction that snapshot did not see is a
 * backfill, and the client must start over), and the end of the range answered (a later range that
 * reaches past it may uncover rows stored before the cursor: data beyond a window's end is not
 * "nothing new" for a window that has moved on). It also carries the commit watermark sampled before
 * that snapshot (the API instance and its notification generation), with which an unchanged refresh
 * is answered without the database (watermark.ts).
 */
export interface Cursor {
  fingerprint: string;
  last: number | null;
  latest: number | null;
  /** pg_snapshot text, e.g. "1042:1045:1043". */
  snapshot: string;
  /** End of the range answered (epoch ms); null in cursors issued before it was recorded. */
  to: number | null;
  /** The API instance whose notifier's generation this is; null in cursors before version 3. */
  instance: string | null;
  /** That notifier's generation, sampled before `snapshot` was taken; null before version 3. */
  generation: number | null;
}

export class CursorError extends Error {}

export function fingerprint(parts: unknown): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('base64url').slice(0, 22);
}

export function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify([3, cursor.fingerprint, cursor.last, cursor.latest, cursor.snapshot, cursor.to, cursor.instance, cursor.generation])).toString('base64url');
}

export function decodeCursor(text: string): Cursor {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    throw new CursorError('cursor: not a cursor issued by this API');
  }
  const numberOrNull = (v: unknown) => v === null || (typeof v === 'number' && Number.isFinite(v));
  // Versions 1 (without the range end) and 2 (without the watermark) are still accepted from clients
  // holding one across an upgrade; they are answered from the database.
  if (!Array.isArray(parsed)) throw new CursorError('cursor: not a cursor issued by this API');
  const watermarked = (parsed[6] === null && parsed[7] === null) || (typeof parsed[6] === 'string' && Number.isSafeInteger(parsed[7]) && (parsed[7] as number) >= 0);
  const shaped = (parsed[0] === 1 && parsed.length === 5) || (parsed[0] === 2 && parsed.length === 6 && numberOrNull(parsed[5]))
    || (parsed[0] === 3 && parsed.length === 8 && numberOrNull(parsed[5]) && watermarked);
  if (!shaped || typeof parsed[1] !== 'string' || !numberOrNull(parsed[2]) || !numberOrNull(parsed[3]) || typeof parsed[4] !== 'string' || !/^\d+:\d+:[\d,]*$/.test(parsed[4])) {
    throw new CursorError('cursor: not a cursor issued by this API');
  }
  return { fingerprint: parsed[1], last: parsed[2] as number | null, latest: parsed[3] as number | null, snapshot: parsed[4], to: (parsed[5] ?? null) as number | null,
    instance: (parsed[6] ?? null) as string | null, generation: (parsed[7] ?? null) as number | null };
}

/**
 * Whether a query over a range ending at `to` may find stored rows its cursor's answer did not
 * cover although nothing was committed since: the range reaches past the previous end and data
 * newer than that end is stored (or the cursor does not know its end).
 */
export function uncoversStoredRows(cursor: Cursor, to: number, latest: number | null): boolean {
  if (cursor.to === null) return true;
  return to > cursor.to && latest !== null && latest >= cursor.to;
}
