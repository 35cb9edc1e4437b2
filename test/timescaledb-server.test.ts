// What only a TimescaleDB server does (background jobs, compression), checked where users meet it:
// late files landing in compressed chunks, and the loader's own aggregate refreshes running beside
// the refresh policies' jobs.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import type { Database } from '@optflow/db';
import { testBackend } from '@optflow/db/testing';
import type { TestDatabase } from '@optflow/db/testing';
import { FLOW_LEVELS, flowSelectSql } from '@optflow/migrations';
import { openMigratedTestDatabase, runCompressionJob } from '@optflow/migrations/testing';
import { DEFAULT_SAMPLE, loadFile, sampleDay, writeSampleBatches } from '@optflow/loader';
import type { SampleBatch, SampleOptions } from '@optflow/loader';

const backend = await testBackend();
const skip =
  backend === 'TimescaleDB server'
    ? false
    : `${backend}: needs a TimescaleDB server (background jobs and compression policies run only there)`;
const options = { timeZone: 'America/New_York', overrides: {} };

/** Every flow level and every stored quote, in a comparable form. */
async function contents(db: Database) {
  const quotes = await db.query(
    `SELECT contract, quote_time, total_volume, volume, signed_volume, round(premium::numeric, 6)::text AS premium FROM optflow.quotes ORDER BY contract, quote_time`
  );
  const flow: Record<string, unknown[]> = {};
  for (const level of FLOW_LEVELS) {
    flow[level.view] = (
      await db.query(
        `SELECT bucket, expiration, call_volume, put_volume, net_volume, round(net_premium::numeric, 4)::text AS net_premium, net_signed_volume, quotes
       FROM ${level.view} ORDER BY bucket, expiration`
      )
    ).rows;
  }
  return { quotes: quotes.rows, flow };
}

/** Each aggregate level equals the same GROUP BY computed directly (the plain-PostgreSQL view's query). */
async function assertAggregatesMatchQuotes(db: Database): Promise<void> {
  for (const level of FLOW_LEVELS) {
    // The plain query of a rollup reads the level below; those are checked in turn, lowest first.
    const direct = await db.query(
      `SELECT bucket, expiration, call_volume, put_volume, quotes FROM (${flowSelectSql(level, 'postgres')}) d ORDER BY bucket, expiration`
    );
    const cagg = await db.query(
      `SELECT bucket, expiration, call_volume, put_volume, quotes FROM ${level.view} ORDER BY bucket, expiration`
    );
    assert.deepEqual(cagg.rows, direct.rows, level.view);
  }
}

async function jobId(db: Database, proc: string, relation: string): Promise<number> {
  const { rows } = await db.query<{ job_id: number }>(
    `SELECT job_id FROM timescaledb_information.jobs WHERE proc_name = $1 AND hypertable_schema = 'optflow' AND hypertable_name = $2`,
    [proc, relation]
  );
  assert.equal(rows.length, 1, `one ${proc} job on ${relation}`);
  return Number(rows[0]!.job_id);
}

describe(`TimescaleDB server behaviour (${backend})`, { skip }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'optflow-tsdb-'));
  const dbs: TestDatabase[] = [];
  const open = async () => {
    const t = await openMigratedTestDatabase();
    dbs.push(t);
    return t.db;
  };
  after(async () => {
    for (const t of dbs) await t.dispose();
    rmSync(dir, { recursive: true, force: true });
  });
  const write = (name: string, batches: SampleBatch[]) => writeSampleBatches(join(dir, name), batches).path;

  test('a late file for a day whose chunk is compressed loads exactly as if the day had come in one file', async () => {
    const day: SampleOptions = {
      ...DEFAULT_SAMPLE,
      strikes: 4,
      expirations: 2,
      intervalSeconds: 300,
      snapshotsPerRowGroup: 1,
      seed: 7,
    };
    const snapshots = [...sampleDay(day)];
    const whole = write('SPX.X.2023-05-19.parquet', snapshots);
    // The collector's morning file, then, after the day was compressed, a late file with the
    // snapshots it had missed in between (older than stored ones: their contract-sessions replay,
    // updating compressed rows) and the afternoon.
    const morning = write(
      'SPX.X.2023-05-19.morning.parquet',
      snapshots.filter((_, i) => i < 60 && i % 3 !== 1)
    );
    const late = write(
      'SPX.X.2023-05-19.late.parquet',
      snapshots.filter((_, i) => i >= 60 || i % 3 === 1)
    );

    const reference = await open();
    assert.equal((await loadFile(reference, whole, options)).status, 'loaded');

    const db = await open();
    assert.equal((await loadFile(db, morning, options)).status, 'loaded');
    await runCompressionJob(db);
    const compressed = await db.query<{ is_compressed: boolean }>(
      `SELECT is_compressed FROM timescaledb_information.chunks WHERE hypertable_schema = 'optflow' AND hypertable_name = 'quotes'`
    );
    assert.deepEqual(compressed.rows, [{ is_compressed: true }], 'the 2023 chunk is past the compression window');
    const summary = await loadFile(db, late, options);
    assert.equal(summary.status, 'loaded', summary.error ?? '');
    assert.deepEqual(await contents(db), await contents(reference));
    await assertAggregatesMatchQuotes(db);
  });

  test("the loader's refreshes and the refresh policies' jobs run side by side: no deadlock, no error, aggregates exact, nothing left for the policy to redo", async () => {
    // Yesterday's session, which the policies' windows (hours to days back from now) cover.
    const date = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
    const day: SampleOptions = {
      ...DEFAULT_SAMPLE,
      date,
      strikes: 6,
      expirations: 2,
      intervalSeconds: 60,
      snapshotsPerRowGroup: 20,
      seed: 3,
    };
    const snapshots = [...sampleDay(day)];
    const db = await open();
    const jobs = await Promise.all(
      ['flow_1m', 'flow_5m', 'flow_1h', 'flow_1d'].map((v) => jobId(db, 'policy_refresh_continuous_aggregate', v))
    );
    // The scheduler runs jobs in their own sessions; run them as fast as they go, during the whole load.
    let loading = true;
    let jobRuns = 0;
    const policies = (async () => {
      while (loading) {
        for (const id of jobs) {
          await db.query(`CALL run_job(${id})`);
          jobRuns++;
        }
      }
    })();
    let summary;
    try {
      summary = await loadFile(db, write(`SPX.X.${date}.parquet`, snapshots), options);
    } finally {
      loading = false;
    }
    await policies; // rethrows a job's error (a deadlock would be 40P01 here or in the load)
    assert.equal(summary.status, 'loaded', summary.error ?? '');
    assert.ok(jobRuns >= jobs.length, 'the policies ran during the load');
    await assertAggregatesMatchQuotes(db);

    // After the load's last refresh, no aggregate has an invalidated range below its watermark (the
    // log keeps one entry for "before any time", below -210866803200000000 µs, and the ranges above
    // the watermark that the real-time tail serves): a policy run finds no complete bucket to redo.
    const { rows } = await db.query<{ view: string; lo: string; hi: string }>(
      `SELECT a.user_view_name AS view, l.lowest_modified_value::text AS lo, l.greatest_modified_value::text AS hi
       FROM _timescaledb_catalog.continuous_aggs_materialization_invalidation_log l
       JOIN _timescaledb_catalog.continuous_agg a ON a.mat_hypertable_id = l.materialization_id
       WHERE a.user_view_schema = 'optflow' AND l.greatest_modified_value >= -210866803200000000
         AND l.lowest_modified_value < _timescaledb_functions.cagg_watermark(a.mat_hypertable_id)`
    );
    assert.deepEqual(rows, []);
  });
});
