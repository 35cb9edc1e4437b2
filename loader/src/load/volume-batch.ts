// Applies the volume rules to a batch of new quotes, continuing from each contract-session's stored
// state. A contract-session whose new quotes reach back before its last stored one (backfill) is
// replayed whole from its stored rows, and stored rows whose derived values change are returned for
// update, so the result never depends on how the day was split into files or in which order.
// Quotes are addressed by their index in the batch's columns.
import { ANOMALY_CODES } from '@optflow/contract';
import { IntervalVolume } from '../contracts/interval-volume.ts';
import type { ContractState } from '../contracts/interval-volume.ts';
import type { Derived, EncodedBatch } from './encoded-batch.ts';
import { compareContracts } from './key-order.ts';
import type { SessionGroup } from './session-groups.ts';

/** The columns of a batch the volume rules read. */
export type Observations = Pick<
  EncodedBatch,
  'length' | 'quoteTime' | 'totalVolume' | 'mark' | 'multiplier' | 'implausible' | 'contract' | 'contracts'
>;

export interface StoredState extends ContractState {
  lastTime: number;
}

export interface StoredQuote {
  quoteTime: number;
  totalVolume: number | null;
  mark: number | null;
  multiplier: number;
  /** A price is implausible (implausiblePrice of its bid, ask, last and mark). */
  implausible: boolean;
  volume: number;
  signedVolume: number;
  premium: number;
  /** Stored anomaly code; null: stored before codes were. */
  anomaly: number | null;
}

export interface BatchResult {
  /** Batch indices of the quotes to insert, in key order (contract, then time; see key-order.ts). */
  inserts: Int32Array;
  /** Derived values by batch index (set for the inserts). */
  derived: Derived;
  updates: Array<{
    contract: string;
    quoteTime: number;
    volume: number;
    signedVolume: number;
    premium: number;
    anomaly: number;
  }>;
  states: Map<string, StoredState & { contract: string }>;
  anomalies: number;
  /** Earliest snapshot time whose derived values changed or were added (for the aggregate refresh). */
  earliest: number;
}

/** The contract-sessions that must be replayed from stored rows: new quotes at or before the last stored time. */
export function sessionsToReplay(
  batch: Observations,
  groups: ReadonlyMap<string, SessionGroup>,
  states: ReadonlyMap<string, StoredState>
): string[] {
  return [...groups]
    .filter(([key, g]) => {
      const state = states.get(key);
      return state !== undefined && batch.quoteTime[g.rows[0]!]! <= state.lastTime;
    })
    .map(([key]) => key);
}

/** Code of the rules' last anomaly; 0: none. */
const anomalyCode = (rules: IntervalVolume) => (rules.anomaly === null ? 0 : ANOMALY_CODES.get(rules.anomaly)!);

/**
 * `replay`: per contract-session to replay, its stored rows in time order. `maxIntervalVolume`:
 * the bound of the volume rules (IntervalVolume).
 */
export function applyBatch(
  batch: Observations,
  groups: ReadonlyMap<string, SessionGroup>,
  states: ReadonlyMap<string, StoredState>,
  replay: ReadonlyMap<string, StoredQuote[]>,
  maxIntervalVolume?: number
): BatchResult {
  const { quoteTime, totalVolume, mark, multiplier, implausible } = batch;
  const volume = new Float64Array(batch.length);
  const signedVolume = new Float64Array(batch.length);
  const premium = new Float64Array(batch.length);
  const anomaly = new Uint8Array(batch.length);
  const inserts = new Int32Array(batch.length);
  let inserted = 0;
  let anomalies = 0;
  let earliest = Infinity;
  const updates: BatchResult['updates'] = [];
  const newStates: BatchResult['states'] = new Map();
  const inKeyOrder = [...groups].sort(
    ([, a], [, b]) => compareContracts(a.contract, b.contract) || compareContracts(a.session, b.session)
  );
  const rules = new IntervalVolume(maxIntervalVolume);
  for (const [key, { contract, session, rows }] of inKeyOrder) {
    const stored = replay.get(key);
    // Replay starts the session from scratch over stored and new rows merged in time order.
    rules.reset(stored ? undefined : states.get(key));
    let lastTime = stored ? -Infinity : (states.get(key)?.lastTime ?? -Infinity);
    const old = stored ?? [];
    let n = 0;
    let o = 0;
    while (n < rows.length || o < old.length) {
      if (o >= old.length || (n < rows.length && quoteTime[rows[n]!]! < old[o]!.quoteTime)) {
        const i = rows[n++]!;
        const t = quoteTime[i]!;
        rules.observe(session, totalVolume[i]!, mark[i]!, multiplier[i]!, implausible[i] === 1);
        if (t > lastTime) lastTime = t;
        if (t < earliest) earliest = t;
        inserts[inserted++] = i;
        volume[i] = rules.volume;
        signedVolume[i] = rules.signedVolume;
        premium[i] = rules.premium;
        if (rules.anomaly) {
          anomalies++;
          anomaly[i] = anomalyCode(rules);
        }
      } else {
        const row = old[o++]!;
        rules.observe(session, row.totalVolume ?? NaN, row.mark ?? NaN, row.multiplier, row.implausible);
        if (row.quoteTime > lastTime) lastTime = row.quoteTime;
        const code = anomalyCode(rules);
        const flowChanged =
          rules.volume !== row.volume || rules.signedVolume !== row.signedVolume || rules.premium !== row.premium;
        if (flowChanged || code !== row.anomaly) {
          updates.push({
            contract,
            quoteTime: row.quoteTime,
            volume: rules.volume,
            signedVolume: rules.signedVolume,
            premium: rules.premium,
            anomaly: code,
          });
          if (flowChanged && row.quoteTime < earliest) earliest = row.quoteTime; // a code alone changes no aggregate
        }
      }
    }
    const state = rules.state(); // field by field: a spread costs ~1 µs a group
    newStates.set(key, {
      session: state.session,
      baseline: state.baseline,
      mark: state.mark,
      sign: state.sign,
      lastTime,
      contract,
    });
  }
  return {
    inserts: inserts.subarray(0, inserted),
    derived: { volume, signedVolume, premium, anomaly },
    updates,
    states: newStates,
    anomalies,
    earliest,
  };
}
