import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { EmbeddedDatabase } from '../src/index.ts';

test('the embedded database checkpoints by itself, so old WAL segments do not pile up', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'optflow-wal-'));
  const db = await EmbeddedDatabase.open(join(dir, 'pgdata'), { checkpointAfterBytes: 2 ** 20 });
  try {
    const redo = async () =>
      (
        await db.query<{ lsn: string; file: string }>(
          `SELECT redo_lsn::text AS lsn, redo_wal_file AS file FROM pg_control_checkpoint()`
        )
      ).rows[0]!;
    const before = await redo();
    await db.query('CREATE TABLE t (i int PRIMARY KEY, s text)');
    // Commits for a little over two seconds (the check runs at most once a second), ~MBs of WAL.
    const started = Date.now();
    for (let i = 0; Date.now() - started < 2500; i++) {
      await db.transaction((s) =>
        s.query(`INSERT INTO t SELECT g + $1 * 100, repeat('x', 200) FROM generate_series(1, 100) g`, [i])
      );
    }
    const after = await redo();
    assert.notEqual(after.lsn, before.lsn, 'a checkpoint moved the redo point');
    const older = readdirSync(join(dir, 'pgdata', 'pg_wal')).filter((f) => /^[0-9A-F]{24}$/.test(f) && f < after.file);
    assert.deepEqual(older, [], 'no segment older than the redo point is kept');
  } finally {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
