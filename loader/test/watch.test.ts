import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { Database } from '@optflow/db';
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
});
