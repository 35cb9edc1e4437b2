import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { blackScholes } from '@optflow/contract';
import { sumByKey } from '../src/call-put-sums.ts';
import type { CallPutSum } from '../src/call-put-sums.ts';
import { contractGreeks, exposureOf } from '../src/exposure.ts';
import type { ExposureUnit } from '../src/exposure.ts';
import type { ExposureGreek } from '@optflow/contract';
import { gammaLevels } from '../src/gex.ts';

describe('exposure of one contract: side × greek × weight × multiplier × spot × the unit', () => {
  const call = { putCall: 'C' as const, weight: 1000, multiplier: 100 };
  const put = { ...call, putCall: 'P' as const };
  const S = 4000;
  const cases: Array<[ExposureGreek, number, typeof call | typeof put, ExposureUnit, number]> = [
    ['gamma', 0.01, call, 'per_move', 0.01 * 1000 * 100 * S * S * 0.01],
    ['gamma', 0.01, put, 'per_move', -0.01 * 1000 * 100 * S * S * 0.01],
    ['gamma', 0.01, call, 'notional', 0.01 * 1000 * 100 * S],
    ['delta', 0.5, call, 'per_move', 0.5 * 1000 * 100 * S * 0.01],
    // A put's delta is negative; dealers short the put are long that delta.
    ['delta', -0.3, put, 'notional', 0.3 * 1000 * 100 * S],
    ['vanna', 2, call, 'per_move', 2 * 1000 * 100 * S * 0.01],
    ['vanna', 2, put, 'per_move', -2 * 1000 * 100 * S * 0.01],
    ['charm', -0.73, call, 'per_move', (-0.73 * 1000 * 100 * S) / 365],
    ['charm', -0.73, call, 'notional', -0.73 * 1000 * 100 * S],
  ];
  for (const [greek, value, contract, unit, want] of cases)
    test(`${greek} of a ${contract.putCall === 'C' ? 'call' : 'put'}, ${unit}`, () =>
      assert.ok(Math.abs(exposureOf(greek, value, contract, S, unit) - want) <= 1e-9 * Math.abs(want)));
});

describe("a contract's greeks: the feed's delta and gamma, the rest from Black–Scholes on its IV", () => {
  const c = { putCall: 'P' as const, delta: -0.4, gamma: 0.002, iv: 20 as number | null, years: 0.1 };
  const bs = blackScholes(false, 4000, 3950, 0.1, 0.2, 0.05);
  test('feed greeks are kept; vanna and charm are computed with IV in percent', () =>
    assert.deepEqual(contractGreeks(c, 3950, 4000, 0.05), {
      delta: -0.4,
      gamma: 0.002,
      vanna: bs.vanna,
      charm: bs.charm,
    }));
  test('missing feed greeks are computed', () =>
    assert.deepEqual(contractGreeks({ ...c, delta: null, gamma: null }, 3950, 4000, 0.05), {
      delta: bs.delta,
      gamma: bs.gamma,
      vanna: bs.vanna,
      charm: bs.charm,
    }));
  const none: Array<[string, Partial<typeof c>, number]> = [
    ['no IV', { iv: null }, 4000],
    ['IV 0', { iv: 0 }, 4000],
    ['expired', { years: 0 }, 4000],
    ['no spot', {}, 0],
  ];
  for (const [name, patch, spot] of none)
    test(`${name}: none`, () => assert.equal(contractGreeks({ ...c, ...patch }, 3950, spot, 0.05), null));
});

describe('sums per key', () => {
  test('call and put apart, keys in first-seen order', () =>
    assert.deepEqual(
      sumByKey([
        { key: 110, putCall: 'C', value: 1 },
        { key: 100, putCall: 'P', value: -2 },
        { key: 110, putCall: 'P', value: -3 },
        { key: 110, putCall: 'C', value: 4 },
      ]),
      [
        { key: 110, call: 5, put: -3 },
        { key: 100, call: 0, put: -2 },
      ]
    ));
});

describe('gamma levels', () => {
  const s = (key: number, call: number, put: number): CallPutSum<number> => ({ key, call, put });
  const cases: Array<
    [
      string,
      Array<CallPutSum<number>>,
      { callWall: number | null; putWall: number | null; zeroGamma: number | null; absGamma: number | null },
    ]
  > = [
    [
      'walls; the running net (−4, −3, +2) crosses zero at 116; most gamma either side at 120',
      [s(100, 1, -5), s(110, 3, -2), s(120, 6, -1)],
      { callWall: 120, putWall: 100, zeroGamma: 116, absGamma: 120 },
    ],
    [
      'the crossing lands on a strike; the put side makes the absolute gamma strike',
      [s(100, 0, -2), s(110, 2, 0)],
      { callWall: 110, putWall: 100, zeroGamma: 110, absGamma: 100 },
    ],
    ['no crossing', [s(100, 1, 0), s(110, 2, 0)], { callWall: 110, putWall: null, zeroGamma: null, absGamma: 110 }],
    ['nothing', [], { callWall: null, putWall: null, zeroGamma: null, absGamma: null }],
  ];
  for (const [name, strikes, want] of cases) test(name, () => assert.deepEqual(gammaLevels(strikes), want));
});
