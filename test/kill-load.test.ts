import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Database } from '@optflow/db';
import { testBackend } from '@optflow/db/testing';
import { openMigratedTestDatabase } from '@optflow/migrations/testing';
import { DEFAULT_SAMPLE, loadFile, sampleDay, writeSampleBatches } from '@optflow/loader';
import { childDatabase } from './src/child-database.ts';
import { OPTFLOW_BIN, startChild } from './src/processes.ts';

/** What must be identical between a clean load and one killed and re-run. */
async function contents(db: Database) {
  const quotes = await db.query(
    `SELECT contract, quote_time, total_volume, volume, signed_volume, premium FROM optflow.quotes ORDER BY contract, quote_time`
  );
  const flow = await db.query(
    `SELECT bucket, expiration, call_volume, put_volume, net_signed_volume, quotes FROM optflow.flow_1m ORDER BY bucket, expiration`
  );
  const snapshots = await db.query(
    `SELECT f.path, s.underlying, s.quote_time, s.rows FROM optflow.snapshots s JOIN optflow.files f ON f.id = s.file_id ORDER BY 1, 2, 3`
  );
  return { quotes: quotes.rows, flow: flow.rows, snapshots: snapshots.rows };
}

const backend = await testBackend();

describe(`kill -9 during a multi-file load (${backend})`, () => {
  const home = mkdtempSync(join(tmpdir(), 'optflow-kill-'));
  const data = join(home, 'data');
  const disposers: Array<() => Promise<void>> = [];
  before(() => {
    mkdirSync(data);
    // A day as ten files of three row groups each: kills land between and inside files. Each file
    // holds ~9,400 rows, so that even on a fast server a file takes longer to load than the offsets
    // below and the last kill cannot find the run already finished.
    const day = { ...DEFAULT_SAMPLE, strikes: 60, expirations: 2, snapshotsPerRowGroup: 13, seed: 5 };
    const groups = [...sampleDay(day)];
    for (let f = 0; f * 3 < groups.length; f++) {
      writeSampleBatches(
        join(data, `SPX.X.2023-05-19.${String(f).padStart(2, '0')}.parquet`),
        groups.slice(f * 3, f * 3 + 3)
      );
    }
  });
  after(async () => {
    for (const dispose of disposers) await dispose();
    rmSync(home, { recursive: true, force: true });
  });

  test('killed after the 1st, 4th and 7th file (mid-way into the next), then re-run: identical to a clean run', async () => {
    const clean = await openMigratedTestDatabase();
    disposers.push(() => clean.dispose());
    const files = spawnSync('ls', [data], { encoding: 'utf8' })
      .stdout.trim()
      .split('\n')
      .map((f) => join(data, f));
    for (const f of files)
      assert.equal((await loadFile(clean.db, f, { timeZone: 'America/New_York', overrides: {} })).status, 'loaded');

    const target = await childDatabase(join(home, 'killed'));
    disposers.push(() => target.dispose());
    const env = target.env;
    const killedAfter: number[] = [];
    for (const [k, offsetMs] of [
      [1, 40],
      [4, 150],
      [7, 10],
    ] as const) {
      const child = startChild([OPTFLOW_BIN, 'load', data], env);
      // Each run starts over; files loaded before are 'unchanged' and print nothing new.
      const loadedBefore = killedAfter.length === 0 ? 0 : killedAfter.at(-1)!;
      await child
        .waitFor(new RegExp(`(?:loaded [^\\n]*\\n[\\s\\S]*){${k - loadedBefore}}`), 120_000)
        .catch(() => undefined);
      await new Promise((r) => setTimeout(r, offsetMs));
      child.process.kill('SIGKILL');
      assert.equal(await child.exited, null, 'killed, not finished');
      killedAfter.push(k);
    }
    const finish = startChild([OPTFLOW_BIN, 'load', data, '--json'], env);
    assert.equal(await finish.exited, 0, finish.output());

    const expected = await contents(clean.db);
    assert.equal(expected.quotes.length, 240 * 391);
    await target.read(async (db) => {
      assert.deepEqual(await contents(db), expected);
      const statuses = await db.query<{ status: string; n: number }>(
        `SELECT status, count(*)::int AS n FROM optflow.files GROUP BY 1`
      );
      assert.deepEqual(statuses.rows, [{ status: 'loaded', n: files.length }]);
    });
  });
});
