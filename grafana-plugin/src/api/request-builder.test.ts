import type { FlowQuery } from '../types';
import { querySignature, toApiQuery, validateQuery } from './request-builder';

const q = (extra: Partial<FlowQuery>): FlowQuery => ({ refId: 'A', underlying: 'SPX', ...extra });

describe('toApiQuery', () => {
  test.each([
    [
      'defaults: flow, net volume, auto interval',
      q({}),
      { refId: 'A', type: 'flow', options: { underlying: 'SPX', metric: 'net_volume' } },
    ],
    [
      'every flow option',
      q({
        metric: 'call_premium',
        cumulative: true,
        rolling: 5,
        groupBy: 'dte',
        expirations: ['2023-05-22', '2023-05-19', '2023-05-22'],
        zeroDte: true,
        dteMin: 0,
        dteMax: 7,
        putCall: 'C',
        strikeMin: 4100,
        strikeMax: 4300,
        strikesAroundSpotPct: 2,
        regularHours: true,
        otm: true,
        interval: '5m',
      }),
      {
        refId: 'A',
        type: 'flow',
        interval: '5m',
        options: {
          underlying: 'SPX',
          metric: 'call_premium',
          cumulative: true,
          rolling: 5,
          groupBy: 'dte',
          expirations: ['2023-05-19', '2023-05-22'],
          zeroDte: true,
          dte: { min: 0, max: 7 },
          putCall: 'C',
          strikes: { min: 4100, max: 4300 },
          strikesAroundSpotPct: 2,
          regularHours: true,
          otm: true,
        },
      },
    ],
    [
      'switches off and group none are left out',
      q({ cumulative: false, regularHours: false, otm: false, groupBy: 'none', expirations: [] }),
      { refId: 'A', type: 'flow', options: { underlying: 'SPX', metric: 'net_volume' } },
    ],
    [
      'one-sided DTE and strike ranges',
      q({ dteMax: 3, strikeMin: 4000 }),
      {
        refId: 'A',
        type: 'flow',
        options: { underlying: 'SPX', metric: 'net_volume', dte: { max: 3 }, strikes: { min: 4000 } },
      },
    ],
    [
      'ladder takes only its options',
      q({
        queryType: 'ladder',
        measure: 'premium',
        lastMinutes: 30,
        metric: 'put_volume',
        putCall: 'P',
        interval: '1m',
      }),
      { refId: 'A', type: 'ladder', options: { underlying: 'SPX', measure: 'premium', lastMinutes: 30 } },
    ],
    [
      'chain',
      q({ queryType: 'chain', limit: 50, zeroDte: true }),
      { refId: 'A', type: 'chain', options: { underlying: 'SPX', limit: 50, zeroDte: true } },
    ],
    [
      'contracts',
      q({ queryType: 'contracts', putCall: 'P', strikeMax: 4200, limit: 3 }),
      { refId: 'A', type: 'contracts', options: { underlying: 'SPX', putCall: 'P', strikes: { max: 4200 }, limit: 3 } },
    ],
    [
      'gex',
      q({ queryType: 'gex', expirations: ['2023-05-19'], metric: 'net_volume' }),
      { refId: 'A', type: 'gex', options: { underlying: 'SPX', expirations: ['2023-05-19'] } },
    ],
    [
      'exposure: gamma unless a greek is chosen, and only its own options',
      q({ queryType: 'exposure', limit: 5, interval: '5m' }),
      { refId: 'A', type: 'exposure', options: { underlying: 'SPX', greek: 'gamma' } },
    ],
    [
      'exposure with every option',
      q({
        queryType: 'exposure',
        greek: 'charm',
        weight: 'volume',
        exposureBy: 'expiration',
        exposureUnit: 'notional',
        exposureOverTime: true,
        rate: 0,
        dteMax: 7,
      }),
      {
        refId: 'A',
        type: 'exposure',
        options: {
          underlying: 'SPX',
          dte: { max: 7 },
          greek: 'charm',
          weight: 'volume',
          by: 'expiration',
          unit: 'notional',
          overTime: true,
          rate: 0,
        },
      },
    ],
    [
      'oichange by strike: no limit',
      q({ queryType: 'oichange', limit: 5, zeroDte: true }),
      { refId: 'A', type: 'oichange', options: { underlying: 'SPX', zeroDte: true } },
    ],
    [
      'oichange by contract takes the limit',
      q({ queryType: 'oichange', oiChangeBy: 'contract', limit: 25 }),
      { refId: 'A', type: 'oichange', options: { underlying: 'SPX', by: 'contract', limit: 25 } },
    ],
    [
      'iv keeps its interval; ATM IV unless a measure is chosen',
      q({ queryType: 'iv', interval: '15m', limit: 5 }),
      { refId: 'A', type: 'iv', interval: '15m', options: { underlying: 'SPX', measure: 'atm_iv' } },
    ],
    [
      'iv expected move, 0DTE',
      q({ queryType: 'iv', ivMeasure: 'expected_move', zeroDte: true }),
      { refId: 'A', type: 'iv', options: { underlying: 'SPX', zeroDte: true, measure: 'expected_move' } },
    ],
    [
      'maxpain keeps its interval',
      q({ queryType: 'maxpain', interval: '15m', zeroDte: true, limit: 5 }),
      { refId: 'A', type: 'maxpain', interval: '15m', options: { underlying: 'SPX', zeroDte: true } },
    ],
    [
      'unusual takes its thresholds',
      q({
        queryType: 'unusual',
        lastMinutes: 30,
        minRatio: 2,
        minVolume: 0,
        minPrice: 0.5,
        hotFactor: 4,
        limit: 50,
        measure: 'premium',
      }),
      {
        refId: 'A',
        type: 'unusual',
        options: {
          underlying: 'SPX',
          lastMinutes: 30,
          minRatio: 2,
          minVolume: 0,
          minPrice: 0.5,
          hotFactor: 4,
          limit: 50,
        },
      },
    ],
  ])('%s', (_name, query, expected) => {
    expect(toApiQuery(query)).toEqual(expected);
  });
});

