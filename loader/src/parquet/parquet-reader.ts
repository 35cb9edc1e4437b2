import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { asyncBufferFromFile, parquetMetadataAsync, parquetRead, parquetSchema } from 'hyparquet';
import type { AsyncBuffer, FileMetaData, ParquetParsers } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import { errorMessage } from '@optflow/contract';
import { LoadError } from '../load-error.ts';
import { withCheckedPages } from './page-headers.ts';
import type { RowGroupInfo } from '../formats/row-group.ts';

/**
 * Reads collector Parquet files one row group at a time with column projection, so memory stays
 * bounded by a row group. A row group comes back as columns (no per-row objects: a million of them
 * cost more than decoding the file) of plain JS values: timestamps as epoch milliseconds (fractions
 * keep µs/ns), DATE as 'YYYY-MM-DD', int64 as numbers, DECIMAL as numbers, strings as strings; a
 * numeric column as a Float64Array with NaN for null (see joinChunks).
 */
export type { RowGroupInfo };

export interface ParquetSource {
  kind: 'parquet';
  path: string;
  columns: string[];
  numRows: number;
  rowGroups: RowGroupInfo[];
  /** Timestamp columns written without a time zone (isAdjustedToUTC = false): wall-clock time. */
  naiveTimestampColumns: Set<string>;
  file: AsyncBuffer;
  metadata: FileMetaData;
}

const MS_PER_DAY = 86_400_000;

const parsers: Partial<ParquetParsers> = {
  timestampFromMilliseconds: (ms) => Number(ms),
  timestampFromMicroseconds: (us) => Number(us) / 1000,
  timestampFromNanoseconds: (ns) => Number(ns) / 1e6,
  dateFromDays: (days) => new Date(days * MS_PER_DAY).toISOString().slice(0, 10),
};

const MAGIC = 'PAR1';

/**
 * Whether the file is a whole Parquet file as far as its ends tell: the magic at both ends and a
 * footer length that fits. A writer writes the footer last, so a file still being written (or
 * truncated) fails this; false too when it cannot be read.
 */
export async function hasParquetEnds(path: string): Promise<boolean> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(path, 'r');
    const { size } = await handle.stat();
    if (size < 12) return false;
    const head = Buffer.alloc(4);
    const tail = Buffer.alloc(8);
    await handle.read(head, 0, 4, 0);
    await handle.read(tail, 0, 8, size - 8);
    const footerLength = tail.readUInt32LE(0);
    return (
      head.toString('latin1') === MAGIC &&
      tail.toString('latin1', 4) === MAGIC &&
      footerLength > 0 &&
      footerLength + 12 <= size
    );
  } catch {
    return false;
  } finally {
    await handle?.close();
  }
}

export async function openParquet(path: string): Promise<ParquetSource> {
  let file: AsyncBuffer;
  let metadata: FileMetaData;
  let schema: ReturnType<typeof parquetSchema>;
  try {
    file = await asyncBufferFromFile(path);
    if (file.byteLength === 0) throw new Error('empty file');
    metadata = await parquetMetadataAsync(file);
    schema = parquetSchema(metadata); // a corrupt footer's schema can fail to assemble
  } catch (error) {
    const reason = errorMessage(error);
    throw new LoadError(path, null, `not a readable Parquet file (${reason})`, { cause: error });
  }
  const columns = schema.children.map((c) => c.element.name);
  const naiveTimestampColumns = new Set(
    schema.children
      .filter((c) => c.element.logical_type?.type === 'TIMESTAMP' && c.element.logical_type.isAdjustedToUTC === false)
      .map((c) => c.element.name)
  );
  let rowStart = 0;
  const rowGroups = metadata.row_groups.map((group, index) => {
    const info = { index, rowStart, rowEnd: rowStart + Number(group.num_rows) };
    rowStart = info.rowEnd;
    return info;
  });
  // A corrupt footer can lose a row count (NaN never equals itself: the reading thread would take
  // the file for one that changed) or contradict itself.
  const bad = rowGroups.find((g) => !isCount(g.rowEnd - g.rowStart));
  if (bad)
    throw new LoadError(
      path,
      null,
      `not a readable Parquet file (the footer gives row group ${bad.index} no valid row count)`
    );
  if (!isCount(Number(metadata.num_rows)) || rowStart !== Number(metadata.num_rows)) {
    throw new LoadError(
      path,
      null,
      `not a readable Parquet file (the footer's row count ${metadata.num_rows} is not the sum of its row groups', ${rowStart})`
    );
  }
  return {
    kind: 'parquet',
    path,
    columns,
    numRows: Number(metadata.num_rows),
    rowGroups,
    naiveTimestampColumns,
    file,
    metadata,
  };
}

const isCount = (n: number) => Number.isSafeInteger(n) && n >= 0;

/** One row group's projected columns, each `length` values long. */
export interface RowGroupColumns {
  length: number;
  columns: ReadonlyMap<string, ArrayLike<unknown>>;
  /**
   * int64 values beyond ±2^53, exactly, by column and row (their numeric column holds the nearest
   * double): rowAt reports them as read. Usually empty.
   */
  exact: ReadonlyMap<string, ReadonlyMap<number, bigint>>;
}

