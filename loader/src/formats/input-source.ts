// A file to load, whatever its format: its row groups and columns, opened on the main thread
// (Parquet: the footer; JSON: where its documents are), and one row group read as columns on the
// reading thread. Everything after the columns is the same for every format.
import { open } from 'node:fs/promises';
import { basename } from 'node:path';
import { columnRange, openParquet } from '../parquet/parquet-reader.ts';
import type { ParquetSource } from '../parquet/parquet-reader.ts';
import { detectFormat } from './detect-format.ts';
import { openJsonSource } from './json-source.ts';
import type { JsonSource } from './json-source.ts';
import type { RowGroupInfo } from './row-group.ts';

export type InputSource = ParquetSource | JsonSource;

export async function openSource(path: string): Promise<InputSource> {
  const format = detectFormat(basename(path), await readHead(path));
  return format === 'json' ? openJsonSource(path) : openParquet(path);
}

/** A time column's range in a row group, when the format keeps statistics (Parquet); else null. */
export function timeRange(
  source: InputSource,
  group: RowGroupInfo,
  column: string
): { min: number; max: number } | null {
  return source.kind === 'parquet' ? columnRange(source, group, column) : null;
}

/** The first bytes, for detectFormat; none when unreadable (the reader then says why). */
async function readHead(path: string): Promise<Uint8Array> {
  const handle = await open(path, 'r').catch(() => null);
  if (!handle) return new Uint8Array(0);
  try {
    const head = Buffer.alloc(64);
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    return head.subarray(0, bytesRead);
  } catch {
    return new Uint8Array(0);
  } finally {
    await handle.close();
  }
}
