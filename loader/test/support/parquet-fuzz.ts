import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parquetMetadata } from 'hyparquet';
import { parquetWriteBuffer } from 'hyparquet-writer';
import type { Database } from '@optflow/db';
import { DEFAULT_SAMPLE, loadFile, SAMPLE_COLUMNS, SAMPLE_SCHEMA, sampleDay } from '../../src/index.ts';
import type { FileSummary, SampleBatch, SampleOptions } from '../../src/index.ts';
import type { Random } from '../../src/sample/random.ts';

/**
 * The Parquet fuzz of issues 14 and 18, shared by loader/test/parquet-fuzz.test.ts (300 files per
 * CI run) and bench/fuzz.ts (1,000+): small sample days, each on a date of its own (so no row is a
 * duplicate of another file's and every bad value meets the database), spoilt one way each — bad
 * values and wrong column types written into the file, or its bytes truncated, flipped (footer,
 * page headers, data pages) or given a wrong magic — then loaded with the real loader. Seeded:
 * the same seed makes the same files.
 */

/** A tiny day: 2 contracts × 14 snapshots, 3 row groups (5, 5 and 4 snapshots). */
const DAY: SampleOptions = {
  ...DEFAULT_SAMPLE,
  strikes: 1,
  expirations: 1,
  intervalSeconds: 1800,
  snapshotsPerRowGroup: 5,
};
const FIRST_DAY = Date.UTC(2001, 0, 1);
const OPTIONS = { timeZone: 'America/New_York', overrides: {} };

type Batch = SampleBatch & Record<string, unknown[]>;
type ValueSpoil = (b: Batch, row: number, random: Random) => void;

/** Values written into one row of the file (the row is picked at random). */
const VALUES: Record<string, ValueSpoil> = {
  'missing volume': (b, i) => ((b.totalVolume as unknown[])[i] = null),
  '+Infinity mark': (b, i) => (b.mark[i] = Infinity),
  '-Infinity bid': (b, i) => (b.bid[i] = -Infinity),
  'NaN ask': (b, i) => (b.ask[i] = NaN),
  'infinite greek': (b, i) => (b.gamma[i] = Infinity),
  'negative volume': (b, i) => (b.totalVolume[i] = -5n),
  'huge volume': (b, i, r) => (b.totalVolume[i] = r.next() < 0.5 ? 10n ** 15n : 2n ** 62n + 1n),
  'negative price': (b, i) => (b.mark[i] = -1e300),
  'null symbol': (b, i) => ((b.symbol as unknown[])[i] = null),
  'NUL in symbol': (b, i) => (b.symbol[i] = `${b.symbol[i]}\0`),
  'absurd time': (b, i, r) => (b.processDateTime[i] = new Date(r.next() < 0.5 ? Date.UTC(10000, 0, 1) : -1e13)),
  'null time': (b, i) => ((b.processDateTime as unknown[])[i] = null),
  'huge open interest': (b, i) => (b.openInterest[i] = 2n ** 62n),
  'huge multiplier': (b, i) => (b.multiplier[i] = 1e308),
};

/** A column written with another type than the collector's (the whole column, every row group). */
const RETYPED: Record<
  string,
  { column: keyof SampleBatch; type: 'BYTE_ARRAY' | 'INT64' | 'DOUBLE'; value: (row: number) => unknown }
> = {
  'totalVolume as text': {
    column: 'totalVolume',
    type: 'BYTE_ARRAY',
    value: (i) => (i % 3 === 0 ? 'many' : String(i)),
  },
  'mark as text': { column: 'mark', type: 'BYTE_ARRAY', value: () => 'n/a' },
  'time as text': {
    column: 'processDateTime',
    type: 'BYTE_ARRAY',
    value: (i) => (i % 2 === 0 ? 'yesterday' : '2001-01-01 10:00:00'),
  },
  'symbol as a number': { column: 'symbol', type: 'INT64', value: (i) => BigInt(i) },
  'strike as text': { column: 'strikePrice', type: 'BYTE_ARRAY', value: () => 'ATM' },
  'expiration as a double': { column: 'expirationDate', type: 'DOUBLE', value: () => 1e300 },
};

