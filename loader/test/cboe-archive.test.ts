// The CBOE 0DTE archive (real, per strike, cumulative cvol/pvol every 15 minutes) turned into one call
// and one put contract per strike: per-snapshot call − put volume from optflow must equal a direct
// computation from the CSVs. The archive has stale opening volume, an all-zero snapshot, missing
// slots and a changing strike set, so every volume rule is exercised.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parquetWriteBuffer } from 'hyparquet-writer';
import type { Database } from '@optflow/db';
import { testBackend } from '@optflow/db/testing';
import type { TestDatabase } from '@optflow/db/testing';
import { openMigratedTestDatabase } from '@optflow/migrations/testing';
import { wallTimeToUtc } from '@optflow/contract';
import { loadFile } from '../src/index.ts';

const ARCHIVE = fileURLToPath(new URL('../../../shared/data/real/cboe-0dte-archive/profile', import.meta.url));

interface Snapshot {
  date: string;
  wall: number;
  spot: number;
  strikes: Array<{ strike: string; cvol: number; pvol: number }>;
}

function readArchive(): Snapshot[] {
  return readdirSync(ARCHIVE)
    .sort()
    .map((name) => {
      const [, date, hh, mm] = /^(\d{4}-\d{2}-\d{2})_(\d{2})(\d{2})\.csv$/.exec(name)!;
      const lines = readFileSync(join(ARCHIVE, name), 'utf8').trim().split(/\r?\n/);
      const spot = Number(/spot=([\d.]+)/.exec(lines[0]!)![1]);
      const header = lines[1]!.split(',');
      const strikes = lines.slice(2).map((line) => {
        const cells = Object.fromEntries(line.split(',').map((v, i) => [header[i], v]));
        return { strike: String(Number(cells.strike)), cvol: Number(cells.cvol), pvol: Number(cells.pvol) };
      });
      return { date: date!, wall: Date.parse(`${date}T${hh}:${mm}:00Z`), spot, strikes };
    });
}

/** Independent of the loader: the rules table of the README, applied with plain loops. */
function expectedNetBySnapshot(snapshots: Snapshot[]): Map<number, number> {
  const net = new Map<number, number>();
  const series = new Map<string, Array<[number, number]>>();
  for (const s of snapshots) {
    const t = wallTimeToUtc(s.wall, 'America/New_York');
    net.set(t, 0);
    for (const k of s.strikes) {
      for (const [side, total] of [
        ['C', k.cvol],
        ['P', k.pvol],
      ] as const) {
        const key = `${s.date}|${side}|${k.strike}`;
        series.set(key, [...(series.get(key) ?? []), [t, total]]);
      }
    }
  }
  for (const [key, points] of series) {
    const sign = key.includes('|C|') ? 1 : -1;
    let baseline: number | undefined;
    for (const [t, total] of points) {
      let volume = 0;
      if (baseline === undefined) baseline = total;
      else if (total >= baseline) {
        volume = total - baseline;
        baseline = total;
      } else if (total !== 0) baseline = total; // 0 < total < baseline; a zero total keeps the baseline
      net.set(t, net.get(t)! + sign * volume);
    }
  }
  return net;
}

const backend = await testBackend();

describe(`CBOE 0DTE archive (${backend})`, () => {
  const dir = mkdtempSync(join(tmpdir(), 'optflow-cboe-'));
  let t: TestDatabase;
  let db: Database;
  const snapshots = readArchive();
  before(async () => {
    t = await openMigratedTestDatabase();
    db = t.db;
  });
  after(async () => {
    await t.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  test('per-snapshot call − put volume equals the direct computation from the CSVs', async () => {
    for (const date of [...new Set(snapshots.map((s) => s.date))]) {
      const rows = snapshots
        .filter((s) => s.date === date)
        .flatMap((s) =>
          s.strikes.flatMap((k) =>
            (['C', 'P'] as const).map((side) => ({
              symbol: `SPXW_${date.slice(5, 7)}${date.slice(8, 10)}${date.slice(2, 4)}${side}${k.strike}`,
              totalVolume: BigInt(side === 'C' ? k.cvol : k.pvol),
              processDateTime: new Date(s.wall),
              underlyingPrice: s.spot,
            }))
          )
        );
      const path = join(dir, `SPX.X.${date}.parquet`);
      writeFileSync(
        path,
        new Uint8Array(
          parquetWriteBuffer({
            columnData: (['symbol', 'totalVolume', 'processDateTime', 'underlyingPrice'] as const).map((name) => ({
              name,
              data: rows.map((r) => r[name]),
            })),
            schema: [
              { name: 'root', num_children: 4 },
              { name: 'symbol', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'REQUIRED' },
              { name: 'totalVolume', type: 'INT64', repetition_type: 'REQUIRED' },
              {
                name: 'processDateTime',
                type: 'INT64',
                repetition_type: 'REQUIRED',
                logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: false, unit: 'MICROS' },
              },
              { name: 'underlyingPrice', type: 'DOUBLE', repetition_type: 'REQUIRED' },
            ],
          })
        )
      );
      const summary = await loadFile(db, path, { timeZone: 'America/New_York', overrides: {} });
      assert.equal(summary.status, 'loaded', summary.error ?? '');
    }
    const expected = expectedNetBySnapshot(snapshots);
    const { rows } = await db.query<{ t: Date; net: number }>(
      `SELECT quote_time AS t, sum(CASE put_call WHEN 'C' THEN volume ELSE -volume END)::float8 AS net FROM optflow.quotes GROUP BY 1 ORDER BY 1`
    );
    assert.deepEqual(new Map(rows.map((r) => [r.t.getTime(), r.net])), expected);
    const flow = await db.query<{ t: Date; net: number }>(
      `SELECT bucket AS t, sum(net_volume)::float8 AS net FROM optflow.flow_1m GROUP BY 1 ORDER BY 1`
    );
    assert.deepEqual(new Map(flow.rows.map((r) => [r.t.getTime(), r.net])), expected, 'the same through flow_1m');

    const anomalies = await db.query<{ n: number }>(`SELECT sum(anomalies)::int AS n FROM optflow.files`);
    assert.ok(anomalies.rows[0]!.n > 0, 'the archive exercises the anomaly rules (all-zero and stale snapshots)');
    assert.ok([...expected.values()].some((v) => v !== 0));
  });
});
