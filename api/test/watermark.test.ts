import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Cursor } from '../src/cursor.ts';
import { unchangedByWatermark } from '../src/watermark.ts';
import type { Watermark } from '../src/watermark.ts';

// A cursor issued by instance "i" at generation 5, for a range ending at 1000 with rows stored up to 900.
const cursor: Cursor = {
  fingerprint: 'f',
  last: 800,
  latest: 900,
  snapshot: '10:12:11',
  to: 1000,
  instance: 'i',
  generation: 5,
};
const now: Watermark = { instance: 'i', listening: true, changedAt: 5 };

describe('unchangedByWatermark', () => {
  const cases: Array<
    [name: string, cursor: Partial<Cursor>, to: number, watermark: Partial<Watermark>, answer: Partial<Cursor> | null]
  > = [
    ['nothing notified since the sample: unchanged, the cursor stays', {}, 1000, {}, {}],
    ['nothing since, never any notification', {}, 1000, { changedAt: 0 }, {}],
    ['a commit for the underlying since the sample', {}, 1000, { changedAt: 6 }, null],
    ['notified before the sample only', { generation: 9 }, 1000, { changedAt: 6 }, {}],
    ['another API instance (or a restart) issued the cursor', { instance: 'other' }, 1000, {}, null],
    ['the LISTEN connection is down', {}, 1000, { listening: false }, null],
    ['a cursor from before the watermark (version 2)', { instance: null, generation: null }, 1000, {}, null],
    ['a version 1 cursor (no range end)', { to: null }, 1000, {}, null],
    ['an earlier range end: the cursor keeps the later one', {}, 900, {}, {}],
    ['a later range end with nothing stored past the old one: the end moves on', {}, 2000, {}, { to: 2000 }],
    ['a later range end uncovering rows stored at the old end', { latest: 1000 }, 2000, {}, null],
    ['a later range end, nothing stored at all', { latest: null }, 2000, {}, { to: 2000 }],
  ];
  for (const [name, overrides, to, watermark, answer] of cases) {
    test(name, () => {
      const c = { ...cursor, ...overrides };
      assert.deepEqual(
        unchangedByWatermark(c, to, { ...now, ...watermark }),
        answer === null ? null : { ...c, ...answer }
      );
    });
  }
});
