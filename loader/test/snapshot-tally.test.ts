import assert from 'node:assert/strict';
import { test } from 'node:test';
import { tallySnapshots } from '../src/load/snapshot-tally.ts';

const MIN = 60_000;
/** A batch of quotes as (underlying, minute) pairs. */
const batchOf = (underlyings: string[], quotes: Array<[number, number]>) => ({
  underlyings,
  underlying: Int32Array.from(quotes.map(([u]) => u)),
  quoteTime: Float64Array.from(quotes.map(([, m]) => m * MIN)),
});

test("tallySnapshots: rows per underlying and snapshot of the stored quotes, and each underlying's latest", () => {
  const cases: Array<
    [string, ReturnType<typeof batchOf>, number[], Array<[string, number, number]>, Array<[string, number]>]
  > = [
    [
      'nothing stored',
      batchOf(
        ['SPX'],
        [
          [0, 1],
          [0, 1],
        ]
      ),
      [],
      [],
      [],
    ],
    [
      'one snapshot of three quotes',
      batchOf(
        ['SPX'],
        [
          [0, 1],
          [0, 1],
          [0, 1],
        ]
      ),
      [0, 1, 2],
      [['SPX', 1, 3]],
      [['SPX', 1]],
    ],
    [
      'duplicates are not counted',
      batchOf(
        ['SPX'],
        [
          [0, 1],
          [0, 1],
          [0, 2],
        ]
      ),
      [0, 2],
      [
        ['SPX', 1, 1],
        ['SPX', 2, 1],
      ],
      [['SPX', 2]],
    ],
    [
      'two underlyings, snapshots in the order first stored, latest is the maximum not the last',
      batchOf(
        ['SPX', 'NDX'],
        [
          [1, 5],
          [0, 3],
          [0, 2],
          [1, 4],
          [0, 3],
        ]
      ),
      [0, 1, 2, 3, 4],
      [
        ['NDX', 5, 1],
        ['NDX', 4, 1],
        ['SPX', 3, 2],
        ['SPX', 2, 1],
      ],
      [
        ['NDX', 5],
        ['SPX', 3],
      ],
    ],
  ];
  for (const [name, batch, stored, snapshots, latest] of cases) {
    const tally = tallySnapshots(batch, stored);
    assert.deepEqual(
      tally.snapshots.map((s) => [s.underlying, s.time / MIN, s.rows]),
      snapshots,
      name
    );
    assert.deepEqual(
      [...tally.latestByUnderlying].map(([u, t]) => [u, t / MIN]),
      latest,
      name
    );
  }
});
