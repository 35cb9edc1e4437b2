import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { flattenGroups, groupBySession, inflateGroups } from '../src/load/session-groups.ts';
import type { SessionGroup } from '../src/load/session-groups.ts';
import { applyBatch, sessionsToReplay } from '../src/load/volume-batch.ts';
import type { Observations, StoredQuote, StoredState } from '../src/load/volume-batch.ts';

const T0 = Date.parse('2023-05-19T13:30:00Z'); // 09:30 New York
const MIN = 60_000;

/** A batch from [contract, minutes after T0, total volume, mark] rows. */
function observations(rows: Array<[string, number, number | null, number | null]>): Observations {
  const contracts = [...new Set(rows.map((r) => r[0]))];
  return {
    length: rows.length,
    quoteTime: Float64Array.from(rows.map((r) => T0 + r[1] * MIN)),
    totalVolume: Float64Array.from(rows.map((r) => r[2] ?? NaN)),
    mark: Float64Array.from(rows.map((r) => r[3] ?? NaN)),
    multiplier: Float64Array.from(rows.map(() => 100)),
    implausible: Uint8Array.from(rows.map((r) => (r[3] !== null && r[3] < 0 ? 1 : 0))),
    contract: Int32Array.from(rows.map((r) => contracts.indexOf(r[0]))),
    contracts,
  };
}

describe('groupBySession', () => {
  const cases: Array<{
    name: string;
    rows: Array<[string, number, number | null, number | null]>;
    include?: (i: number) => boolean;
    want: Record<string, number[]>;
  }> = [
    {
      name: 'in time order per contract',
      rows: [
        ['A', 2, 5, 1],
        ['B', 0, 1, 1],
        ['A', 0, 3, 1],
        ['A', 1, 4, 1],
      ],
      want: { 'A|2023-05-19': [2, 3, 0], 'B|2023-05-19': [1] },
    },
    {
      name: 'a repeated contract and time: the first wins',
      rows: [
        ['A', 0, 3, 1],
        ['A', 1, 4, 1],
        ['A', 0, 9, 1],
      ],
      want: { 'A|2023-05-19': [0, 1] },
    },
    {
      name: 'sessions are New York dates',
      rows: [
        ['A', 0, 3, 1],
        ['A', 24 * 60, 1, 1],
      ],
      want: { 'A|2023-05-19': [0], 'A|2023-05-20': [1] },
    },
    {
      name: 'excluded rows (stored already) are left out',
      rows: [
        ['A', 0, 3, 1],
        ['A', 1, 4, 1],
      ],
      include: (i) => i !== 0,
      want: { 'A|2023-05-19': [1] },
    },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const batch = observations(c.rows);
      const groups = groupBySession(batch, c.include);
      assert.deepEqual(Object.fromEntries([...groups].map(([k, g]) => [k, g.rows])), c.want);
      const rowsAsArrays = (m: ReadonlyMap<string, SessionGroup>) =>
        [...m].map(([k, g]) => [k, { ...g, rows: Array.from(g.rows) }]);
      assert.deepEqual(
        rowsAsArrays(inflateGroups(batch, flattenGroups(batch, groups))),
        rowsAsArrays(groups),
        'flattened to cross threads and back'
      );
    });
  }
});

