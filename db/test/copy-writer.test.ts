import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { BinaryCopyWriter } from '../src/index.ts';
import type { CopyColumn, Database } from '../src/index.ts';
import { encodeNumeric } from '../src/copy-writer.ts';
import { openTestDatabase } from '../src/testing.ts';
import type { TestDatabase } from '../src/testing.ts';

const numericColumn: CopyColumn = { name: 'n', type: 'numeric' };

describe('encodeNumeric', () => {
  // [input, ndigits, weight, sign, dscale, base-10000 digits]
  const cases: Array<[string | number, number, number, number, number, number[]]> = [
    ['0', 0, 0, 0, 0, []],
    ['4200', 1, 0, 0, 0, [4200]],
    ['232.5', 2, 0, 0, 1, [232, 5000]],
    ['10000', 1, 1, 0, 0, [1]],
    ['0.001', 1, -1, 0, 3, [10]],
    ['-12.25', 2, 0, 0x4000, 2, [12, 2500]],
    [5820, 1, 0, 0, 0, [5820]],
    [0.5, 1, -1, 0, 1, [5000]],
    ['123456789.123', 4, 2, 0, 3, [1, 2345, 6789, 1230]],
  ];
  for (const [input, ndigits, weight, sign, dscale, digits] of cases) {
    test(`${JSON.stringify(input)}`, () => {
      const buf = encodeNumeric(numericColumn, input);
      assert.deepEqual(
        [buf.readInt16BE(0), buf.readInt16BE(2), buf.readUInt16BE(4), buf.readInt16BE(6)],
        [ndigits, weight, sign, dscale]
      );
      assert.deepEqual(
        Array.from({ length: ndigits }, (_, i) => buf.readInt16BE(8 + 2 * i)),
        digits
      );
    });
  }
  for (const bad of ['', 'abc', '1.2.3', '.', '1e5x']) {
    test(`rejects ${JSON.stringify(bad)}`, () => {
      assert.throws(() => encodeNumeric(numericColumn, bad), /column n: .* is not a decimal number/);
    });
  }
});

describe('BinaryCopyWriter against a real database', () => {
  let t: TestDatabase;
  let db: Database;
  const columns: CopyColumn[] = [
    { name: 't', type: 'text' },
    { name: 'i4', type: 'int4' },
    { name: 'i8', type: 'int8' },
    { name: 'f8', type: 'float8' },
    { name: 'b', type: 'bool' },
    { name: 'd', type: 'date' },
    { name: 'ts', type: 'timestamptz' },
    { name: 'n', type: 'numeric' },
    { name: 'j', type: 'jsonb' },
  ];
  before(async () => {
    t = await openTestDatabase();
    db = t.db;
    await db.query(`CREATE TABLE copy_target (t text, i4 int4, i8 int8, f8 float8, b bool, d date,
      ts timestamptz, n numeric, j jsonb)`);
  });
  after(() => t.dispose());

  test('every type round-trips, nulls included', async () => {
    const writer = new BinaryCopyWriter(columns, 16); // tiny initial buffer: exercises growth
    const ts = Date.UTC(2023, 4, 19, 13, 30, 0, 250);
    writer.writeRow([
      'SPXW  230519C04200000',
      7,
      9_007_199_254_740_991,
      1.25,
      true,
      '2023-05-19',
      ts,
      '232.5',
      { a: [1, 'x'] },
    ]);
    writer.writeRow(['ünïcode', -1, -5, -0.5, false, '1999-12-31', Date.UTC(1999, 11, 31), '-0.001', null]);
    writer.writeRow([null, null, null, NaN, null, null, null, null, null]);
    const copied = await db.copyBinary('public.copy_target', columns, writer.finish());
    assert.equal(copied, 3);
    const { rows } = await db.query<Record<string, unknown>>('SELECT * FROM copy_target ORDER BY i4 NULLS LAST');
    assert.deepEqual(rows, [
      {
        t: 'ünïcode',
        i4: -1,
        i8: -5,
        f8: -0.5,
        b: false,
        d: '1999-12-31',
        ts: new Date(Date.UTC(1999, 11, 31)),
        n: '-0.001',
        j: null,
      },
      {
        t: 'SPXW  230519C04200000',
        i4: 7,
        i8: 9_007_199_254_740_991,
        f8: 1.25,
        b: true,
        d: '2023-05-19',
        ts: new Date(ts),
        n: '232.5',
        j: { a: [1, 'x'] },
      },
      { t: null, i4: null, i8: null, f8: null, b: null, d: null, ts: null, n: null, j: null },
    ]);
  });

  test('the typed writers encode as writeRow does', () => {
    const typedColumns = columns.filter((c) => c.type !== 'bool' && c.type !== 'jsonb');
    const rows: Array<[string | null, number | null, number | null, number | null, string, number, string]> = [
      ['SPXW  230519C04200000', 7, 9_007_199_254_740_991, 1.25, '2023-05-19', Date.UTC(2023, 4, 19, 13, 30), '232.5'],
      ['ünïcode', -1, -5, NaN, '1999-12-31', Date.UTC(1999, 11, 31), '-0.001'],
      [null, null, null, null, '2000-01-01', 0.001, '0'],
    ];
    const generic = new BinaryCopyWriter(typedColumns);
    const typed = new BinaryCopyWriter(typedColumns, 16);
    for (const [t, i4, i8, f8, d, ts, n] of rows) {
      generic.writeRow([t, i4, i8, f8, d, ts, n]);
      typed.beginRow();
      typed.text(t);
      typed.int4(i4);
      typed.int8(i8);
      typed.float8(f8);
      typed.date(typedColumns[4]!, d);
      typed.timestamptz(ts);
      typed.numeric(typedColumns[6]!, n);
    }
    assert.equal(typed.rowCount, 3);
    assert.deepEqual(typed.finish(), generic.finish());
  });

  test('a value of the wrong kind names the column', () => {
    const writer = new BinaryCopyWriter(columns);
    assert.throws(
      () => writer.writeRow(['x', 'seven', 1, 1, true, '2023-05-19', 0, '1', {}]),
      /column i4: "seven" is not a finite number/
    );
    assert.throws(() => writer.writeRow(['x']), /copy row has 1 values for 9 columns/);
  });
});
