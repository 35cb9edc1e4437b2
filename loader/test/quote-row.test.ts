import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { mapColumns } from '../src/contracts/column-map.ts';
import type { ColumnMap } from '../src/contracts/column-map.ts';
import { normalizeRow } from '../src/contracts/quote-row.ts';
import type { RowContext } from '../src/contracts/quote-row.ts';

const TDA_ROW = {
  symbol: 'SPXW_051923C4200', putCall: 'CALL', strikePrice: 4200, expirationDate: Date.parse('2023-05-19T20:00:00Z'),
  bid: 10.1, ask: 10.5, last: 10.3, mark: 10.3, bidSize: 5, askSize: 7, totalVolume: 1234, volatility: 14.2,
  delta: 0.51, gamma: -999, theta: 'NaN', vega: 0.2, rho: 0.01, openInterest: 800, multiplier: 100, underlyingPrice: 4201.5,
  quoteTimeInLong: Date.parse('2023-05-19T13:30:00.400Z'), processDateTime: Date.parse('2023-05-19T09:30:00Z'),
};

function context(columns: string[], extra: Partial<RowContext> = {}): RowContext {
  const mapped = mapColumns(columns);
  assert.ok(mapped.ok, mapped.ok ? '' : mapped.reason);
  return { map: mapped.map as ColumnMap, timeZone: 'America/New_York', naiveTime: true, underlyingFromFile: 'SPX', ...extra };
}

describe('normalizeRow', () => {
  test('a TD Ameritrade row: naive New York time, canonical contract, sentinels to NULL', () => {
    const result = normalizeRow(TDA_ROW, context(Object.keys(TDA_ROW)));
    assert.ok(result.ok, result.ok ? '' : result.reason);
    assert.deepEqual(result.quote, {
      quoteTime: Date.parse('2023-05-19T13:30:00Z'), contract: 'SPXW  230519C04200000', sourceSymbol: 'SPXW_051923C4200',
      underlying: 'SPX', root: 'SPXW', expiration: '2023-05-19', putCall: 'C', strike: '4200',
      bid: 10.1, ask: 10.5, last: 10.3, mark: 10.3, bidSize: 5, askSize: 7, totalVolume: 1234, multiplier: 100, openInterest: 800,
      iv: 14.2, delta: 0.51, gamma: null, theta: null, vega: 0.2, rho: 0.01, underlyingPrice: 4201.5,
    });
  });

  test('a tastytrade row: UTC time, DATE expiration, price as mark, nullable volume', () => {
    const row = { created_at: Date.parse('2026-08-02T14:00:00Z'), symbol: '.SPXW260803C7485', putCall: 'CALL', strike: 7485, price: 1.25, day_volume: null, expiration_date: '2026-08-03' };
    const result = normalizeRow(row, context(Object.keys(row), { naiveTime: false, underlyingFromFile: null }));
    assert.ok(result.ok, result.ok ? '' : result.reason);
    assert.equal(result.quote.quoteTime, Date.parse('2026-08-02T14:00:00Z'));
    assert.equal(result.quote.mark, 1.25);
    assert.equal(result.quote.totalVolume, null);
    assert.equal(result.quote.underlying, 'SPX', 'from the root when neither row nor file names it');
  });

  test('mark falls back to the mid of bid and ask', () => {
    const row = { quote_time: '2023-05-19 09:31:00', symbol: 'SPY230519P00410000', total_volume: 3, bid: 1.1, ask: 1.3 };
    const result = normalizeRow(row, context(Object.keys(row), { naiveTime: false }));
    assert.ok(result.ok);
    assert.ok(Math.abs(result.quote.mark! - 1.2) < 1e-12);
    assert.equal(result.quote.quoteTime, Date.parse('2023-05-19T13:31:00Z'), 'a string without a zone is New York time');
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
    ['strike disagrees', { strikePrice: 4205 }, /strikePrice 4205 disagrees with symbol SPXW_051923C4200 \(strike 4200\)/],
    ['expiration disagrees', { expirationDate: Date.parse('2023-05-26T20:00:00Z') }, /expirationDate 2023-05-26 disagrees/],
    ['put/call disagrees', { putCall: 'PUT' }, /putCall PUT disagrees with symbol SPXW_051923C4200 \(C\)/],
    ['put/call unreadable', { putCall: 'X' }, /putCall: "X" is not CALL, PUT, C or P/],
    ['missing time', { processDateTime: null }, /processDateTime: missing or unparseable snapshot time null/],
    ['non-numeric bid', { bid: 'abc' }, /bid: "abc" is not a number/],
    ['negative volume', { totalVolume: -3 }, /totalVolume: -3 is not a whole number of contracts/],
    ['fractional multiplier', { multiplier: 100.5 }, /multiplier: 100.5 is not a positive whole number/],
    ['zero multiplier', { multiplier: 0 }, /multiplier: 0 is not a positive whole number/],
    ['bid size beyond int4', { bidSize: 2 ** 31 }, /bidSize: 2147483648 is not a whole number in range/],
    ['fractional open interest', { openInterest: 1.5 }, /openInterest: 1.5 is not a whole number in range/],
  ];
  for (const [name, change, reason] of rejections) {
    test(`rejects: ${name}`, () => {
      const result = normalizeRow({ ...TDA_ROW, ...change }, context(Object.keys(TDA_ROW)));
      assert.equal(result.ok, false);
      if (!result.ok) assert.match(result.reason, reason);
    });
  }
});
