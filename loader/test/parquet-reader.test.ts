import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { LoadError } from '../src/load-error.ts';
import { hasParquetEnds, openParquet, readRowGroup, rowAt } from '../src/parquet/parquet-reader.ts';
import type { ParquetSource, RowGroupInfo } from '../src/parquet/parquet-reader.ts';
import { DEFAULT_SAMPLE, writeSampleDay } from '../src/index.ts';

const dir = mkdtempSync(join(tmpdir(), 'optflow-reader-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const REAL = fileURLToPath(new URL('../../../shared/data/real/tastytrade-chain', import.meta.url));

function zstd(input: Uint8Array): Uint8Array {
  const r = spawnSync('zstd', ['-q', '-c'], { input });
  if (r.status !== 0) throw new Error(`zstd failed: ${r.stderr.toString()} (the Debian package zstd is needed)`);
  return r.stdout;
}

/** INT96 as Spark writes it: nanoseconds of the day (int64 LE), then the Julian day (int32 LE). */
function int96(ms: number): Uint8Array {
  const out = new Uint8Array(12);
  const view = new DataView(out.buffer);
  const days = Math.floor(ms / 86_400_000);
  view.setBigInt64(0, BigInt(ms - days * 86_400_000) * 1_000_000n, true);
  view.setInt32(8, days + 2_440_588, true);
  return out;
}

/**
 * Rewrites the thrift footer so FIXED_LEN_BYTE_ARRAY (7) reads INT96 (3): in the compact protocol a
 * struct's first field `type` is the byte 0x15 followed by the zigzag value (7 → 0x0e, 3 → 0x06).
 */
function relabelFixed12AsInt96(file: Uint8Array): Uint8Array {
  const footerLength = new DataView(file.buffer, file.byteOffset).getUint32(file.length - 8, true);
  const start = file.length - 8 - footerLength;
  for (let i = start; i < file.length - 9; i++) if (file[i] === 0x15 && file[i + 1] === 0x0e) file[i + 1] = 0x06;
  return file;
}

async function readRows(
  source: ParquetSource,
  group: RowGroupInfo,
  columns: readonly string[]
): Promise<Array<Record<string, unknown>>> {
  const data = await readRowGroup(source, group, columns);
  assert.deepEqual([...data.columns.keys()].sort(), [...columns].sort(), 'only the projected columns');
  for (const values of data.columns.values()) assert.equal(values.length, data.length);
  return Array.from({ length: data.length }, (_, i) => rowAt(data, i));
}

describe('parquet reader', () => {
  test('sample day: row groups, projection, naive collector time, int64 as numbers', async () => {
    const { path, rows } = await writeSampleDay(join(dir, 'SPX.X.2023-05-19.parquet'), {
      ...DEFAULT_SAMPLE,
      strikes: 4,
      expirations: 1,
      snapshotsPerRowGroup: 100,
    });
    const source = await openParquet(path);
    assert.equal(source.numRows, rows);
    assert.deepEqual(
      source.rowGroups.map((g) => g.rowEnd - g.rowStart),
      [800, 800, 800, 728]
    );
    assert.deepEqual([...source.naiveTimestampColumns], ['processDateTime']);
    const group = await readRows(source, source.rowGroups[1]!, [
      'symbol',
      'totalVolume',
      'processDateTime',
      'quoteTimeInLong',
    ]);
    assert.equal(group.length, 800);
    assert.deepEqual(
      Object.keys(group[0]!).sort(),
      ['processDateTime', 'quoteTimeInLong', 'symbol', 'totalVolume'],
      'only the projected columns'
    );
    assert.equal(group[0]!.processDateTime, Date.parse('2023-05-19T11:10:00Z'), 'wall clock 11:10, not yet zoned');
    assert.equal(typeof group[0]!.totalVolume, 'number');
    assert.equal(typeof group[0]!.quoteTimeInLong, 'number');
  });

  for (const file of readdirSync(REAL)) {
    test(`real tastytrade ${file}: TIMESTAMPTZ, DECIMAL, DATE, nullable volume`, async () => {
      const source = await openParquet(join(REAL, file));
      assert.equal(source.naiveTimestampColumns.has('created_at'), false, 'created_at is UTC-adjusted');
      const rows = (
        await Promise.all(
          source.rowGroups.map((g) => readRows(source, g, ['created_at', 'strike', 'expiration_date', 'day_volume']))
        )
      ).flat();
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
    const columnData = (['MILLIS', 'MICROS', 'NANOS'] as const).flatMap((unit) =>
      [true, false].map((utc) => ({
        name: `${unit}_${utc ? 'utc' : 'naive'}`,
        data: [new Date(instant)],
        unit,
        utc,
      }))
    );
    const buffer = parquetWriteBuffer({
      columnData: columnData.map(({ name, data }) => ({ name, data })),
      schema: [
        { name: 'root', num_children: columnData.length },
        ...columnData.map(({ name, unit, utc }) => ({
          name,
          type: 'INT64' as const,
          repetition_type: 'OPTIONAL' as const,
          logical_type: { type: 'TIMESTAMP' as const, isAdjustedToUTC: utc, unit },
        })),
      ],
    });
    const path = join(dir, 'times.parquet');
    writeFileSync(path, new Uint8Array(buffer));
    const source = await openParquet(path);
    assert.deepEqual([...source.naiveTimestampColumns].sort(), ['MICROS_naive', 'MILLIS_naive', 'NANOS_naive']);
    const [row] = await readRows(source, source.rowGroups[0]!, source.columns);
    for (const c of columnData) assert.equal(row![c.name], instant, c.name);
  });

  // DuckDB and Spark write gzip or zstd pages, dictionary-encoded DECIMALs and (Spark) INT96 times.
  for (const codec of ['GZIP', 'ZSTD'] as const) {
    test(`a ${codec} file with a dictionary-encoded DECIMAL strike and INT96 times`, async () => {
      const instants = [Date.UTC(2023, 4, 19, 13, 30), Date.UTC(2023, 4, 19, 13, 31, 0, 500)];
      const rows = 400;
      const strikes = Array.from({ length: rows }, (_, i) => 4150 + (i % 8) * 12.5); // 8 distinct values
      const buffer = parquetWriteBuffer({
        codec,
        compressors: {
          GZIP: (input: Uint8Array) => new Uint8Array(gzipSync(input)),
          ZSTD: (input: Uint8Array) => new Uint8Array(zstd(input)),
        },
        columnData: [
          {
            name: 'symbol',
            data: Array.from({ length: rows }, (_, i) => `SPXW  230519C0${strikes[i]! * 1000}`.slice(0, 21)),
          },
          { name: 'strike', data: strikes },
          { name: 'ts', data: Array.from({ length: rows }, (_, i) => int96(instants[i % 2]!)), statistics: false },
        ],
        schema: [
          { name: 'root', num_children: 3 },
          { name: 'symbol', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'REQUIRED' },
          {
            name: 'strike',
            type: 'INT32',
            converted_type: 'DECIMAL',
            precision: 9,
            scale: 3,
            repetition_type: 'REQUIRED',
          },
          // Written as 12-byte fixed values; the footer is then relabelled INT96 (no JS writer emits INT96).
          { name: 'ts', type: 'FIXED_LEN_BYTE_ARRAY', type_length: 12, repetition_type: 'REQUIRED' },
        ],
      });
      const path = join(dir, `spark-${codec}.parquet`);
      writeFileSync(path, relabelFixed12AsInt96(new Uint8Array(buffer)));
      const source = await openParquet(path);
      const chunks = source.metadata.row_groups[0]!.columns.map((c) => c.meta_data!);
      assert.deepEqual(
        chunks.map((c) => c.codec),
        [codec, codec, codec]
      );
      assert.ok(chunks[1]!.encodings.includes('RLE_DICTIONARY'), 'strike is dictionary-encoded');
      assert.deepEqual(
        chunks.map((c) => c.type),
        ['BYTE_ARRAY', 'INT32', 'INT96']
      );
      assert.deepEqual([...source.naiveTimestampColumns], [], 'INT96 holds UTC instants (Spark, DuckDB)');
      const read = await readRows(source, source.rowGroups[0]!, ['strike', 'ts']);
      assert.deepEqual(
        read.map((r) => r.strike),
        strikes
      );
      assert.deepEqual(
        read.map((r) => r.ts),
        Array.from({ length: rows }, (_, i) => instants[i % 2])
      );
    });
  }

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
        assert.ok(error instanceof LoadError);
        assert.deepEqual([error.path, error.rowGroup], [path, null]);
        assert.match(
          error.message,
          new RegExp(`^${path.replaceAll('.', '\\.')}: not a readable Parquet file \\(.+\\)$`)
        );
        return true;
      });
    }
    await assert.rejects(
      openParquet(join(dir, 'missing.parquet')),
      /missing\.parquet: not a readable Parquet file \(.*ENOENT/
    );
  });
});