describe('applyBatch', () => {
  test('a new contract-session starts at zero and follows the volume rules', () => {
    const batch = observations([
      ['A', 1, 15, 2],
      ['A', 0, 10, 1],
      ['A', 2, 0, 3],
      ['A', 3, 20, 2],
    ]);
    const r = applyBatch(batch, groupBySession(batch), new Map(), new Map());
    assert.deepEqual([...r.inserts], [1, 0, 2, 3], 'in time order');
    assert.deepEqual([...r.derived.volume], [5, 0, 0, 5], 'first 0; +5; glitch 0 keeps the baseline; 20 − 15');
    assert.deepEqual([...r.derived.signedVolume], [5, 0, 0, -5], 'mark rose to 2, then 3, then fell to 2');
    assert.deepEqual([...r.derived.premium], [1000, 0, 0, 1000]);
    assert.equal(r.anomalies, 1);
    assert.equal(r.earliest, T0);
    assert.deepEqual(r.states.get('A|2023-05-19'), {
      contract: 'A',
      session: '2023-05-19',
      baseline: 20,
      mark: 2,
      sign: -1,
      lastTime: T0 + 3 * MIN,
    });
  });

  test('anomalies carry their codes; the bound and implausible prices keep volume out of the flow', () => {
    // minute: 0 first, 1 jump of 1e15, 2 negative mark, 3 missing total, 4 good (counts from 10), 5 total down
    const batch = observations([
      ['A', 0, 10, 1],
      ['A', 1, 1e15, 1],
      ['A', 2, 40, -1e300],
      ['A', 3, null, 1],
      ['A', 4, 60, 2],
      ['A', 5, 50, 2],
    ]);
    const r = applyBatch(batch, groupBySession(batch), new Map(), new Map(), 1_000);
    assert.deepEqual(
      [...r.derived.anomaly],
      [0, 5, 4, 3, 0, 2],
      'none, volume-jump, implausible-price, missing-total, none, total-decreased'
    );
    assert.deepEqual([...r.derived.volume], [0, 0, 0, 0, 50, 0]);
    assert.deepEqual([...r.derived.premium], [0, 0, 0, 0, 10_000, 0]);
    assert.equal(r.anomalies, 4);
  });

  test('a replay stores the anomaly codes of stored rows whose anomaly changed', () => {
    // Stored: minute 0 (total 10) and minute 2 (total 5: below the baseline). New: minute 1 with total 3.
    const stored: StoredQuote[] = [
      {
        quoteTime: T0,
        totalVolume: 10,
        mark: 1,
        multiplier: 100,
        implausible: false,
        volume: 0,
        signedVolume: 0,
        premium: 0,
        anomaly: 0,
      },
      {
        quoteTime: T0 + 2 * MIN,
        totalVolume: 5,
        mark: 1,
        multiplier: 100,
        implausible: false,
        volume: 0,
        signedVolume: 0,
        premium: 0,
        anomaly: 2,
      },
    ];
    const batch = observations([['A', 1, 3, 1]]);
    const states = new Map<string, StoredState>([
      ['A|2023-05-19', { session: '2023-05-19', baseline: 5, mark: 1, sign: 0, lastTime: T0 + 2 * MIN }],
    ]);
    const groups = groupBySession(batch);
    const r = applyBatch(batch, groups, states, new Map([['A|2023-05-19', stored]]));
    assert.deepEqual([...r.derived.anomaly], [2], 'the new minute 1 is the decrease now');
    assert.deepEqual(r.updates, [
      { contract: 'A', quoteTime: T0 + 2 * MIN, volume: 2, signedVolume: 0, premium: 200, anomaly: 0 },
    ]);
  });

  test('inserts come in key order: contract, then session and time', () => {
    const batch = observations([
      ['B', 0, 1, 1],
      ['A', 0, 1, 1],
      ['B', 1, 2, 1],
      ['A', 24 * 60, 3, 1],
      ['A', 1, 2, 1],
      ['A', 1, 9, 1],
    ]);
    const r = applyBatch(batch, groupBySession(batch), new Map(), new Map());
    assert.deepEqual(
      [...r.inserts],
      [1, 4, 3, 0, 2],
      'A on the 19th at 0 and 1 (the repeat left out), A on the 20th, then B'
    );
  });

  test('continues from the stored state', () => {
    const batch = observations([['A', 5, 30, 4]]);
    const states = new Map<string, StoredState>([
      ['A|2023-05-19', { session: '2023-05-19', baseline: 20, mark: 3, sign: 1, lastTime: T0 + 4 * MIN }],
    ]);
    const groups = groupBySession(batch);
    assert.deepEqual(sessionsToReplay(batch, groups, states), []);
    const r = applyBatch(batch, groups, states, new Map());
    assert.deepEqual([...r.derived.volume], [10]);
    assert.deepEqual([...r.derived.signedVolume], [10]);
    assert.deepEqual(r.updates, []);
  });

  test('a backfill replays the session and updates the stored rows whose values change', () => {
    // Stored: minutes 0 and 2 (volume at 2 computed as 20 − 10). New: minute 1 with total 15.
    const stored: StoredQuote[] = [
      {
        quoteTime: T0,
        totalVolume: 10,
        mark: 1,
        multiplier: 100,
        implausible: false,
        volume: 0,
        signedVolume: 0,
        premium: 0,
        anomaly: 0,
      },
      {
        quoteTime: T0 + 2 * MIN,
        totalVolume: 20,
        mark: 1,
        multiplier: 100,
        implausible: false,
        volume: 10,
        signedVolume: 0,
        premium: 1000,
        anomaly: 0,
      },
    ];
    const batch = observations([['A', 1, 15, 1]]);
    const states = new Map<string, StoredState>([
      ['A|2023-05-19', { session: '2023-05-19', baseline: 20, mark: 1, sign: 0, lastTime: T0 + 2 * MIN }],
    ]);
    const groups = groupBySession(batch);
    assert.deepEqual(sessionsToReplay(batch, groups, states), ['A|2023-05-19']);
    const r = applyBatch(batch, groups, states, new Map([['A|2023-05-19', stored]]));
    assert.deepEqual([...r.derived.volume], [5]);
    assert.deepEqual(r.updates, [
      { contract: 'A', quoteTime: T0 + 2 * MIN, volume: 5, signedVolume: 0, premium: 500, anomaly: 0 },
    ]);
    assert.equal(r.earliest, T0 + MIN);
    assert.equal(r.states.get('A|2023-05-19')?.lastTime, T0 + 2 * MIN);
  });
});
