import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Database } from '@optflow/db';
import { openTestDatabase, testBackend } from '@optflow/db/testing';
import { runCompressionJob } from '../src/testing.ts';
import type { TestDatabase } from '@optflow/db/testing';
import {
  addPoliciesSql,
  FLOW_COLUMNS,
  FLOW_LEVELS,
  FLOW_POLICIES,
  migrate,
  REFRESH_LOCK,
  refreshFlowAggregates,
  removePoliciesSql,
  timescaleStatusOf,
} from '../src/index.ts';

const backend = await testBackend();
/** Every migration, in order. */
const MIGRATIONS = [
  '1_schema',
  '2_flow-aggregates',
  '3_policies',
  '4_contract-sessions',
  '5_snapshot-commits',
  '6_ingest-epoch',
  '7_contract-sessions-fillfactor',
  '8_api-secret',
  '9_flow-1d-sessions',
  '10_quote-anomalies',
];

/** Three contracts over seven minutes with known interval volumes, marks and spot. */
function fixtureRows() {
  const rows: Array<{
    time: Date;
    contract: string;
    putCall: 'C' | 'P';
    expiration: string;
    volume: number;
    mark: number;
    signed: number;
    spot: number;
  }> = [];
  const contracts = [
    { contract: 'SPXW  230519C04200000', putCall: 'C' as const, expiration: '2023-05-19' },
    { contract: 'SPXW  230519P04100000', putCall: 'P' as const, expiration: '2023-05-19' },
    { contract: 'SPX   230616C04300000', putCall: 'C' as const, expiration: '2023-06-16' },
  ];
  for (let minute = 0; minute < 7; minute++) {
    contracts.forEach((c, i) => {
      const volume = (minute + 1) * (i + 2);
      rows.push({
        time: new Date(Date.UTC(2023, 4, 19, 13, 30 + minute, 0)),
        ...c,
        volume,
        mark: 1.5 + i + minute / 10,
        signed: minute % 2 === 0 ? volume : -volume,
        spot: 4200 + minute,
      });
    });
  }
  return rows;
}

type Row = ReturnType<typeof fixtureRows>[number];

function expectedFlow(rows: Row[], widthMinutes: number) {
  const out = new Map<
    string,
    { call: number; put: number; callPremium: number; putPremium: number; signed: number; quotes: number; spot: number }
  >();
  for (const r of rows) {
    const bucket = new Date(Math.floor(r.time.getTime() / (widthMinutes * 60_000)) * widthMinutes * 60_000);
    const key = `${bucket.toISOString()}|${r.expiration}`;
    const e = out.get(key) ?? { call: 0, put: 0, callPremium: 0, putPremium: 0, signed: 0, quotes: 0, spot: 0 };
    const premium = r.volume * r.mark * 100;
    if (r.putCall === 'C') {
      e.call += r.volume;
      e.callPremium += premium;
      e.signed += r.signed;
    } else {
      e.put += r.volume;
      e.putPremium += premium;
      e.signed -= r.signed;
    }
    e.quotes++;
    e.spot = r.spot; // rows are in time order: the last one wins
    out.set(key, e);
  }
  return [...out.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, e]) => {
      const [bucket, expiration] = key.split('|');
      return {
        bucket: new Date(bucket!),
        underlying: 'SPX',
        expiration,
        call_volume: e.call,
        put_volume: e.put,
        net_volume: e.call - e.put,
        call_premium: e.callPremium,
        put_premium: e.putPremium,
        net_premium: e.callPremium - e.putPremium,
        net_signed_volume: e.signed,
        quotes: e.quotes,
        underlying_price: e.spot,
      };
    });
}

async function readFlow(db: Database, view: string): Promise<Array<Record<string, unknown>>> {
  const { rows } = await db.query<Record<string, unknown>>(
    `SELECT bucket, underlying, expiration, call_volume, put_volume, net_volume, call_premium, put_premium,
            net_premium, net_signed_volume, quotes, underlying_price FROM ${view} ORDER BY bucket, expiration`
  );
  // Premiums are sums of doubles: compare them rounded to the cent.
  return rows.map((r) => ({
    ...r,
    call_premium: round(r.call_premium),
    put_premium: round(r.put_premium),
    net_premium: round(r.net_premium),
  }));
}
const round = (v: unknown) => Math.round(Number(v) * 100) / 100;
const roundExpected = (rows: ReturnType<typeof expectedFlow>) =>
  rows.map((r) => ({
    ...r,
    call_premium: round(r.call_premium),
    put_premium: round(r.put_premium),
    net_premium: round(r.net_premium),
  }));

