import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { mapColumns } from '../src/contracts/column-map.ts';
import type { ColumnMap } from '../src/contracts/column-map.ts';
import { emptyQuote, normalizeRow, rowNormalizer } from '../src/contracts/quote-row.ts';
import type { RowContext } from '../src/contracts/quote-row.ts';

const TDA_ROW = {
  symbol: 'SPXW_051923C4200',
  putCall: 'CALL',
  strikePrice: 4200,
  expirationDate: Date.parse('2023-05-19T20:00:00Z'),
  bid: 10.1,
  ask: 10.5,
  last: 10.3,
  mark: 10.3,
  bidSize: 5,
  askSize: 7,
  totalVolume: 1234,
  volatility: 14.2,
  delta: 0.51,
  gamma: -999,
  theta: 'NaN',
  vega: 0.2,
  rho: 0.01,
  openInterest: 800,
  multiplier: 100,
  underlyingPrice: 4201.5,
  quoteTimeInLong: Date.parse('2023-05-19T13:30:00.400Z'),
  processDateTime: Date.parse('2023-05-19T09:30:00Z'),
};

function context(columns: string[], extra: Partial<RowContext> = {}): RowContext {
  const mapped = mapColumns(columns);
  assert.ok(mapped.ok, mapped.ok ? '' : mapped.reason);
  return {
    map: mapped.map as ColumnMap,
    timeZone: 'America/New_York',
    naiveTime: true,
    underlyingFromFile: 'SPX',
    ...extra,
  };
}

