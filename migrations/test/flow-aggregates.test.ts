import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { FLOW_COLUMNS, FLOW_LEVELS, flowSelectSql, refreshWindows } from '../src/index.ts';

describe('flow aggregate SQL', () => {
  for (const dialect of ['timescaledb', 'postgres'] as const) {
    for (const level of FLOW_LEVELS) {
      test(`${level.view} (${dialect}) selects exactly the public columns`, () => {
        const sql = flowSelectSql(level, dialect);
        const aliases = [...sql.matchAll(/ AS (\w+)/g)].map((m) => m[1]);
        // bucket, then the measures, quotes and underlying_price aliased; underlying, expiration plain.
        assert.deepEqual(['bucket', 'underlying', 'expiration', ...aliases.slice(1)], FLOW_COLUMNS);
        assert.match(sql, new RegExp(`FROM ${level.source.replace('.', '\\.')}\\n`));
        assert.equal(sql.includes('time_bucket'), dialect === 'timescaledb');
        assert.equal(sql.includes(level.zone ? 'date_trunc' : 'date_bin'), dialect === 'postgres');
        assert.equal(
          sql.includes(`'America/New_York'`),
          level.view === 'optflow.flow_1d',
          'days are New York sessions'
        );
      });
    }
  }
});

describe('refreshWindows', () => {
  const t = (iso: string) => new Date(`2023-05-19T${iso}Z`);
  const cases: Array<[string, Date, Date, Array<[string, string, string]>]> = [
    [
      'one minute of data refreshes that minute only',
      t('13:30:00'),
      t('13:31:00'),
      [['optflow.flow_1m', '13:30:00', '13:31:00']],
    ],
    ['a bucket still filling is left to the real-time tail', t('13:30:00'), t('13:30:59'), []],
    [
      'the start rounds down to recompute a touched bucket whole',
      t('13:31:30'),
      t('13:36:10'),
      [
        ['optflow.flow_1m', '13:31:00', '13:36:00'],
        ['optflow.flow_5m', '13:30:00', '13:35:00'],
      ],
    ],
    [
      'a whole hour reaches flow_1h',
      t('13:00:00'),
      t('14:00:00'),
      [
        ['optflow.flow_1m', '13:00:00', '14:00:00'],
        ['optflow.flow_5m', '13:00:00', '14:00:00'],
        ['optflow.flow_1h', '13:00:00', '14:00:00'],
      ],
    ],
  ];
  for (const [name, from, to, expected] of cases) {
    test(name, () => {
      assert.deepEqual(
        refreshWindows(from, to).map((w) => [
          w.view,
          w.start!.toISOString().slice(11, 19),
          w.end.toISOString().slice(11, 19),
        ]),
        expected
      );
    });
  }
  test('a refresh starts at the watermark when the last refresh left a filling bucket behind it', () => {
    const watermarks = new Map([
      ['optflow.flow_1m', t('13:59:00').getTime()],
      ['optflow.flow_5m', t('13:55:00').getTime()],
    ]);
    assert.deepEqual(
      refreshWindows(t('14:00:00'), t('14:29:00'), watermarks).map((w) => [
        w.view,
        w.start?.toISOString().slice(11, 19),
        w.end.toISOString().slice(11, 19),
      ]),
      [
        ['optflow.flow_1m', '13:59:00', '14:29:00'],
        ['optflow.flow_5m', '13:55:00', '14:25:00'],
      ]
    );
  });

  test('a backfill under the watermark refreshes through the bucket holding its last row', () => {
    const watermarks = new Map([
      ['optflow.flow_1m', t('15:00:00').getTime()],
      ['optflow.flow_5m', t('15:00:00').getTime()],
    ]);
    assert.deepEqual(
      refreshWindows(t('13:31:00'), t('13:38:00'), watermarks).map((w) => [
        w.view,
        w.start?.toISOString().slice(11, 19),
        w.end.toISOString().slice(11, 19),
      ]),
      [
        ['optflow.flow_1m', '13:31:00', '13:39:00'],
        ['optflow.flow_5m', '13:30:00', '13:40:00'],
      ]
    );
  });

  test('nothing materialized yet (the empty-aggregate watermark, 4713 BC): from the beginning', () => {
    for (const empty of [Date.parse('-004713-11-24T00:00:00Z'), -Infinity]) {
      const [w] = refreshWindows(t('13:30:00'), t('13:31:00'), new Map([['optflow.flow_1m', empty]]));
      assert.deepEqual([w?.view, w?.start], ['optflow.flow_1m', null]);
    }
  });

  test('a whole New York session reaches flow_1d (its bucket is midnight to midnight there)', () => {
    const windows = refreshWindows(new Date('2023-05-19T04:00:00Z'), new Date('2023-05-20T04:00:00Z'));
    assert.deepEqual(
      windows.map((w) => w.view),
      FLOW_LEVELS.map((l) => l.view)
    );
    assert.deepEqual(
      [windows[3]?.start?.toISOString(), windows[3]?.end.toISOString()],
      ['2023-05-19T04:00:00.000Z', '2023-05-20T04:00:00.000Z']
    );
    // Data of a UTC day: 00:00–04:00Z closes the previous session, the rest leaves this one filling.
    const utcDay = refreshWindows(new Date('2023-05-19T00:00:00Z'), new Date('2023-05-20T00:00:00Z'));
    const session = utcDay.find((w) => w.view === 'optflow.flow_1d');
    assert.deepEqual(
      [session?.start?.toISOString(), session?.end.toISOString()],
      ['2023-05-18T04:00:00.000Z', '2023-05-19T04:00:00.000Z']
    );
  });

  test('the 25-hour session of the fall-back day is one flow_1d bucket', () => {
    const windows = refreshWindows(new Date('2023-11-05T04:00:00Z'), new Date('2023-11-06T05:00:00Z'));
    const day = windows.find((w) => w.view === 'optflow.flow_1d');
    assert.deepEqual(
      [day?.start?.toISOString(), day?.end.toISOString()],
      ['2023-11-05T04:00:00.000Z', '2023-11-06T05:00:00.000Z']
    );
  });
});
