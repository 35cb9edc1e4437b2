import { parentPort } from 'node:worker_threads';
import { errorMessage } from '@optflow/db';
import { LoadError, toLoadErrorData } from '../load-error.ts';
import { RepeatedHourTracker } from '../contracts/repeated-hour.ts';
import { contractOf, emptyQuote, rowNormalizer, secondPassRows } from '../contracts/quote-row.ts';
import { openParquet, readRowGroup, rowAt } from '../parquet/parquet-reader.ts';
import type { ParquetSource, RowGroupColumns } from '../parquet/parquet-reader.ts';
import { readJsonRowGroup } from '../formats/json-source.ts';
import type { BatchReply, BatchRequest } from './batch-reader.ts';
import { BatchEncoder } from './encoded-batch.ts';
import type { EncodedBatch } from './encoded-batch.ts';
import { keyOrder } from './key-order.ts';

/**
 * The reading thread: reads a row group, normalizes its rows and encodes them for COPY in key order,
 * so the main thread (which, embedded, also runs the database) only applies the volume rules and writes.
 */
let open: { key: string; source: Promise<ParquetSource> | null; repeatedHour: RepeatedHourTracker } | null = null;

async function encodeRowGroup(request: BatchRequest): Promise<EncodedBatch> {
  const key = `${request.openId}:${request.path}`;
  if (open?.key !== key) open = { key, source: null, repeatedHour: new RepeatedHourTracker() };
  const { repeatedHour } = open;
  // A JSON document is read from where the main thread found it, as columns like a Parquet row group's.
  const data = request.group.document
    ? await readJsonRowGroup(request.path, request.group)
    : await readParquetRowGroup(request, (open.source ??= openParquet(request.path)));
  // Before the key order below: a repeated hour's passes are told apart in file order.
  const times = data.columns.get(request.ctx.map.time!) ?? [];
  const normalize = rowNormalizer(
    data.columns,
    request.ctx,
    secondPassRows(times, data.length, request.ctx, repeatedHour)
  );
  const encoder = new BatchEncoder(data.length);
  const quote = emptyQuote();
  const symbols = data.columns.get(request.ctx.map.symbol!) ?? [];
  for (const i of keyOrder(data.length, (row) => contractOf(symbols[row]))) {
    const reason = normalize(i, quote);
    if (reason === null) encoder.add(quote);
    else encoder.reject({ rowNumber: request.group.rowStart + i + 1, reason, raw: rowAt(data, i) });
  }
  return encoder.finish();
}

async function readParquetRowGroup(request: BatchRequest, opened: Promise<ParquetSource>): Promise<RowGroupColumns> {
  const source = await opened;
  const group = source.rowGroups[request.group.index];
  if (group?.rowStart !== request.group.rowStart || group.rowEnd !== request.group.rowEnd) {
    throw new LoadError(
      request.path,
      request.group.index,
      `the file changed while it was being loaded (row group ${request.group.index} differs)`
    );
  }
  return readRowGroup(source, request.group, request.columns);
}

parentPort!.on('message', (request: BatchRequest) => {
  encodeRowGroup(request).then(
    (batch) => {
      const reply: BatchReply = { id: request.id, batch };
      const buffers = [
        batch.payload,
        batch.rowStart,
        batch.quoteTime,
        batch.totalVolume,
        batch.mark,
        batch.multiplier,
        batch.implausible,
        batch.contract,
        batch.underlying,
        batch.groups.rows,
        batch.groups.start,
        batch.groups.contract,
      ].map((a) => a.buffer);
      parentPort!.postMessage(reply, [...new Set(buffers)] as ArrayBuffer[]);
    },
    (error: unknown) => {
      const failure =
        error instanceof LoadError
          ? error
          : new LoadError(
              request.path,
              request.group.index,
              `row group ${request.group.index}: ${errorMessage(error)}`
            );
      const reply: BatchReply = { id: request.id, error: toLoadErrorData(failure) };
      parentPort!.postMessage(reply);
    }
  );
});
