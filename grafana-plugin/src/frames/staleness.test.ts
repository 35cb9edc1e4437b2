import { stalenessNotice } from './staleness';

// Friday 2023-05-19 in New York (UTC−4); Saturday the 20th.
const ny = (day: string, hhmm: string) => Date.parse(`2023-05-${day}T${hhmm}:00-04:00`);
const MIN = 60_000;

test.each<[string, number | null, number, number, string | null]>([
  ['fresh: within the limit', ny('19', '11:00'), ny('19', '11:05'), 5, null],
  [
    'just past the limit',
    ny('19', '11:00'),
    ny('19', '11:05') + 1,
    5,
    'Stale: the latest snapshot is 5 min old (11:00 New York)',
  ],
  ['minutes', ny('19', '10:30'), ny('19', '11:17'), 5, 'Stale: the latest snapshot is 47 min old (10:30 New York)'],
  ['hours', ny('19', '09:30'), ny('19', '15:45'), 5, 'Stale: the latest snapshot is 6 h old (09:30 New York)'],
  [
    'days',
    ny('19', '09:30') - 3 * 1440 * MIN,
    ny('19', '09:45'),
    5,
    'Stale: the latest snapshot is 3 days old (09:30 New York)',
  ],
  ['a longer limit', ny('19', '11:00'), ny('19', '11:20'), 30, null],
  ['before the open: not stale', ny('19', '09:00') - 1440 * MIN, ny('19', '09:29'), 5, null],
  ['a Saturday: not stale', ny('19', '16:00'), ny('20', '11:00'), 5, null],
  ['no data at all: nothing to call stale', null, ny('19', '11:00'), 5, null],
])('%s', (_name, latest, now, limit, expected) => {
  expect(stalenessNotice(latest, now, limit)).toBe(expected);
});
