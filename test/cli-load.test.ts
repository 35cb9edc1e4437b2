import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { testBackend } from '@optflow/db/testing';
import { childDatabase } from './src/child-database.ts';
import type { ChildDatabase } from './src/child-database.ts';
import { OPTFLOW_BIN, startChild } from './src/processes.ts';

const backend = await testBackend();

describe(`optflow load (${backend})`, () => {
  const home = mkdtempSync(join(tmpdir(), 'optflow-cli-load-'));
  const data = join(home, 'data');
  let env: NodeJS.ProcessEnv;
  let target: ChildDatabase;
  before(async () => {
    mkdirSync(data);
    target = await childDatabase(home);
    env = { ...process.env, ...target.env };
    const sample = spawnSync(
      process.execPath,
      [OPTFLOW_BIN, 'sample', '--strikes', '4', '--expirations', '1', '--interval', '300', '--out', data, '--quiet'],
      { encoding: 'utf8' }
    );
    assert.equal(sample.status, 0, sample.stderr);
    writeFileSync(join(data, 'broken.parquet'), 'not parquet at all');
  });
  after(async () => {
    await target.dispose();
    rmSync(home, { recursive: true, force: true });
  });
  const optflow = (...args: string[]) => spawnSync(process.execPath, [OPTFLOW_BIN, ...args], { env, encoding: 'utf8' });
  const query = <T>(sql: string): Promise<T[]> => target.read(async (db) => (await db.query<T>(sql)).rows);

  test('--dry-run checks every row and writes nothing', async () => {
    const run = optflow('load', join(data, 'SPX.X.2023-05-19.parquet'), '--dry-run', '--json');
    assert.equal(run.status, 0, run.stderr);
    const summary = JSON.parse(run.stdout);
    assert.equal(summary.totals.rowsRead, 8 * 79);
    assert.equal(summary.totals.inserted, 0);
    if (backend !== 'embedded')
      assert.deepEqual(await query(`SELECT 1 FROM pg_namespace WHERE nspname = 'optflow'`), [], 'not even migrated');
  });

  test('a directory with a good and a corrupt file: the good one loads, exit 1, the bad one named', async () => {
    const run = optflow('load', data, '--json');
    assert.equal(run.status, 1);
    const summary = JSON.parse(run.stdout);
    assert.deepEqual(
      summary.files.map((f: { status: string }) => f.status),
      ['loaded', 'failed'],
      'files in name order'
    );
    assert.equal(summary.totals.inserted, 8 * 79);
    assert.match(run.stderr, /optflow: failed: .*broken\.parquet: not a readable Parquet file/);
    const counts = await query<{ n: number }>(`SELECT count(*)::int AS n FROM optflow.quotes`);
    assert.equal(counts[0]!.n, 8 * 79);
  });

  test('the corrupt page header fixture (it once hung load forever): --json names it partial with its row group, the next file loads, exit 1', () => {
    const dir = join(home, 'corrupt');
    mkdirSync(dir);
    copyFileSync(
      fileURLToPath(new URL('../loader/test/fixtures/SPX.X.2019-01-08.corrupt-page-header.parquet', import.meta.url)),
      join(dir, 'SPX.X.2019-01-08.parquet')
    );
    const sample = optflow(
      'sample',
      '--date',
      '2019-01-09',
      '--strikes',
      '2',
      '--expirations',
      '1',
      '--interval',
      '300',
      '--out',
      dir,
      '--quiet'
    );
    assert.equal(sample.status, 0, sample.stderr);
    const run = spawnSync(process.execPath, [OPTFLOW_BIN, 'load', dir, '--json'], {
      env,
      encoding: 'utf8',
      timeout: 120_000,
    });
    assert.equal(run.signal, null, 'finished by itself');
    assert.equal(run.status, 1, run.stderr);
    const summary = JSON.parse(run.stdout);
    const [corrupt, good] = summary.files;
    assert.deepEqual(
      [corrupt.status, corrupt.rowGroups, corrupt.failedRowGroup],
      ['partial', { loaded: 2, total: 4 }, 2]
    );
    assert.match(
      corrupt.error,
      /SPX\.X\.2019-01-08\.parquet: 2 of 4 row groups loaded; row group 2 \(rows 160-239\) is unreadable \(column bid: corrupt page header/
    );
    assert.deepEqual([good.status, good.inserted, summary.totals.partial], ['loaded', 4 * 79, 1]);
    assert.match(run.stderr, /optflow: partial: .*2 of 4 row groups loaded/);
  });

  test('a FIFO named *.parquet is skipped with a warning (reading it would block forever); the rest loads; exit 1', () => {
    const fifos = join(home, 'fifos');
    mkdirSync(fifos);
    execFileSync('mkfifo', [join(fifos, 'SPX.X.2023-05-22.parquet')]);
    const run = spawnSync(
      process.execPath,
      [OPTFLOW_BIN, 'load', fifos, join(data, 'SPX.X.2023-05-19.parquet'), '--json'],
      { env, encoding: 'utf8', timeout: 120_000 }
    );
    assert.equal(run.signal, null, 'finished by itself');
    assert.equal(run.status, 1, run.stderr);
    assert.match(run.stderr, /warning: .*SPX\.X\.2023-05-22\.parquet: not a regular file .*skipped/);
    assert.deepEqual(
      JSON.parse(run.stdout).files.map((f: { status: string }) => f.status),
      ['unchanged']
    );
  });

  test('a role without the privileges: exit 2 with one line naming what it lacks, no stack trace', async (t) => {
    if (backend === 'embedded') return t.skip('embedded: optflow itself is the only login');
    const asReader = Object.assign(new URL(env.DATABASE_URL!), { username: 'optflow_reader' }).toString();
    for (const args of [
      ['load', data],
      ['load', data, '--no-migrate'],
    ]) {
      const run = spawnSync(process.execPath, [OPTFLOW_BIN, ...args, '--json'], {
        env: { ...env, DATABASE_URL: asReader },
        encoding: 'utf8',
      });
      assert.equal(run.status, 2, run.stderr);
      assert.match(
        run.stderr,
        /^optflow: .*permission denied .*\(the database role lacks this privilege/m,
        args.join(' ')
      );
      assert.doesNotMatch(run.stderr, /\n\s+at /, 'no stack trace');
    }
  });

  test('SIGTERM mid-load: the row group in progress commits, exit 1, the file is interrupted; running again loads the rest once', async () => {
    const dir = join(home, 'interrupted');
    mkdirSync(dir);
    for (const [date, strikes] of [
      ['2023-05-22', '2'],
      ['2023-05-23', '100'],
    ] as const) {
      const sample = optflow(
        'sample',
        '--date',
        date,
        '--strikes',
        strikes,
        '--expirations',
        '3',
        '--interval',
        '60',
        '--out',
        dir,
        '--quiet'
      );
      assert.equal(sample.status, 0, sample.stderr);
    }
    const big = { rows: 100 * 2 * 3 * 391, where: `quote_time >= '2023-05-23' AND quote_time < '2023-05-24'` };
    const child = startChild([OPTFLOW_BIN, 'load', dir], env);
    await child.waitFor(/loaded .*SPX\.X\.2023-05-22\.parquet/);
    assert.equal(await child.stop('SIGTERM'), 1, child.output());
    assert.match(child.output(), /interrupted .*SPX\.X\.2023-05-23\.parquet/);
    assert.match(child.output(), /2 file\(s\): /, 'the summary still comes out');
    const [stopped] = await query<{ n: number }>(`SELECT count(*)::int AS n FROM optflow.quotes WHERE ${big.where}`);
    assert.ok(stopped!.n < big.rows, `${stopped!.n} of ${big.rows} rows before the stop`);

    const again = optflow('load', dir, '--json');
    assert.equal(again.status, 0, again.stderr);
    const [after] = await query<{ n: number }>(`SELECT count(*)::int AS n FROM optflow.quotes WHERE ${big.where}`);
    assert.equal(after!.n, big.rows);
  });

  test('running again does nothing for the unchanged file', () => {
    const run = optflow('load', join(data, 'SPX.X.2023-05-19.parquet'), '--json');
    assert.equal(run.status, 0, run.stderr);
    assert.equal(JSON.parse(run.stdout).files[0].status, 'unchanged');
  });

  test('a file without a required column fails listing its columns; --map names the column', async () => {
    const path = join(data, 'SPY.2023-05-19.parquet');
    writeFileSync(
      path,
      new Uint8Array(
        parquetWriteBuffer({
          columnData: [
            { name: 'sym', data: ['SPY_051923C410', 'SPY_051923C410'], type: 'STRING' },
            { name: 'totalVolume', data: [5n, 9n], type: 'INT64' },
            { name: 'quote_time', data: ['2023-05-19T13:30:00Z', '2023-05-19T13:31:00Z'], type: 'STRING' },
          ],
        })
      )
    );
    const failed = optflow('load', path);
    assert.equal(failed.status, 1);
    assert.match(
      failed.stderr,
      /SPY\.2023-05-19\.parquet: no column for symbol \(tried symbol, .*\); the file has columns: sym, totalVolume, quote_time; name one with --map symbol=<column>/
    );
    const mapped = optflow('load', path, '--map', 'symbol=sym', '--json');
    assert.equal(mapped.status, 0, mapped.stderr);
    assert.equal(JSON.parse(mapped.stdout).totals.inserted, 2);
    const rows = await query<{ volume: number; underlying: string }>(
      `SELECT volume, underlying FROM optflow.quotes WHERE root = 'SPY' ORDER BY quote_time`
    );
    assert.deepEqual(rows, [
      { volume: 0, underlying: 'SPY' },
      { volume: 4, underlying: 'SPY' },
    ]);
  });

  test('usage errors exit 2 before touching the database', () => {
    const zone = optflow('load', data, '--timezone', 'Mars/Olympus');
    assert.equal(zone.status, 2);
    assert.match(zone.stderr, /unknown time zone "Mars\/Olympus"/);
    const map = optflow('load', data, '--map', 'nonsense');
    assert.equal(map.status, 2);
    assert.match(map.stderr, /--map expects field=column, got "nonsense"/);
    assert.equal(optflow('load').status, 2);
  });
});
