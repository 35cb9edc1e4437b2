// A row group: the unit the loader reads on its thread and commits in one transaction. A Parquet
// file has its own; a JSON file's are its documents (one snapshot each, see json-source.ts).

/** Where a JSON document is in its file: 1-based line and its bytes [byteStart, byteEnd). */
export interface DocumentRange {
  line: number;
  byteStart: number;
  byteEnd: number;
}

export interface RowGroupInfo {
  index: number;
  /**
   * Rows [rowStart, rowEnd) of the file; row numbers are rowStart + 1 on. A JSON document's row
   * count is known only once it is parsed: its rows are numbered from line × ROWS_PER_LINE (see
   * documentRowStart) and rowEnd is rowStart.
   */
  rowStart: number;
  rowEnd: number;
  /** Set for a JSON document. */
  document?: DocumentRange;
}

/**
 * Row numbers of a JSON document: line 3's 7th contract is row 3000007, readable as both, and the
 * same in every load of a growing file (optflow.rejected_rows is keyed by file and row number).
 */
export const ROWS_PER_LINE = 1_000_000;

export function documentRowStart(line: number): number {
  return line * ROWS_PER_LINE;
}

/** How messages name a row group: `row group 3 (rows 100-199)`, or `row group 3 (line 4)` for a JSON document. */
export function describeRowGroup(group: RowGroupInfo): string {
  const where = group.document ? `line ${group.document.line}` : `rows ${group.rowStart}-${group.rowEnd - 1}`;
  return `row group ${group.index} (${where})`;
}
