import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parquetWriteBuffer } from 'hyparquet-writer';
import type { Database } from '@optflow/db';
import { testBackend } from '@optflow/db/testing';
import type { TestDatabase } from '@optflow/db/testing';
import { openMigratedTestDatabase } from '@optflow/migrations/testing';
import { loadFile } from '../src/index.ts';

/**
 * Values that once stopped a whole load (NUL, year 10000, a time beyond the JS date range) or
 * reached the aggregates (Infinity, −1e300, a total of 1e15), each in a crafted file of two
 * contracts over five minutes: the bad row is rejected with its reason and raw values, or kept out
 * of the flow as an anomaly with its code; the other rows load, and so does the next file.
 */
const backend = await testBackend();
const dir = mkdtempSync(join(tmpdir(), 'optflow-bad-values-'));
const options = { timeZone: 'America/New_York', overrides: {} };
const CALL = 'SPX_061623C4200';
const PUT = 'SPX_061623P4200';

interface Row {
  symbol: string;
  underlying: string;
  /** Naive New York wall time, µs (as pandas writes it). */
  time: bigint;
  bid: number;
  ask: number;
  mark: number;
  total: bigint;
  delta: number;
}

/** Minutes 0–4 from 09:30 New York on May `day`, 2023; the call's total rises by 10 a minute, the put's by 5. */
function chain(day: number): Row[] {
  return [0, 1, 2, 3, 4].flatMap((m) =>
    [CALL, PUT].map((symbol, k) => ({
      symbol,
      underlying: '$SPX.X',
      time: BigInt(Date.UTC(2023, 4, day, 9, 30 + m)) * 1000n,
      bid: 1 + m / 10,
      ask: 1.2 + m / 10,
      mark: 1.1 + m / 10,
      total: BigInt((10 - 5 * k) * (m + 1)),
      delta: k === 0 ? 0.5 : -0.5,
    }))
  );
}

/** `rowGroupSize`: rows per row group (default: one row group). */
function write(name: string, rows: Row[], rowGroupSize?: number): string {
  const column = <K extends keyof Row>(key: K) => rows.map((r) => r[key]);
  const path = join(dir, name);
  writeFileSync(
    path,
    new Uint8Array(
      parquetWriteBuffer({
        ...(rowGroupSize === undefined ? {} : { rowGroupSize }),
        columnData: [
          { name: 'symbol', data: column('symbol') },
          { name: 'underlying', data: column('underlying') },
          { name: 'processDateTime', data: column('time') },
          { name: 'bid', data: column('bid') },
          { name: 'ask', data: column('ask') },
          { name: 'mark', data: column('mark') },
          { name: 'totalVolume', data: column('total') },
          { name: 'delta', data: column('delta') },
        ],
        schema: [
          { name: 'root', num_children: 8 },
          { name: 'symbol', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'REQUIRED' },
          { name: 'underlying', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'REQUIRED' },
          {
            name: 'processDateTime',
            type: 'INT64',
            logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: false, unit: 'MICROS' },
            repetition_type: 'REQUIRED',
          },
          { name: 'bid', type: 'DOUBLE', repetition_type: 'REQUIRED' },
          { name: 'ask', type: 'DOUBLE', repetition_type: 'REQUIRED' },
          { name: 'mark', type: 'DOUBLE', repetition_type: 'REQUIRED' },
          { name: 'totalVolume', type: 'INT64', repetition_type: 'REQUIRED' },
          { name: 'delta', type: 'DOUBLE', repetition_type: 'REQUIRED' },
        ],
      })
    )
  );
  return path;
}