/** Byte-level damage to a well-formed file. */
const BYTES: Record<string, (bytes: Buffer, random: Random) => Buffer> = {
  truncated: (bytes, r) => bytes.subarray(0, Math.floor(r.next() * bytes.length)),
  'wrong magic (head)': (bytes) => Buffer.concat([Buffer.from('PAR0'), bytes.subarray(4)]),
  'wrong magic (tail)': (bytes) => Buffer.concat([bytes.subarray(0, bytes.length - 4), Buffer.from('PARX')]),
  'footer bit flip': (bytes, r) =>
    flipBit(bytes, footerStart(bytes) + Math.floor(r.next() * (bytes.length - 8 - footerStart(bytes))), r),
  'page header bit flip': (bytes, r) => {
    const starts = chunkStarts(bytes);
    return flipBit(bytes, starts[Math.floor(r.next() * starts.length)]! + Math.floor(r.next() * 24), r);
  },
  'data page bit flip': (bytes, r) => {
    const starts = chunkStarts(bytes);
    const k = Math.floor(r.next() * starts.length);
    const end = starts.find((s) => s > starts[k]!) ?? footerStart(bytes);
    return flipBit(bytes, starts[k]! + 24 + Math.floor(r.next() * Math.max(1, end - starts[k]! - 24)), r);
  },
  'bit flips anywhere': (bytes, r) => {
    let out = bytes;
    for (let n = 1 + Math.floor(r.next() * 4); n > 0; n--) out = flipBit(out, Math.floor(r.next() * bytes.length), r);
    return out;
  },
};

/** Page header flips, which once hung the loader, three times as often as the rest. */
export const MUTATIONS = [...Object.keys(VALUES), ...Object.keys(RETYPED), ...Object.keys(BYTES)];
const PICKED = [...MUTATIONS, 'page header bit flip', 'page header bit flip'];

function flipBit(bytes: Buffer, at: number, random: Random): Buffer {
  const out = Buffer.from(bytes);
  if (at >= 0 && at < out.length) out[at]! ^= 1 << Math.floor(random.next() * 8);
  return out;
}

function footerStart(bytes: Buffer): number {
  return bytes.length - 8 - bytes.readUInt32LE(bytes.length - 8);
}

/** Where each column chunk starts (its first page header), in file order. */
function chunkStarts(bytes: Buffer): number[] {
  const metadata = parquetMetadata(new Uint8Array(bytes).buffer);
  return metadata.row_groups
    .flatMap((g) => g.columns.map((c) => Number(c.meta_data!.dictionary_page_offset || c.meta_data!.data_page_offset)))
    .sort((a, b) => a - b);
}

/** The batches as the sample's Parquet, one row group each, `retyped`'s column replaced (the sample writer would refuse nulls). */
function writeBatches(path: string, batches: Batch[], retyped?: (typeof RETYPED)[string]): void {
  const schema = SAMPLE_SCHEMA.map((e) =>
    e.name === retyped?.column
      ? {
          name: e.name,
          repetition_type: e.repetition_type,
          type: retyped.type,
          ...(retyped.type === 'BYTE_ARRAY' ? { converted_type: 'UTF8' as const } : {}),
        }
      : e
  );
  const rows = batches.flatMap((b) => b.symbol.map((_, i) => ({ b, i })));
  writeFileSync(
    path,
    new Uint8Array(
      parquetWriteBuffer({
        schema,
        rowGroupSize: batches.map((b) => b.symbol.length),
        columnData: SAMPLE_COLUMNS.map((name) => ({
          name,
          data: rows.map(({ b, i }, row) => (name === retyped?.column ? retyped.value(row) : b[name][i])),
        })),
      })
    )
  );
}

/** Writes fuzz file `index` into `dir`: a day of its own, spoilt by one mutation picked by `random`. */
export function writeFuzzFile(dir: string, index: number, random: Random): { path: string; mutation: string } {
  const mutation = PICKED[Math.floor(random.next() * PICKED.length)]!;
  const date = new Date(FIRST_DAY + index * 86_400_000).toISOString().slice(0, 10);
  const path = join(dir, `SPX.X.${date}.parquet`);
  const batches = [...sampleDay({ ...DAY, date, seed: index + 1 })] as Batch[];
  const spoilValue = VALUES[mutation];
  const retyped = RETYPED[mutation];
  if (spoilValue) {
    const batch = batches[Math.floor(random.next() * batches.length)]!;
    spoilValue(batch, Math.floor(random.next() * batch.symbol.length), random);
    writeBatches(path, batches);
  } else if (retyped) {
    writeBatches(path, batches, retyped);
  } else {
    writeBatches(path, batches);
    writeFileSync(path, BYTES[mutation]!(readFileSync(path), random));
  }
  return { path, mutation };
}

export interface FuzzResult {
  path: string;
  mutation: string;
  seconds: number;
  /** The summary, or why there is none: the load threw (a crash) or outlived the cap (a hang). */
  outcome: { summary: FileSummary } | { crash: string } | { hang: true };
  /** Ways the file's outcome breaks the rules (see fuzzProblems). */
  problems: string[];
}

