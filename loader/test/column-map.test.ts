import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { mapColumns, parseMapOverrides } from '../src/contracts/column-map.ts';

const TDA = [
  'symbol',
  'putCall',
  'strikePrice',
  'expirationDate',
  'bid',
  'ask',
  'last',
  'mark',
  'bidSize',
  'askSize',
  'totalVolume',
  'volatility',
  'delta',
  'gamma',
  'theta',
  'vega',
  'rho',
  'openInterest',
  'multiplier',
  'underlyingPrice',
  'quoteTimeInLong',
  'processDateTime',
];
const TASTYTRADE = [
  'last_trade_at',
  'created_at',
  'symbol',
  'putCall',
  'strike',
  'bid',
  'ask',
  'price',
  'open_interest',
  'delta',
  'day_volume',
  'underlying_price',
  'expiration_date',
];
const SNAKE = [
  'quote_time',
  'option_symbol',
  'total_volume',
  'strike_price',
  'put_call',
  'expiry',
  'bid',
  'ask',
  'underlying',
  'iv',
];

describe('mapColumns', () => {
  const cases: Array<[string, string[], Record<string, string>]> = [
    [
      'TD Ameritrade / Schwab camelCase: processDateTime wins over quoteTimeInLong',
      TDA,
      {
        time: 'processDateTime',
        symbol: 'symbol',
        totalVolume: 'totalVolume',
        strike: 'strikePrice',
        putCall: 'putCall',
        expiration: 'expirationDate',
        mark: 'mark',
        iv: 'volatility',
        underlyingPrice: 'underlyingPrice',
        openInterest: 'openInterest',
      },
    ],
    [
      'tastytrade: created_at, day_volume, price as mark',
      TASTYTRADE,
      {
        time: 'created_at',
        symbol: 'symbol',
        totalVolume: 'day_volume',
        strike: 'strike',
        putCall: 'putCall',
        expiration: 'expiration_date',
        mark: 'price',
        openInterest: 'open_interest',
        underlyingPrice: 'underlying_price',
      },
    ],
    [
      'snake_case',
      SNAKE,
      {
        time: 'quote_time',
        symbol: 'option_symbol',
        totalVolume: 'total_volume',
        strike: 'strike_price',
        putCall: 'put_call',
        expiration: 'expiry',
        underlying: 'underlying',
        iv: 'iv',
      },
    ],
    [
      'quoteTimeInLong when there is no collector time',
      TDA.filter((c) => c !== 'processDateTime'),
      { time: 'quoteTimeInLong' },
    ],
    [
      'names match case-insensitively',
      ['SYMBOL', 'TotalVolume', 'Quote_Time'],
      { symbol: 'SYMBOL', totalVolume: 'TotalVolume', time: 'Quote_Time' },
    ],
  ];
  for (const [name, columns, expected] of cases) {
    test(name, () => {
      const result = mapColumns(columns);
      assert.ok(result.ok, result.ok ? '' : result.reason);
      for (const [field, column] of Object.entries(expected))
        assert.equal(result.map[field as keyof typeof result.map], column, field);
    });
  }

  test('mark is absent when the file has neither mark nor price (the loader uses the mid)', () => {
    const result = mapColumns(['symbol', 'totalVolume', 'quote_time', 'bid', 'ask']);
    assert.ok(result.ok);
    assert.equal(result.map.mark, undefined);
    assert.equal(result.map.bid, 'bid');
  });

  test('a missing required column fails, listing what the file has', () => {
    const result = mapColumns(['symbol', 'bid', 'ask', 'created_at']);
    assert.equal(result.ok, false);
    if (!result.ok) {
      assert.match(result.reason, /no column for totalVolume \(tried totalVolume, total_volume, day_volume\)/);
      assert.match(result.reason, /the file has columns: symbol, bid, ask, created_at/);
      assert.match(result.reason, /--map totalVolume=<column>/);
    }
  });

  test('--map overrides detection, and must name a real column', () => {
    const result = mapColumns(TDA, parseMapOverrides(['time=quoteTimeInLong', 'mark=last']));
    assert.ok(result.ok);
    assert.equal(result.map.time, 'quoteTimeInLong');
    assert.equal(result.map.mark, 'last');
    const bad = mapColumns(TDA, { totalVolume: 'vol' });
    assert.equal(bad.ok, false);
    if (!bad.ok) assert.match(bad.reason, /--map totalVolume=vol: no column "vol"/);
  });

  test('parseMapOverrides rejects malformed values and unknown fields', () => {
    assert.throws(() => parseMapOverrides(['time']), /--map expects field=column, got "time"/);
    assert.throws(() => parseMapOverrides(['=x']), /expects field=column/);
    assert.throws(() => parseMapOverrides(['volume=x']), /unknown field "volume" \(fields: time, symbol, totalVolume/);
  });
});