export async function readRowGroup(
  source: ParquetSource,
  group: RowGroupInfo,
  columns: readonly string[]
): Promise<RowGroupColumns> {
  const length = group.rowEnd - group.rowStart;
  const chunks = new Map<string, Array<{ rowStart: number; data: ArrayLike<unknown> }>>(columns.map((c) => [c, []]));
  const exact = new Map<string, Map<number, bigint>>();
  try {
    await parquetRead({
      file: withCheckedPages(source.file, source.metadata, group.index, columns),
      metadata: source.metadata,
      columns: [...columns],
      rowStart: group.rowStart,
      rowEnd: group.rowEnd,
      compressors,
      parsers,
      onChunk: ({ columnName, columnData, rowStart }) => chunks.get(columnName)?.push({ rowStart, data: columnData }),
    });
    return {
      length,
      columns: new Map([...chunks].map(([name, parts]) => [name, joinChunks(name, parts, group, length, exact)])),
      exact,
    };
  } catch (error) {
    const reason = errorMessage(error);
    throw new LoadError(
      source.path,
      group.index,
      `row group ${group.index} (rows ${group.rowStart}-${group.rowEnd - 1}) is unreadable (${reason})`,
      { cause: error }
    );
  }
}

/** The values of row `i` by column name: for rejected rows and tests, not the hot path. */
export function rowAt(data: RowGroupColumns, i: number): Record<string, unknown> {
  return Object.fromEntries(
    [...data.columns].map(([name, values]) => [name, data.exact.get(name)?.get(i) ?? values[i]])
  );
}

/**
 * A column's page chunks, in row order, as one array. A numeric column (numbers, int64 BigInts and
 * nulls) becomes a Float64Array with NaN for null: the normalizer then reads every numeric column
 * the same way, without boxed values. Other columns (strings, dates) stay plain arrays.
 */
function joinChunks(
  name: string,
  parts: Array<{ rowStart: number; data: ArrayLike<unknown> }>,
  group: RowGroupInfo,
  length: number,
  exact: Map<string, Map<number, bigint>>
): ArrayLike<unknown> {
  parts.sort((a, b) => a.rowStart - b.rowStart);
  const count = parts.reduce((n, p) => n + p.data.length, 0);
  if (count !== length || (parts[0]?.rowStart ?? group.rowStart) !== group.rowStart)
    throw new Error(`column ${name} decoded ${count} of ${length} values`);
  const unsafe = new Map<number, bigint>();
  const numbers = numericValues(
    parts.map((p) => p.data),
    length,
    unsafe
  );
  if (numbers) {
    if (unsafe.size > 0) exact.set(name, unsafe);
    return numbers;
  }
  if (parts.length === 1) return parts[0]!.data;
  const out = new Array<unknown>(length);
  let at = 0;
  for (const { data } of parts) for (let i = 0; i < data.length; i++) out[at++] = data[i];
  return out;
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/**
 * The chunks as one Float64Array (null → NaN), or null when they hold anything but numbers and nulls,
 * or only nulls. BigInts a double cannot hold exactly go into `unsafe` by row as well.
 */
function numericValues(
  chunks: Array<ArrayLike<unknown>>,
  length: number,
  unsafe: Map<number, bigint>
): Float64Array | null {
  const first = chunks.find((data) => data.length > 0)?.[0];
  if (typeof first === 'string' || typeof first === 'boolean') return null; // not numeric: no buffer allocated for it
  const out = new Float64Array(length);
  let at = 0;
  let numbers = 0;
  for (const data of chunks) {
    if (ArrayBuffer.isView(data) && !(data instanceof BigInt64Array) && !(data instanceof BigUint64Array)) {
      out.set(data as ArrayLike<number>, at);
      at += data.length;
      numbers += data.length;
      continue;
    }
    for (let i = 0; i < data.length; i++) {
      const v = data[i];
      if (typeof v === 'number') {
        out[at++] = v;
        numbers++;
      } else if (v === null || v === undefined) {
        out[at++] = NaN;
      } else if (typeof v === 'bigint') {
        if (v > MAX_SAFE || v < -MAX_SAFE) unsafe.set(at, v);
        out[at++] = Number(v);
        numbers++;
      } else {
        return null;
      }
    }
  }
  return numbers > 0 ? out : null;
}

/**
 * Min and max of a column in a row group from the file's statistics, as numbers (timestamps as
 * epoch ms, as written: naive ones are wall time); null when the writer kept no usable statistics.
 */
export function columnRange(
  source: ParquetSource,
  group: RowGroupInfo,
  column: string
): { min: number; max: number } | null {
  const chunk = source.metadata.row_groups[group.index]?.columns.find((c) => c.meta_data?.path_in_schema[0] === column);
  const stats = chunk?.meta_data?.statistics;
  const min = toMs(stats?.min_value ?? stats?.min);
  const max = toMs(stats?.max_value ?? stats?.max);
  return min === null || max === null ? null : { min, max };
}

function toMs(v: unknown): number | null {
  if (v instanceof Date) return v.getTime();
  if (typeof v === 'bigint' || typeof v === 'number') return Number(v);
  return null;
}