/** Rows of quotes and of every flow aggregate holding a non-finite number. */
async function nonFinite(db: Database): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of ['quotes', 'flow_1m', 'flow_5m', 'flow_1h', 'flow_1d']) {
    const { rows } = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM optflow.${table} t WHERE t::text ~ '(Infinity|NaN)'`
    );
    counts[table] = rows[0]!.n;
  }
  return counts;
}
const NONE = { quotes: 0, flow_1m: 0, flow_5m: 0, flow_1h: 0, flow_1d: 0 };

describe(`bad values in a file (${backend})`, () => {
  let t: TestDatabase;
  before(async () => {
    t = await openMigratedTestDatabase();
  });
  after(async () => {
    await t.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  // Row 5 (1-based) is the call at minute 2; each case spoils it, on a day of its own.
  const rejections: Array<{ name: string; spoil: Partial<Row>; reason: RegExp; raw: [string, string] }> = [
    {
      name: 'NUL in the symbol',
      spoil: { symbol: `${CALL}\0` },
      reason: /^symbol: "SPX_061623C4200\\u0000" contains a NUL character$/,
      raw: ['symbol', 'SPX_061623C4200\\u0000'],
    },
    {
      name: 'NUL in the underlying',
      spoil: { underlying: '$SPX\0.X' },
      reason: /^underlying: "\$SPX\\u0000\.X" contains a NUL character$/,
      raw: ['underlying', '$SPX\\u0000.X'],
    },
    {
      name: 'a time in year 10000',
      spoil: { time: BigInt(Date.UTC(10000, 0, 1)) * 1000n },
      reason:
        /^processDateTime: snapshot time 253402300800000 \(\+010000-01-01T00:00:00\.000Z\) is outside years 1970–9999$/,
      raw: ['processDateTime', '253402300800000'],
    },
    {
      name: 'a time beyond the JS date range',
      spoil: { time: 9n * 10n ** 18n },
      reason: /^processDateTime: snapshot time 9000000000000000 is outside years 1970–9999$/,
      raw: ['processDateTime', '9000000000000000'],
    },
    {
      name: '+Infinity mark',
      spoil: { mark: Infinity },
      reason: /^mark: Infinity is not a finite number$/,
      raw: ['mark', 'Infinity'],
    },
    {
      name: '+Infinity ask',
      spoil: { ask: Infinity },
      reason: /^ask: Infinity is not a finite number$/,
      raw: ['ask', 'Infinity'],
    },
    {
      name: 'an infinite greek',
      spoil: { delta: -Infinity },
      reason: /^delta: -Infinity is not a finite number$/,
      raw: ['delta', '-Infinity'],
    },
    {
      name: 'a total of 2^62 + 1 (its raw value stored exactly)',
      spoil: { total: 2n ** 62n + 1n },
      reason: /^totalVolume: 4611686018427388000 is not a whole number of contracts$/,
      raw: ['totalVolume', '4611686018427387905'],
    },
  ];
  rejections.forEach(({ name, spoil, reason, raw: [column, text] }, k) => {
    test(`rejected with its reason and raw value: ${name}; the rest of the file and the next file load`, async () => {
      const rows = chain(1 + k);
      rows[4] = { ...rows[4]!, ...spoil };
      const path = write(`SPX.X.bad-${k}.parquet`, rows);
      const summary = await loadFile(t.db, path, options);
      assert.equal(summary.error, null);
      assert.deepEqual(
        [summary.status, summary.rejected, summary.inserted, summary.anomalies],
        ['partial', 1, 9, 0],
        'partial: a row was rejected'
      );
      const { rows: rejected } = await t.db.query<{ row_number: number; reason: string; value: string }>(
        `SELECT row_number, reason, raw->>$2 AS value FROM optflow.rejected_rows r JOIN optflow.files f ON f.id = r.file_id WHERE f.path = $1`,
        [path, column]
      );
      assert.equal(rejected.length, 1);
      assert.equal(rejected[0]!.row_number, 5);
      assert.match(rejected[0]!.reason, reason);
      assert.equal(rejected[0]!.value, text, `raw ${column}`);
      assert.deepEqual(await nonFinite(t.db), NONE);
      const status = await t.db.query<{ status: string }>(`SELECT status FROM optflow.files WHERE path = $1`, [path]);
      assert.equal(status.rows[0]!.status, 'partial', 'not left "loading"');

      const next = await loadFile(t.db, write(`SPX.X.after-${k}.parquet`, chain(20 + k)), options);
      assert.deepEqual([next.status, next.inserted], ['loaded', 10], 'the next file loads');
    });
  });

  test('a rewritten file whose time statistics lie beyond the JS date range: the row is rejected, the file not failed', async () => {
    const rows = chain(15);
    const path = write('SPX.X.rewritten.parquet', rows.slice(0, 6));
    assert.equal((await loadFile(t.db, path, options)).status, 'loaded');
    // The collector rewrites the file with the rest of the minutes and one garbage time.
    write('SPX.X.rewritten.parquet', [...rows, { ...rows[9]!, time: 9n * 10n ** 18n }]);
    const summary = await loadFile(t.db, path, options);
    assert.equal(summary.error, null);
    assert.deepEqual([summary.status, summary.rejected, summary.inserted, summary.duplicates], ['partial', 1, 4, 6]);
  });

  test('naive times in the repeated hour of 2023-11-05 (New York): the first pass is EDT, the second EST, in file order across row groups; none dropped', async () => {
    // A collector's snapshots every 5 minutes from 00:30 to 02:30 wall time: 01:00–01:55 twice.
    const wall = (h: number, m: number) => Date.UTC(2023, 10, 5, h, m);
    const walls = [
      ...[30, 35, 40, 45, 50, 55].map((m) => wall(0, m)),
      ...Array.from({ length: 12 }, (_, k) => wall(1, 5 * k)),
      ...Array.from({ length: 12 }, (_, k) => wall(1, 5 * k)),
      ...[0, 5, 10, 15, 20, 25, 30].map((m) => wall(2, m)),
    ];
    const rows = walls.flatMap((ms, s) =>
      [CALL, PUT].map((symbol, k) => ({
        symbol,
        underlying: '$SPX.X',
        time: BigInt(ms) * 1000n,
        bid: 1,
        ask: 1.2,
        mark: 1.1,
        total: BigInt((10 - 5 * k) * (s + 1)),
        delta: 0.5,
      }))
    );
    // 14 rows a row group: the second pass starts inside row group 2 (rows 36–37).
    const path = write('SPX.X.2023-11-05.parquet', rows, 14);
    const summary = await loadFile(t.db, path, options);
    assert.deepEqual(
      [summary.status, summary.inserted, summary.duplicates, summary.rejected, summary.error],
      ['loaded', 74, 0, 0, null]
    );
    const { rows: times } = await t.db.query<{ t: number }>(
      `SELECT (extract(epoch FROM q.quote_time) * 1000)::float8 AS t FROM optflow.quotes q JOIN optflow.files f ON f.id = q.file_id WHERE f.path = $1 AND q.put_call = 'C' ORDER BY q.quote_time`,
      [path]
    );
    // 00:30 EDT is 04:30Z; every snapshot is 5 real minutes after the one before it.
    assert.deepEqual(
      times.map((r) => r.t),
      walls.map((_, s) => Date.UTC(2023, 10, 5, 4, 30 + 5 * s))
    );
    const flow = await t.db.query<{ call: number; buckets: number }>(
      `SELECT sum(call_volume)::int AS call, count(DISTINCT bucket)::int AS buckets FROM optflow.flow_1m WHERE bucket >= '2023-11-05 04:00Z' AND bucket < '2023-11-05 08:00Z'`
    );
    assert.deepEqual(
      flow.rows[0],
      { call: 10 * 36, buckets: 37 },
      'each 5-minute step in a bucket of its own, none doubled'
    );
  });

  // The call at minute 2 again; its volume must land on minute 3 (total 40 − 20 = 20).
  const anomalies: Array<{ name: string; spoil: Partial<Row>; code: number; anomaly: string }> = [
    { name: 'a mark of −1e300', spoil: { mark: -1e300 }, code: 4, anomaly: 'implausible-price' },
    { name: 'a negative bid', spoil: { bid: -0.05 }, code: 4, anomaly: 'implausible-price' },
    {
      name: 'a total of 1e15 (a jump beyond --max-interval-volume)',
      spoil: { total: 10n ** 15n },
      code: 5,
      anomaly: 'volume-jump',
    },
  ];
  anomalies.forEach(({ name, spoil, code, anomaly }, k) => {
    test(`kept out of the flow as an anomaly with its code: ${name}`, async () => {
      const rows = chain(10 + k);
      rows[4] = { ...rows[4]!, ...spoil };
      const path = write(`SPX.X.anomaly-${k}.parquet`, rows);
      const summary = await loadFile(t.db, path, options);
      assert.deepEqual([summary.status, summary.rejected, summary.inserted, summary.anomalies], ['loaded', 0, 10, 1]);
      const { rows: calls } = await t.db.query<{
        volume: number;
        premium: number;
        anomaly: number;
        name: string | null;
      }>(
        `SELECT q.volume::int, q.premium, q.anomaly, a.name FROM optflow.quotes q JOIN optflow.files f ON f.id = q.file_id
         LEFT JOIN optflow.anomaly_reasons a ON a.code = q.anomaly WHERE f.path = $1 AND q.put_call = 'C' ORDER BY q.quote_time`,
        [path]
      );
      assert.deepEqual(
        calls.map((c) => [c.volume, c.anomaly, c.name]),
        [
          [0, 0, null],
          [10, 0, null],
          [0, code, anomaly],
          [20, 0, null],
          [10, 0, null],
        ]
      );
      assert.equal(calls[2]!.premium, 0);
      const day = `2023-05-${String(10 + k).padStart(2, '0')}`;
      const flow = await t.db.query<{ call: number; put: number }>(
        `SELECT sum(call_volume)::int AS call, sum(put_volume)::int AS put FROM optflow.flow_1m WHERE bucket >= $1::date AND bucket < $1::date + 1`,
        [day]
      );
      assert.deepEqual(flow.rows[0], { call: 40, put: 20 }, "the whole day's volume, none of it from the anomaly");
      assert.deepEqual(await nonFinite(t.db), NONE);
    });
  });
});