describe('validateQuery', () => {
  test.each([
    ['a complete query', q({}), true, []],
    ['no underlying', q({ underlying: undefined }), true, ['underlying: Choose an underlying']],
    [
      'not a symbol',
      q({ underlying: 'S P X' }),
      true,
      ['underlying: "S P X" is not a symbol (letters, digits and . _ / $ -, at most 16)'],
    ],
    ['a variable, before interpolation', q({ underlying: '$underlying', expirations: ['$exp'] }), false, []],
    [
      'a variable left after interpolation',
      q({ expirations: ['$exp'] }),
      true,
      ['expirations: "$exp" is not a date (YYYY-MM-DD)'],
    ],
    [
      'not a calendar date',
      q({ expirations: ['2023-02-30'] }),
      true,
      ['expirations: "2023-02-30" is not a date (YYYY-MM-DD)'],
    ],
    ['DTE range reversed', q({ dteMin: 5, dteMax: 1 }), true, ['dteMax: DTE max is below DTE min']],
    ['negative DTE', q({ dteMin: -1 }), true, ['dteMin: DTE cannot be negative']],
    [
      'strike range reversed',
      q({ strikeMin: 4300, strikeMax: 4200 }),
      true,
      ['strikeMax: Strike max is below strike min'],
    ],
    [
      '± % of spot out of range',
      q({ strikesAroundSpotPct: 0 }),
      true,
      ['strikesAroundSpotPct: ± % of spot must be above 0 and at most 100'],
    ],
    [
      'rolling not whole',
      q({ rolling: 2.5 }),
      true,
      ['rolling: Rolling mean: a whole number of buckets from 1 to 500'],
    ],
    ['ladder minutes', q({ queryType: 'ladder', lastMinutes: 2000 }), true, ['lastMinutes: Last minutes: 1 to 1440']],
    ['contracts limit', q({ queryType: 'contracts', limit: 21 }), true, ['limit: Limit: 1 to 20']],
    ['chain limit', q({ queryType: 'chain', limit: 500 }), true, []],
    ['exposure rate', q({ queryType: 'exposure', rate: 5 }), true, ['rate: Rate: -0.1 to 0.5 (0.05 is 5 %)']],
    [
      'spot has no running total',
      q({ metric: 'spot', cumulative: true }),
      true,
      ['cumulative: Spot is a price: it has no running total'],
    ],
    ['spot, rolling', q({ metric: 'spot', rolling: 5 }), true, []],
  ])('%s', (_name, query, interpolated, expected) => {
    expect(validateQuery(query, { interpolated }).map((p) => `${p.field}: ${p.message}`)).toEqual(expected);
  });
});

test('the signature ignores the refId and the moving range but not options, interval, max data points or the range start', () => {
  const a = toApiQuery(q({}));
  const signature = (query: ReturnType<typeof toApiQuery>, points = 1000, start = 'now-6h') =>
    querySignature(query, points, start);
  expect(signature({ ...a, refId: 'B' })).toBe(signature(a));
  expect(signature(a)).not.toBe(signature(a, 500));
  expect(signature(a)).not.toBe(signature(a, 1000, 'now-2d'));
  expect(signature(a)).not.toBe(signature(toApiQuery(q({ interval: '5m' }))));
  expect(signature(a)).not.toBe(signature(toApiQuery(q({ cumulative: true }))));
});
