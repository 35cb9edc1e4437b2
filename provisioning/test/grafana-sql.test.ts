import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkAlertInstances, expandGrafanaSql, grafanaTimeSeries } from '../src/grafana-sql.ts';

const ctx = {
  from: Date.parse('2023-05-19T13:30:00Z'),
  to: Date.parse('2023-05-19T20:00:00Z'),
  variables: { underlying: 'SPX' },
};

for (const [sql, expected] of [
  ['WHERE $__timeFilter(bucket)', "WHERE bucket BETWEEN '2023-05-19T13:30:00.000Z' AND '2023-05-19T20:00:00.000Z'"],
  [
    'WHERE $__timeFilter( r.rejected_at )',
    "WHERE r.rejected_at BETWEEN '2023-05-19T13:30:00.000Z' AND '2023-05-19T20:00:00.000Z'",
  ],
  ['$__timeFrom() $__timeTo()', "'2023-05-19T13:30:00.000Z' '2023-05-19T20:00:00.000Z'"],
  ["underlying = '$underlying' OR underlying = '${underlying}'", "underlying = 'SPX' OR underlying = 'SPX'"],
] as const) {
  test(`expands ${sql}`, () => assert.equal(expandGrafanaSql(sql, ctx), expected));
}

test('a macro or variable it does not know is an error', () => {
  assert.throws(() => expandGrafanaSql('SELECT $__timeGroup(t, 1m)', ctx), /unexpanded \$__timeGroup/);
  assert.throws(() => expandGrafanaSql("WHERE x = '$expiration'", ctx), /unexpanded \$expiration/);
});

const t1 = new Date('2023-05-19T14:58:00Z');
const t2 = new Date('2023-05-19T14:59:00Z');
const long = [
  { time: t1, u: 'NDX', value: 1 },
  { time: t1, u: 'SPX', value: 2 },
  { time: t2, u: 'NDX', value: 3 },
  { time: t2, u: 'SPX', value: 4 },
];
const columns = (label: string) => [
  { name: 'time', type: 'timestamp with time zone' },
  { name: label, type: 'text' },
  { name: 'value', type: 'double precision' },
];
const rowsAs = (label: string) => long.map(({ u, ...r }) => ({ ...r, [label]: u }));

test('time_series: a string column named metric (three columns) names the series and leaves no labels, so alerting rejects two underlyings', () => {
  const series = grafanaTimeSeries(columns('metric'), rowsAs('metric'));
  assert.deepEqual(series, [
    { name: 'NDX', labels: {} },
    { name: 'SPX', labels: {} },
  ]);
  assert.throws(
    () => checkAlertInstances(series),
    /frame cannot uniquely be identified by its labels: has duplicate results with labels \{\}/
  );
});

test('time_series: any other string column stays a label, one series per value', () => {
  const series = grafanaTimeSeries(columns('underlying'), rowsAs('underlying'));
  assert.deepEqual(series, [
    { name: 'value', labels: { underlying: 'NDX' } },
    { name: 'value', labels: { underlying: 'SPX' } },
  ]);
  checkAlertInstances(series);
});

test('time_series: metric among more columns stays a label; no string column is one series per value column; no rows, no series', () => {
  const cols = [...columns('metric'), { name: 'other', type: 'bigint' }];
  assert.deepEqual(
    grafanaTimeSeries(
      cols,
      rowsAs('metric')
        .slice(0, 1)
        .map((r) => ({ ...r, other: 1 }))
    ),
    [
      { name: 'value', labels: { metric: 'NDX' } },
      { name: 'other', labels: { metric: 'NDX' } },
    ]
  );
  assert.deepEqual(grafanaTimeSeries([columns('x')[0]!, columns('x')[2]!], [{ time: t1, value: 1 }]), [
    { name: 'value', labels: {} },
  ]);
  assert.deepEqual(grafanaTimeSeries(columns('underlying'), []), []);
});

test('time_series: no time column, or a long result out of time order, is an error as in Grafana', () => {
  assert.throws(() => grafanaTimeSeries(columns('u').slice(1), rowsAs('u')), /time column is missing/);
  assert.throws(() => grafanaTimeSeries(columns('u'), rowsAs('u').reverse()), /must be sorted ascending by time/);
});
