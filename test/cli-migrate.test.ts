import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { testBackend, withClient } from '@optflow/db/testing';
import { childDatabase } from './src/child-database.ts';
import type { ChildDatabase } from './src/child-database.ts';
import { OPTFLOW_BIN } from './src/processes.ts';

const backend = await testBackend();

describe(`optflow migrate (${backend})`, () => {
  let env: NodeJS.ProcessEnv;
  let target: ChildDatabase;
  const home = mkdtempSync(join(tmpdir(), 'optflow-migrate-'));
  before(async () => {
    target = await childDatabase(home);
    env = { ...process.env, ...target.env };
  });
  after(async () => {
    await target.dispose();
    rmSync(home, { recursive: true, force: true });
  });
  const optflow = (...args: string[]) => spawnSync(process.execPath, [OPTFLOW_BIN, ...args], { env, encoding: 'utf8' });

  test('up, up again, down one, down --all: JSON summaries and exit 0', () => {
    const up = optflow('migrate', '--json');
    assert.equal(up.status, 0, up.stderr);
    const summary = JSON.parse(up.stdout);
    assert.deepEqual(summary.migrations, [
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
    ]);
    assert.equal(summary.direction, 'up');
    assert.equal(
      typeof summary.timescaledb === 'string',
      backend !== 'PostgreSQL server',
      'TimescaleDB reported when present'
    );
    assert.equal(summary.timescaledbStatus === 'in-use', backend !== 'PostgreSQL server');

    assert.deepEqual(JSON.parse(optflow('migrate', 'up', '--json').stdout).migrations, []);
    assert.deepEqual(JSON.parse(optflow('migrate', 'down', '--json').stdout).migrations, ['10_quote-anomalies']);
    assert.deepEqual(JSON.parse(optflow('migrate', 'down', '--all', '--json').stdout).migrations, [
      '9_flow-1d-sessions',
      '8_api-secret',
      '7_contract-sessions-fillfactor',
      '6_ingest-epoch',
      '5_snapshot-commits',
      '4_contract-sessions',
      '3_policies',
      '2_flow-aggregates',
      '1_schema',
    ]);
    const human = optflow('migrate');
    assert.equal(human.status, 0);
    assert.match(
      human.stdout,
      /applied: 1_schema, 2_flow-aggregates, 3_policies, 4_contract-sessions, 5_snapshot-commits, 6_ingest-epoch, 7_contract-sessions-fillfactor, 8_api-secret, 9_flow-1d-sessions, 10_quote-anomalies/
    );
  });

  test('a bad direction or a malformed DATABASE_URL is a usage error (exit 2); an unreachable server exit 3', () => {
    const bad = optflow('migrate', 'sideways');
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /direction must be "up" or "down", got "sideways"/);
    const down = spawnSync(process.execPath, [OPTFLOW_BIN, 'migrate'], {
      env: { ...process.env, DATABASE_URL: 'postgres://optflow:secret@127.0.0.1:1/none' },
      encoding: 'utf8',
    });
    assert.equal(down.status, 3);
    assert.match(down.stderr, /cannot open postgres:\/\/optflow:\*\*\*@127\.0\.0\.1:1\/none: .*ECONNREFUSED/);
    const garbage = spawnSync(process.execPath, [OPTFLOW_BIN, 'migrate'], {
      env: { ...process.env, DATABASE_URL: 'garbage' },
      encoding: 'utf8',
    });
    assert.equal(garbage.status, 2, 'a malformed DATABASE_URL is a configuration error, not an outage');
    assert.match(garbage.stderr, /DATABASE_URL must be a postgres:\/\/ .*URL/);
  });

  test('TimescaleDB installed on the server but not preloaded: plain PostgreSQL, a one-line notice, exit 0', async (t) => {
    if (backend !== 'PostgreSQL server')
      return t.skip(
        `${backend}: TimescaleDB is preloaded or built in here; the case needs a server without it preloaded`
      );
    const url = target.env.DATABASE_URL!;
    const available = await withClient(
      url,
      async (c) => (await c.query(`SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb'`)).rows.length > 0
    );
    if (!available)
      return t.skip(
        'TimescaleDB is not installed on this server at all (.ci/run builds it, which makes it available here)'
      );
    optflow('migrate', 'down', '--all');
    const up = optflow('migrate', '--json');
    assert.equal(up.status, 0, up.stderr);
    assert.equal(JSON.parse(up.stdout).timescaledbStatus, 'not-preloaded');
    const notices = up.stderr.split('\n').filter((l) => l.startsWith('optflow: notice:'));
    assert.equal(notices.length, 1, up.stderr);
    assert.match(notices[0]!, /not preloaded.*shared_preload_libraries/);
    assert.doesNotMatch(up.stderr, /\n\s+at |Error|terminated/, 'no stack trace, no lost connection');
    const views = await withClient(
      url,
      async (c) =>
        (await c.query(`SELECT count(*)::int AS n FROM information_schema.views WHERE table_schema = 'optflow'`)).rows
    );
    assert.deepEqual(views, [{ n: 4 }], 'the flow aggregates are plain views');
    const again = optflow('migrate');
    assert.equal(again.status, 0);
    assert.match(
      again.stderr,
      /^optflow: notice: TimescaleDB is installed on this server but not preloaded/m,
      'said again each time, until it is fixed'
    );
  });

  test('a schema migrated on plain PostgreSQL and moved to a TimescaleDB server: reported, then converted with its data', async (t) => {
    const plainUrl = process.env.OPTFLOW_TEST_PLAIN_DATABASE_URL;
    if (backend !== 'TimescaleDB server') return t.skip(`${backend}: needs a TimescaleDB server to move to`);
    if (!plainUrl)
      return t.skip(
        'needs OPTFLOW_TEST_PLAIN_DATABASE_URL (a PostgreSQL server without TimescaleDB preloaded; .ci/run sets it)'
      );
    const name = `optflow_moved_${process.pid}`;
    const on = (server: string) => Object.assign(new URL(server), { pathname: `/${name}` }).toString();
    const admin = (server: string, sql: string) => withClient(server, (c) => c.query(sql));
    const data = join(home, 'moved');
    const sample = spawnSync(
      process.execPath,
      [OPTFLOW_BIN, 'sample', '--strikes', '10', '--expirations', '2', '--out', data],
      { encoding: 'utf8' }
    );
    assert.equal(sample.status, 0, sample.stderr);
    await admin(plainUrl, `CREATE DATABASE ${name}`);
    await admin(target.env.DATABASE_URL!, `CREATE DATABASE ${name}`);
    try {
      const plainEnv = { ...process.env, DATABASE_URL: on(plainUrl) };
      const load = spawnSync(process.execPath, [OPTFLOW_BIN, 'load', data, '--json'], {
        env: plainEnv,
        encoding: 'utf8',
      });
      assert.equal(load.status, 0, load.stderr);
      const dump = spawnSync(
        'sh',
        ['-c', `pg_dump --no-owner "${on(plainUrl)}" | psql -q -v ON_ERROR_STOP=1 "${on(target.env.DATABASE_URL!)}"`],
        { encoding: 'utf8' }
      );
      assert.equal(dump.status, 0, dump.stderr);
      const moved = (...args: string[]) =>
        spawnSync(process.execPath, [OPTFLOW_BIN, ...args], {
          env: { ...process.env, DATABASE_URL: on(target.env.DATABASE_URL!) },
          encoding: 'utf8',
        });
      const flow = (url: string) =>
        withClient(
          url,
          async (c) =>
            (
              await c.query(
                `SELECT bucket, expiration, net_volume::float8, net_premium::float8, quotes::int FROM optflow.flow_5m ORDER BY bucket, expiration`
              )
            ).rows
        );
      const expected = await flow(on(plainUrl));
      assert.ok(expected.length > 0);

      const report = moved('migrate', '--json');
      assert.equal(report.status, 0, report.stderr);
      assert.equal(JSON.parse(report.stdout).timescaledbStatus, 'unused');
      assert.match(
        report.stderr,
        /^optflow: notice: TimescaleDB is available on this server, but this database's optflow schema was created without it.*--convert-to-timescaledb/m
      );

      const convert = moved('migrate', '--convert-to-timescaledb', '--json');
      assert.equal(convert.status, 0, convert.stderr);
      const summary = JSON.parse(convert.stdout);
      assert.equal(summary.timescaledbStatus, 'in-use');
      assert.equal(summary.convertedRows, JSON.parse(load.stdout).totals.inserted);
      const shape = await withClient(on(target.env.DATABASE_URL!), async (c) => ({
        hypertables: (
          await c.query(
            `SELECT hypertable_name FROM timescaledb_information.hypertables WHERE hypertable_schema = 'optflow'`
          )
        ).rows,
        caggs: (
          await c.query(
            `SELECT count(*)::int AS n FROM timescaledb_information.continuous_aggregates WHERE view_schema = 'optflow'`
          )
        ).rows,
        jobs: (
          await c.query(
            `SELECT count(*)::int AS n FROM timescaledb_information.jobs WHERE hypertable_schema = 'optflow'`
          )
        ).rows,
      }));
      assert.deepEqual(shape, { hypertables: [{ hypertable_name: 'quotes' }], caggs: [{ n: 4 }], jobs: [{ n: 5 }] });
      assert.deepEqual(await flow(on(target.env.DATABASE_URL!)), expected, 'the aggregates hold what the views showed');
      const twice = moved('migrate', '--convert-to-timescaledb');
      assert.equal(twice.status, 2, 'nothing left to convert is a usage error');
      assert.match(twice.stderr, /already uses TimescaleDB/);
    } finally {
      await admin(plainUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin(target.env.DATABASE_URL!, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    }
  });
});
