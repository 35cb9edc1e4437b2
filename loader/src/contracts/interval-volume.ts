/**
 * The volume rules, per contract and session (the New York date of the snapshot), applied to
 * observations in time order. Pure: the loader keeps one state per contract and persists nothing
 * but the rows, so the state can always be rebuilt from the last stored observation.
 *
 * - first observation: volume 0, baseline = total
 * - total ≥ baseline: volume = total − baseline, baseline = total
 * - total = 0 under a positive baseline (feed glitch): volume 0, baseline kept, anomaly
 * - 0 < total < baseline (stale or corrected data): volume 0, baseline = total, anomaly
 * - total null: volume 0, baseline kept, anomaly
 * signed volume = volume × the sign of the last non-zero change of mark in the session (0 before
 * any); premium = volume × mark × multiplier.
 */
export type Anomaly = 'zero-total' | 'total-decreased' | 'missing-total';

export interface ContractState {
  session: string;
  /** Last trusted cumulative volume; null until the session has shown one. */
  baseline: number | null;
  /** Last non-null mark in the session. */
  mark: number | null;
  /** Sign of the last non-zero change of mark in the session. */
  sign: -1 | 0 | 1;
}

export interface Observation {
  /** New York trading date of the snapshot, YYYY-MM-DD. */
  session: string;
  totalVolume: number | null;
  mark: number | null;
  multiplier: number;
}

export interface IntervalResult {
  volume: number;
  signedVolume: number;
  premium: number;
  anomaly: Anomaly | null;
  state: ContractState;
}

export function nextInterval(previous: ContractState | undefined, obs: Observation): IntervalResult {
  const sameSession = previous !== undefined && previous.session === obs.session;
  const baseline = sameSession ? previous.baseline : null;
  const lastMark = sameSession ? previous.mark : null;
  let sign: -1 | 0 | 1 = sameSession ? previous.sign : 0;
  if (obs.mark !== null && lastMark !== null && obs.mark !== lastMark) sign = obs.mark > lastMark ? 1 : -1;
  const mark = obs.mark ?? lastMark;

  let volume = 0;
  let nextBaseline = baseline;
  let anomaly: Anomaly | null = null;
  const total = obs.totalVolume;
  if (total === null) {
    anomaly = 'missing-total';
  } else if (baseline === null) {
    nextBaseline = total; // first observation of the session
  } else if (total >= baseline) {
    volume = total - baseline;
    nextBaseline = total;
  } else if (total === 0) {
    anomaly = 'zero-total';
  } else {
    anomaly = 'total-decreased';
    nextBaseline = total;
  }

  return {
    volume,
    signedVolume: volume * sign,
    premium: obs.mark === null ? 0 : volume * obs.mark * obs.multiplier,
    anomaly,
    state: { session: obs.session, baseline: nextBaseline, mark, sign },
  };
}
