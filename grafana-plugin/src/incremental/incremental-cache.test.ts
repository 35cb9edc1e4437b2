import type { ApiFrame, ApiResult } from '@optflow/contract';
import { applyResult, IncrementalCache, mergeIncrement, trimToRange, type HeldSeries } from './incremental-cache';

const MIN = 60_000;
const series = (name: string, rows: Array<[number, number | null]>): ApiFrame => ({
  name,
  fields: [
    { name: 'time', type: 'time', values: rows.map((r) => r[0]) },
    { name: 'v', type: 'number', values: rows.map((r) => r[1]) },
  ],
});
const result = (frames: ApiFrame[], extra: Partial<ApiResult> = {}): ApiResult => ({
  refId: 'A',
  interval: '1m',
  cursor: 'c',
  reset: false,
  frames,
  latestSnapshot: null,
  age: null,
  ...extra,
});

/**
 * A model of the API over a day that grows: at `version` v, minute m holds value f(m, v) for every
 * minute below v's newest (the newest minute is still filling, so its value changes with v). A
 * full answer covers [from rounded down, to); an increment starts at the cursor's last bucket.
 */
function model(seriesNames: string[]) {
  const value = (name: string, minute: number, version: number) =>
    minute === version ? version * 7 + name.length : minute * 3 + name.length;
  const answer = (from: number, to: number, since: number | null, version: number): ApiFrame[] => {
    const first = Math.max(Math.floor(from / MIN), since === null ? -Infinity : since / MIN);
    const last = Math.min(Math.ceil(to / MIN) - 1, version);
    return seriesNames.map((name) => {
      const rows: Array<[number, number]> = [];
      for (let m = first; m <= last; m++) {
        rows.push([m * MIN, value(name, m, version)]);
      }
      return series(name, rows);
    });
  };
  return { answer };
}

describe('mergeIncrement / trimToRange', () => {
  test.each([
    [
      'replaces the overlap bucket and appends',
      [
        [0, 1],
        [MIN, 2],
      ],
      [
        [MIN, 5],
        [2 * MIN, 6],
      ],
      [
        [0, 1],
        [MIN, 5],
        [2 * MIN, 6],
      ],
    ],
    ['an empty increment keeps what is held', [[0, 1]], [], [[0, 1]]],
    [
      'an increment starting after the held rows appends',
      [[0, 1]],
      [[3 * MIN, 4]],
      [
        [0, 1],
        [3 * MIN, 4],
      ],
    ],
    ['nulls are values like any other', [[0, null]], [[0, 2]], [[0, 2]]],
  ] as Array<[string, Array<[number, number | null]>, Array<[number, number | null]>, Array<[number, number | null]>]>)(
    '%s',
    (_n, held, inc, expected) => {
      expect(mergeIncrement([series('s', held)], [series('s', inc)])).toEqual([series('s', expected)]);
    }
  );

  test('new series are added; untouched series stay; inputs are not modified', () => {
    const held = [series('a', [[0, 1]]), series('b', [[0, 1]])];
    const inc = [series('b', [[0, 2]]), series('c', [[MIN, 2]])];
    const merged = mergeIncrement(held, inc);
    expect(merged).toEqual([series('a', [[0, 1]]), series('b', [[0, 2]]), series('c', [[MIN, 2]])]);
    expect(held).toEqual([series('a', [[0, 1]]), series('b', [[0, 1]])]);
    merged[2]!.fields[1]!.values.push(99);
    expect(inc).toEqual([series('b', [[0, 2]]), series('c', [[MIN, 2]])]);
  });

  test('trim keeps what a full query starting at `from` returns (from rounded down to the interval)', () => {
    const frames = [
      series('s', [
        [0, 1],
        [5 * MIN, 2],
        [10 * MIN, 3],
      ]),
    ];
    expect(trimToRange(frames, 5 * MIN + 1, '5m')).toEqual([
      series('s', [
        [5 * MIN, 2],
        [10 * MIN, 3],
      ]),
    ]);
    expect(trimToRange(frames, 6 * MIN, '1m')).toEqual([series('s', [[10 * MIN, 3]])]);
  });

  test('daily buckets are New York sessions: a range starting at 22:00 there keeps that session', () => {
    const d = (iso: string) => Date.parse(iso);
    const days = [
      series('s', [
        [d('2023-05-17T04:00:00Z'), 1],
        [d('2023-05-18T04:00:00Z'), 2],
        [d('2023-05-19T04:00:00Z'), 3],
      ]),
    ];
    // 22:00 EDT on the 18th is 02:00Z on the 19th: UTC rounding would drop the 18th's session.
    expect(trimToRange(days, d('2023-05-19T02:00:00Z'), '1d')).toEqual([
      series('s', [
        [d('2023-05-18T04:00:00Z'), 2],
        [d('2023-05-19T04:00:00Z'), 3],
      ]),
    ]);
  });

  test('tables (first field not time) are whole answers: replaced, never trimmed', () => {
    const table: ApiFrame = { name: 'ladder', fields: [{ name: 'strike', type: 'number', values: [4190, 4195] }] };
    const next: ApiFrame = { name: 'ladder', fields: [{ name: 'strike', type: 'number', values: [4200] }] };
    expect(trimToRange([table], 10 ** 12, '1m')).toEqual([table]);
    expect(mergeIncrement([table], [next])).toEqual([next]);
  });
});

