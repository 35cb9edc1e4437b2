import { isMarketOpen, msUntilNextOpen } from './market-hours';

export const MAX_BACKOFF_MS = 30_000;

/**
 * How long live mode waits before its next long-poll. Right away after an answer (the API holds
 * the request until something is committed); after failures, 1 s doubling up to 30 s; when an
 * answer brought nothing while the market is closed, until the next session opens (unless
 * `marketHours` is false: someone chose to watch live at any hour).
 */
export function nextPollDelay({
  changed,
  failures,
  now,
  marketHours = true,
}: {
  changed: boolean;
  failures: number;
  now: number;
  marketHours?: boolean;
}): number {
  if (failures > 0) {
    return Math.min(MAX_BACKOFF_MS, 1000 * 2 ** (failures - 1));
  }
  if (marketHours && !changed && !isMarketOpen(now)) {
    return msUntilNextOpen(now);
  }
  return 0;
}
