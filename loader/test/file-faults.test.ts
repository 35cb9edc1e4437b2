import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parquetMetadata } from 'hyparquet';
import { isConnectionLoss } from '@optflow/db';
import { testBackend } from '@optflow/db/testing';
import type { TestDatabase } from '@optflow/db/testing';
import { openMigratedTestDatabase } from '@optflow/migrations/testing';
import { DEFAULT_SAMPLE, LoadError, loadFile, writeSampleDay } from '../src/index.ts';
import type { FileSummary } from '../src/index.ts';
import { setReadDeadline } from '../src/load/batch-reader.ts';

/**
 * Files that once hung the reader, aborted the run or were misreported (issue 18, items 1, 2, 7
 * and 8): each fails named, with its row group, in bounded time; the row groups committed before
 * a failed one stay and the file says so (`partial`, "k of n row groups loaded"); the next file loads.
 */
const backend = await testBackend();
const dir = mkdtempSync(join(tmpdir(), 'optflow-file-faults-'));
const options = { timeZone: 'America/New_York', overrides: {} };
/** The liveness cap of a load that once never ended (the reading thread's own deadline is 30 s). */
const CAP_MS = 60_000;
const FIXTURE = fileURLToPath(new URL('./fixtures/SPX.X.2019-01-08.corrupt-page-header.parquet', import.meta.url));
/** The fixture's day before the bit flip (fixtures/README.md), 4 row groups of 80 rows. */
const SAMPLE = {
  ...DEFAULT_SAMPLE,
  date: '2019-01-08',
  strikes: 2,
  expirations: 1,
  intervalSeconds: 300,
  snapshotsPerRowGroup: 20,
  seed: 5,
};

/** loadFile, or a failure when it does not finish within CAP_MS. */
async function loadWithin(t: TestDatabase, path: string): Promise<FileSummary> {
  let timer: NodeJS.Timeout | undefined;
  const cap = new Promise<never>(
    (_, reject) => (timer = setTimeout(() => reject(new Error(`${path} still loading after ${CAP_MS} ms`)), CAP_MS))
  );
  try {
    return await Promise.race([loadFile(t.db, path, options), cap]);
  } finally {
    clearTimeout(timer);
  }
}

async function stored(t: TestDatabase, path: string) {
  const { rows } = await t.db.query<{
    status: string;
    error: string | null;
    rows_read: number;
    quotes: number;
    snapshots: number;
  }>(
    `SELECT f.status, f.error, f.rows_read::int,
       (SELECT count(*)::int FROM optflow.quotes q WHERE q.file_id = f.id) AS quotes,
       (SELECT count(DISTINCT quote_time)::int FROM optflow.quotes q WHERE q.file_id = f.id) AS snapshots
     FROM optflow.files f WHERE f.path = $1`,
    [path]
  );
  return rows[0];
}

