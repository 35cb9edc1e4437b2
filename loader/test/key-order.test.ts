import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { compareContracts, keyOrder } from '../src/load/key-order.ts';

describe('keyOrder', () => {
  const cases: Array<{ name: string; contracts: Array<string | null>; want: number[] }> = [
    { name: 'empty', contracts: [], want: [] },
    {
      name: 'snapshots of a chain become runs per contract, in file order within each',
      contracts: ['B', 'A', 'C', 'B', 'A', 'C'],
      want: [1, 4, 0, 3, 2, 5],
    },
    { name: 'already in key order: unchanged', contracts: ['A', 'A', 'B', 'C'], want: [0, 1, 2, 3] },
    { name: 'rows without a contract go last, in file order', contracts: [null, 'B', null, 'A'], want: [3, 1, 0, 2] },
    {
      name: 'OSI contracts: a shorter root sorts before a longer one',
      contracts: ['SPXW  230519C04200000', 'SPX   230519C04200000'],
      want: [1, 0],
    },
  ];
  for (const c of cases) {
    test(c.name, () => assert.deepEqual([...keyOrder(c.contracts.length, (i) => c.contracts[i]!)], c.want));
  }

  test('the order the volume rules write inserts in', () => {
    const contracts = ['SPXW  230519P04200000', 'SPXW  230519C04205000', 'SPXW  230519C04200000'];
    assert.deepEqual([...keyOrder(3, (i) => contracts[i]!)], [2, 1, 0]);
    assert.deepEqual([...contracts].sort(compareContracts), [contracts[2], contracts[1], contracts[0]]);
  });
});
