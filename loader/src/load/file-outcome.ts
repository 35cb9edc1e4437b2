// How a file's load ended, in words that name it: the outcomes a load can have (README, "Loading")
// and the one-line reasons stored in optflow.files.error and printed.

/** The first line of a reason: no stack or detail below it. */
const firstLine = (reason: string) => reason.replace(/\s*\n[\s\S]*$/, '');

/**
 * The one-line reason of a load stopped at row group `failedGroup`, naming the file and the row
 * group, and when earlier row groups are in the database (committed now or before), how many:
 * `/data/x.parquet: 3 of 8 row groups loaded; row group 3 …: <reason>`.
 */
export function rowGroupFailure(
  path: string,
  failedGroup: number,
  loaded: number,
  total: number,
  reason: string
): string {
  let rest = firstLine(reason);
  if (!rest.startsWith(`row group ${failedGroup} `) && !rest.startsWith(`row group ${failedGroup}:`))
    rest = `row group ${failedGroup}: ${rest}`;
  return `${path}: ${loaded > 0 ? `${loaded} of ${total} row groups loaded; ` : ''}${rest}`;
}

/** A failure outside any row group (opening, bookkeeping), naming the file once. */
export function fileFailure(path: string, reason: string): string {
  return `${path}: ${firstLine(reason)}`;
}

/**
 * How a file's load ended:
 * - 'loaded': every row group is in the database, every row stored (or a duplicate);
 * - 'partial': the file is only partly in the database: rows were rejected (`rejected`), or a row
 *   group failed after earlier ones had been committed, which stay (`failedRowGroup`, `rowGroups`;
 *   `error` says "3 of 8 row groups loaded; row group 3 …: <reason>"). A partial file with a failed
 *   row group is loaded again on the next run, even unchanged;
 * - 'failed': nothing of it was stored by this load (`error` names the file and the row group);
 * - 'unchanged': loaded before, same size and mtime (or content);
 * - 'interrupted': stopped between commits by a signal; the next run continues where it stopped.
 */
export type FileStatus = 'loaded' | 'partial' | 'failed' | 'unchanged' | 'interrupted';

export interface FileSummary {
  path: string;
  status: FileStatus;
  rowsRead: number;
  /** Row groups not read: their statistics show nothing newer than this file's stored snapshots. */
  rowGroupsSkipped: number;
  inserted: number;
  duplicates: number;
  rejected: number;
  anomalies: number;
  /** Row groups in the database (committed now, or before and skipped), of the file's row groups. */
  rowGroups: { loaded: number; total: number };
  /** The row group whose failure stopped the load; null when none did. */
  failedRowGroup: number | null;
  seconds: number;
  error: string | null;
}

export function emptySummary(path: string): FileSummary {
  return {
    path,
    status: 'loaded',
    rowsRead: 0,
    rowGroupsSkipped: 0,
    inserted: 0,
    duplicates: 0,
    rejected: 0,
    anomalies: 0,
    rowGroups: { loaded: 0, total: 0 },
    failedRowGroup: null,
    seconds: 0,
    error: null,
  };
}
