/**
 * How a file's load ended, in words that name it: the outcomes a load can have (README, "Loading")
 * and the one-line reasons stored in optflow.files.error and printed.
 */

/** A reason without a leading "path: " (the reading thread names the file itself). */
function withoutPath(path: string, reason: string): string {
  return reason.startsWith(`${path}: `) ? reason.slice(path.length + 2) : reason;
}

/**
 * The one-line reason of a load stopped at row group `failedGroup`, naming the file and the row
 * group, and when earlier row groups are in the database (committed now or before), how many:
 * `/data/x.parquet: 3 of 8 row groups loaded; row group 3 …: <reason>`.
 */
export function rowGroupFailure(path: string, failedGroup: number, loaded: number, total: number, reason: string): string {
  let rest = withoutPath(path, reason.replace(/\s*\n[\s\S]*$/, '')); // one line: no stack or detail below it
  if (!rest.startsWith(`row group ${failedGroup} `) && !rest.startsWith(`row group ${failedGroup}:`)) rest = `row group ${failedGroup}: ${rest}`;
  return `${path}: ${loaded > 0 ? `${loaded} of ${total} row groups loaded; ` : ''}${rest}`;
}

/** A failure outside any row group (opening, bookkeeping), naming the file once. */
export function fileFailure(path: string, reason: string): string {
  return `${path}: ${withoutPath(path, reason.replace(/\s*\n[\s\S]*$/, ''))}`;
}
