import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { implausiblePrice, IntervalVolume } from '../src/contracts/interval-volume.ts';
import type { Anomaly } from '../src/contracts/interval-volume.ts';

type Step = [total: number | null, mark: number | null, volume: number, signed: number, anomaly: Anomaly | null];

/**
 * Runs one contract's observations through the rules (the default bound, 1,000,000 contracts an
 * interval), the session changing where `sessions` says. `throughStoredStates`: each step by a fresh
 * instance that continues from the state the one before left, as stored and read back. A mark that
 * implausiblePrice refuses marks the quote as the loader does.
 */
function run(
  steps: Step[],
  { sessions, throughStoredStates = false }: { sessions?: string[]; throughStoredStates?: boolean } = {}
) {
  let rules = new IntervalVolume();
  return steps.map(([total, mark], i) => {
    if (throughStoredStates && i > 0) rules = new IntervalVolume().reset(structuredClone(rules.state()));
    rules.observe(
      sessions?.[i] ?? '2023-05-19',
      total ?? NaN,
      mark ?? NaN,
      100,
      implausiblePrice(null, null, null, mark)
    );
    return [total, mark, rules.volume, rules.signedVolume, rules.anomaly] as Step;
  });
}

describe('interval volume rules', () => {
  const tables: Record<string, Step[]> = {
    'first observation: volume 0, baseline = total (stale opening volume is not counted)': [
      [500, 1.0, 0, 0, null],
      [520, 1.0, 20, 0, null],
    ],
    'increases become interval volume': [
      [0, 2.0, 0, 0, null],
      [10, 2.0, 10, 0, null],
      [10, 2.0, 0, 0, null],
      [35, 2.0, 25, 0, null],
    ],
    'total 0 under a positive baseline is a glitch: volume 0, baseline kept': [
      [100, 1.0, 0, 0, null],
      [0, 1.0, 0, 0, 'zero-total'],
      [130, 1.0, 30, 0, null],
    ],
    '0 < total < baseline: volume 0, baseline follows down (corrected data)': [
      [100, 1.0, 0, 0, null],
      [80, 1.0, 0, 0, 'total-decreased'],
      [95, 1.0, 15, 0, null],
    ],
    'total null: volume 0, baseline kept': [
      [100, 1.0, 0, 0, null],
      [null, 1.0, 0, 0, 'missing-total'],
      [140, 1.0, 40, 0, null],
    ],
    'a session that starts with a null total takes the first total as baseline': [
      [null, 1.0, 0, 0, 'missing-total'],
      [50, 1.0, 0, 0, null],
      [60, 1.0, 10, 0, null],
    ],
    'tick rule: sign of the last non-zero mark change, 0 before any': [
      [0, 1.0, 0, 0, null],
      [10, 1.0, 10, 0, null],
      [15, 1.2, 5, 5, null],
      [20, 1.2, 5, 5, null],
      [27, 1.1, 7, -7, null],
      [30, null, 3, -3, null],
      [34, 1.3, 4, 4, null],
    ],
    'a jump beyond the bound (1e15 seen): volume 0, baseline kept, the next good total counts from it': [
      [100, 1.0, 0, 0, null],
      [1e15, 1.0, 0, 0, 'volume-jump'],
      [130, 1.0, 30, 0, null],
    ],
    'a jump of exactly the bound is believed': [
      [100, 1.0, 0, 0, null],
      [1_000_100, 1.0, 1_000_000, 0, null],
    ],
    'a negative mark (-1e300 seen): volume 0, baseline and tick sign kept': [
      [100, 1.0, 0, 0, null],
      [110, 1.2, 10, 10, null],
      [150, -1e300, 0, 0, 'implausible-price'],
      [160, 1.1, 50, -50, null],
    ],
    'a mark above 1e9: as a negative one': [
      [100, 1.0, 0, 0, null],
      [110, 2e9, 0, 0, 'implausible-price'],
      [120, 1.0, 20, 0, null],
    ],
    'an implausible price on the first observation: the next one starts the session': [
      [100, -1, 0, 0, 'implausible-price'],
      [120, 1.0, 0, 0, null],
      [125, 1.0, 5, 0, null],
    ],
  };
  for (const [name, steps] of Object.entries(tables)) {
    test(name, () => assert.deepEqual(run(steps), steps));
    test(`${name}, continued from the stored state at every step`, () =>
      assert.deepEqual(run(steps, { throughStoredStates: true }), steps));
  }

  test('a new session resets baseline and tick sign', () => {
    const steps: Step[] = [
      [100, 1.0, 0, 0, null],
      [150, 1.5, 50, 50, null],
      [3, 1.4, 0, 0, null], // next day: first observation, no anomaly despite the lower total
      [9, 1.6, 6, 6, null],
    ];
    const sessions = ['2023-05-18', '2023-05-18', '2023-05-19', '2023-05-19'];
    assert.deepEqual(run(steps, { sessions }), steps);
    assert.deepEqual(run(steps, { sessions, throughStoredStates: true }), steps);
  });

  test('premium = volume × mark × multiplier', () => {
    const rules = new IntervalVolume();
    rules.observe('d', 10, 2.5, 100);
    assert.equal(rules.premium, 0);
    rules.observe('d', 14, 2.5, 10);
    assert.equal(rules.premium, 4 * 2.5 * 10);
    rules.observe('d', 20, NaN, 100);
    assert.equal(rules.premium, 0);
  });

  test('the bound is configurable', () => {
    const rules = new IntervalVolume(50);
    rules.observe('d', 100, 1, 100);
    rules.observe('d', 151, 1, 100);
    assert.deepEqual([rules.volume, rules.anomaly], [0, 'volume-jump']);
    rules.observe('d', 150, 1, 100);
    assert.deepEqual([rules.volume, rules.anomaly], [50, null]);
  });

  const prices: Array<[string, [number | null, number | null, number | null, number | null], boolean]> = [
    ['all plausible', [1, 2, 1.5, 1.5], false],
    ['all missing', [null, null, null, null], false],
    ['zero bid (no bid)', [0, 0.05, null, 0.025], false],
    ['NaN is no price', [NaN, NaN, NaN, NaN], false],
    ['exactly 1e9', [1e9, 1e9, 1e9, 1e9], false],
    ['negative bid', [-0.01, 1, 1, 0.5], true],
    ['negative ask', [1, -1, 1, 1], true],
    ['negative last', [1, 2, -3, 1.5], true],
    ['negative mark', [1, 2, 1.5, -1e300], true],
    ['ask above 1e9', [1, 1e10, 1, 1], true],
  ];
  for (const [name, [bid, ask, last, mark], implausible] of prices) {
    test(`implausiblePrice: ${name}`, () => assert.equal(implausiblePrice(bid, ask, last, mark), implausible));
  }

  test('the state holds nulls, not NaN, for what the session has not shown', () => {
    const rules = new IntervalVolume();
    assert.throws(() => rules.state(), /no observation/);
    rules.observe('2023-05-19', NaN, NaN, 100);
    assert.deepEqual(rules.state(), { session: '2023-05-19', baseline: null, mark: null, sign: 0 });
    rules.observe('2023-05-19', 7, 1.5, 100);
    assert.deepEqual(rules.state(), { session: '2023-05-19', baseline: 7, mark: 1.5, sign: 0 });
  });
});