describe('applyResult', () => {
  const held: HeldSeries = {
    signature: 'q1',
    cursor: 'old',
    interval: '1m',
    latestSnapshot: MIN,
    frames: [
      series('s', [
        [0, 1],
        [MIN, 2],
      ]),
    ],
  };
  test.each([
    ['reset replaces', held, 'q1', result([series('s', [[MIN, 9]])], { reset: true }), [[MIN, 9]]],
    ['another signature replaces', held, 'q2', result([series('s', [[MIN, 9]])]), [[MIN, 9]]],
    ['another interval replaces', held, 'q1', result([series('s', [[MIN, 9]])], { interval: '5m' }), [[MIN, 9]]],
    ['nothing held: the answer', undefined, 'q1', result([series('s', [[MIN, 9]])]), [[MIN, 9]]],
    [
      'same signature merges',
      held,
      'q1',
      result([series('s', [[MIN, 9]])]),
      [
        [0, 1],
        [MIN, 9],
      ],
    ],
  ] as const)('%s', (_n, before, signature, answer, rows) => {
    const next = applyResult(before, signature, answer, 0);
    expect(next.frames).toEqual([series('s', rows as unknown as Array<[number, number]>)]);
    expect(next.cursor).toBe('c');
  });

  test('random sequences of growth and sliding ranges: merged increments equal full answers', () => {
    let seed = 7;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let run = 0; run < 200; run++) {
      const names = ['x', 'yy', 'zzz'].slice(0, 1 + Math.floor(random() * 3));
      const api = model(names);
      const width = (30 + Math.floor(random() * 120)) * MIN;
      let version = 100 + Math.floor(random() * 50);
      let to = (version + 1) * MIN;
      let held = applyResult(undefined, 'q', result(api.answer(to - width, to, null, version)), to - width);
      for (let step = 0; step < 15; step++) {
        version += Math.floor(random() * 4); // 0–3 new minutes (0: the filling minute changed)
        to = Math.max(to, (version + 1) * MIN) + Math.floor(random() * 3) * 17_000;
        const from = to - width;
        const last = held.frames[0]!.fields[0]!.values.at(-1) as number | undefined;
        const increment = api.answer(from, to, last ?? null, version);
        held = applyResult(held, 'q', result(increment), from);
        expect(held.frames).toEqual(api.answer(from, to, null, version));
      }
    }
  });
});

describe('IncrementalCache', () => {
  test('keeps the newest entries up to its bound', () => {
    const cache = new IncrementalCache(2);
    const entry: HeldSeries = { signature: 's', cursor: 'c', interval: '1m', frames: [], latestSnapshot: null };
    cache.set('a', entry);
    cache.set('b', entry);
    cache.set('a', entry); // refreshed: now the newest
    cache.set('c', entry);
    expect([cache.get('a'), cache.get('b'), cache.get('c')]).toEqual([entry, undefined, entry]);
    expect(cache.size).toBe(2);
  });
});
