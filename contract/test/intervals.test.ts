import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { autoInterval } from '../src/intervals.ts';
import type { IntervalName } from '../src/intervals.ts';

const HOUR = 3_600_000;

describe('autoInterval', () => {
  const cases: Array<[string, number, number, IntervalName]> = [
    ['a trading day in 1000 points', 6.5 * HOUR, 1000, '1m'],
    ['a trading day in 50 points', 6.5 * HOUR, 50, '15m'],
    ['a week in 1000 points', 7 * 24 * HOUR, 1000, '15m'],
    ['a year in 1000 points', 365 * 24 * HOUR, 1000, '1d'],
    ['more than any interval allows: the coarsest', 10_000 * 24 * HOUR, 10, '1d'],
  ];
  for (const [name, span, points, want] of cases) test(name, () => assert.equal(autoInterval(0, span, points), want));
});
