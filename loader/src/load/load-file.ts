import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { errorMessage, isConnectionLoss } from '@optflow/db';
import type { Database } from '@optflow/db';
import { refreshFlowAggregates } from '@optflow/migrations';
import { mapColumns } from '../contracts/column-map.ts';
import type { ColumnMap } from '../contracts/column-map.ts';
import { underlyingFromFileName } from '../contracts/symbol.ts';
import { openSource, timeRange } from '../formats/input-source.ts';
import type { InputSource } from '../formats/input-source.ts';
import { isStorableTime, wallTimeToUtc } from '@optflow/contract';
import type { RowGroupInfo } from '../formats/row-group.ts';
import type { RowContext } from '../contracts/quote-row.ts';
import { newOpenId, readEncodedBatch } from './batch-reader.ts';
import type { EncodedBatch } from './encoded-batch.ts';
import { LoadError, reasonFor } from '../load-error.ts';
import {
  decideLoad,
  finishFile,
  loadedPrefix,
  readKnownFile,
  recordFailure,
  startFile,
  touchFile,
} from './file-ledger.ts';
import type { FileStat } from './file-ledger.ts';
import { emptySummary, fileFailure, rowGroupFailure } from './file-outcome.ts';
import type { FileStatus, FileSummary } from './file-outcome.ts';
import { writeBatch } from './quote-writer.ts';
import type { KnownStates } from './quote-writer.ts';

export interface LoadOptions {
  timeZone: string;
  underlying?: string | undefined;
  overrides: ColumnMap;
  /** Interval volume per contract beyond which a jump of the total is an anomaly (IntervalVolume's default when unset). */
  maxIntervalVolume?: number | undefined;
  /** Stop between commits when aborted (SIGTERM in watch). */
  signal?: AbortSignal | undefined;
}

/** A file opened for reading: its row groups and how its columns map to quotes. */
interface Input {
  source: InputSource;
  ctx: RowContext;
  columns: string[];
  /** Identifies this opening to the reading thread (a rewritten file must be read afresh). */
  openId: number;
}

/** The file opened and mapped, or why it cannot be. */
async function openInput(path: string, options: LoadOptions): Promise<Input | LoadError> {
  let source: InputSource;
  try {
    source = await openSource(path);
  } catch (error) {
    return error instanceof LoadError ? error : new LoadError(path, null, errorMessage(error), { cause: error });
  }
  const mapped = mapColumns(source.columns, options.overrides);
  if (!mapped.ok) return new LoadError(path, null, mapped.reason);
  const ctx: RowContext = {
    map: mapped.map,
    timeZone: options.timeZone,
    naiveTime: source.naiveTimestampColumns.has(mapped.map.time!),
    underlyingOverride: options.underlying,
    underlyingFromFile: underlyingFromFileName(path),
  };
  return { source, ctx, columns: [...new Set(Object.values(mapped.map))], openId: newOpenId() };
}

/**
 * A row group being read on the reading thread. Its batch is taken once (the read then holds no
 * reference to it: a batch is tens of MB); a read no longer wanted is cancelled.
 */
interface Read {
  take(): Promise<EncodedBatch>;
  cancel(): void;
}

function startRead(input: Input, group: RowGroupInfo): Read {
  const abort = new AbortController();
  let batch: Promise<EncodedBatch> | null = readEncodedBatch(
    { path: input.source.path, openId: input.openId, columns: input.columns, ctx: input.ctx, group },
    abort.signal
  );
  batch.catch(() => undefined); // a read error is reported when its turn comes; a cancelled read never is
  return {
    take() {
      if (!batch) throw new Error(`row group ${group.index} of ${input.source.path} was taken already`);
      const taken = batch;
      batch = null;
      return taken;
    },
    cancel: () => abort.abort(new Error('read cancelled')),
  };
}

/** A file whose first row group is being read ahead of its load (see prepareFile). */
export interface PreparedFile {
  path: string;
  size: number;
  mtime: Date;
  input: Input;
  first: Read;
}

/**
 * Opens a file and starts reading its first row group before the database is open (embedded,
 * opening it takes seconds): loadFile takes the read over when the file is still as it was, and
 * cancels it otherwise. Null when the file cannot be opened; loadFile then says why.
 */
export async function prepareFile(path: string, options: LoadOptions): Promise<PreparedFile | null> {
  try {
    const info = await stat(path);
    const input = await openInput(path, options);
    const group = input instanceof LoadError ? undefined : input.source.rowGroups[0];
    if (input instanceof LoadError || !group) return null;
    return { path, size: info.size, mtime: info.mtime, input, first: startRead(input, group) };
  } catch {
    return null;
  }
}

/**
 * Loads one file exactly once: each row group commits in one transaction with its bookkeeping.
 * With `db` null (a dry run) every row is read and checked and nothing is written. `prepared`:
 * this file as prepareFile opened it.
 */
