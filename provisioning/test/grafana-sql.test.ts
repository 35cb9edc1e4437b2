import assert from 'node:assert/strict';
import { test } from 'node:test';
import { expandGrafanaSql } from '../src/grafana-sql.ts';

const ctx = { from: Date.parse('2023-05-19T13:30:00Z'), to: Date.parse('2023-05-19T20:00:00Z'), variables: { underlying: 'SPX' } };

for (const [sql, expected] of [
  ['WHERE $__timeFilter(bucket)', "WHERE bucket BETWEEN '2023-05-19T13:30:00.000Z' AND '2023-05-19T20:00:00.000Z'"],
  ['WHERE $__timeFilter( r.rejected_at )', "WHERE r.rejected_at BETWEEN '2023-05-19T13:30:00.000Z' AND '2023-05-19T20:00:00.000Z'"],
  ['$__timeFrom() $__timeTo()', "'2023-05-19T13:30:00.000Z' '2023-05-19T20:00:00.000Z'"],
  ["underlying = '$underlying' OR underlying = '${underlying}'", "underlying = 'SPX' OR underlying = 'SPX'"],
] as const) {
  test(`expands ${sql}`, () => assert.equal(expandGrafanaSql(sql, ctx), expected));
}

test('a macro or variable it does not know is an error', () => {
  assert.throws(() => expandGrafanaSql('SELECT $__timeGroup(t, 1m)', ctx), /unexpanded \$__timeGroup/);
  assert.throws(() => expandGrafanaSql("WHERE x = '$expiration'", ctx), /unexpanded \$expiration/);
});
