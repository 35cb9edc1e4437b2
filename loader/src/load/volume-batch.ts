import { nextInterval } from '../contracts/interval-volume.ts';
import type { ContractState } from '../contracts/interval-volume.ts';
import type { QuoteInput } from '../contracts/quote-row.ts';
import { wallDate } from '../zoned-time.ts';

/**
 * Applies the volume rules to a batch of new quotes, continuing from each contract-session's stored
 * state. A contract-session whose new quotes reach back before its last stored one (backfill) is
 * replayed whole from its stored rows, and stored rows whose derived values change are returned for
 * update, so the result never depends on how the day was split into files or in which order.
 */
export const SESSION_ZONE = 'America/New_York';

export interface StoredState extends ContractState {
  lastTime: number;
}

export interface StoredQuote {
  quoteTime: number;
  totalVolume: number | null;
  mark: number | null;
  multiplier: number;
  volume: number;
  signedVolume: number;
  premium: number;
}

export interface DerivedQuote extends QuoteInput {
  session: string;
  volume: number;
  signedVolume: number;
  premium: number;
}

export interface BatchResult {
  inserts: DerivedQuote[];
  updates: Array<{ contract: string; quoteTime: number; volume: number; signedVolume: number; premium: number }>;
  states: Map<string, StoredState & { contract: string }>;
  anomalies: number;
  /** Earliest snapshot time whose derived values changed or were added (for the aggregate refresh). */
  earliest: number;
}

export const sessionKey = (contract: string, session: string) => `${contract}|${session}`;

export function sessionOf(quoteTime: number): string {
  return wallDate(quoteTime, SESSION_ZONE);
}

/** Groups quotes by contract-session, each group in time order. */
export function groupBySession(quotes: readonly QuoteInput[]): Map<string, { contract: string; session: string; quotes: QuoteInput[] }> {
  const groups = new Map<string, { contract: string; session: string; quotes: QuoteInput[] }>();
  for (const q of quotes) {
    const session = sessionOf(q.quoteTime);
    const key = sessionKey(q.contract, session);
    let group = groups.get(key);
    if (!group) groups.set(key, (group = { contract: q.contract, session, quotes: [] }));
    group.quotes.push(q);
  }
  for (const g of groups.values()) g.quotes.sort((a, b) => a.quoteTime - b.quoteTime);
  return groups;
}

/** The contract-sessions that must be replayed from stored rows: new quotes at or before the last stored time. */
export function sessionsToReplay(groups: ReturnType<typeof groupBySession>, states: ReadonlyMap<string, StoredState>): string[] {
  return [...groups].filter(([key, g]) => {
    const state = states.get(key);
    return state !== undefined && g.quotes[0]!.quoteTime <= state.lastTime;
  }).map(([key]) => key);
}

export function applyBatch(
  groups: ReturnType<typeof groupBySession>,
  states: ReadonlyMap<string, StoredState>,
  replay: ReadonlyMap<string, StoredQuote[]>,
): BatchResult {
  const result: BatchResult = { inserts: [], updates: [], states: new Map(), anomalies: 0, earliest: Infinity };
  for (const [key, group] of groups) {
    const stored = replay.get(key);
    // Replay: merge stored and new in time order and start the session from scratch.
    type Item = { kind: 'new'; quote: QuoteInput } | { kind: 'stored'; row: StoredQuote };
    const items: Item[] = group.quotes.map((quote) => ({ kind: 'new' as const, quote }));
    if (stored) items.push(...stored.map((row) => ({ kind: 'stored' as const, row })));
    const time = (i: Item) => (i.kind === 'new' ? i.quote.quoteTime : i.row.quoteTime);
    items.sort((a, b) => time(a) - time(b));
    let state: ContractState | undefined = stored ? undefined : states.get(key);
    let lastTime = stored ? -Infinity : (states.get(key)?.lastTime ?? -Infinity);
    for (const item of items) {
      const obs = item.kind === 'new'
        ? { session: group.session, totalVolume: item.quote.totalVolume, mark: item.quote.mark, multiplier: item.quote.multiplier }
        : { session: group.session, totalVolume: item.row.totalVolume, mark: item.row.mark, multiplier: item.row.multiplier };
      const r = nextInterval(state, obs);
      state = r.state;
      lastTime = Math.max(lastTime, time(item));
      if (item.kind === 'new') {
        result.inserts.push({ ...item.quote, session: group.session, volume: r.volume, signedVolume: r.signedVolume, premium: r.premium });
        if (r.anomaly) result.anomalies++;
        result.earliest = Math.min(result.earliest, item.quote.quoteTime);
      } else if (r.volume !== item.row.volume || r.signedVolume !== item.row.signedVolume || r.premium !== item.row.premium) {
        result.updates.push({ contract: group.contract, quoteTime: item.row.quoteTime, volume: r.volume, signedVolume: r.signedVolume, premium: r.premium });
        result.earliest = Math.min(result.earliest, item.row.quoteTime);
      }
    }
    result.states.set(key, { ...state!, lastTime, contract: group.contract });
  }
  return result;
}
