import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
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
    assert.ok(heap[10_000]! - heap[1_000]! < 512 * 1024, `heap grew ${heap[10_000]! - heap[1_000]!} bytes over 9,000 polls`);
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
        timeZone: 'America/New_York',
        overrides: {},
        pollMs: 20,
        signal: stop.signal,
        failedRetryMs: { first: 200, max: 400 },
        onError: (message) => assert.fail(message),
        onLoad: (summary) => {
          seen.push(summary);
          if (summary.status === 'failed' && seen.length === 2) {
            writeFileSync(path, good); // fixed, and the file looks untouched
            utimesSync(path, mtime, mtime);
          }
          if (summary.status === 'loaded') stop.abort();
        },
      });
      assert.deepEqual(seen.map((s) => s.status), ['failed', 'failed', 'loaded'], 'tried again while unchanged, then loaded');
      assert.equal(seen[2]!.inserted, 4 * 27);
    } finally {
      rmSync(files, { recursive: true, force: true });
      await t.dispose();
    }
  });
});
