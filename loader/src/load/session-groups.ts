// Quotes grouped by contract-session (a contract on one New York trading date), each group in time
// order: the unit the volume rules run on. The reading thread groups each batch and hands the groups
// over flattened (typed arrays cross threads without per-group objects).
import { SESSION_TIME_ZONE, wallDate } from '@optflow/contract';

/** What grouping reads of a batch (see EncodedBatch). */
export interface GroupInput {
  length: number;
  quoteTime: Float64Array;
  /** Index into `contracts`, per quote. */
  contract: ArrayLike<number>;
  contracts: readonly string[];
}

export interface SessionGroup {
  contract: string;
  session: string;
  /** Batch indices in time order, one per time. */
  rows: ArrayLike<number>;
}

export const sessionKey = (contract: string, session: string) => `${contract}|${session}`;

export function sessionOf(quoteTime: number): string {
  return wallDate(quoteTime, SESSION_TIME_ZONE);
}

/**
 * Groups the included quotes by contract-session, each group in time order. A quote repeating the
 * contract and time of an earlier one in the batch is dropped (the first one wins).
 */
export function groupBySession(
  batch: GroupInput,
  include: (i: number) => boolean = () => true
): Map<string, SessionGroup> {
  const groups = new Map<string, SessionGroup & { rows: number[] }>();
  // contract index → session → group: no key string per row on the hot path.
  const byContract: Array<Map<string, SessionGroup & { rows: number[] }> | undefined> = [];
  for (let i = 0; i < batch.length; i++) {
    if (!include(i)) continue;
    const session = sessionOf(batch.quoteTime[i]!);
    const c = batch.contract[i]!;
    const sessions = byContract[c] ?? (byContract[c] = new Map());
    let group = sessions.get(session);
    if (!group) {
      const contract = batch.contracts[c]!;
      group = { contract, session, rows: [] };
      sessions.set(session, group);
      groups.set(sessionKey(contract, session), group);
    }
    group.rows.push(i);
  }
  const time = batch.quoteTime;
  for (const g of groups.values()) {
    // Stable: of equal times, the first in the batch stays first.
    if (!isSorted(g.rows, time)) g.rows.sort((a, b) => time[a]! - time[b]! || a - b);
    g.rows = g.rows.filter((row, k) => k === 0 || time[row] !== time[g.rows[k - 1]!]);
  }
  return groups;
}

/**
 * Contract-session groups flattened into arrays that cross threads without per-group objects: group
 * g holds rows[start[g] .. start[g + 1]), of contract index contract[g] on session sessions[g]. The
 * reading thread groups each batch (it is pure work), the main thread takes the groups over.
 */
export interface FlatGroups {
  rows: Int32Array;
  start: Int32Array;
  contract: Int32Array;
  sessions: string[];
}

export function flattenGroups(
  batch: Pick<GroupInput, 'contracts'>,
  groups: ReadonlyMap<string, SessionGroup>
): FlatGroups {
  const contractIndex = new Map(batch.contracts.map((c, i) => [c, i]));
  const all = [...groups.values()];
  const flat: FlatGroups = {
    rows: new Int32Array(all.reduce((n, g) => n + g.rows.length, 0)),
    start: new Int32Array(all.length + 1),
    contract: new Int32Array(all.length),
    sessions: [],
  };
  let at = 0;
  all.forEach((g, k) => {
    flat.rows.set(g.rows, at);
    at += g.rows.length;
    flat.start[k + 1] = at;
    flat.contract[k] = contractIndex.get(g.contract)!;
    flat.sessions.push(g.session);
  });
  return flat;
}

/** The groups of flattenGroups, as groupBySession returned them. */
export function inflateGroups(batch: Pick<GroupInput, 'contracts'>, flat: FlatGroups): Map<string, SessionGroup> {
  const groups = new Map<string, SessionGroup>();
  for (let k = 0; k < flat.contract.length; k++) {
    const contract = batch.contracts[flat.contract[k]!]!;
    const session = flat.sessions[k]!;
    groups.set(sessionKey(contract, session), {
      contract,
      session,
      rows: flat.rows.subarray(flat.start[k]!, flat.start[k + 1]!),
    });
  }
  return groups;
}

function isSorted(rows: readonly number[], time: Float64Array): boolean {
  for (let k = 1; k < rows.length; k++) if (time[rows[k]!]! < time[rows[k - 1]!]!) return false;
  return true;
}
