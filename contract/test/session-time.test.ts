import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  assertTimeZone,
  isRepeatedWallTime,
  sessionBounds,
  utcToWallTime,
  wallDate,
  wallTimeToUtc,
  wallTimeToUtcLater,
} from '../src/session-time.ts';

const NY = 'America/New_York';
const wall = (iso: string) => Date.parse(`${iso}Z`);

describe('wallTimeToUtc (America/New_York)', () => {
  const cases: Array<[string, string, string]> = [
    ['summer (EDT, UTC-4)', '2023-05-19T09:30:00', '2023-05-19T13:30:00.000Z'],
    ['winter (EST, UTC-5)', '2023-01-19T16:00:00', '2023-01-19T21:00:00.000Z'],
    ['milliseconds are kept', '2023-05-19T09:30:00.250', '2023-05-19T13:30:00.250Z'],
    ['spring-forward gap: 02:30 does not exist, an hour later', '2023-03-12T02:30:00', '2023-03-12T07:30:00.000Z'],
    ['fall-back overlap: 01:30 happens twice, the first wins', '2023-11-05T01:30:00', '2023-11-05T05:30:00.000Z'],
  ];
  for (const [name, input, expected] of cases) {
    test(name, () => assert.equal(new Date(wallTimeToUtc(wall(input), NY)).toISOString(), expected));
  }
  test('round-trips every quarter hour of a DST-change day', () => {
    for (let t = Date.parse('2023-11-05T00:00:00Z'); t < Date.parse('2023-11-06T12:00:00Z'); t += 900_000) {
      assert.equal(utcToWallTime(wallTimeToUtc(utcToWallTime(t, NY), NY), NY), utcToWallTime(t, NY));
    }
  });
});

describe('wallTimeToUtcLater and isRepeatedWallTime (America/New_York)', () => {
  // [name, wall time, later instant, repeated]
  const cases: Array<[string, string, string, boolean]> = [
    ['fall-back overlap: the second 01:30 is EST', '2023-11-05T01:30:00', '2023-11-05T06:30:00.000Z', true],
    ['the overlap starts at 01:00', '2023-11-05T01:00:00', '2023-11-05T06:00:00.000Z', true],
    ['01:59:59.999 is still repeated', '2023-11-05T01:59:59.999', '2023-11-05T06:59:59.999Z', true],
    ['02:00 happens once (EST)', '2023-11-05T02:00:00', '2023-11-05T07:00:00.000Z', false],
    ['00:59 happens once (EDT)', '2023-11-05T00:59:00', '2023-11-05T04:59:00.000Z', false],
    ['spring-forward gap: as wallTimeToUtc', '2023-03-12T02:30:00', '2023-03-12T07:30:00.000Z', false],
    ['an ordinary summer time', '2023-05-19T09:30:00', '2023-05-19T13:30:00.000Z', false],
  ];
  for (const [name, input, later, repeated] of cases) {
    test(name, () => {
      assert.equal(new Date(wallTimeToUtcLater(wall(input), NY)).toISOString(), later);
      assert.equal(isRepeatedWallTime(wall(input), NY), repeated);
    });
  }
});

describe('wallDate', () => {
  test('the New York trading date, not the UTC date', () => {
    assert.equal(wallDate(Date.parse('2023-05-20T01:00:00Z'), NY), '2023-05-19');
    assert.equal(wallDate(Date.parse('2023-05-19T13:30:00Z'), NY), '2023-05-19');
  });
  test('unknown zones are named in the error', () => {
    assert.throws(() => assertTimeZone('America/Nowhere'), /unknown time zone "America\/Nowhere"/);
    assert.doesNotThrow(() => assertTimeZone('Europe/London'));
  });
});

describe('sessionBounds (New York midnight to midnight)', () => {
  const cases: Array<[string, string, string, string]> = [
    ['a summer day (EDT)', '2023-05-19T14:00:00Z', '2023-05-19T04:00:00.000Z', '2023-05-20T04:00:00.000Z'],
    [
      'late evening belongs to that day, not the next UTC day',
      '2023-05-20T01:30:00Z',
      '2023-05-19T04:00:00.000Z',
      '2023-05-20T04:00:00.000Z',
    ],
    ['a winter day (EST)', '2023-01-19T21:00:00Z', '2023-01-19T05:00:00.000Z', '2023-01-20T05:00:00.000Z'],
    ['spring forward: 23 hours', '2023-03-12T12:00:00Z', '2023-03-12T05:00:00.000Z', '2023-03-13T04:00:00.000Z'],
    ['fall back: 25 hours', '2023-11-05T12:00:00Z', '2023-11-05T04:00:00.000Z', '2023-11-06T05:00:00.000Z'],
    [
      'midnight itself starts its session',
      '2023-05-19T04:00:00Z',
      '2023-05-19T04:00:00.000Z',
      '2023-05-20T04:00:00.000Z',
    ],
  ];
  for (const [name, at, start, end] of cases) {
    test(name, () => {
      const bounds = sessionBounds(Date.parse(at));
      assert.deepEqual([new Date(bounds.start).toISOString(), new Date(bounds.end).toISOString()], [start, end]);
    });
  }
});