describe('normalizeRow', () => {
  test('a TD Ameritrade row: naive New York time, canonical contract, sentinels to NULL', () => {
    const result = normalizeRow(TDA_ROW, context(Object.keys(TDA_ROW)));
    assert.ok(result.ok, result.ok ? '' : result.reason);
    assert.deepEqual(result.quote, {
      quoteTime: Date.parse('2023-05-19T13:30:00Z'),
      contract: 'SPXW  230519C04200000',
      sourceSymbol: 'SPXW_051923C4200',
      underlying: 'SPX',
      root: 'SPXW',
      expiration: '2023-05-19',
      putCall: 'C',
      strike: '4200',
      bid: 10.1,
      ask: 10.5,
      last: 10.3,
      mark: 10.3,
      bidSize: 5,
      askSize: 7,
      totalVolume: 1234,
      multiplier: 100,
      openInterest: 800,
      iv: 14.2,
      delta: 0.51,
      gamma: null,
      theta: null,
      vega: 0.2,
      rho: 0.01,
      underlyingPrice: 4201.5,
    });
  });

  test('a tastytrade row: UTC time, DATE expiration, price as mark, nullable volume', () => {
    const row = {
      created_at: Date.parse('2026-08-02T14:00:00Z'),
      symbol: '.SPXW260803C7485',
      putCall: 'CALL',
      strike: 7485,
      price: 1.25,
      day_volume: null,
      expiration_date: '2026-08-03',
    };
    const result = normalizeRow(row, context(Object.keys(row), { naiveTime: false, underlyingFromFile: null }));
    assert.ok(result.ok, result.ok ? '' : result.reason);
    assert.equal(result.quote.quoteTime, Date.parse('2026-08-02T14:00:00Z'));
    assert.equal(result.quote.mark, 1.25);
    assert.equal(result.quote.totalVolume, null);
    assert.equal(result.quote.underlying, 'SPX', 'from the root when neither row nor file names it');
  });

  test('mark falls back to the mid of bid and ask', () => {
    const row = {
      quote_time: '2023-05-19 09:31:00',
      symbol: 'SPY230519P00410000',
      total_volume: 3,
      bid: 1.1,
      ask: 1.3,
    };
    const result = normalizeRow(row, context(Object.keys(row), { naiveTime: false }));
    assert.ok(result.ok);
    assert.ok(Math.abs(result.quote.mark! - 1.2) < 1e-12);
    assert.equal(
      result.quote.quoteTime,
      Date.parse('2023-05-19T13:31:00Z'),
      'a string without a zone is New York time'
    );
  });

  test('underlying: --underlying, then the row, then the file name', () => {
    const row = { ...TDA_ROW, underlying: '$SPX.X' };
    const columns = Object.keys(row);
    const pick = (extra: Partial<RowContext>) => {
      const r = normalizeRow(row, context(columns, extra));
      return r.ok ? r.quote.underlying : r.reason;
    };
    assert.equal(pick({ underlyingOverride: 'XSP' }), 'XSP');
    assert.equal(pick({}), 'SPX');
  });

  const rejections: Array<[string, Record<string, unknown>, RegExp]> = [
    ['unparseable symbol', { symbol: 'SPXW-051923-C' }, /unrecognized option symbol "SPXW-051923-C"/],
    ['missing symbol', { symbol: null }, /symbol: missing option symbol/],
    [
      'strike disagrees',
      { strikePrice: 4205 },
      /strikePrice 4205 disagrees with symbol SPXW_051923C4200 \(strike 4200\)/,
    ],
    [
      'expiration disagrees',
      { expirationDate: Date.parse('2023-05-26T20:00:00Z') },
      /expirationDate 2023-05-26 disagrees/,
    ],
    ['put/call disagrees', { putCall: 'PUT' }, /putCall PUT disagrees with symbol SPXW_051923C4200 \(C\)/],
    ['put/call unreadable', { putCall: 'X' }, /putCall: "X" is not CALL, PUT, C or P/],
    ['missing time', { processDateTime: null }, /processDateTime: missing or unparseable snapshot time null/],
    ['non-numeric bid', { bid: 'abc' }, /bid: "abc" is not a number/],
    ['negative volume', { totalVolume: -3 }, /totalVolume: -3 is not a whole number of contracts/],
    ['fractional multiplier', { multiplier: 100.5 }, /multiplier: 100.5 is not a positive whole number/],
    ['zero multiplier', { multiplier: 0 }, /multiplier: 0 is not a positive whole number/],
    ['bid size beyond int4', { bidSize: 2 ** 31 }, /bidSize: 2147483648 is not a whole number in range/],
    ['fractional open interest', { openInterest: 1.5 }, /openInterest: 1.5 is not a whole number in range/],
    // Values that once failed the whole run or reached the aggregates (issue 18).
    [
      'NUL in the symbol',
      { symbol: 'SPXW_051923C4200\0' },
      /^symbol: "SPXW_051923C4200\\u0000" contains a NUL character$/,
    ],
    ['NUL in the underlying', { underlying: 'SPX\0' }, /^underlying: "SPX\\u0000" contains a NUL character$/],
    [
      'a time in year 10000',
      { processDateTime: Date.UTC(10000, 0, 1) },
      /^processDateTime: snapshot time 253402300800000 \(\+010000-01-01T00:00:00\.000Z\) is outside years 1970–9999$/,
    ],
    [
      'a naive time that is year 10000 in UTC',
      { processDateTime: Date.UTC(9999, 11, 31, 23) },
      /^processDateTime: snapshot time 253402297200000 \(9999-12-31T23:00:00\.000Z\) in America\/New_York is outside years 1970–9999$/,
    ],
    [
      'a time beyond the JS date range',
      { processDateTime: 9e15 },
      /^processDateTime: snapshot time 9000000000000000 is outside years 1970–9999$/,
    ],
    [
      'a time before 1970',
      { processDateTime: -60_000 },
      /^processDateTime: snapshot time -60000 \(1969-12-31T23:59:00\.000Z\) is outside years 1970–9999$/,
    ],
    [
      'an infinite time',
      { processDateTime: Infinity },
      /^processDateTime: snapshot time Infinity is outside years 1970–9999$/,
    ],
    [
      'an expiration beyond the JS date range',
      { expirationDate: 9e15 },
      /^expiration 9000000000000000 is outside years 1970–9999$/,
    ],
    ['+Infinity mark', { mark: Infinity }, /^mark: Infinity is not a finite number$/],
    ['+Infinity ask', { ask: Infinity }, /^ask: Infinity is not a finite number$/],
    ['-Infinity bid', { bid: -Infinity }, /^bid: -Infinity is not a finite number$/],
    ['+Infinity last', { last: Infinity }, /^last: Infinity is not a finite number$/],
    ['an infinite greek', { delta: Infinity }, /^delta: Infinity is not a finite number$/],
    ['an infinite iv', { volatility: -Infinity }, /^volatility: -Infinity is not a finite number$/],
    ['an infinite total volume', { totalVolume: Infinity }, /^totalVolume: Infinity is not a finite number$/],
    [
      'a total volume beyond 2^53',
      { totalVolume: 2 ** 62 },
      /^totalVolume: 4611686018427388000 is not a whole number of contracts$/,
    ],
    [
      'an infinite underlying price',
      { underlyingPrice: Infinity },
      /^underlyingPrice: Infinity is not a finite number$/,
    ],
    ['an infinite multiplier', { multiplier: Infinity }, /^multiplier: Infinity is not a finite number$/],
    ['an infinite open interest', { openInterest: Infinity }, /^openInterest: Infinity is not a finite number$/],
  ];
  for (const [name, change, reason] of rejections) {
    test(`rejects: ${name}`, () => {
      const row = { ...TDA_ROW, ...change };
      const result = normalizeRow(row, context(Object.keys(row)));
      assert.equal(result.ok, false);
      if (!result.ok) assert.match(result.reason, reason);
      assert.match(
        asColumns(row) ?? '',
        reason,
        'the same from the columns the reader gives (numbers as Float64Array)'
      );
    });
  }

  const accepted: Array<[string, Record<string, unknown>]> = [
    ['the first second of 1970 (UTC)', { processDateTime: 0 }],
    ['the last millisecond of 9999 (UTC)', { processDateTime: Date.UTC(9999, 11, 31, 23, 59, 59, 999) }],
    ['negative and huge prices (anomalies for the volume rules, not rejections)', { mark: -1e300, bid: 2e9 }],
  ];
  for (const [name, change] of accepted) {
    test(`accepts: ${name}`, () => {
      const row = { ...TDA_ROW, ...change };
      const result = normalizeRow(row, context(Object.keys(row), { naiveTime: false }));
      assert.ok(result.ok, result.ok ? '' : result.reason);
      assert.equal(asColumns(row, { naiveTime: false }), null);
    });
  }

  test('a NUL in the underlying column does not matter under --underlying (it is not stored)', () => {
    const row = { ...TDA_ROW, underlying: 'SPX\0' };
    const result = normalizeRow(row, context(Object.keys(row), { underlyingOverride: 'SPX' }));
    assert.ok(result.ok, result.ok ? '' : result.reason);
  });
});

/** The row as one-row columns the way the reader gives them; the rejection reason or null. */
function asColumns(row: Record<string, unknown>, extra: Partial<RowContext> = {}): string | null {
  const columns = new Map(
    Object.entries(row).map(([name, v]): [string, ArrayLike<unknown>] => [
      name,
      typeof v === 'number' ? Float64Array.of(v) : [v],
    ])
  );
  return rowNormalizer(columns, context(Object.keys(row), extra))(0, emptyQuote());
}
