import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { LIMITS, MAX_TIME_MS } from '@optflow/contract';
import { runsOf } from '../src/row-runs.ts';
import {
  BadRequest,
  checkExpirationsQuery,
  checkPoints,
  checkQueryRequest,
  isCalendarDate,
  parseTime,
} from '../src/validation.ts';

describe('parseTime', () => {
  const cases: Array<[input: number | string, expected: number | RegExp]> = [
    [0, 0],
    [MAX_TIME_MS, MAX_TIME_MS],
    [1684503000000.5, 1684503000000.5],
    ['1684503000000', 1684503000000],
    ['2023-05-19T13:30:00Z', Date.parse('2023-05-19T13:30:00Z')],
    ['2023-05-19T09:30:00-04:00', Date.parse('2023-05-19T13:30:00Z')],
    ['9999-12-31T23:59:59.999Z', MAX_TIME_MS],
    [-1, /within years 1970–9999/],
    [MAX_TIME_MS + 1, /within years 1970–9999/],
    [8.64e15, /within years 1970–9999/],
    [-8.64e15, /within years 1970–9999/],
    [1e300, /within years 1970–9999/],
    ['99999999999999999999', /within years 1970–9999/],
    ['1970-01-01T00:00:00+01:00', /within years 1970–9999/], // 1969 in UTC
    ['0000-01-01T00:00:00Z', /within years 1970–9999/],
    ['2016-12-31T23:59:60Z', /not a time/], // a leap second: the schema's format allows it, Date does not
    ['yesterday', /not a time/],
    ['', /not a time/],
  ];
  for (const [input, expected] of cases) {
    test(`${JSON.stringify(input)}`, () => {
      if (typeof expected === 'number') assert.equal(parseTime(input, 'from'), expected);
      else
        assert.throws(
          () => parseTime(input, 'from'),
          (e: unknown) => e instanceof BadRequest && expected.test(e.message) && e.message.startsWith('from: ')
        );
    });
  }
});

describe('isCalendarDate', () => {
  const cases: Array<[string, boolean]> = [
    ['2023-05-19', true],
    ['2024-02-29', true],
    ['2023-02-29', false],
    ['2023-02-30', false],
    ['2023-13-45', false],
    ['2023-00-10', false],
    ['2023-04-31', false],
    ['2023-04-00', false],
    ['1970-01-01', true],
    ['1969-12-31', false],
    ['9999-12-31', true],
    ['0000-01-01', false],
    ['10000-01-01', false],
    ['2023-5-19', false],
    ['2023-05-19T00:00:00Z', false],
  ];
  for (const [d, ok] of cases) test(`${d}: ${ok}`, () => assert.equal(isCalendarDate(d), ok));
});

describe('checkQueryRequest', () => {
  const query = (expirations?: string[]) => ({ options: expirations === undefined ? {} : { expirations } });
  const cases: Array<
    [name: string, body: Parameters<typeof checkQueryRequest>[0], expected: { from: number; to: number } | RegExp]
  > = [
    ['epoch ms', { range: { from: 1000, to: 2000 }, queries: [query()] }, { from: 1000, to: 2000 }],
    [
      'ISO and epoch mixed',
      { range: { from: '1970-01-01T00:00:01Z', to: 2000 }, queries: [query(['2023-05-19'])] },
      { from: 1000, to: 2000 },
    ],
    ['to before from', { range: { from: 2000, to: 1000 }, queries: [query()] }, /"to" must be after "from"/],
    ['to equal to from', { range: { from: 2000, to: 2000 }, queries: [query()] }, /"to" must be after "from"/],
    [
      'from out of range',
      { range: { from: -8.64e15, to: 1000 }, queries: [query()] },
      /^body\/range\/from: must be within years 1970–9999/,
    ],
    [
      'to out of range',
      { range: { from: 0, to: '10000-01-01T00:00:00Z' }, queries: [query()] },
      /^body\/range\/to: not a time/,
    ],
    [
      'a date that is not one, in the second query',
      { range: { from: 0, to: 1000 }, queries: [query(), query(['2023-13-45'])] },
      /^body\/queries\/1\/options\/expirations: "2023-13-45" is not a calendar date/,
    ],
    [
      'spot has no running total',
      { range: { from: 0, to: 1000 }, queries: [{ options: { metric: 'spot', cumulative: true } }] },
      /^body\/queries\/0\/options\/cumulative: spot is a price/,
    ],
    [
      'spot, not cumulative',
      { range: { from: 0, to: 1000 }, queries: [{ options: { metric: 'spot', cumulative: false } }] },
      { from: 0, to: 1000 },
    ],
  ];
  for (const [name, body, expected] of cases) {
    test(name, () => {
      if (expected instanceof RegExp)
        assert.throws(
          () => checkQueryRequest(body),
          (e: unknown) => e instanceof BadRequest && expected.test(e.message)
        );
      else assert.deepEqual(checkQueryRequest(body), expected);
    });
  }
  test('expirations query: digits, ISO, absent; out of range is a 400', () => {
    assert.deepEqual(checkExpirationsQuery({ from: '1000', to: '1970-01-01T00:00:02Z' }), { from: 1000, to: 2000 });
    assert.deepEqual(checkExpirationsQuery({}), { from: null, to: null });
    assert.throws(
      () => checkExpirationsQuery({ from: '99999999999999999999' }),
      /querystring\/from: must be within years 1970–9999/
    );
  });
});

describe('checkPoints', () => {
  test('up to the limit passes; one more is a BadRequest saying what to narrow', () => {
    assert.doesNotThrow(() => checkPoints(0));
    assert.doesNotThrow(() => checkPoints(LIMITS.maxPointsPerAnswer));
    assert.throws(
      () => checkPoints(LIMITS.maxPointsPerAnswer + 1),
      (e: unknown) =>
        e instanceof BadRequest &&
        e.message ===
          `more than ${LIMITS.maxPointsPerAnswer} points; choose a coarser interval, a shorter range or fewer expirations`
    );
  });
});

describe('runsOf', () => {
  const sameT = (a: { t: number }, b: { t: number }) => a.t === b.t;
  const cases: Array<[string, number[], number[][]]> = [
    ['no rows, no runs', [], []],
    ['one row', [5], [[5]]],
    ['runs of equal keys in order', [1, 1, 2, 3, 3, 3], [[1, 1], [2], [3, 3, 3]]],
    ['a key seen again later starts a new run', [1, 2, 1], [[1], [2], [1]]],
  ];
  for (const [name, ts, expected] of cases)
    test(name, () => {
      const runs = [
        ...runsOf(
          ts.map((t) => ({ t })),
          sameT
        ),
      ].map((run) => run.map((r) => r.t));
      assert.deepEqual(runs, expected);
    });
});