/** Loads one fuzz file with the loader, within `capMs`, and checks what it left in the database. */
export async function loadFuzzFile(
  db: Database,
  file: { path: string; mutation: string },
  capMs: number
): Promise<FuzzResult> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const cap = new Promise<'hang'>((resolve) => (timer = setTimeout(() => resolve('hang'), capMs)));
  let outcome: FuzzResult['outcome'];
  try {
    const result = await Promise.race([loadFile(db, file.path, OPTIONS), cap]);
    outcome = result === 'hang' ? { hang: true } : { summary: result };
  } catch (error) {
    outcome = { crash: error instanceof Error ? (error.stack ?? error.message) : String(error) };
  } finally {
    clearTimeout(timer);
  }
  const seconds = (performance.now() - started) / 1000;
  const problems =
    'summary' in outcome
      ? await fuzzProblems(db, outcome.summary)
      : ['hang' in outcome ? `no outcome within ${capMs} ms` : `the load threw: ${outcome.crash}`];
  return { ...file, seconds, outcome, problems };
}

/**
 * What must hold for every file: it ends loaded, partial or failed; a failure's message is one
 * line naming the file; optflow.files agrees with the summary and is never left 'loading'; the
 * file's stored quotes are exactly the rows its committed row groups inserted (no partial data).
 */
async function fuzzProblems(db: Database, s: FileSummary): Promise<string[]> {
  const problems: string[] = [];
  if (!['loaded', 'partial', 'failed'].includes(s.status)) problems.push(`status ${s.status}`);
  if (s.error !== null && (!s.error.startsWith(`${s.path}: `) || s.error.includes('\n')))
    problems.push(`error not one line naming the file: ${JSON.stringify(s.error)}`);
  const consistent =
    s.status === 'failed'
      ? s.error !== null
      : s.status === 'loaded'
        ? s.error === null && s.rejected === 0
        : (s.error === null && s.rejected > 0) ||
          (s.error !== null && s.failedRowGroup !== null && s.rowGroups.loaded > 0);
  if (!consistent)
    problems.push(
      `status ${s.status} with ${s.rejected} rejected, row groups ${JSON.stringify(s.rowGroups)} and error ${JSON.stringify(s.error)}`
    );
  const { rows } = await db.query<{
    status: string;
    error: string | null;
    rows_inserted: number;
    rejected: number;
    quotes: number;
  }>(
    `SELECT f.status, f.error, f.rows_inserted::int, f.rejected::int,
       (SELECT count(*)::int FROM optflow.quotes q WHERE q.file_id = f.id) AS quotes
     FROM optflow.files f WHERE f.path = $1`,
    [s.path]
  );
  const f = rows[0];
  if (!f) return [...problems, 'no optflow.files row'];
  if (f.status !== s.status || f.error !== s.error)
    problems.push(`optflow.files says ${f.status} (${f.error}), the load ${s.status} (${s.error})`);
  if (f.quotes !== f.rows_inserted || f.quotes !== s.inserted)
    problems.push(`${f.quotes} quotes stored, optflow.files counts ${f.rows_inserted}, the load ${s.inserted}`);
  if (f.rejected !== s.rejected) problems.push(`${f.rejected} rejected in optflow.files, ${s.rejected} in the load`);
  return problems;
}

/** Rows of quotes and of every flow aggregate holding a non-finite number. */
export async function nonFiniteRows(db: Database): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of ['quotes', 'flow_1m', 'flow_5m', 'flow_1h', 'flow_1d']) {
    const { rows } = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM optflow.${table} t WHERE t::text ~ '(Infinity|NaN)'`
    );
    counts[table] = rows[0]!.n;
  }
  return counts;
}

/** Files left 'loading' (a load that neither finished nor recorded its failure). */
export async function filesLeftLoading(db: Database): Promise<number> {
  const { rows } = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM optflow.files WHERE status = 'loading'`
  );
  return rows[0]!.n;
}

/** The figures of a fuzz run, as the README reports them. */
export function fuzzFigures(results: FuzzResult[]) {
  const summaries = results.flatMap((r) => ('summary' in r.outcome ? [r.outcome.summary] : []));
  return {
    files: results.length,
    loaded: summaries.filter((s) => s.status === 'loaded').length,
    partialRejectedRows: summaries.filter((s) => s.status === 'partial' && s.failedRowGroup === null).length,
    partialFailedRowGroup: summaries.filter((s) => s.status === 'partial' && s.failedRowGroup !== null).length,
    failed: summaries.filter((s) => s.status === 'failed').length,
    hangs: results.filter((r) => 'hang' in r.outcome).length,
    crashes: results.filter((r) => 'crash' in r.outcome).length,
    unnamedFailures: summaries.filter(
      (s) => s.error !== null && (!s.error.startsWith(`${s.path}: `) || s.error.includes('\n'))
    ).length,
    withProblems: results.filter((r) => r.problems.length > 0).length,
    maxSecondsPerFile: Math.max(0, ...results.map((r) => r.seconds)),
  };
}