describe('hasParquetEnds: whether a file is whole as far as its ends tell (the watcher loads such a file at once)', () => {
  test('a table of files', async () => {
    const whole = (
      await writeSampleDay(join(dir, 'ends.parquet'), {
        ...DEFAULT_SAMPLE,
        strikes: 1,
        expirations: 1,
        intervalSeconds: 3600,
      })
    ).path;
    const bytes = readFileSync(whole);
    const cases: Array<[string, Uint8Array | null, boolean]> = [
      ['a whole file', bytes, true],
      ['its footer not written yet', bytes.subarray(0, bytes.length - 8), false],
      ['cut inside the footer', bytes.subarray(0, bytes.length - 20), false],
      ['only the leading magic', bytes.subarray(0, 4), false],
      ['empty', new Uint8Array(0), false],
      ['text', Buffer.from('symbol,totalVolume\nSPY_052323C410,5\n'), false],
      [
        'magic at both ends, a footer longer than the file',
        Buffer.concat([Buffer.from('PAR1'), Buffer.from([0xff, 0xff, 0, 0]), Buffer.from('PAR1')]),
        false,
      ],
      ['no such file', null, false],
    ];
    for (const [name, content, want] of cases) {
      const path = join(dir, `ends-${name.replace(/\W+/g, '-')}.parquet`);
      if (content) writeFileSync(path, content);
      assert.equal(await hasParquetEnds(path), want, name);
    }
  });
});
