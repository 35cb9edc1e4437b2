import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Database } from '@optflow/db';
import { testServerUrl } from '@optflow/db/testing';
import type { TestDatabase } from '@optflow/db/testing';
import { openMigratedTestDatabase } from '@optflow/migrations/testing';
import { DEFAULT_SAMPLE, loadFile, prepareFile, sampleDay, writeSampleBatches, writeSampleDay } from '../src/index.ts';
import type { SampleBatch, SampleOptions } from '../src/index.ts';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { readerHeapCap, readsRequested, setReaderHeapCap } from '../src/load/batch-reader.ts';

const dir = mkdtempSync(join(tmpdir(), 'optflow-load-'));
const options = { timeZone: 'America/New_York', overrides: {} };
const day: SampleOptions = { ...DEFAULT_SAMPLE, strikes: 3, expirations: 2, snapshotsPerRowGroup: 30, seed: 11 };

const writeBatches = (path: string, batches: SampleBatch[]): string => writeSampleBatches(path, batches).path;

async function snapshot(db: Database) {
  const quotes = await db.query(
    `SELECT contract, quote_time, total_volume, volume, signed_volume, round(premium::numeric, 6)::text AS premium, mark FROM optflow.quotes ORDER BY contract, quote_time`
  );
  const flow = await db.query(
    `SELECT bucket, expiration, call_volume, put_volume, net_volume, round(net_premium::numeric, 4)::text AS net_premium, net_signed_volume, quotes FROM optflow.flow_1m ORDER BY bucket, expiration`
  );
  return { quotes: quotes.rows, flow: flow.rows };
}