export async function loadFile(
  db: Database | null,
  path: string,
  options: LoadOptions,
  onProgress: (rowsRead: number, rowsTotal: number) => void = () => undefined,
  prepared: PreparedFile | null = null
): Promise<FileSummary> {
  // Reads still running at the end (the file turned out unchanged, failed or was interrupted) are
  // cancelled: nothing waits for them.
  const reads = new Set<Read>(prepared ? [prepared.first] : []);
  const started = performance.now();
  try {
    return await load(db, path, options, onProgress, prepared, reads);
  } catch (error) {
    // Only a lost database stops the run (load exits 3, watch waits and retries); anything else
    // unexpected fails this file, named, and the next one loads.
    if (isConnectionLoss(error)) throw error;
    const summary: FileSummary = {
      ...emptySummary(path),
      status: 'failed',
      error: fileFailure(path, reasonFor(path, error)),
      seconds: (performance.now() - started) / 1000,
    };
    try {
      return await recordFailure(db, summary, await stat(path).catch(() => ({ size: 0, mtime: new Date(0) })));
    } catch {
      throw error; // the database cannot even record it: as before, the caller decides
    }
  } finally {
    for (const read of reads) read.cancel();
  }
}

async function load(
  db: Database | null,
  path: string,
  options: LoadOptions,
  onProgress: (rowsRead: number, rowsTotal: number) => void,
  prepared: PreparedFile | null,
  reads: Set<Read>
): Promise<FileSummary> {
  const started = performance.now();
  const summary = emptySummary(path);
  const done = (status: FileStatus, error: string | null = null) => ({
    ...summary,
    status,
    error,
    seconds: (performance.now() - started) / 1000,
  });

  let info: FileStat = { size: 0, mtime: new Date(0) };
  try {
    info = await stat(path);
  } catch (error) {
    return recordFailure(db, done('failed', fileFailure(path, reasonFor(path, error))), info);
  }
  const known = db ? await readKnownFile(db, path) : undefined;
  if (decideLoad(known, info, null) === 'unchanged') return done('unchanged');

  const fresh =
    prepared?.path === path && prepared.size === info.size && prepared.mtime.getTime() === info.mtime.getTime()
      ? prepared
      : null;
  const input = fresh?.input ?? (await openInput(path, options));
  // A file new to the database is read from its first row group on: that read starts now, while the
  // content is hashed and the file registered. (A rewritten one may have row groups to skip.)
  let first = fresh?.first;
  if (!first && !known && !(input instanceof LoadError) && input.source.rowGroups[0])
    first = startRead(input, input.source.rowGroups[0]);
  if (first) reads.add(first);

  let contentHash: string | null = null;
  let prefixHash: string | null = null;
  if (db) {
    try {
      ({ whole: contentHash, prefix: prefixHash } = await sha256(path, known?.size));
    } catch (error) {
      return recordFailure(db, done('failed', fileFailure(path, reasonFor(path, error))), info);
    }
    // Touched or copied, same bytes: nothing to load; remember the new mtime.
    if (decideLoad(known, info, contentHash) === 'touched') {
      await touchFile(db, path, info);
      return done('unchanged');
    }
  }
  if (input instanceof LoadError) return recordFailure(db, done('failed', fileFailure(path, input.reason)), info);
  const { source } = input;

  const fileId = db ? await startFile(db, path, info, contentHash) : 0;
  const skippable = db ? await rowGroupsWithNothingNew(db, fileId, source, input.ctx) : new Set<number>();
  // A JSON file a collector appends to: the documents of the part loaded before are not read again.
  const loadedBytes = source.kind === 'json' ? loadedPrefix(known, prefixHash) : 0;
  for (const g of source.rowGroups) if (g.document && g.document.byteEnd <= loadedBytes) skippable.add(g.index);
  const groups = source.rowGroups.filter((g) => !skippable.has(g.index));
  summary.rowGroupsSkipped = source.rowGroups.length - groups.length;
  summary.rowGroups = { loaded: summary.rowGroupsSkipped, total: source.rowGroups.length };
  // A lost database ends the run (load exits 3, watch retries): the error says where it happened.
  const lost = (group: RowGroupInfo, what: string, error: unknown) =>
    new LoadError(path, group.index, `lost the database connection while ${what} (${errorMessage(error)})`, {
      cause: error,
    });
  // A row group that cannot be read or written ends the file here; the ones committed before stay
  // (a collector may still be writing the file): 'partial' says so, 'failed' when there are none.
  const stopAt = (group: RowGroupInfo, error: unknown) => {
    summary.failedRowGroup = group.index;
    const reason = rowGroupFailure(
      path,
      group.index,
      db ? summary.rowGroups.loaded : 0,
      summary.rowGroups.total,
      reasonFor(path, error)
    );
    return finishFile(db, fileId, done(db && summary.rowGroups.loaded > 0 ? 'partial' : 'failed', reason));
  };
  // The next row group is read and checked while the database stores the current one.
  const prefetch = (group: RowGroupInfo | undefined) => {
    if (!group) return null;
    if (first && group.index === 0) return first;
    const read = startRead(input, group);
    reads.add(read);
    return read;
  };
  // Counted once committed (read, in a dry run): a failed row group's rows are in no count.
  const countRowGroup = (batch: EncodedBatch) => {
    summary.rowGroups.loaded++;
    summary.rowsRead += batch.length + batch.rejected.length;
    summary.rejected += batch.rejected.length;
  };
  // A JSON file's documents are snapshots of their own: a bad one is reported, the next ones still
  // load (a Parquet file stops at a failed row group: its later ones may not be written yet).
  let badDocument: { group: RowGroupInfo; error: unknown; count: number } | null = null;
  let next = prefetch(groups[0]);
  let committed: KnownStates = { epoch: -1, states: new Map() };
  for (let g = 0; g < groups.length; g++) {
    if (options.signal?.aborted) return done('interrupted');
    const group = groups[g]!;
    let batch: EncodedBatch;
    try {
      batch = await next!.take();
    } catch (error) {
      if (source.kind === 'parquet') return stopAt(group, error);
      next = prefetch(groups[g + 1]);
      if (badDocument) badDocument.count++;
      else badDocument = { group, error, count: 1 };
      continue;
    }
    next = prefetch(groups[g + 1]);
    if (db) {
      let outcome: Awaited<ReturnType<typeof writeBatch>>;
      try {
        outcome = await db.transaction((s) => writeBatch(s, fileId, batch, committed, options.maxIntervalVolume));
      } catch (error) {
        if (isConnectionLoss(error)) throw lost(group, `committing row group ${group.index}`, error);
        return stopAt(group, error);
      }
      committed = outcome.committed; // the stored states until another writer commits
      summary.inserted += outcome.inserted;
      summary.duplicates += outcome.duplicates;
      summary.anomalies += outcome.anomalies;
      countRowGroup(batch);
      try {
        if (outcome.affected) {
          // Readers woken by the commit's notification (the API's long-polls) go first: embedded, one
          // session serves everyone, and the aggregates answer in real time until refreshed.
          await new Promise((resolve) => setImmediate(resolve));
          await refreshFlowAggregates(db, new Date(outcome.affected.from), new Date(outcome.affected.to));
        }
      } catch (error) {
        if (isConnectionLoss(error))
          throw lost(group, `refreshing the aggregates after row group ${group.index} (committed)`, error);
        return stopAt(group, new Error(`committed, but refreshing its aggregates failed (${errorMessage(error)})`));
      }
    } else {
      countRowGroup(batch);
    }
    // A JSON file's row count is known only once read: estimated from the documents read so far.
    onProgress(summary.rowsRead, source.numRows ?? Math.round((summary.rowsRead / (g + 1)) * groups.length));
  }
  if (badDocument) {
    const more = badDocument.count > 1 ? ` (and ${badDocument.count - 1} more bad documents)` : '';
    return stopAt(badDocument.group, `${reasonFor(path, badDocument.error)}${more}`);
  }
  return finishFile(db, fileId, done(summary.rejected > 0 ? 'partial' : 'loaded'));
}

