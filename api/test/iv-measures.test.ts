import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ivMeasures } from '../src/iv-measures.ts';
import type { IvContract, IvMeasures } from '../src/iv-measures.ts';

const c = (
  putCall: 'C' | 'P',
  strike: number,
  iv: number | null,
  delta: number | null,
  mark: number | null
): IvContract => ({
  putCall,
  strike,
  iv,
  delta,
  mark,
});
// A chain around 100: calls' delta falls with the strike, puts' rises toward 0.
const chain = [
  c('C', 90, 24, 0.85, 10.6),
  c('P', 90, 26, -0.15, 0.6),
  c('C', 95, 21, 0.7, 6.3),
  c('P', 95, 23, -0.27, 1.4),
  c('C', 100, 18, 0.52, 3.1),
  c('P', 100, 20, -0.48, 3.0),
  c('C', 105, 16, 0.3, 1.2),
  c('P', 105, 19, -0.7, 6.1),
  c('C', 110, 15, 0.16, 0.4),
  c('P', 110, 18, -0.84, 10.3),
];

const cases: Array<[string, IvContract[], number | null, IvMeasures]> = [
  [
    'ATM at the strike nearest the spot; the wings nearest ±0.25 delta',
    chain,
    101,
    { atmStrike: 100, atmIv: 19, straddle: 6.1, riskReversal: 16 - 23 },
  ],
  ['a spot halfway: the lower strike', chain, 102.5, { atmStrike: 100, atmIv: 19, straddle: 6.1, riskReversal: -7 }],
  [
    'the nearest strike lacks a put mark: the next one',
    chain.map((x) => (x.strike === 100 && x.putCall === 'P' ? { ...x, mark: null } : x)),
    101,
    { atmStrike: 105, atmIv: 17.5, straddle: 7.3, riskReversal: -7 },
  ],
  [
    'no wing within 0.1 of 0.25 delta: no risk reversal',
    chain.filter((x) => x.strike === 90 || x.strike === 100),
    101,
    { atmStrike: 100, atmIv: 19, straddle: 6.1, riskReversal: null },
  ],
  [
    'no spot: no ATM, the risk reversal still',
    chain,
    null,
    { atmStrike: null, atmIv: null, straddle: null, riskReversal: -7 },
  ],
  [
    'calls only',
    chain.filter((x) => x.putCall === 'C'),
    100,
    { atmStrike: null, atmIv: null, straddle: null, riskReversal: null },
  ],
  ['nothing', [], 100, { atmStrike: null, atmIv: null, straddle: null, riskReversal: null }],
];
for (const [name, contracts, spot, want] of cases)
  test(name, () => {
    const got = ivMeasures(contracts, spot);
    assert.deepEqual(
      Object.fromEntries(Object.entries(got).map(([k, v]) => [k, v === null ? null : Math.round(v * 1e9) / 1e9])),
      want
    );
  });
