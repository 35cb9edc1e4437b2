import { isMarketOpen, msUntilNextOpen } from './market-hours';
import { MAX_BACKOFF_MS, nextPollDelay } from './poll-schedule';

const ny = (isoWithOffset: string) => Date.parse(isoWithOffset);
const MIN = 60_000;
const HOUR = 60 * MIN;

describe('market hours (New York, Monday–Friday 09:30–16:15)', () => {
  test.each([
    ['Friday 09:29:59 EDT', '2023-05-19T09:29:59-04:00', false],
    ['Friday 09:30 EDT', '2023-05-19T09:30:00-04:00', true],
    ['Friday 16:14:59 EDT', '2023-05-19T16:14:59-04:00', true],
    ['Friday 16:15 EDT', '2023-05-19T16:15:00-04:00', false],
    ['Saturday noon', '2023-05-20T12:00:00-04:00', false],
    ['Sunday noon', '2023-05-21T12:00:00-04:00', false],
    ['Monday 10:00 EST (winter)', '2023-01-09T10:00:00-05:00', true],
    ['Monday 09:00 EST is 14:00 UTC, before the open', '2023-01-09T09:00:00-05:00', false],
  ])('%s', (_name, iso, open) => {
    expect(isMarketOpen(ny(iso))).toBe(open);
  });

  test.each([
    ['in session', '2023-05-19T11:00:00-04:00', '2023-05-19T11:00:00-04:00'],
    ['Friday after the close → Monday open', '2023-05-19T16:20:00-04:00', '2023-05-22T09:30:00-04:00'],
    ['Saturday → Monday open', '2023-05-20T12:00:00-04:00', '2023-05-22T09:30:00-04:00'],
    ['weekday early morning → that morning', '2023-05-17T04:12:30-04:00', '2023-05-17T09:30:00-04:00'],
    ['weekday just after midnight → that morning', '2023-05-17T00:00:01-04:00', '2023-05-17T09:30:00-04:00'],
    ['weekend of the spring change (EST → EDT)', '2023-03-10T17:00:00-05:00', '2023-03-13T09:30:00-04:00'],
    ['weekend of the autumn change (EDT → EST)', '2023-11-03T20:00:00-04:00', '2023-11-06T09:30:00-05:00'],
  ])('%s', (_name, from, open) => {
    expect(ny(from) + msUntilNextOpen(ny(from))).toBe(ny(open));
  });
});

describe('next poll delay', () => {
  const open = ny('2023-05-19T11:00:00-04:00');
  const closed = ny('2023-05-20T12:00:00-04:00');
  test.each([
    ['new data, in session: poll again at once', { changed: true, failures: 0, now: open }, 0],
    ['nothing new, in session: poll again at once (the API holds it)', { changed: false, failures: 0, now: open }, 0],
    ['new data while closed: poll again at once', { changed: true, failures: 0, now: closed }, 0],
    [
      'nothing new while closed: wait for Monday 09:30',
      { changed: false, failures: 0, now: closed },
      45 * HOUR + 30 * MIN,
    ],
    ['first failure: 1 s', { changed: false, failures: 1, now: open }, 1000],
    ['third failure: 4 s', { changed: false, failures: 3, now: open }, 4000],
    ['many failures: capped', { changed: false, failures: 20, now: closed }, MAX_BACKOFF_MS],
  ])('%s', (_name, input, delay) => {
    expect(nextPollDelay(input)).toBe(delay);
  });
});
