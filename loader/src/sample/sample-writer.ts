import { renameSync } from 'node:fs';
import { fileWriter, ParquetWriter } from 'hyparquet-writer';
import type { SchemaElement } from 'hyparquet';
import { SAMPLE_COLUMNS, sampleDay } from './sample-day.ts';
import type { SampleBatch, SampleOptions } from './sample-day.ts';

/** Parquet types of the TDA collector's columns (what pandas/pyarrow writes for them). */
const TYPES: Record<keyof SampleBatch, Omit<SchemaElement, 'name'>> = {
  symbol: { type: 'BYTE_ARRAY', converted_type: 'UTF8' },
  putCall: { type: 'BYTE_ARRAY', converted_type: 'UTF8' },
  strikePrice: { type: 'DOUBLE' },
  expirationDate: { type: 'INT64' },
  daysToExpiration: { type: 'INT32' },
  bid: { type: 'DOUBLE' },
  ask: { type: 'DOUBLE' },
  last: { type: 'DOUBLE' },
  mark: { type: 'DOUBLE' },
  bidSize: { type: 'INT32' },
  askSize: { type: 'INT32' },
  totalVolume: { type: 'INT64' },
  volatility: { type: 'DOUBLE' },
  delta: { type: 'DOUBLE' },
  gamma: { type: 'DOUBLE' },
  theta: { type: 'DOUBLE' },
  vega: { type: 'DOUBLE' },
  rho: { type: 'DOUBLE' },
  openInterest: { type: 'INT64' },
  multiplier: { type: 'DOUBLE' },
  underlyingPrice: { type: 'DOUBLE' },
  quoteTimeInLong: { type: 'INT64' },
  // Naive (not UTC-adjusted) microseconds: New York wall time, as pandas writes a naive datetime.
  processDateTime: { type: 'INT64', logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: false, unit: 'MICROS' } },
};

export const SAMPLE_SCHEMA: SchemaElement[] = [
  { name: 'schema', num_children: SAMPLE_COLUMNS.length },
  ...SAMPLE_COLUMNS.map((name) => ({ name, repetition_type: 'OPTIONAL' as const, ...TYPES[name] })),
];

export interface SampleSummary {
  path: string;
  rows: number;
  rowGroups: number;
  snapshots: number;
  contracts: number;
}

/**
 * Writes the sample day to `path` (through a temporary file renamed into place, so a watcher never
 * sees half a file); `onRowGroup` reports progress.
 */
export async function writeSampleDay(
  path: string,
  options: SampleOptions,
  onRowGroup: (rowsSoFar: number) => void = () => undefined
): Promise<SampleSummary> {
  return writeSampleBatches(path, sampleDay(options), onRowGroup);
}

/**
 * Writes batches in the sample layout to `path`, one row group each, the way a collector does:
 * to a temporary file renamed into place. Also how tests and benchmarks write days split their way.
 */
export function writeSampleBatches(
  path: string,
  batches: Iterable<SampleBatch>,
  onRowGroup: (rowsSoFar: number) => void = () => undefined
): SampleSummary {
  const temporary = `${path}.partial`;
  const writer = new ParquetWriter({
    writer: fileWriter(temporary),
    schema: SAMPLE_SCHEMA,
    createdBy: 'optflow sample',
  });
  let rows = 0;
  let rowGroups = 0;
  let snapshots = 0;
  for (const batch of batches) {
    writer.write({
      columnData: SAMPLE_COLUMNS.map((name) => ({ name, data: batch[name] })),
      rowGroupSize: batch.symbol.length,
    });
    rows += batch.symbol.length;
    rowGroups++;
    snapshots += new Set(batch.processDateTime.map((d) => d.getTime())).size;
    onRowGroup(rows);
  }
  writer.finish();
  renameSync(temporary, path);
  return { path, rows, rowGroups, snapshots, contracts: snapshots === 0 ? 0 : rows / snapshots };
}