describe(`migrations (${backend})`, () => {
  let t: TestDatabase;
  let db: Database;
  before(async () => {
    t = await openTestDatabase();
    db = t.db;
  });
  after(() => t.dispose());

  test('up creates the schema, and on TimescaleDB a hypertable and four real-time continuous aggregates', async () => {
    const ran = await migrate(db, { direction: 'up' });
    assert.deepEqual(ran, MIGRATIONS);
    const info = await db.info();
    const tables = await db.query<{ table_name: string }>(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'optflow' ORDER BY 1`
    );
    assert.deepEqual(
      tables.rows.map((r) => r.table_name),
      [
        'anomaly_reasons',
        'api_secret',
        'contract_sessions',
        'files',
        'flow_1d',
        'flow_1h',
        'flow_1m',
        'flow_5m',
        'ingest_epoch',
        'quotes',
        'rejected_rows',
        'snapshots',
      ]
    );
    const options = await db.query<{ reloptions: string[] | null }>(
      `SELECT reloptions FROM pg_class WHERE oid = 'optflow.contract_sessions'::regclass`
    );
    assert.deepEqual(
      options.rows[0]?.reloptions,
      ['fillfactor=50'],
      'contract-session states are updated in place (HOT)'
    );
    for (const level of FLOW_LEVELS) {
      const cols = await db.query<{ column_name: string }>(
        `SELECT column_name FROM information_schema.columns WHERE table_schema = 'optflow' AND table_name = $1 ORDER BY ordinal_position`,
        [level.view.split('.')[1]]
      );
      assert.deepEqual(
        cols.rows.map((r) => r.column_name),
        FLOW_COLUMNS,
        level.view
      );
    }
    if (backend === 'PostgreSQL server') {
      assert.equal(info.timescaledb, null, 'a server that does not preload TimescaleDB gets plain tables and views');
      const views = await db.query<{ table_name: string }>(
        `SELECT table_name FROM information_schema.views WHERE table_schema = 'optflow' ORDER BY 1`
      );
      assert.deepEqual(
        views.rows.map((r) => r.table_name),
        ['flow_1d', 'flow_1h', 'flow_1m', 'flow_5m']
      );
      assert.ok(['absent', 'not-preloaded'].includes(await timescaleStatusOf(db)));
      return;
    }
    assert.ok(info.timescaledb, `the ${backend} has TimescaleDB`);
    assert.equal(await timescaleStatusOf(db), 'in-use');
    const hyper = await db.query(
      `SELECT 1 FROM timescaledb_information.hypertables WHERE hypertable_schema = 'optflow' AND hypertable_name = 'quotes'`
    );
    assert.equal(hyper.rows.length, 1);
    const caggs = await db.query<{ view_name: string; materialized_only: boolean }>(
      `SELECT view_name, materialized_only FROM timescaledb_information.continuous_aggregates WHERE view_schema = 'optflow' ORDER BY view_name`
    );
    assert.deepEqual(
      caggs.rows,
      ['flow_1d', 'flow_1h', 'flow_1m', 'flow_5m'].map((view_name) => ({ view_name, materialized_only: false }))
    );
    const jobs = await db.query<{ proc_name: string; hypertable_name: string }>(
      `SELECT proc_name, hypertable_name FROM timescaledb_information.jobs WHERE hypertable_schema = 'optflow' ORDER BY proc_name, hypertable_name`
    );
    if (backend === 'embedded')
      assert.equal(jobs.rows.length, 0, 'no policies in the embedded build (no background workers)');
    else {
      assert.deepEqual(
        jobs.rows,
        [
          { proc_name: 'policy_compression', hypertable_name: 'quotes' },
          ...['flow_1d', 'flow_1h', 'flow_1m', 'flow_5m'].map((hypertable_name) => ({
            proc_name: 'policy_refresh_continuous_aggregate',
            hypertable_name,
          })),
        ],
        'a TimescaleDB server gets the refresh and compression policies'
      );
    }
  });

  test('rows in optflow.quotes show in flow_1m and flow_5m without a refresh, and the same after one', async () => {
    const rows = fixtureRows();
    await db.transaction(async (s) => {
      for (const r of rows) {
        await s.query(
          `INSERT INTO optflow.quotes (quote_time, contract, source_symbol, underlying, root, expiration, put_call,
             strike, mark, volume, signed_volume, premium, underlying_price)
           VALUES ($1, $2, $2, 'SPX', 'SPXW', $3, $4, 4200, $5::float8, $6::bigint, $7, $6::bigint * $5::float8 * 100, $8)`,
          [r.time, r.contract, r.expiration, r.putCall, r.mark, r.volume, r.signed, r.spot]
        );
      }
    });
    assert.deepEqual(await readFlow(db, 'optflow.flow_1m'), roundExpected(expectedFlow(rows, 1)));
    assert.deepEqual(await readFlow(db, 'optflow.flow_5m'), roundExpected(expectedFlow(rows, 5)));

    const windows = await refreshFlowAggregates(
      db,
      new Date(Date.UTC(2023, 4, 19, 13, 30)),
      new Date(Date.UTC(2023, 4, 19, 13, 40))
    );
    if ((await db.info()).timescaledb) {
      assert.deepEqual(
        windows.map((w) => [w.view, w.start]),
        FLOW_LEVELS.map((l) => [l.view, null]),
        'nothing materialized yet: every level from the beginning'
      );
      const materialized = await db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM optflow.flow_1m WHERE bucket < (SELECT _timescaledb_functions.to_timestamp(_timescaledb_functions.cagg_watermark(mat_hypertable_id)) FROM _timescaledb_catalog.continuous_agg WHERE user_view_name = 'flow_1m')`
      );
      assert.ok((materialized.rows[0]?.n ?? 0) > 0, 'the refresh materialized buckets');
      const sort = await db.withSession((s) => s.query<{ enable_sort: string }>('SHOW enable_sort'));
      assert.equal(
        sort.rows[0]?.enable_sort,
        'on',
        'the session is left as it was (refreshes run with hash aggregation)'
      );
    }
    assert.deepEqual(await readFlow(db, 'optflow.flow_1m'), roundExpected(expectedFlow(rows, 1)));
    assert.deepEqual(await readFlow(db, 'optflow.flow_5m'), roundExpected(expectedFlow(rows, 5)));

    // A late row below the watermark shows once its range is refreshed again.
    const late = { ...rows[0]!, contract: 'SPXW  230519C04250000', volume: 11, signed: 11 };
    await db.query(
      `INSERT INTO optflow.quotes (quote_time, contract, source_symbol, underlying, root, expiration, put_call, strike, mark, volume, signed_volume, premium, underlying_price)
       VALUES ($1, $2, $2, 'SPX', 'SPXW', $3, 'C', 4250, $4::float8, $5::bigint, $6, $5::bigint * $4::float8 * 100, $7)`,
      [late.time, late.contract, late.expiration, late.mark, late.volume, late.signed, late.spot]
    );
    await refreshFlowAggregates(db, late.time, new Date(late.time.getTime() + 60_000));
    const all = [...rows, late].sort((a, b) => a.time.getTime() - b.time.getTime() || (a === late ? -1 : 0));
    const minute = (await readFlow(db, 'optflow.flow_1m'))[0];
    assert.equal(minute?.call_volume, expectedFlow(all, 1)[0]?.call_volume);
  });

  test('refreshes run one at a time across connections: one waits while another holds the refresh lock', async (t) => {
    // Why: each refresh leaves out the bucket still filling by the watermark it reads; read during
    // another loader's refresh, that watermark can be stale and the bucket is then never refreshed.
    if (backend !== 'TimescaleDB server') return t.skip('needs two connections to a TimescaleDB server');
    await db.withSession(async (other) => {
      await other.query('SELECT pg_advisory_lock(hashtext($1))', [REFRESH_LOCK]);
      let finished = false;
      const refresh = refreshFlowAggregates(
        db,
        new Date(Date.UTC(2023, 4, 19, 13, 30)),
        new Date(Date.UTC(2023, 4, 19, 13, 40))
      ).then(() => {
        finished = true;
      });
      try {
        const waiting = async () =>
          (
            await other.query<{ n: number }>(
              `SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted`
            )
          ).rows[0]!.n;
        while ((await waiting()) === 0) await new Promise((resolve) => setTimeout(resolve, 20));
        assert.equal(finished, false, 'the refresh waits for the lock');
      } finally {
        await other.query('SELECT pg_advisory_unlock(hashtext($1))', [REFRESH_LOCK]);
      }
      await refresh;
      assert.equal(finished, true);
    });
  });

  test('flow_1d buckets by New York session: 20:00–24:00 New York belongs to that day, also once materialized', async () => {
    // 19:30 and 23:30 New York on 2023-05-19 (EDT): 23:30Z and 03:30Z, the second on the next UTC day.
    const evening = ['2023-05-19T23:30:00Z', '2023-05-20T03:30:00Z'];
    for (const [i, time] of evening.entries()) {
      await db.query(
        `INSERT INTO optflow.quotes (quote_time, contract, source_symbol, underlying, root, expiration, put_call, strike, mark, volume, premium)
         VALUES ($1, 'SPXW  230526C04200000', 'x', 'SPX', 'SPXW', '2023-05-26', 'C', 4200, 1, $2::bigint, $2::bigint * 100)`,
        [time, 10 + i]
      );
    }
    const day = () =>
      db.query<{ bucket: Date; call_volume: number }>(
        `SELECT bucket, call_volume FROM optflow.flow_1d WHERE expiration = '2023-05-26'`
      );
    const expected = [{ bucket: new Date('2023-05-19T04:00:00Z'), call_volume: 21 }];
    assert.deepEqual((await day()).rows, expected, 'one bucket, New York midnight of the 19th');
    await refreshFlowAggregates(db, new Date(evening[0]!), new Date('2023-05-21T00:00:00Z'));
    assert.deepEqual((await day()).rows, expected, 'the same once materialized');
    await db.query(`DELETE FROM optflow.quotes WHERE expiration = '2023-05-26'`);
    await refreshFlowAggregates(db, new Date(evening[0]!), new Date('2023-05-21T00:00:00Z'));
  });

  test('optflow_reader can read and cannot write; optflow_writer can write', async () => {
    await db.withSession(async (s) => {
      await s.query('SET ROLE optflow_reader');
      try {
        const { rows } = await s.query<{ n: number }>('SELECT count(*)::int AS n FROM optflow.flow_1m');
        assert.ok((rows[0]?.n ?? 0) > 0);
        await s.query('SELECT count(*) FROM optflow.quotes');
        await assert.rejects(s.query(`DELETE FROM optflow.quotes`), /permission denied/);
        await assert.rejects(
          s.query(`INSERT INTO optflow.files (path, size, mtime, status) VALUES ('x', 1, now(), 'loaded')`),
          /permission denied/
        );
        await assert.rejects(s.query(`CREATE TABLE optflow.sneaky (x int)`), /permission denied/);
      } finally {
        await s.query('RESET ROLE');
      }
      await s.query('SET ROLE optflow_writer');
      try {
        await s.query(`INSERT INTO optflow.files (path, size, mtime, status) VALUES ('w.parquet', 1, now(), 'loaded')`);
        await s.query(`DELETE FROM optflow.files WHERE path = 'w.parquet'`);
      } finally {
        await s.query('RESET ROLE');
      }
    });
  });

  test('the API secret: 32 random bytes, readable by the owner only (not optflow_reader nor optflow_writer)', async () => {
    const { rows } = await db.query<{ n: number; len: number }>(
      'SELECT count(*)::int AS n, max(length(secret))::int AS len FROM optflow.api_secret'
    );
    assert.deepEqual(rows[0], { n: 1, len: 32 });
    await db.withSession(async (s) => {
      for (const role of ['optflow_reader', 'optflow_writer']) {
        await s.query(`SET ROLE ${role}`);
        try {
          await assert.rejects(s.query('SELECT secret FROM optflow.api_secret'), /permission denied/, role);
        } finally {
          await s.query('RESET ROLE');
        }
      }
    });
  });

  test('the policy SQL registers each job once, however often it runs', async (t) => {
    if (backend === 'PostgreSQL server') return t.skip('no TimescaleDB on this server: policies do not apply');
    const policyJobs = async () =>
      (
        await db.query<{ proc_name: string }>(
          `SELECT proc_name FROM timescaledb_information.jobs WHERE proc_name IN ('policy_refresh_continuous_aggregate', 'policy_compression') AND hypertable_schema = 'optflow'`
        )
      ).rows;
    // Twice: on 2.23 a second refresh policy on a hierarchical aggregate fails even with if_not_exists.
    for (let i = 0; i < 2; i++) for (const sql of addPoliciesSql()) await db.query(sql);
    const jobs = await policyJobs();
    assert.equal(
      jobs.filter((j) => j.proc_name === 'policy_refresh_continuous_aggregate').length,
      FLOW_POLICIES.length
    );
    assert.equal(jobs.filter((j) => j.proc_name === 'policy_compression').length, 1);
    for (const sql of removePoliciesSql()) await db.query(sql);
    assert.deepEqual(await policyJobs(), []);
    for (const sql of removePoliciesSql()) await db.query(sql); // if_exists: removing again is harmless
    if (backend === 'TimescaleDB server') for (const sql of addPoliciesSql()) await db.query(sql); // as migrated
  });

  test("the policies' jobs run on a TimescaleDB server: refresh materializes recent buckets, compression compresses old chunks", async (t) => {
    if (backend !== 'TimescaleDB server')
      return t.skip(`${backend}: no background jobs (policies run only on a TimescaleDB server)`);
    // A quote half an hour ago lies in flow_1m's policy window (3 hours back to 1 minute ago).
    const recent = new Date(Math.floor((Date.now() - 30 * 60_000) / 60_000) * 60_000);
    await db.query(
      `INSERT INTO optflow.quotes (quote_time, contract, source_symbol, underlying, root, expiration, put_call, strike, mark, volume, premium)
       VALUES ($1, 'SPXW  300101C04200000', 'x', 'SPX', 'SPXW', '2030-01-01', 'C', 4200, 2.5, 7, 1750)`,
      [recent]
    );
    const jobs = await db.query<{ job_id: number; proc_name: string; hypertable_name: string }>(
      `SELECT job_id, proc_name, hypertable_name FROM timescaledb_information.jobs WHERE hypertable_schema = 'optflow' ORDER BY job_id`
    );
    // Lowest level first, as the policies' schedules would.
    const order = ['flow_1m', 'flow_5m', 'flow_1h', 'flow_1d', 'quotes'];
    const ordered = [...jobs.rows].sort((a, b) => order.indexOf(a.hypertable_name) - order.indexOf(b.hypertable_name));
    assert.equal(ordered.length, 5);
    // run_job runs a job in this session as the scheduler would (a failure raises here); what the
    // jobs did is checked by their effects below.
    for (const job of ordered.filter((j) => j.proc_name !== 'policy_compression'))
      await db.query(`CALL run_job(${Number(job.job_id)})`);
    await runCompressionJob(db);
    const watermark = await db.query<{ watermark: Date }>(
      `SELECT _timescaledb_functions.to_timestamp(_timescaledb_functions.cagg_watermark(mat_hypertable_id)) AS watermark
       FROM _timescaledb_catalog.continuous_agg WHERE user_view_schema = 'optflow' AND user_view_name = 'flow_1m'`
    );
    assert.ok(
      watermark.rows[0]!.watermark.getTime() > recent.getTime(),
      'the refresh policy materialized the recent bucket'
    );
    const materialized = await db.query<{ call_volume: number }>(
      `SELECT call_volume FROM optflow.flow_1m WHERE bucket = $1 AND expiration = '2030-01-01'`,
      [recent]
    );
    assert.deepEqual(materialized.rows, [{ call_volume: 7 }]);
    // The fixture days (2023) are older than the compression window: their chunks are compressed,
    // and the aggregates still read the same.
    const before = await readFlow(db, 'optflow.flow_5m');
    const chunks = await db.query<{ old: boolean; is_compressed: boolean }>(
      `SELECT range_end < now() - INTERVAL '2 days' AS old, is_compressed FROM timescaledb_information.chunks
       WHERE hypertable_schema = 'optflow' AND hypertable_name = 'quotes' ORDER BY range_start`
    );
    assert.ok(chunks.rows.length >= 2);
    for (const c of chunks.rows) assert.equal(c.is_compressed, c.old, "the 2023 chunks compressed, today's not");
    assert.deepEqual(await readFlow(db, 'optflow.flow_5m'), before);
    await db.query(`DELETE FROM optflow.quotes WHERE quote_time = $1`, [recent]);
  });

  test('optflow_reader reads the flow aggregates, materialized and real-time, and the compressed quotes', async () => {
    const [all] = (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM optflow.flow_1m')).rows;
    await db.withSession(async (s) => {
      await s.query('SET ROLE optflow_reader');
      try {
        for (const level of FLOW_LEVELS) {
          const { rows } = await s.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${level.view}`);
          assert.ok((rows[0]?.n ?? 0) > 0, level.view);
        }
        const { rows } = await s.query<{ n: number }>('SELECT count(*)::int AS n FROM optflow.flow_1m');
        assert.equal(rows[0]?.n, all?.n, 'the reader sees what the owner sees');
        await s.query('SELECT count(*) FROM optflow.quotes');
      } finally {
        await s.query('RESET ROLE');
      }
    });
  });

  test('down removes everything, and up again works', async () => {
    const down = await migrate(db, { direction: 'down' });
    assert.deepEqual(down, [...MIGRATIONS].reverse());
    const schema = await db.query(`SELECT 1 FROM pg_namespace WHERE nspname = 'optflow'`);
    assert.equal(schema.rows.length, 0);
    assert.deepEqual(await migrate(db, { direction: 'up' }), MIGRATIONS);
    assert.deepEqual(await migrate(db, { direction: 'up' }), [], 'nothing pending');
    const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM optflow.flow_1m');
    assert.equal(rows[0]?.n, 0);
  });
});
