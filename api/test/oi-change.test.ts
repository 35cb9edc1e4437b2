import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { largestChanges, oiChangeByKey } from '../src/oi-change.ts';
import type { OiContract } from '../src/oi-change.ts';

const c = (contract: string, strike: number, expiration: string, open_interest: number, previous_oi: number) =>
  ({
    contract,
    expiration,
    put_call: contract.includes('C') ? 'C' : 'P',
    strike,
    open_interest,
    previous_oi,
  }) as OiContract;
const contracts = [
  c('C110', 110, '2023-05-26', 250, 200),
  c('C100', 100, '2023-05-26', 1200, 1000),
  c('P100', 100, '2023-05-26', 300, 500),
  c('P110', 110, '2023-06-16', 400, 100),
];

describe('open-interest change', () => {
  test('per strike: calls and puts apart, ascending strikes', () =>
    assert.deepEqual(oiChangeByKey(contracts, 'strike'), [
      { key: 100, callOi: 1200, putOi: 300, callChange: 200, putChange: -200 },
      { key: 110, callOi: 250, putOi: 400, callChange: 50, putChange: 300 },
    ]));
  test('per expiration', () =>
    assert.deepEqual(oiChangeByKey(contracts, 'expiration'), [
      { key: '2023-05-26', callOi: 1450, putOi: 300, callChange: 250, putChange: -200 },
      { key: '2023-06-16', callOi: 0, putOi: 400, callChange: 0, putChange: 300 },
    ]));
  const cases: Array<[string, number, string[]]> = [
    ['largest first, either way; a tie by contract', 3, ['P110', 'C100', 'P100']],
    ['at most the limit', 1, ['P110']],
    ['all', 10, ['P110', 'C100', 'P100', 'C110']],
  ];
  for (const [name, limit, want] of cases)
    test(name, () =>
      assert.deepEqual(
        largestChanges(contracts, limit).map((r) => r.contract),
        want
      )
    );
  test('nothing', () => assert.deepEqual(oiChangeByKey([], 'strike'), []));
});
