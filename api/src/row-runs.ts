// Rows read ordered by a key come as runs of equal keys (one snapshot's contracts, say): the
// answers that measure each snapshot walk them run by run.

/** Consecutive runs of rows for which `sameRun(first of the run, row)` holds. */
export function* runsOf<R>(rows: readonly R[], sameRun: (first: R, row: R) => boolean): Generator<R[]> {
  for (let start = 0; start < rows.length;) {
    const first = rows[start]!;
    let end = start + 1;
    while (end < rows.length && sameRun(first, rows[end]!)) end++;
    yield rows.slice(start, end);
    start = end;
  }
}
