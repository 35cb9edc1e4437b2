import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { buildFlowSql } from '../src/flow-sql.ts';
import type { FlowOptions } from '../src/flow-sql.ts';
import type { IntervalName } from '@optflow/contract';
import { flowSource } from '../src/intervals.ts';

describe('flowSource: the coarsest aggregate whose width divides the interval', () => {
  const cases: Array<[IntervalName, { strikes: boolean; regularHours: boolean; materialized?: boolean }, string]> = [
    ['1m', { strikes: false, regularHours: false }, 'optflow.flow_1m'],
    ['5m', { strikes: false, regularHours: false }, 'optflow.flow_5m'],
    ['15m', { strikes: false, regularHours: false }, 'optflow.flow_5m'],
    ['1h', { strikes: false, regularHours: false }, 'optflow.flow_1h'],
    ['1d', { strikes: false, regularHours: false }, 'optflow.flow_1d'],
    ['1h', { strikes: false, regularHours: true }, 'optflow.flow_5m'],
    ['1d', { strikes: false, regularHours: true }, 'optflow.flow_5m'],
    ['1d', { strikes: true, regularHours: false }, 'optflow.quotes'],
    ['1m', { strikes: false, regularHours: false, materialized: false }, 'optflow.quotes'],
  ];
  for (const [interval, needs, want] of cases)
    test(`${interval} ${JSON.stringify(needs)} → ${want}`, () =>
      assert.equal(flowSource(interval, needs).relation, want));
});

describe('buildFlowSql', () => {
  const range = { from: Date.parse('2023-05-19T13:30:00Z'), to: Date.parse('2023-05-19T20:00:00Z') };
  const base: FlowOptions = { underlying: 'SPX', metric: 'net_volume' };

  test('user values are parameters, never SQL text', () => {
    const hostile = "SPX'; DROP TABLE optflow.quotes; --";
    const { sql, params } = buildFlowSql({ ...base, underlying: hostile, expirations: ["2023-05-19'"] }, '1m', range);
    assert.ok(!sql.includes(hostile) && !sql.includes("2023-05-19'"));
    assert.ok(params.includes(hostile));
  });

  const cases: Array<[string, FlowOptions, IntervalName, RegExp[]]> = [
    ['net volume per minute from flow_1m', base, '1m', [/FROM optflow\.flow_1m/, /sum\(call_volume\)/, /cc - pp/]],
    [
      'premium reads the premium columns',
      { ...base, metric: 'call_premium' },
      '5m',
      [/FROM optflow\.flow_5m/, /sum\(call_premium\)/],
    ],
    [
      'signed volume reads the signed columns',
      { ...base, metric: 'net_signed_volume' },
      '1h',
      [/sum\(put_signed_volume\)/],
    ],
    ['puts only: the call side is zero', { ...base, putCall: 'P' }, '1m', [/\(0\)::float8 AS c/]],
    [
      'spot: the price at the last snapshot of the bucket, from the aggregate',
      { ...base, metric: 'spot' },
      '15m',
      [/FROM optflow\.flow_5m/, /array_agg\(underlying_price ORDER BY bucket DESC\)/, /\(s\)::float8 AS v/],
    ],
    [
      'strike filters read the quotes',
      { ...base, strikes: { min: 4100, max: 4300 } },
      '5m',
      [/FROM optflow\.quotes/, /FILTER \(WHERE put_call = 'C'\)/, /strike >= \$\d+::numeric/],
    ],
    [
      'OTM only reads the quotes: each row against its own snapshot price',
      { ...base, otm: true },
      '5m',
      [
        /FROM optflow\.quotes/,
        /CASE put_call WHEN 'C' THEN strike > underlying_price ELSE strike < underlying_price END/,
      ],
    ],
    [
      'quote-rule metrics read the quotes: last against the bid/ask midpoint, else the tick sign',
      { ...base, metric: 'ask_volume' },
      '5m',
      [
        /FROM optflow\.quotes/,
        /THEN sign\(last - \(bid \+ ask\) \/ 2\) ELSE sign\(signed_volume\) END/,
        /\(cc \+ pp\)::float8/,
      ],
    ],
    [
      'around spot: the latest underlying price',
      { ...base, strikesAroundSpotPct: 2 },
      '1m',
      [/ORDER BY quote_time DESC LIMIT 1/],
    ],
    [
      'cumulative: running sums per session from the session open',
      { ...base, cumulative: true },
      '1m',
      [
        /sum\(c\) OVER \(PARTITION BY series, \(t AT TIME ZONE 'America\/New_York'\)::date ORDER BY t\)/,
        /::date::timestamp AT TIME ZONE/,
      ],
    ],
    ['rolling mean', { ...base, rolling: 5 }, '1m', [/ROWS BETWEEN 4 PRECEDING AND CURRENT ROW/]],
    ['group by DTE bucket', { ...base, groupBy: 'dte' }, '1m', [/'0DTE'/, /'2-7DTE'/]],
    ['regular hours', { ...base, regularHours: true }, '1h', [/FROM optflow\.flow_5m/, /::time >= '09:30'/]],
    [
      '0DTE',
      { ...base, zeroDte: true },
      '1m',
      [/\(expiration - \(bucket AT TIME ZONE 'America\/New_York'\)::date\) = 0/],
    ],
  ];
  for (const [name, options, interval, patterns] of cases) {
    test(name, () => {
      const { sql } = buildFlowSql(options, interval, range);
      for (const pattern of patterns) assert.match(sql, pattern);
    });
  }

  test('an incremental query starts at the cursor bucket; a rolling one scans the buckets before it', () => {
    const since = Date.parse('2023-05-19T15:00:00Z');
    const plain = buildFlowSql(base, '1m', range, since);
    assert.equal(plain.params.at(-1), since, 'first bucket returned');
    assert.ok(plain.params.includes('2023-05-19T15:00:00.000Z'), 'scan starts there');
    const rolling = buildFlowSql({ ...base, rolling: 3 }, '1m', range, since);
    assert.ok(rolling.params.includes('2023-05-19T14:58:00.000Z'), 'two buckets earlier');
  });
});
