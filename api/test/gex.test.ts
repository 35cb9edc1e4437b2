import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { gexOfContract, summarizeGex } from '../src/gex.ts';
import type { GexStrike } from '../src/gex.ts';

describe('gamma exposure', () => {
  test('per contract: gamma × open interest × multiplier × spot² × 1 %, calls +, puts −', () => {
    assert.equal(gexOfContract(0.01, 1000, 100, 4000, 'C'), 0.01 * 1000 * 100 * 4000 * 4000 * 0.01);
    assert.equal(gexOfContract(0.01, 1000, 100, 4000, 'P'), -0.01 * 1000 * 100 * 4000 * 4000 * 0.01);
  });

  const s = (strike: number, callGex: number, putGex: number): GexStrike => ({ strike, callGex, putGex });
  const cases: Array<
    [string, GexStrike[], { callWall: number | null; putWall: number | null; zeroGamma: number | null }]
  > = [
    [
      'walls; the running net (−4, −3, +2) crosses zero at 116',
      [s(100, 1, -5), s(110, 3, -2), s(120, 6, -1)],
      { callWall: 120, putWall: 100, zeroGamma: 116 },
    ],
    ['the crossing lands on a strike', [s(100, 0, -2), s(110, 2, 0)], { callWall: 110, putWall: 100, zeroGamma: 110 }],
    ['no crossing', [s(100, 1, 0), s(110, 2, 0)], { callWall: 110, putWall: null, zeroGamma: null }],
    ['nothing', [], { callWall: null, putWall: null, zeroGamma: null }],
  ];
  for (const [name, strikes, want] of cases) test(name, () => assert.deepEqual(summarizeGex(strikes), want));
});
