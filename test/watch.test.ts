import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { testBackend } from '@optflow/db/testing';
import { openMigratedTestDatabase } from '@optflow/migrations/testing';
import { DEFAULT_SAMPLE, loadFile, sampleDay, writeSampleBatches } from '@optflow/loader';
import type { SampleBatch } from '@optflow/loader';
import { childDatabase } from './src/child-database.ts';
import { OPTFLOW_BIN, startChild } from './src/processes.ts';

const contracts = 2 * 3 * 2;
const groups = [...sampleDay({ ...DEFAULT_SAMPLE, strikes: 3, expirations: 2, snapshotsPerRowGroup: 20, seed: 3 })];

/** Writes like a collector that rewrites its file: to a temporary name, then renamed into place. */
function collectorWrite(path: string, batches: SampleBatch[]): void {
  writeSampleBatches(path, batches);
}

const loadLines = (output: string) =>
  output
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l));

const backend = await testBackend();

describe(`optflow watch (${backend})`, () => {
  const home = mkdtempSync(join(tmpdir(), 'optflow-watch-'));
  const disposers: Array<() => Promise<void>> = [];
  after(async () => {
    for (const dispose of disposers) await dispose();
    rmSync(home, { recursive: true, force: true });
  });

  test('picks up a file rewritten with new snapshots and loads only those; SIGTERM exits 0', async () => {
    const data = join(home, 'data');
    mkdirSync(data);
    const target = await childDatabase(join(home, 'home'));
    disposers.push(() => target.dispose());
    const env = target.env;
    const file = join(data, 'SPX.X.2023-05-19.parquet');
    const child = startChild([OPTFLOW_BIN, 'watch', data, '--json', '--poll', '100'], env);

    collectorWrite(file, groups.slice(0, 5)); // 100 snapshots
    await child.waitFor(/^\{.*"status":"loaded"/m);
    collectorWrite(file, groups.slice(0, 10)); // the same 100, then 100 more
    await child.waitFor(/^\{.*"status":"loaded"[^\n]*\n\{.*"status":"loaded"/m);
    assert.equal(await child.stop('SIGTERM'), 0, child.output());

    const [first, second] = loadLines(child.output());
    assert.deepEqual([first.inserted, first.rowGroupsSkipped, first.duplicates], [100 * contracts, 0, 0]);
    assert.deepEqual(
      [second.inserted, second.rowsRead, second.rowGroupsSkipped, second.duplicates],
      [100 * contracts, 100 * contracts, 5, 0],
      'the rewrite: only the new row groups were read'
    );

    // The result equals one clean load of the final file.
    const clean = await openMigratedTestDatabase();
    disposers.push(() => clean.dispose());
    await loadFile(clean.db, file, { timeZone: 'America/New_York', overrides: {} });
    const sql = `SELECT contract, quote_time, volume, signed_volume, premium FROM optflow.quotes ORDER BY 1, 2`;
    const expected = (await clean.db.query(sql)).rows;
    assert.equal(expected.length, 200 * contracts);
    await target.read(async (db) => assert.deepEqual((await db.query(sql)).rows, expected));
  });
});
