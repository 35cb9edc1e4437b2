import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { mkdtempSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { Database } from '@optflow/db';
import { openMigratedTestDatabase } from '@optflow/migrations/testing';
import { DEFAULT_SAMPLE, writeSampleDay } from '../src/index.ts';
import type { FileSummary } from '../src/index.ts';
import { watchDirectory } from '../src/load/watch.ts';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const heapAfterGc = () => {
  gc();
  return process.memoryUsage().heapUsed;
};

/** Watch options for the retry tests: fast polls and retries; a database error fails the test. */
const quickRetries = (signal: AbortSignal) => ({
  timeZone: 'America/New_York',
  overrides: {},
  pollMs: 20,
  signal,
  failedRetryMs: { first: 200, max: 400 },
  onError: (message: string) => assert.fail(message),
});

describe('watching a directory for days', () => {
  const dir = mkdtempSync(join(tmpdir(), 'optflow-watch-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('10,000 polls leave no abort listener behind and hold a bounded heap', async () => {
    const stop = new AbortController();
    const listeners: number[] = [];
    const heap: Record<number, number> = {};
    // An empty directory: nothing is loaded, so the database is never touched.
    const noDatabase = {} as Database;
    await watchDirectory(noDatabase, dir, {
      timeZone: 'America/New_York',
      overrides: {},
      pollMs: 0,
      signal: stop.signal,
      onLoad: () => assert.fail('nothing to load'),
      onError: (message) => assert.fail(message),
      onPoll: (polls) => {
        listeners.push(getEventListeners(stop.signal, 'abort').length);
        if (polls === 1_000 || polls === 10_000) heap[polls] = heapAfterGc();
        if (polls === 10_000) stop.abort();
      },
    });
    assert.equal(listeners.length, 10_000);
    // At each poll nothing waits yet: the last poll's sleep removed its listener.
    assert.deepEqual([...new Set(listeners)], [0]);
    // Retained closures (the leak: one per poll) would add ~1 MB per 9,000 polls; allow GC noise.
    assert.ok(
      heap[10_000]! - heap[1_000]! < 512 * 1024,
      `heap grew ${heap[10_000]! - heap[1_000]!} bytes over 9,000 polls`
    );
  });

  test('a file written in place waits until its footer is written; a whole file renamed into place loads on the first look', async () => {
    const t = await openMigratedTestDatabase();
    const files = mkdtempSync(join(tmpdir(), 'optflow-watch-complete-'));
    const staging = mkdtempSync(join(tmpdir(), 'optflow-watch-staging-'));
    try {
      const whole = join(staging, 'SPX.X.2023-05-19.parquet');
      await writeSampleDay(whole, { ...DEFAULT_SAMPLE, strikes: 2, expirations: 1, intervalSeconds: 900 });
      const bytes = readFileSync(whole);
      const inPlace = join(files, 'SPX.X.2023-05-19.parquet');
      writeFileSync(inPlace, bytes.subarray(0, bytes.length - 100)); // the writer has not written its footer yet
      const stop = new AbortController();
      const loads: Array<{ poll: number; summary: FileSummary }> = [];
      let polls = 0;
      await watchDirectory(t.db, files, {
        ...quickRetries(stop.signal),
        onPoll: (n) => {
          polls = n;
          // Three polls of a file without its footer, growing: then the writer finishes it.
          if (n <= 3) writeFileSync(inPlace, bytes.subarray(0, bytes.length - 100 + n));
          if (n === 3) writeFileSync(inPlace, bytes);
          // Once that is loaded, a whole file renamed in (same content as a new day's file).
          if (loads.length === 1 && n === loads[0]!.poll + 1)
            renameSync(whole, join(files, 'SPX.X.2023-05-22.parquet'));
        },
        onLoad: (summary) => {
          loads.push({ poll: polls, summary });
          if (loads.length === 2) stop.abort();
        },
      });
      assert.deepEqual(
        loads.map((l) => [l.summary.path.slice(-18), l.summary.status]),
        [
          ['2023-05-19.parquet', 'loaded'],
          ['2023-05-22.parquet', 'loaded'],
        ]
      );
      assert.ok(loads[0]!.poll >= 3, `not loaded before its footer was written (poll ${loads[0]!.poll})`);
      assert.equal(loads[1]!.poll, loads[0]!.poll + 1, 'the renamed file loads on the poll that first sees it');
      assert.equal(loads[0]!.summary.inserted, 4 * 27, 'the whole file, once');
    } finally {
      rmSync(files, { recursive: true, force: true });
      rmSync(staging, { recursive: true, force: true });
      await t.dispose();
    }
  });

  test('a failed file is tried again, unchanged, with backoff: a problem outside the file that is fixed lets it load', async () => {
    const t = await openMigratedTestDatabase();
    const files = mkdtempSync(join(tmpdir(), 'optflow-watch-retry-'));
    try {
      const path = join(files, 'SPX.X.2023-05-19.parquet');
      await writeSampleDay(path, { ...DEFAULT_SAMPLE, strikes: 2, expirations: 1, intervalSeconds: 900 });
      const good = readFileSync(path);
      const { mtime } = statSync(path);
      // The same size and mtime, unreadable: stands for a file the loader could not read for a reason
      // outside it (permissions, a disk) that is later fixed without touching the file.
      writeFileSync(path, Buffer.alloc(good.length));
      utimesSync(path, mtime, mtime);
      const stop = new AbortController();
      const seen: FileSummary[] = [];
      await watchDirectory(t.db, files, {
        ...quickRetries(stop.signal),
        onLoad: (summary) => {
          seen.push(summary);
          if (summary.status === 'failed' && seen.length === 2) {
            writeFileSync(path, good); // fixed, and the file looks untouched
            utimesSync(path, mtime, mtime);
          }
          if (summary.status === 'loaded') stop.abort();
        },
      });
      assert.deepEqual(
        seen.map((s) => s.status),
        ['failed', 'failed', 'loaded'],
        'tried again while unchanged, then loaded'
      );
      assert.equal(seen[2]!.inserted, 4 * 27);
    } finally {
      rmSync(files, { recursive: true, force: true });
      await t.dispose();
    }
  });

  test('an unexpected database error in a row group fails that file (partial, named), the later file loads, and the file is retried until it loads', async () => {
    const t = await openMigratedTestDatabase();
    const files = mkdtempSync(join(tmpdir(), 'optflow-watch-unexpected-'));
    try {
      const day = { ...DEFAULT_SAMPLE, strikes: 2, expirations: 1, intervalSeconds: 900, snapshotsPerRowGroup: 9 };
      const first = (await writeSampleDay(join(files, 'SPX.X.2023-05-18.parquet'), { ...day, date: '2023-05-18' }))
        .path;
      await writeSampleDay(join(files, 'SPX.X.2023-05-19.parquet'), day);
      // A real constraint the first file's afternoon breaks (before any fix, this stopped watch on that file).
      await t.db.query(
        `ALTER TABLE optflow.quotes ADD CONSTRAINT test_refuse_afternoon CHECK (quote_time < '2023-05-18 17:00Z' OR quote_time >= '2023-05-19')`
      );
      const stop = new AbortController();
      const seen: FileSummary[] = [];
      await watchDirectory(t.db, files, {
        ...quickRetries(stop.signal),
        onLoad: (summary) => {
          seen.push(summary);
          if (seen.length === 2) void t.db.query(`ALTER TABLE optflow.quotes DROP CONSTRAINT test_refuse_afternoon`);
          if (summary.path === first && summary.status === 'loaded') stop.abort();
        },
      });
      // (Retries that run before the constraint is gone end partial the same way: allowed in between.)
      const outcomes = seen.map((s) => `${s.path.slice(-18)} ${s.status}`);
      assert.deepEqual(
        [outcomes[0], outcomes[1], outcomes.at(-1)],
        ['2023-05-18.parquet partial', '2023-05-19.parquet loaded', '2023-05-18.parquet loaded']
      );
      assert.ok(
        outcomes.slice(2, -1).every((o) => o === '2023-05-18.parquet partial'),
        outcomes.join(', ')
      );
      assert.match(
        seen[0]!.error!,
        /SPX\.X\.2023-05-18\.parquet: 1 of 3 row groups loaded; row group 1: .*test_refuse_afternoon/
      );
    } finally {
      rmSync(files, { recursive: true, force: true });
      await t.dispose();
    }
  });
});