describe(`loading files (${testServerUrl() ? 'server' : 'embedded'})`, () => {
  const dbs: TestDatabase[] = [];
  let whole: string;
  let parts: string[];
  before(async () => {
    whole = (await writeSampleDay(join(dir, 'SPX.X.2023-05-19.parquet'), day)).path;
    // The same day as ten files of ~39 snapshots each (plus the last minute).
    const batches = [...sampleDay({ ...day, snapshotsPerRowGroup: 39 })];
    parts = batches.map((b, i) =>
      writeBatches(join(dir, `SPX.X.2023-05-19.part${String(i).padStart(2, '0')}.parquet`), [b])
    );
    for (let i = 0; i < 9; i++) {
      dbs.push(await openMigratedTestDatabase());
    }
  });
  after(async () => {
    for (const t of dbs) await t.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  test('one file: every row stored once, interval volumes add up to the cumulative totals', async () => {
    const db = dbs[0]!.db;
    const summary = await loadFile(db, whole, options);
    assert.equal(summary.status, 'loaded', summary.error ?? '');
    assert.deepEqual(
      [summary.rowsRead, summary.inserted, summary.duplicates, summary.rejected],
      [12 * 391, 12 * 391, 0, 0]
    );
    // Independently from the generator: per contract, last total − first total.
    const totals = new Map<string, number[]>();
    for (const b of sampleDay(day))
      b.symbol.forEach((s, i) => totals.set(s, [...(totals.get(s) ?? []), Number(b.totalVolume[i])]));
    const { rows } = await db.query<{ source_symbol: string; v: number }>(
      `SELECT source_symbol, sum(volume)::float8 AS v FROM optflow.quotes GROUP BY 1`
    );
    assert.equal(rows.length, 12);
    for (const r of rows) {
      const t = totals.get(r.source_symbol)!;
      assert.equal(r.v, t.at(-1)! - t[0]!, r.source_symbol);
    }
    const flow = await db.query<{ v: number }>(
      `SELECT sum(call_volume + put_volume)::float8 AS v FROM optflow.flow_1m`
    );
    assert.equal(
      flow.rows[0]!.v,
      rows.reduce((a, r) => a + r.v, 0)
    );
  });

  test('an unchanged file is skipped after a metadata check; a touched one after comparing its hash', async () => {
    const again = await loadFile(dbs[0]!.db, whole, options);
    assert.equal(again.status, 'unchanged');
    assert.equal(again.rowsRead, 0);
    const sha256 = createHash('sha256').update(readFileSync(whole)).digest('hex');
    const stored = async () =>
      (
        await dbs[0]!.db.query<{ content_hash: string; mtime: Date }>(
          `SELECT content_hash, mtime FROM optflow.files WHERE path = $1`,
          [whole]
        )
      ).rows[0]!;
    assert.equal((await stored()).content_hash, sha256);
    const touched = new Date(Date.UTC(2030, 0, 1));
    utimesSync(whole, touched, touched);
    const afterTouch = await loadFile(dbs[0]!.db, whole, options);
    assert.equal(afterTouch.status, 'unchanged');
    assert.equal(afterTouch.rowsRead, 0);
    assert.equal((await stored()).mtime.getTime(), touched.getTime(), 'the new mtime is remembered');
  });

  test('ten files in order and ten files shuffled store exactly what one file stores', async () => {
    for (const p of parts) assert.equal((await loadFile(dbs[1]!.db, p, options)).status, 'loaded');
    const shuffled = [7, 2, 9, 0, 5, 3, 8, 1, 6, 4, 10].map((i) => parts[i]!).filter(Boolean);
    assert.equal(shuffled.length, parts.length);
    for (const p of shuffled) assert.equal((await loadFile(dbs[2]!.db, p, options)).status, 'loaded');
    const expected = await snapshot(dbs[0]!.db);
    assert.ok(expected.quotes.length > 0 && expected.flow.length > 0);
    assert.deepEqual(await snapshot(dbs[1]!.db), expected, 'in order');
    assert.deepEqual(await snapshot(dbs[2]!.db), expected, 'shuffled (backfills replayed)');
  });

  test('a file read ahead of its load (prepareFile) stores what a plain load stores, and is read afresh if rewritten in between', async () => {
    const expected = await snapshot(dbs[0]!.db); // the whole day, loaded plainly
    const ahead = join(dir, 'SPX.X.2023-05-19.ahead.parquet');
    writeFileSync(ahead, readFileSync(whole));
    const readsBefore = readsRequested();
    const prepared = await prepareFile(ahead, options);
    assert.ok(prepared, 'a readable file is prepared');
    assert.equal((await loadFile(dbs[7]!.db, ahead, options, undefined, prepared)).status, 'loaded');
    assert.equal(
      readsRequested() - readsBefore,
      14,
      'each of the 14 row groups read once: the load took the prepared read over'
    );
    assert.deepEqual(await snapshot(dbs[7]!.db), expected);
    const again = await loadFile(dbs[7]!.db, ahead, options, undefined, await prepareFile(ahead, options));
    assert.equal(again.status, 'unchanged', 'a prepared read of a stored file is dropped');

    const rewritten = join(dir, 'SPX.X.2023-05-19.rewritten.parquet');
    writeFileSync(rewritten, readFileSync(parts[0]!));
    const stale = await prepareFile(rewritten, options);
    writeFileSync(rewritten, readFileSync(whole)); // the collector rewrote it before the load began
    const summary = await loadFile(dbs[8]!.db, rewritten, options, undefined, stale);
    assert.equal(summary.rowsRead, 12 * 391);
    assert.deepEqual(await snapshot(dbs[8]!.db), expected);
    assert.equal(
      await prepareFile(join(dir, 'missing.parquet'), options),
      null,
      'nothing to prepare: loadFile reports why'
    );
  });

  test('ten files loaded at once (as by two loaders, or watch beside load) store exactly what one file stores', async () => {
    const summaries = await Promise.all(parts.map((p) => loadFile(dbs[4]!.db, p, options)));
    assert.deepEqual(
      summaries.map((s) => s.error ?? s.status),
      parts.map(() => 'loaded')
    );
    assert.deepEqual(await snapshot(dbs[4]!.db), await snapshot(dbs[0]!.db));
  });

  test('two files of alternating half hours (several row groups each) loaded at once store what one file stores', async () => {
    // The two loads commit in turns; each must notice the other's commits between its own.
    const batches = [...sampleDay(day)];
    const even = writeBatches(
      join(dir, 'SPX.X.2023-05-19.even.parquet'),
      batches.filter((_, i) => i % 2 === 0)
    );
    const odd = writeBatches(
      join(dir, 'SPX.X.2023-05-19.odd.parquet'),
      batches.filter((_, i) => i % 2 === 1)
    );
    const summaries = await Promise.all([even, odd].map((p) => loadFile(dbs[5]!.db, p, options)));
    assert.deepEqual(
      summaries.map((s) => s.error ?? s.status),
      ['loaded', 'loaded']
    );
    assert.deepEqual(await snapshot(dbs[5]!.db), await snapshot(dbs[0]!.db));
  });

  test('times with sub-millisecond parts: overlapping files skip the overlap as duplicates, a backfill replays', async () => {
    const t0 = Date.UTC(2023, 4, 19, 13, 30) + 0.25;
    const contracts = ['SPXW  230519C04200000', 'SPXW  230519P04200000'];
    const write = (name: string, minutes: number[]) => {
      const rows = minutes.flatMap((m) =>
        contracts.map((symbol, k) => ({ symbol, time: t0 + m * 60_000 + k * 0.5, total: BigInt(10 * m + k) }))
      );
      const path = join(dir, `SPX.X.2023-05-19.${name}.parquet`);
      writeFileSync(
        path,
        new Uint8Array(
          parquetWriteBuffer({
            columnData: [
              { name: 'symbol', data: rows.map((r) => r.symbol) },
              { name: 'quote_time', data: rows.map((r) => r.time) },
              { name: 'total_volume', data: rows.map((r) => r.total) },
            ],
            schema: [
              { name: 'root', num_children: 3 },
              { name: 'symbol', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'REQUIRED' },
              { name: 'quote_time', type: 'DOUBLE', repetition_type: 'REQUIRED' },
              { name: 'total_volume', type: 'INT64', repetition_type: 'REQUIRED' },
            ],
          })
        )
      );
      return path;
    };
    const db = dbs[6]!.db;
    const counts = async (path: string) => {
      const s = await loadFile(db, path, { ...options, timeZone: 'UTC' });
      return [s.error ?? s.status, s.inserted, s.duplicates];
    };
    assert.deepEqual(await counts(write('subms-a', [0, 2])), ['loaded', 4, 0]);
    assert.deepEqual(
      await counts(write('subms-b', [1, 2, 3])),
      ['loaded', 4, 2],
      'minute 2 again: duplicates; minute 1: a backfill'
    );
    const { rows } = await db.query<{ us: string; volume: number }>(
      `SELECT (extract(epoch FROM quote_time) * 1000000)::bigint::text AS us, volume FROM optflow.quotes WHERE put_call = 'C' ORDER BY quote_time`
    );
    assert.deepEqual(
      rows.map((r) => [r.us, r.volume]),
      [0, 1, 2, 3].map((m) => [String((t0 + m * 60_000) * 1000), m === 0 ? 0 : 10]),
      'µs kept; volumes as if loaded in order'
    );
  });

  test("a row group too large for the reading thread's heap cap: the thread restarts without the cap and the file loads the same", async () => {
    setReaderHeapCap(8);
    try {
      assert.equal((await loadFile(dbs[3]!.db, whole, options)).status, 'loaded');
      assert.equal(readerHeapCap(), null, 'ran out of memory under 8 MiB and went on without a cap');
      assert.deepEqual(await snapshot(dbs[3]!.db), await snapshot(dbs[0]!.db));
    } finally {
      setReaderHeapCap(1024);
    }
  });

  test('a corrupt file fails with its path; bad rows are stored with reasons while good rows load', async () => {
    const db = dbs[0]!.db;
    const corrupt = join(dir, 'QQQ.X.2023-05-19.parquet');
    writeFileSync(corrupt, readFileSync(whole).subarray(0, 4096));
    const failed = await loadFile(db, corrupt, options);
    assert.equal(failed.status, 'failed');
    assert.match(failed.error!, /QQQ\.X\.2023-05-19\.parquet: not a readable Parquet file/);

    const [batch] = [...sampleDay({ ...day, date: '2023-05-22', snapshotsPerRowGroup: 2 })];
    batch!.symbol[0] = 'NOT A SYMBOL';
    batch!.strikePrice[1] = 1;
    const bad = writeBatches(join(dir, 'SPX.X.2023-05-22.parquet'), [batch!]);
    const partial = await loadFile(db, bad, options);
    assert.equal(partial.status, 'partial');
    assert.deepEqual([partial.rejected, partial.inserted], [2, batch!.symbol.length - 2]);
    const { rows } = await db.query<{ row_number: number; reason: string; symbol: string }>(
      `SELECT row_number, reason, raw->>'symbol' AS symbol FROM optflow.rejected_rows r JOIN optflow.files f ON f.id = r.file_id WHERE f.path = $1 ORDER BY row_number`,
      [bad]
    );
    assert.equal(rows.length, 2);
    assert.deepEqual(
      rows.map((r) => [r.row_number, r.symbol]),
      [
        [1, 'NOT A SYMBOL'],
        [2, batch!.symbol[1]],
      ]
    );
    assert.match(rows[0]!.reason, /unrecognized option symbol "NOT A SYMBOL"/);
    assert.match(rows[1]!.reason, /strikePrice 1 disagrees with symbol/);
    const files = await db.query<{ path: string; status: string }>(
      `SELECT path, status FROM optflow.files ORDER BY path`
    );
    assert.deepEqual(
      files.rows.map((f) => f.status),
      ['failed', 'loaded', 'partial']
    );
  });
});
