// When a panel's data is stale: older than the data source's limit while the market is open (a
// quiet evening is not stale). Shown as a warning notice on the panel, Grafana's badge for it.
import { SESSION_TIME_ZONE } from '@optflow/contract';
import { isMarketOpen } from '../live/market-hours';

export const DEFAULT_STALE_AFTER_MINUTES = 5;

const clock = new Intl.DateTimeFormat('en-US', {
  timeZone: SESSION_TIME_ZONE,
  hourCycle: 'h23',
  hour: '2-digit',
  minute: '2-digit',
});

/** The notice for data whose latest snapshot is `latestSnapshot` (epoch ms) at `now`; null when fresh. */
export function stalenessNotice(latestSnapshot: number | null, now: number, staleAfterMinutes: number): string | null {
  if (latestSnapshot === null || !isMarketOpen(now) || now - latestSnapshot <= staleAfterMinutes * 60_000) {
    return null;
  }
  const minutes = Math.floor((now - latestSnapshot) / 60_000);
  const age =
    minutes < 120
      ? `${minutes} min`
      : minutes < 48 * 60
        ? `${Math.floor(minutes / 60)} h`
        : `${Math.floor(minutes / 1440)} days`;
  return `Stale: the latest snapshot is ${age} old (${clock.format(latestSnapshot)} New York)`;
}
