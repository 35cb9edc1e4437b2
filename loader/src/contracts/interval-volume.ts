// The volume rules, per contract and session (the New York date of the snapshot), applied to
// observations in time order. Pure logic, no I/O: the loader stores each contract-session's state
// with the rows it derived, and continues from it.
//
// - first observation: volume 0, baseline = total
// - total ≥ baseline: volume = total − baseline, baseline = total
// - total = 0 under a positive baseline (feed glitch): volume 0, baseline kept, anomaly
// - 0 < total < baseline (stale or corrected data): volume 0, baseline = total, anomaly
// - total null: volume 0, baseline kept, anomaly
// - total − baseline above the bound (maxIntervalVolume): volume 0, baseline kept, anomaly
// - an implausible price (negative, or above MAX_PRICE): volume 0, baseline, mark and sign kept, anomaly
// so the volume of an anomaly lands on the next good snapshot. Signed volume = volume × the sign of the last non-zero change of mark in the session (0 before
// any); premium = volume × mark × multiplier.
import type { Anomaly } from '@optflow/contract';

export type { Anomaly };

/** Contracts per interval per contract beyond which a jump of the total is not believed (1e15 was seen). */
export const DEFAULT_MAX_INTERVAL_VOLUME = 1_000_000;

/** No option trades above this; the bound also keeps sums of premium finite. */
export const MAX_PRICE = 1e9;

/** A negative price, or one above MAX_PRICE; null (and NaN) is no price. */
export function implausiblePrice(
  bid: number | null,
  ask: number | null,
  last: number | null,
  mark: number | null
): boolean {
  return outOfRange(bid) || outOfRange(ask) || outOfRange(last) || outOfRange(mark);
}
const outOfRange = (price: number | null) => price !== null && (price < 0 || price > MAX_PRICE);

export interface ContractState {
  session: string;
  /** Last trusted cumulative volume; null until the session has shown one. */
  baseline: number | null;
  /** Last non-null mark in the session. */
  mark: number | null;
  /** Sign of the last non-zero change of mark in the session. */
  sign: -1 | 0 | 1;
}

/**
 * The rules for one contract, applied observation by observation in time order: one instance is
 * reused across a whole batch (a million observations a file, and no object for any of them).
 * NaN stands for a null total or mark.
 */
export class IntervalVolume {
  #session: string | null = null;
  #baseline = NaN;
  #mark = NaN;
  #sign: -1 | 0 | 1 = 0;
  /** What the last observation derived. */
  volume = 0;
  signedVolume = 0;
  premium = 0;
  anomaly: Anomaly | null = null;
  readonly maxIntervalVolume: number;

  constructor(maxIntervalVolume = DEFAULT_MAX_INTERVAL_VOLUME) {
    this.maxIntervalVolume = maxIntervalVolume;
  }

  /** Continues from a stored state; undefined: nothing observed yet. */
  reset(state?: ContractState): this {
    this.#session = state?.session ?? null;
    this.#baseline = state?.baseline ?? NaN;
    this.#mark = state?.mark ?? NaN;
    this.#sign = state?.sign ?? 0;
    return this;
  }

  /** `implausible`: the quote has an implausible price (see implausiblePrice). */
  observe(session: string, total: number, mark: number, multiplier: number, implausible = false): void {
    if (session !== this.#session) this.reset({ session, baseline: null, mark: null, sign: 0 });
    if (implausible) {
      // Nothing of this quote is believed: its mark must not move the tick sign either.
      this.volume = 0;
      this.signedVolume = 0;
      this.premium = 0;
      this.anomaly = 'implausible-price';
      return;
    }
    const lastMark = this.#mark;
    if (mark === mark && lastMark === lastMark && mark !== lastMark) this.#sign = mark > lastMark ? 1 : -1;
    if (mark === mark) this.#mark = mark;

    const baseline = this.#baseline;
    let volume = 0;
    let anomaly: Anomaly | null = null;
    if (total !== total) {
      anomaly = 'missing-total';
    } else if (baseline !== baseline) {
      this.#baseline = total; // first observation of the session
    } else if (total - baseline > this.maxIntervalVolume) {
      anomaly = 'volume-jump';
    } else if (total >= baseline) {
      volume = total - baseline;
      this.#baseline = total;
    } else if (total === 0) {
      anomaly = 'zero-total';
    } else {
      anomaly = 'total-decreased';
      this.#baseline = total;
    }
    this.volume = volume;
    this.signedVolume = volume * this.#sign;
    this.premium = mark === mark ? volume * mark * multiplier : 0;
    this.anomaly = anomaly;
  }

  /** The state after the last observation (as stored, to continue from with reset). */
  state(): ContractState {
    if (this.#session === null) throw new Error('no observation yet');
    return { session: this.#session, baseline: orNull(this.#baseline), mark: orNull(this.#mark), sign: this.#sign };
  }
}

const orNull = (v: number) => (Number.isNaN(v) ? null : v);
