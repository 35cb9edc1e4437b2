import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { fingerprint } from '../src/cursor.ts';
import type { Cursor, DecodedCursor } from '../src/cursor.ts';
import { decideIncrement, planQueries } from '../src/query-plan.ts';
import type { Changes, Plan, Query } from '../src/query-plan.ts';

const DAY = { from: Date.parse('2023-05-19T13:30:00Z'), to: Date.parse('2023-05-19T20:01:00Z') };
const flow: Query = { refId: 'A', type: 'flow', interval: '1m', options: { underlying: 'SPX', metric: 'net_volume' } };
const fp = fingerprint(['flow', flow.options, '1m']);
const cursor = (over: Partial<Cursor> = {}): Cursor => ({
  fingerprint: fp,
  last: DAY.from + 60 * 60_000,
  latest: DAY.from + 61 * 60_000,
  snapshot: '10:12:',
  to: DAY.to,
  instance: 'i',
  generation: 3,
  ...over,
});
/** Cursors in these tables are texts naming what decode returns for them. */
const decoded: Record<string, DecodedCursor> = {
  own: { kind: 'valid', cursor: cursor() },
  other: { kind: 'valid', cursor: cursor({ fingerprint: 'x' }) },
  legacy: { kind: 'legacy' },
};
const decode = (text: string) => decoded[text]!;

describe('planQueries', () => {
  const cases: Array<[string, Query, { interval: string; cursor: boolean; staleCursor: boolean }]> = [
    ['no cursor', flow, { interval: '1m', cursor: false, staleCursor: false }],
    ['its own cursor: continued', { ...flow, cursor: 'own' }, { interval: '1m', cursor: true, staleCursor: false }],
    [
      "another query's cursor: the full range, reset",
      { ...flow, cursor: 'other' },
      { interval: '1m', cursor: false, staleCursor: true },
    ],
    [
      'an unsigned cursor from before signing: as if none, reset',
      { ...flow, cursor: 'legacy' },
      { interval: '1m', cursor: false, staleCursor: true },
    ],
    [
      'auto interval: the finest within maxDataPoints (391 minutes in 100 points: 5m)',
      { ...flow, interval: 'auto' },
      { interval: '5m', cursor: false, staleCursor: false },
    ],
    [
      'no interval is auto',
      { refId: 'B', type: 'flow', options: flow.options },
      { interval: '5m', cursor: false, staleCursor: false },
    ],
    [
      'a cursor of the same query at another interval belongs to another query',
      { ...flow, interval: '5m', cursor: 'own' },
      { interval: '5m', cursor: false, staleCursor: true },
    ],
  ];
  for (const [name, query, expected] of cases) {
    test(name, () => {
      const [plan] = planQueries([query], DAY, 100, decode);
      assert.deepEqual(
        { interval: plan!.interval, cursor: plan!.cursor !== null, staleCursor: plan!.staleCursor },
        expected
      );
    });
  }
  test("a tampered cursor is the decoder's error, before any database work", () => {
    assert.throws(
      () =>
        planQueries([{ ...flow, cursor: 'bad' }], DAY, 100, () => {
          throw new Error('cursor: not a cursor issued by this API');
        }),
      /not a cursor/
    );
  });
});

describe('decideIncrement', () => {
  const plan = (over: Partial<Plan> = {}): Plan => ({
    query: flow,
    interval: '1m',
    fp,
    cursor: cursor(),
    staleCursor: false,
    ...over,
  });
  const none: Changes = { any: false, backfill: false };
  const newer: Changes = { any: true, backfill: false };
  const backfill: Changes = { any: true, backfill: true };
  const latest = cursor().latest;
  const cases: Array<[string, Plan, Changes | null, number | null, number, object]> = [
    [
      'nothing committed since: unchanged, the cursor kept with the newest stored time',
      plan(),
      none,
      latest,
      DAY.to,
      { kind: 'unchanged', cursor: { ...cursor(), latest, to: DAY.to } },
    ],
    [
      'a later range end is remembered',
      plan(),
      none,
      latest,
      DAY.to + 5_000,
      { kind: 'unchanged', cursor: { ...cursor(), to: DAY.to + 5_000 } },
    ],
    [
      'a window moved past rows stored before the cursor: queried from its last bucket',
      plan(),
      none,
      DAY.to + 60_000,
      DAY.to + 120_000,
      { kind: 'query', since: cursor().last, reset: false },
    ],
    [
      'a commit since: the increment from the last bucket',
      plan(),
      newer,
      latest,
      DAY.to,
      { kind: 'query', since: cursor().last, reset: false },
    ],
    [
      'a backfill: the full range, reset',
      plan(),
      backfill,
      latest,
      DAY.to,
      { kind: 'query', since: null, reset: true },
    ],
    [
      'no cursor: the full range',
      plan({ cursor: null }),
      null,
      latest,
      DAY.to,
      { kind: 'query', since: null, reset: false },
    ],
    [
      'a stale cursor: the full range, reset',
      plan({ cursor: null, staleCursor: true }),
      null,
      latest,
      DAY.to,
      { kind: 'query', since: null, reset: true },
    ],
    [
      'a cursor that answered no buckets yet: the full range, not reset',
      plan({ cursor: cursor({ last: null }) }),
      newer,
      latest,
      DAY.to,
      { kind: 'query', since: null, reset: false },
    ],
    [
      'a cursor without its range end (version 2): queried, never unchanged',
      plan({ cursor: cursor({ to: null }) }),
      none,
      latest,
      DAY.to,
      { kind: 'query', since: cursor().last, reset: false },
    ],
  ];
  for (const [name, p, changes, stored, to, expected] of cases) {
    test(name, () => assert.deepEqual(decideIncrement(p, changes, stored, to), expected));
  }
});
