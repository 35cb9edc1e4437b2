// optflow.files, the ledger of loaded files: what is known of a file, whether it needs loading
// (decideLoad, pure), and the writes that record a load's start, end or failure.
import type { Database } from '@optflow/db';
import type { FileSummary } from './file-outcome.ts';

/** A file as the ledger knows it. */
export interface KnownFile {
  size: number;
  mtime: Date;
  status: string;
  contentHash: string | null;
  error: string | null;
}

export interface FileStat {
  size: number;
  mtime: Date;
}

/**
 * - 'load': new, rewritten, or not complete (a load stopped part-way continues);
 * - 'unchanged': complete, and the same size and mtime;
 * - 'hash': complete but touched or rewritten: the content's hash decides (ask again with it);
 * - 'touched': complete and the same content under a new mtime (copied, touched): nothing to load.
 */
export type LoadDecision = 'load' | 'unchanged' | 'hash' | 'touched';

/** Whether every row group of the file as it was then is in the database. */
function isComplete(known: KnownFile | undefined): known is KnownFile {
  // A partial file with an error stopped at a failed row group: not complete, loaded again.
  return known !== undefined && (known.status === 'loaded' || (known.status === 'partial' && known.error === null));
}

/** `hash`: the content's sha256, null when not computed yet. */
export function decideLoad(known: KnownFile | undefined, stat: FileStat, hash: string | null): LoadDecision {
  if (!isComplete(known)) return 'load';
  if (known.size === stat.size && known.mtime.getTime() === stat.mtime.getTime()) return 'unchanged';
  if (hash === null) return 'hash';
  return known.contentHash === hash ? 'touched' : 'load';
}

/**
 * How many leading bytes of the file were loaded completely before: the size of the earlier load
 * when the file has only grown since (`prefixHash`, the sha256 of its first known.size bytes, is the
 * earlier content's hash: a collector appended to it); else 0.
 */
export function loadedPrefix(known: KnownFile | undefined, prefixHash: string | null): number {
  return isComplete(known) && prefixHash !== null && known.contentHash === prefixHash ? known.size : 0;
}

export async function readKnownFile(db: Database, path: string): Promise<KnownFile | undefined> {
  const { rows } = await db.query<{
    size: number;
    mtime: Date;
    status: string;
    content_hash: string | null;
    error: string | null;
  }>(`SELECT size, mtime, status, content_hash, error FROM optflow.files WHERE path = $1`, [path]);
  const r = rows[0];
  return r && { size: Number(r.size), mtime: r.mtime, status: r.status, contentHash: r.content_hash, error: r.error };
}

/** Same content, new size or mtime: remembered, so the next look needs no hash. */
export async function touchFile(db: Database, path: string, stat: FileStat): Promise<void> {
  await db.query(`UPDATE optflow.files SET size = $2, mtime = $3, updated_at = now() WHERE path = $1`, [
    path,
    stat.size,
    stat.mtime,
  ]);
}

/** Registers a load starting (counters reset: they count this load); returns the file's id. */
export async function startFile(
  db: Database,
  path: string,
  stat: FileStat,
  contentHash: string | null
): Promise<number> {
  const { rows } = await db.query<{ id: number }>(
    `INSERT INTO optflow.files (path, size, mtime, content_hash, status) VALUES ($1, $2, $3, $4, 'loading')
     ON CONFLICT (path) DO UPDATE SET size = EXCLUDED.size, mtime = EXCLUDED.mtime, content_hash = EXCLUDED.content_hash, status = 'loading', error = NULL,
       rows_read = 0, rows_inserted = 0, duplicates = 0, rejected = 0, anomalies = 0, updated_at = now()
     RETURNING id`,
    [path, stat.size, stat.mtime, contentHash]
  );
  return rows[0]!.id;
}

export async function finishFile(db: Database | null, fileId: number, summary: FileSummary): Promise<FileSummary> {
  if (db) {
    await db.query(`UPDATE optflow.files SET status = $2, error = $3, updated_at = now() WHERE id = $1`, [
      fileId,
      summary.status,
      summary.error,
    ]);
  }
  return summary;
}

/** A file that failed before its load started (unreadable, unmappable): recorded with the reason. */
export async function recordFailure(db: Database | null, summary: FileSummary, stat: FileStat): Promise<FileSummary> {
  if (db) {
    await db.query(
      `INSERT INTO optflow.files (path, size, mtime, status, error) VALUES ($1, $2, $3, 'failed', $4)
       ON CONFLICT (path) DO UPDATE SET size = EXCLUDED.size, mtime = EXCLUDED.mtime, status = 'failed', error = EXCLUDED.error, updated_at = now()`,
      [summary.path, stat.size, stat.mtime, summary.error]
    );
  }
  return summary;
}
