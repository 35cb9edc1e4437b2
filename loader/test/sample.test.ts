import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects, parquetSchema } from 'hyparquet';
import {
  DEFAULT_SAMPLE,
  SAMPLE_SCHEMA,
  sampleContracts,
  snapshotTimes,
  tdaSymbol,
  writeSampleDay,
} from '../src/index.ts';
import type { SampleOptions } from '../src/index.ts';

const dir = mkdtempSync(join(tmpdir(), 'optflow-sample-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const small: SampleOptions = { ...DEFAULT_SAMPLE, expirations: 2, strikes: 6, snapshotsPerRowGroup: 60 };

describe('sample day', () => {
  test('tdaSymbol writes TD Ameritrade symbols (MMDDYY, plain decimal strike)', () => {
    assert.equal(tdaSymbol('SPXW', '2023-05-19', 'CALL', 4200), 'SPXW_051923C4200');
    assert.equal(tdaSymbol('MSFT', '2021-05-21', 'PUT', 232.5), 'MSFT_052121P232.5');
  });

  test('the same seed writes the same file; another seed does not', async () => {
    const a = await writeSampleDay(join(dir, 'a.parquet'), small);
    const b = await writeSampleDay(join(dir, 'b.parquet'), small);
    const c = await writeSampleDay(join(dir, 'c.parquet'), { ...small, seed: 2 });
    assert.deepEqual(readFileSync(a.path), readFileSync(b.path));
    assert.notDeepEqual(readFileSync(a.path), readFileSync(c.path));
  });

  test('reads back with the declared schema, row count and several row groups', async () => {
    const summary = await writeSampleDay(join(dir, 'SPX.X.2023-05-19.parquet'), small);
    const contracts = sampleContracts(small).length;
    const snapshots = snapshotTimes(small).length;
    assert.equal(contracts, 2 * 6 * 2);
    assert.equal(snapshots, 391);
    assert.deepEqual(
      { rows: summary.rows, snapshots: summary.snapshots, contracts: summary.contracts },
      { rows: contracts * snapshots, snapshots, contracts }
    );

    const file = await asyncBufferFromFile(summary.path);
    const metadata = await parquetMetadataAsync(file);
    assert.equal(Number(metadata.num_rows), contracts * snapshots);
    assert.equal(metadata.row_groups.length, Math.ceil(snapshots / 60));
    const columns = parquetSchema(metadata).children.map((c) => c.element);
    assert.deepEqual(
      columns.map((c) => [c.name, c.type, c.logical_type ?? c.converted_type ?? null]),
      SAMPLE_SCHEMA.slice(1).map((c) => [c.name, c.type, c.logical_type ?? c.converted_type ?? null])
    );

    const rows = await parquetReadObjects({ file });
    const first = rows[0]!;
    assert.equal((first.processDateTime as Date).toISOString(), '2023-05-19T09:30:00.000Z', 'naive New York wall time');
    assert.equal(Number(first.quoteTimeInLong) - Date.parse('2023-05-19T13:30:00Z') <= 0, true);
    assert.equal(Number(first.expirationDate), Date.parse('2023-05-19T20:00:00Z'), '16:00 New York on expiry, as TDA');
    const perContract = new Map<string, number[]>();
    let open = 0;
    let lunch = 0;
    for (const r of rows) {
      assert.match(r.symbol as string, /^SPXW_\d{6}[CP]\d+(\.\d+)?$/);
      assert.ok(Math.abs((r.mark as number) - ((r.bid as number) + (r.ask as number)) / 2) < 1e-9, 'mark is the mid');
      const totals = perContract.get(r.symbol as string) ?? [];
      totals.push(Number(r.totalVolume));
      perContract.set(r.symbol as string, totals);
    }
    for (const [symbol, totals] of perContract) {
      assert.equal(totals.length, snapshots, symbol);
      totals.forEach((t, i) => assert.ok(i === 0 || t >= totals[i - 1]!, `${symbol}: cumulative volume never falls`));
      open += totals[30]! - totals[0]!; // 09:30-10:00
      lunch += totals[210]! - totals[180]!; // 12:30-13:00
    }
    assert.ok(open > 1.5 * lunch, `U-shaped day: ${open} contracts in the first half hour vs ${lunch} at lunch`);
  });
});