/**
 * Row groups a rewritten file brings nothing new in: their time statistics end at or before the
 * newest snapshot stored from this file. Only when the groups are in time order: groups commit in
 * file order, so then the stored ones are a prefix and nothing unstored can be skipped.
 */
async function rowGroupsWithNothingNew(
  db: Database,
  fileId: number,
  source: InputSource,
  ctx: { map: ColumnMap; naiveTime: boolean; timeZone: string }
): Promise<Set<number>> {
  const { rows } = await db.query<{ latest: number | null }>(
    `SELECT (extract(epoch FROM max(quote_time)) * 1000)::float8 AS latest FROM optflow.snapshots WHERE file_id = $1`,
    [fileId]
  );
  const latest = rows[0]?.latest ?? null;
  if (latest === null) return new Set();
  // Statistics outside 1970–9999 (a bad row, or a writer's garbage) are unusable, as if absent.
  const ranges = source.rowGroups.map((g) => timeRange(source, g, ctx.map.time!));
  const ordered = ranges.every(
    (r, i) => r !== null && isStorableTime(r.min) && isStorableTime(r.max) && (i === 0 || r.min >= ranges[i - 1]!.max)
  );
  if (!ordered) return new Set();
  const toUtc = (ms: number) => (ctx.naiveTime ? wallTimeToUtc(ms, ctx.timeZone) : ms);
  return new Set(ranges.flatMap((r, i) => (toUtc(r!.max) <= latest ? [i] : [])));
}

/** The content's sha256, and that of its first `prefixBytes` bytes (null when the file is not longer). */
async function sha256(path: string, prefixBytes?: number): Promise<{ whole: string; prefix: string | null }> {
  const hash = createHash('sha256');
  let prefix: string | null = null;
  let read = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    if (prefixBytes !== undefined && prefix === null && read + chunk.length > prefixBytes) {
      hash.update(chunk.subarray(0, prefixBytes - read));
      prefix = hash.copy().digest('hex');
      hash.update(chunk.subarray(prefixBytes - read));
    } else hash.update(chunk);
    read += chunk.length;
  }
  return { whole: hash.digest('hex'), prefix };
}
