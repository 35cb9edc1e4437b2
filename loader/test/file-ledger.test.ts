import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decideLoad, loadedPrefix } from '../src/load/file-ledger.ts';
import type { KnownFile, LoadDecision } from '../src/load/file-ledger.ts';

const at = new Date('2023-05-19T20:00:00Z');
const later = new Date('2023-05-19T20:01:00Z');
const stat = { size: 1000, mtime: at };
const known = (over: Partial<KnownFile> = {}): KnownFile => ({
  size: 1000,
  mtime: at,
  status: 'loaded',
  contentHash: 'h1',
  error: null,
  ...over,
});

test("decideLoad: what the ledger, the file's size and mtime, and (when asked for) its hash say to do", () => {
  const cases: Array<[string, KnownFile | undefined, { size: number; mtime: Date }, string | null, LoadDecision]> = [
    ['a new file', undefined, stat, null, 'load'],
    ['a new file, hashed', undefined, stat, 'h1', 'load'],
    ['loaded, same size and mtime', known(), stat, null, 'unchanged'],
    ['loaded, same size and mtime: no hash needed even when given', known(), stat, 'other', 'unchanged'],
    ['loaded, touched: the hash decides', known(), { size: 1000, mtime: later }, null, 'hash'],
    ['loaded, touched, same content', known(), { size: 1000, mtime: later }, 'h1', 'touched'],
    ['loaded, rewritten (new content)', known(), { size: 1200, mtime: later }, 'h2', 'load'],
    [
      'loaded, new size, same hash (copied over with the same bytes)',
      known(),
      { size: 1200, mtime: at },
      'h1',
      'touched',
    ],
    ['partial with rejected rows (complete): like loaded', known({ status: 'partial' }), stat, null, 'unchanged'],
    [
      'partial, stopped at a failed row group: loaded again even unchanged',
      known({ status: 'partial', error: '3 of 8 row groups loaded; …' }),
      stat,
      null,
      'load',
    ],
    ['failed: loaded again', known({ status: 'failed', error: 'not a readable Parquet file' }), stat, null, 'load'],
    ['interrupted mid-load (status loading): continued', known({ status: 'loading' }), stat, null, 'load'],
    [
      'loaded before hashes were kept, touched',
      known({ contentHash: null }),
      { size: 1000, mtime: later },
      'h1',
      'load',
    ],
  ];
  for (const [name, file, now, hash, want] of cases) assert.equal(decideLoad(file, now, hash), want, name);
});

test('loadedPrefix: the bytes of a grown (appended-to) file that an earlier complete load covered', () => {
  const cases: Array<[string, KnownFile | undefined, string | null, number]> = [
    ['a new file', undefined, null, 0],
    ['loaded, and the file begins with the same bytes', known(), 'h1', 1000],
    ['loaded, but the first bytes differ (rewritten)', known(), 'h2', 0],
    ['not longer than before: no prefix hash', known(), null, 0],
    ['partial with rejected rows only (complete)', known({ status: 'partial' }), 'h1', 1000],
    ['stopped at a failed row group: read again from the start', known({ status: 'partial', error: '…' }), 'h1', 0],
    ['failed', known({ status: 'failed', error: '…' }), 'h1', 0],
  ];
  for (const [name, file, prefix, want] of cases) assert.equal(loadedPrefix(file, prefix), want, name);
});
