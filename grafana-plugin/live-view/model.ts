import type { DataFrame } from '@grafana/data';
import { SESSION_TIME_ZONE, sessionBounds } from '@optflow/contract';
import type { FlowQuery } from '../src/types';

/**
 * What the live view asks and shows, without React (pure, tested in model.test.ts): the page's
 * queries, the session ranges and the freshness text.
 */

export const PANELS = {
  netVolume: 'netVolume',
  cumulative: 'cumulative',
  spot: 'spot',
  netPremium: 'netPremium',
  ladder: 'ladder',
  gex: 'gex',
  active: 'active',
} as const;
export type PanelRef = (typeof PANELS)[keyof typeof PANELS];

export interface Selection {
  underlying: string;
  /** Empty: every expiration. */
  expiration: string;
  live: boolean;
}

/** Every panel's query: one request (and, live, one long-poll) for the whole page. */
export function pageQueries({ underlying, expiration, live }: Selection): FlowQuery[] {
  const common = { underlying, live, ...(expiration ? { expirations: [expiration] } : {}) };
  return [
    {
      refId: PANELS.netVolume,
      queryType: 'flow',
      metric: 'net_volume',
      interval: '1m',
      legendFormat: '{{underlying}} net volume per minute',
      ...common,
    },
    {
      refId: PANELS.cumulative,
      queryType: 'flow',
      metric: 'net_volume',
      cumulative: true,
      interval: '1m',
      legendFormat: '{{underlying}} cumulative net volume',
      ...common,
    },
    {
      refId: PANELS.spot,
      queryType: 'flow',
      metric: 'spot',
      interval: '1m',
      legendFormat: '{{underlying}} spot',
      ...common,
    },
    {
      refId: PANELS.netPremium,
      queryType: 'flow',
      metric: 'net_premium',
      interval: '1m',
      legendFormat: '{{underlying}} net premium per minute',
      ...common,
    },
    { refId: PANELS.ladder, queryType: 'ladder', measure: 'volume', ...common },
    { refId: PANELS.gex, queryType: 'gex', ...common },
    { refId: PANELS.active, queryType: 'chain', limit: 10, ...common },
  ];
}

/** The New York session (midnight to midnight, 23-25 h) of a date `YYYY-MM-DD`. */
export function sessionRange(date: string): { from: number; to: number } {
  // 17:00 UTC is midday in New York whatever the season: inside the wanted session.
  const { start, end } = sessionBounds(Date.parse(`${date}T17:00:00Z`));
  return { from: start, to: end };
}

const nyDate = new Intl.DateTimeFormat('en-CA', {
  timeZone: SESSION_TIME_ZONE,
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
});
const nyTime = new Intl.DateTimeFormat('en-GB', {
  timeZone: SESSION_TIME_ZONE,
  hourCycle: 'h23',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
});

/** The New York date `YYYY-MM-DD` of an instant. */
export function sessionDate(ms: number): string {
  return nyDate.format(new Date(ms));
}

function ago(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 120) {
    return `${s} s ago`;
  }
  if (s < 2 * 3600) {
    return `${Math.round(s / 60)} min ago`;
  }
  if (s < 2 * 86_400) {
    return `${Math.round(s / 3600)} h ago`;
  }
  return `${Math.round(s / 86_400)} days ago`;
}

/** "last snapshot 14:31:00 ET, 4 s ago"; the date too when it is not today's. */
export function freshness(latest: number | null, now: number): string {
  if (latest === null) {
    return 'no snapshot loaded yet';
  }
  const day = sessionDate(latest) === sessionDate(now) ? '' : `${sessionDate(latest)} `;
  return `last snapshot ${day}${nyTime.format(new Date(latest))} ET, ${ago(now - latest)}`;
}

/** The frames of one panel's query. */
export const framesOf = (frames: DataFrame[], refId: PanelRef) => frames.filter((f) => f.refId === refId);

/** A panel's data as plain values (the browser test compares them with the API's answer). */
export function plainFrames(
  frames: DataFrame[]
): Array<{ name?: string; fields: Array<{ name: string; values: unknown[] }> }> {
  return frames.map((f) => ({
    name: f.name,
    fields: f.fields.map((x) => ({ name: x.name, values: Array.from(x.values) })),
  }));
}

/**
 * What the charts show of a session: the trading hours (09:15 to 16:30 New York), widened to any
 * data outside them, rather than midnight to midnight.
 */
export function displayRange(session: { from: number; to: number }, times: number[]): { from: number; to: number } {
  const hours = { from: session.from + (9 * 60 + 15) * 60_000, to: session.from + (16 * 60 + 30) * 60_000 };
  const first = times.length ? Math.min(...times) : hours.from;
  const last = times.length ? Math.max(...times) + 60_000 : hours.to;
  return {
    from: Math.max(session.from, Math.min(hours.from, first)),
    to: Math.min(session.to, Math.max(hours.to, last)),
  };
}
