import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { MAX_DATE_MS } from './validation.ts';

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
 *
 * Cursors are signed (HMAC-SHA256 with the database's API secret, see secret.ts): the database
 * snapshot in them reaches SQL, so only what this API (on this database) issued is trusted.
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

/** What a cursor sent by a client turned out to be. */
export type DecodedCursor =
  | { kind: 'valid'; cursor: Cursor }
  /** Unsigned (versions 1–3, from before signing): nothing in it is trusted; answered as without a cursor. */
  | { kind: 'legacy' };

export class CursorError extends Error {}

const VERSION = 4;
/** Bytes of the HMAC kept: 128 bits, more than enough against forgery, and short. */
const MAC_BYTES = 16;
const NOT_OURS = 'cursor: not a cursor issued by this API';

export function fingerprint(parts: unknown): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('base64url').slice(0, 22);
}

const mac = (key: Uint8Array, payload: string) =>
  createHmac('sha256', key).update(payload).digest().subarray(0, MAC_BYTES);

export function encodeCursor(cursor: Cursor, key: Uint8Array): string {
  const payload = Buffer.from(
    JSON.stringify([
      VERSION,
      cursor.fingerprint,
      cursor.last,
      cursor.latest,
      cursor.snapshot,
      cursor.to,
      cursor.instance,
      cursor.generation,
    ])
  ).toString('base64url');
  return `${payload}.${mac(key, payload).toString('base64url')}`;
}

// Times stored by the loader may lie outside the range requests may ask for; within what a Date holds is enough.
const time = (v: unknown) => v === null || (typeof v === 'number' && Math.abs(v) <= MAX_DATE_MS);
// xid8 values: at most 20 digits; a bounded in-progress list.
const SNAPSHOT = /^\d{1,20}:\d{1,20}:(\d{1,20}(,\d{1,20}){0,1000})?$/;

/**
 * Verifies and decodes a cursor: signed with `key` (this database's secret) → valid; an unsigned
 * cursor of an earlier version → legacy; anything else (tampered, forged, from another database,
 * garbage) → CursorError (a 400). The shape is checked after the signature too (defence in depth,
 * e.g. if the secret ever leaked): a signed cursor still cannot carry values SQL would reject.
 */
export function decodeCursor(text: string, key: Uint8Array): DecodedCursor {
  const dot = text.indexOf('.');
  if (dot < 0) {
    if (isLegacy(text)) return { kind: 'legacy' };
    throw new CursorError(NOT_OURS);
  }
  const payload = text.slice(0, dot);
  const given = Buffer.from(text.slice(dot + 1), 'base64url');
  if (given.length !== MAC_BYTES || !timingSafeEqual(given, mac(key, payload))) throw new CursorError(NOT_OURS);
  const parsed = parseJson(Buffer.from(payload, 'base64url').toString('utf8'));
  if (!Array.isArray(parsed) || parsed.length !== 8 || parsed[0] !== VERSION) throw new CursorError(NOT_OURS);
  const [, fp, last, latest, snapshot, to, instance, generation] = parsed as unknown[];
  const watermarked =
    (instance === null && generation === null) ||
    (typeof instance === 'string' &&
      instance.length <= 64 &&
      Number.isSafeInteger(generation) &&
      (generation as number) >= 0);
  if (
    typeof fp !== 'string' ||
    fp.length > 64 ||
    !time(last) ||
    !time(latest) ||
    !time(to) ||
    typeof snapshot !== 'string' ||
    !SNAPSHOT.test(snapshot) ||
    !watermarked
  ) {
    throw new CursorError(NOT_OURS);
  }
  return {
    kind: 'valid',
    cursor: {
      fingerprint: fp,
      last: last as number | null,
      latest: latest as number | null,
      snapshot,
      to: to as number | null,
      instance: instance as string | null,
      generation: generation as number | null,
    },
  };
}

/** An unsigned cursor as versions 1–3 wrote it: a base64url JSON array starting with its version. */
function isLegacy(text: string): boolean {
  const parsed = parseJson(Buffer.from(text, 'base64url').toString('utf8'));
  if (!Array.isArray(parsed)) return false;
  return (
    (parsed[0] === 1 && parsed.length === 5) ||
    (parsed[0] === 2 && parsed.length === 6) ||
    (parsed[0] === 3 && parsed.length === 8)
  );
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
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
