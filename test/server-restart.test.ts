// The database server restarting in the middle of a load, for real (pg_ctlcluster restart, which
// ends every connection as an operator's restart or a crash-restart does): `load` stops with
// "database unavailable" and a re-run finishes the file exactly once; `watch` retries and finishes
// it by itself. Compared with the same file loaded undisturbed.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Database } from '@optflow/db';
import { openTestDatabase, testBackend, testServerUrl } from '@optflow/db/testing';
import type { TestDatabase } from '@optflow/db/testing';
import { OPTFLOW_BIN, startChild } from './src/processes.ts';

const backend = await testBackend();

/** The local cluster serving `url` (`pg_lsclusters`: version, name, port), if pg_ctlcluster manages it. */
function localCluster(url: string | undefined): { version: string; name: string } | null {
  if (url === undefined) return null;
  const port = new URL(url).port || '5432';
  try {
    const lines = execFileSync('pg_lsclusters', ['--no-header'], { encoding: 'utf8' }).trim().split('\n');
    const match = lines.map((l) => l.trim().split(/\s+/)).find((f) => f[2] === port && f[3] === 'online');
    return match ? { version: match[0]!, name: match[1]! } : null;
  } catch {
    return null;
  }
}

const cluster = localCluster(testServerUrl());
const skip =
  backend === 'embedded'
    ? "embedded: the database runs inside the loader's process, it cannot restart under it"
    : cluster === null
      ? `${backend}: not a local pg_ctlcluster cluster, so this test cannot restart it`
      : false;

describe(`a database server restart during a load (${backend})`, { skip }, () => {
  const home = mkdtempSync(join(tmpdir(), 'optflow-restart-'));
  const dbs: TestDatabase[] = [];
  let file: string;
  let expected: unknown;
  const contents = async (db: Database) =>
    (
      await db.query(
        `SELECT count(*)::int AS quotes, sum(volume)::float8 AS volume, sum(signed_volume)::float8 AS signed, round(sum(premium)::numeric, 2)::text AS premium,
            (SELECT count(*)::int FROM optflow.snapshots) AS snapshots, (SELECT string_agg(status, ',') FROM optflow.files) AS status
     FROM optflow.quotes`
      )
    ).rows;
  const open = async () => {
    const t = await openTestDatabase();
    dbs.push(t);
    return t;
  };
  /** Restarts the server once the first row group of `db`'s load is committed. */
  const restartMidLoad = async (db: Database) => {
    // Before the child has migrated, the table does not exist yet: nothing committed.
    const committed = () =>
      db.query<{ n: number }>('SELECT count(*)::int AS n FROM optflow.snapshots').then(
        (r) => r.rows[0]!.n,
        () => 0
      );
    while ((await committed()) === 0) await new Promise((r) => setTimeout(r, 50));
    execFileSync('pg_ctlcluster', ['--skip-systemctl-redirect', cluster!.version, cluster!.name, 'restart']);
  };
  const optflow = (url: string, ...args: string[]) =>
    spawnSync(process.execPath, [OPTFLOW_BIN, ...args], {
      env: { ...process.env, DATABASE_URL: url },
      encoding: 'utf8',
    });

  before(async () => {
    const sample = spawnSync(
      process.execPath,
      [
        OPTFLOW_BIN,
        'sample',
        '--strikes',
        '100',
        '--expirations',
        '4',
        '--row-group-snapshots',
        '20',
        '--out',
        home,
        '--quiet',
      ],
      { encoding: 'utf8' }
    );
    assert.equal(sample.status, 0, sample.stderr);
    file = join(home, 'SPX.X.2023-05-19.parquet');
    const reference = await open();
    const run = optflow(reference.url!, 'load', file, '--quiet');
    assert.equal(run.status, 0, run.stderr);
    expected = await contents(reference.db);
  });
  after(async () => {
    for (const t of dbs) await t.dispose();
    rmSync(home, { recursive: true, force: true });
  });

  test('load: exit 3 naming the file, no stack trace; the same command again loads the rest exactly once', async () => {
    const target = await open();
    const child = startChild([OPTFLOW_BIN, 'load', file, '--json'], { DATABASE_URL: target.url! });
    await restartMidLoad(target.db);
    const code = await child.exited;
    assert.equal(code, 3, child.output());
    assert.match(
      child.output(),
      /SPX\.X\.2023-05-19\.parquet: lost the database connection (while [^(]*)?\(.*\); the row groups committed before it are kept: run the same command again/
    );
    assert.doesNotMatch(child.output(), /\n\s+at |Emitted 'error' event/);
    const again = optflow(target.url!, 'load', file, '--json');
    assert.equal(again.status, 0, again.stderr);
    assert.equal(JSON.parse(again.stdout).files[0].status, 'loaded');
    assert.deepEqual(await contents(target.db), expected);
  });

  test('watch: retries with backoff and finishes the file exactly once by itself', async () => {
    const target = await open();
    const child = startChild([OPTFLOW_BIN, 'watch', home, '--json', '--poll', '100'], { DATABASE_URL: target.url! });
    await restartMidLoad(target.db);
    await child.waitFor(/retrying in/, 60_000);
    await child.waitFor(/"status":"loaded"/, 120_000);
    assert.equal(await child.stop('SIGTERM'), 0, child.output());
    assert.doesNotMatch(child.output(), /\n\s+at |Emitted 'error' event/);
    assert.deepEqual(await contents(target.db), expected);
  });
});
