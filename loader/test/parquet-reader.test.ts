import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { openParquet, ParquetFileError, readRowGroup, rowAt } from '../src/parquet/parquet-reader.ts';
import type { ParquetSource, RowGroupInfo } from '../src/parquet/parquet-reader.ts';
import { DEFAULT_SAMPLE, writeSampleDay } from '../src/index.ts';

const dir = mkdtempSync(join(tmpdir(), 'optflow-reader-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const REAL = fileURLToPath(new URL('../../../shared/data/real/tastytrade-chain', import.meta.url));

async function readRows(source: ParquetSource, group: RowGroupInfo, columns: readonly string[]): Promise<Array<Record<string, unknown>>> {
  const data = await readRowGroup(source, group, columns);
  assert.deepEqual([...data.columns.keys()].sort(), [...columns].sort(), 'only the projected columns');
  for (const values of data.columns.values()) assert.equal(values.length, data.length);
  return Array.from({ length: data.length }, (_, i) => rowAt(data, i));
}

describe('parquet reader', () => {
  test('sample day: row groups, projection, naive collector time, int64 as numbers', async () => {
    const { path, rows } = await writeSampleDay(join(dir, 'SPX.X.2023-05-19.parquet'), { ...DEFAULT_SAMPLE, strikes: 4, expirations: 1, snapshotsPerRowGroup: 100 });
    const source = await openParquet(path);
    assert.equal(source.numRows, rows);
    assert.deepEqual(source.rowGroups.map((g) => g.rowEnd - g.rowStart), [800, 800, 800, 728]);
    assert.deepEqual([...source.naiveTimestampColumns], ['processDateTime']);
    const group = await readRows(source, source.rowGroups[1]!, ['symbol', 'totalVolume', 'processDateTime', 'quoteTimeInLong']);
    assert.equal(group.length, 800);
    assert.deepEqual(Object.keys(group[0]!).sort(), ['processDateTime', 'quoteTimeInLong', 'symbol', 'totalVolume'], 'only the projected columns');
    assert.equal(group[0]!.processDateTime, Date.parse('2023-05-19T11:10:00Z'), 'wall clock 11:10, not yet zoned');
    assert.equal(typeof group[0]!.totalVolume, 'number');
    assert.equal(typeof group[0]!.quoteTimeInLong, 'number');
  });

  for (const file of readdirSync(REAL)) {
    test(`real tastytrade ${file}: TIMESTAMPTZ, DECIMAL, DATE, nullable volume`, async () => {
      const source = await openParquet(join(REAL, file));
      assert.equal(source.naiveTimestampColumns.has('created_at'), false, 'created_at is UTC-adjusted');
      const rows = (await Promise.all(source.rowGroups.map((g) => readRows(source, g, ['created_at', 'strike', 'expiration_date', 'day_volume'])))).flat();
      assert.equal(rows.length, source.numRows);
      for (const r of rows) {
        assert.equal(typeof r.created_at, 'number');
        assert.ok((r.created_at as number) > Date.parse('2026-01-01'));
        assert.equal(typeof r.strike, 'number');
        assert.match(r.expiration_date as string, /^\d{4}-\d{2}-\d{2}$/);
        assert.ok(r.day_volume === null || typeof r.day_volume === 'number');
      }
    });
  }

  test('timestamps in ms, µs and ns, naive and UTC-adjusted', async () => {
    const instant = Date.UTC(2023, 4, 19, 13, 30, 0, 123);
    const columnData = (['MILLIS', 'MICROS', 'NANOS'] as const).flatMap((unit) => [true, false].map((utc) => ({
      name: `${unit}_${utc ? 'utc' : 'naive'}`,
      data: [new Date(instant)],
      unit,
      utc,
    })));
    const buffer = parquetWriteBuffer({
      columnData: columnData.map(({ name, data }) => ({ name, data })),
      schema: [
        { name: 'root', num_children: columnData.length },
        ...columnData.map(({ name, unit, utc }) => ({ name, type: 'INT64' as const, repetition_type: 'OPTIONAL' as const, logical_type: { type: 'TIMESTAMP' as const, isAdjustedToUTC: utc, unit } })),
      ],
    });
    const path = join(dir, 'times.parquet');
    writeFileSync(path, new Uint8Array(buffer));
    const source = await openParquet(path);
    assert.deepEqual([...source.naiveTimestampColumns].sort(), ['MICROS_naive', 'MILLIS_naive', 'NANOS_naive']);
    const [row] = await readRows(source, source.rowGroups[0]!, source.columns);
    for (const c of columnData) assert.equal(row![c.name], instant, c.name);
  });

  test('truncated, empty and non-Parquet files fail with the path and a reason', async () => {
    const good = join(dir, 'SPX.X.2023-05-19.parquet');
    const cases: Array<[string, Uint8Array | string]> = [
      ['truncated.parquet', readFileSync(good).subarray(0, 5000)],
      ['empty.parquet', ''],
      ['text.parquet', 'symbol,totalVolume\nSPY_052323C410,5\n'],
    ];
    for (const [name, content] of cases) {
      const path = join(dir, name);
      writeFileSync(path, content);
      await assert.rejects(openParquet(path), (error: unknown) => {
        assert.ok(error instanceof ParquetFileError);
        assert.match(error.message, new RegExp(`^${path.replaceAll('.', '\\.')}: not a readable Parquet file \\(.+\\)$`));
        return true;
      });
    }
    await assert.rejects(openParquet(join(dir, 'missing.parquet')), /missing\.parquet: not a readable Parquet file \(.*ENOENT/);
  });
});