describe(`files that fail part-way (${backend})`, () => {
  let t: TestDatabase;
  let good: string;
  before(async () => {
    t = await openMigratedTestDatabase();
    good = (await writeSampleDay(join(dir, 'SPX.X.2019-01-09.parquet'), { ...SAMPLE, date: '2019-01-09' })).path;
  });
  after(async () => {
    setReadDeadline(null);
    await t.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  test('the committed fixture with a corrupt page header (it made hyparquet loop forever): partial, named with its row group, in bounded time; the next file loads', async () => {
    const path = join(dir, 'SPX.X.2019-01-08.parquet');
    copyFileSync(FIXTURE, path);
    const summary = await loadWithin(t, path);
    assert.equal(summary.status, 'partial');
    assert.deepEqual([summary.rowGroups, summary.failedRowGroup], [{ loaded: 2, total: 4 }, 2]);
    assert.match(
      summary.error!,
      new RegExp(
        `^${path.replace(/[.]/g, '\\.')}: 2 of 4 row groups loaded; row group 2 \\(rows 160-239\\) is unreadable \\(column bid: corrupt page header at byte 0 of its chunk: data page v2 header incomplete`
      )
    );
    assert.doesNotMatch(summary.error!, /\n/);
    // Exactly the two committed row groups are stored, and optflow.files says the same.
    assert.deepEqual(
      { ...(await stored(t, path)) },
      { status: 'partial', error: summary.error, rows_read: 160, quotes: 160, snapshots: 40 }
    );
    assert.equal(summary.rowsRead, 160);
    assert.equal((await loadWithin(t, good)).status, 'loaded');
    // Unchanged, it is read again (not taken for complete), and fails the same way.
    const again = await loadWithin(t, path);
    assert.deepEqual([again.status, again.error, again.inserted], ['partial', summary.error, 0]);
  });

  test('a reading thread past its deadline is stopped: the file fails named with its row group, the thread restarts, the next file loads', async () => {
    // A deadline no row group can meet stands in for a decoder that loops (the fixture no longer does).
    setReadDeadline({ baseMs: 0, perRowMs: 0 });
    const path = (await writeSampleDay(join(dir, 'SPX.X.2019-01-10.parquet'), { ...SAMPLE, date: '2019-01-10' })).path;
    const summary = await loadWithin(t, path);
    setReadDeadline(null);
    assert.equal(summary.status, 'failed');
    assert.match(
      summary.error!,
      new RegExp(
        `^${path.replace(/[.]/g, '\\.')}: row group 0 \\(rows 0-79\\) was still being read after 0 s: reading stopped`
      )
    );
    assert.deepEqual(
      { ...(await stored(t, path)) },
      { status: 'failed', error: summary.error, rows_read: 0, quotes: 0, snapshots: 0 }
    );
    const next = await loadWithin(t, path);
    assert.deepEqual([next.status, next.inserted], ['loaded', 316], 'the same file loads once the thread has time');
  });

  test('an unchanged corrupt footer is reported as unreadable, not as "changed while it was being loaded"', async () => {
    const path = join(dir, 'SPX.X.2019-01-11.parquet');
    const bytes = readFileSync((await writeSampleDay(path, { ...SAMPLE, date: '2019-01-11' })).path);
    // Row group 1's num_rows (thrift field 3, an i64 of 80: 16 a0 01) renumbered as field 5
    // (file_offset, also an i64; the writer leaves it out): the footer still parses, the row group
    // has no row count. The same bytes also encode columns'
    // num_values: the occurrence that is the row group's is the one that loses it.
    const footer = bytes.length - 8 - bytes.readUInt32LE(bytes.length - 8);
    let at = bytes.indexOf(Buffer.from([0x16, 0xa0, 0x01]), footer);
    for (; at >= 0; at = bytes.indexOf(Buffer.from([0x16, 0xa0, 0x01]), at + 1)) {
      const spoilt = Buffer.from(bytes);
      spoilt[at] = 0x36;
      const lost = (() => {
        try {
          return (
            parquetMetadata(spoilt.buffer.slice(spoilt.byteOffset, spoilt.byteOffset + spoilt.length)).row_groups[1]
              ?.num_rows === undefined
          );
        } catch {
          return false; // this occurrence breaks the footer altogether: not the one sought
        }
      })();
      if (lost) break;
    }
    assert.ok(at > 0, "row group 1's row count is found");
    bytes[at] = 0x36;
    writeFileSync(path, bytes);
    for (let run = 0; run < 2; run++) {
      const summary = await loadWithin(t, path);
      assert.equal(summary.status, 'failed');
      assert.match(summary.error!, new RegExp(`^${path.replace(/[.]/g, '\\.')}: not a readable Parquet file`));
      assert.doesNotMatch(summary.error!, /changed/);
    }
  });

  test('a connection lost while committing a row group: the error names the file and the row group; the committed ones stay, the next run finishes', async (ctx) => {
    if (backend === 'embedded')
      return ctx.skip('embedded: the database runs in this process, its connection cannot be lost');
    const path = (await writeSampleDay(join(dir, 'SPX.X.2019-01-07.parquet'), { ...SAMPLE, date: '2019-01-07' })).path;
    // The server ends the loader's own session as the third row group commits: a real lost connection.
    await t.db.query(`CREATE FUNCTION optflow.test_lose_connection() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN IF NEW.quote_time >= '2019-01-07 17:50Z' THEN PERFORM pg_terminate_backend(pg_backend_pid()); END IF; RETURN NEW; END $$`);
    await t.db.query(
      `CREATE TRIGGER test_lose_connection BEFORE INSERT ON optflow.snapshots FOR EACH ROW EXECUTE FUNCTION optflow.test_lose_connection()`
    );
    let error: unknown = null;
    try {
      await loadWithin(t, path);
    } catch (e) {
      error = e;
    } finally {
      await t.db.query(`DROP FUNCTION optflow.test_lose_connection() CASCADE`);
    }
    assert.ok(error instanceof LoadError, `a LoadError, not ${String(error)}`);
    assert.ok(isConnectionLoss(error), 'still a lost connection to the caller (load exits 3, watch retries)');
    assert.deepEqual([error.path, error.rowGroup], [path, 2]);
    assert.match(
      error.message,
      new RegExp(
        `^${path.replace(/[.]/g, '\\.')}: lost the database connection while committing row group 2 \\(terminating connection`
      )
    );
    assert.deepEqual(
      { ...(await stored(t, path)) },
      { status: 'loading', error: null, rows_read: 160, quotes: 160, snapshots: 40 }
    );
    const retry = await loadWithin(t, path);
    assert.deepEqual([retry.status, retry.inserted, retry.rowGroups], ['loaded', 156, { loaded: 4, total: 4 }]);
  });

  test('an unexpected database error in one row group fails that file (named, with the row group, partial), not the run', async () => {
    // A real constraint the third row group's rows break: the database refuses them mid-file.
    const path = (await writeSampleDay(join(dir, 'SPX.X.2019-01-14.parquet'), { ...SAMPLE, date: '2019-01-14' })).path;
    await t.db.query(
      `ALTER TABLE optflow.quotes ADD CONSTRAINT test_refuse_late CHECK (quote_time < '2019-01-14 17:50Z')`
    );
    let summary: FileSummary;
    try {
      summary = await loadWithin(t, path);
    } finally {
      await t.db.query(`ALTER TABLE optflow.quotes DROP CONSTRAINT test_refuse_late`);
    }
    assert.equal(summary.status, 'partial');
    assert.equal(summary.failedRowGroup, 2);
    assert.match(
      summary.error!,
      new RegExp(`^${path.replace(/[.]/g, '\\.')}: 2 of 4 row groups loaded; row group 2: .*test_refuse_late`)
    );
    assert.deepEqual(
      { ...(await stored(t, path)) },
      { status: 'partial', error: summary.error, rows_read: 160, quotes: 160, snapshots: 40 }
    );
    const retry = await loadWithin(t, path);
    assert.deepEqual(
      [retry.status, retry.error, retry.inserted, retry.rowGroups],
      ['loaded', null, 156, { loaded: 4, total: 4 }],
      'the rest loads once the database takes it'
    );
  });
});
