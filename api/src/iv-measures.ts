// What a snapshot's implied volatilities say about one expiration: the at-the-money IV, the ATM
// straddle (the market's expected move to expiration) and the 25-delta risk reversal (skew). Pure.

export interface IvContract {
  putCall: 'C' | 'P';
  strike: number;
  /** Percent, as stored. */
  iv: number | null;
  delta: number | null;
  mark: number | null;
}

export interface IvMeasures {
  /** The strike nearest the spot whose call and put both have IV and a mark (the lower one on a tie). */
  atmStrike: number | null;
  /** Mean of that call's and put's IV, percent. */
  atmIv: number | null;
  /** That call's mark plus that put's. */
  straddle: number | null;
  /** IV of the call whose delta is nearest +0.25 minus that of the put nearest −0.25, vol points. */
  riskReversal: number | null;
}

/** A wing is the 25-delta one only this close to it: a chain window may not reach that far out. */
export const DELTA_TOLERANCE = 0.1;

const priced = (c: IvContract | undefined): c is IvContract & { iv: number; mark: number } =>
  c !== undefined && c.iv !== null && c.iv > 0 && c.mark !== null && c.mark >= 0;

function atTheMoney(contracts: readonly IvContract[], spot: number) {
  const byStrike = new Map<number, { call?: IvContract; put?: IvContract }>();
  for (const c of contracts) {
    const pair = byStrike.get(c.strike) ?? {};
    pair[c.putCall === 'C' ? 'call' : 'put'] = c;
    byStrike.set(c.strike, pair);
  }
  let best: {
    strike: number;
    call: IvContract & { iv: number; mark: number };
    put: IvContract & { iv: number; mark: number };
  } | null = null;
  for (const [strike, { call, put }] of byStrike) {
    if (!priced(call) || !priced(put)) continue;
    const distance = Math.abs(strike - spot);
    const bestDistance = best === null ? Infinity : Math.abs(best.strike - spot);
    if (distance < bestDistance || (distance === bestDistance && strike < best!.strike)) best = { strike, call, put };
  }
  return best;
}

function nearestDelta(contracts: readonly IvContract[], putCall: 'C' | 'P', target: number): IvContract | null {
  let best: IvContract | null = null;
  for (const c of contracts) {
    if (c.putCall !== putCall || c.delta === null || c.iv === null || !(c.iv > 0)) continue;
    const off = Math.abs(c.delta - target);
    if (off > DELTA_TOLERANCE) continue;
    const bestOff = best === null ? Infinity : Math.abs(best.delta! - target);
    if (off < bestOff || (off === bestOff && c.strike < best!.strike)) best = c;
  }
  return best;
}

/** The measures of one expiration's contracts at one snapshot with the underlying at `spot`. */
export function ivMeasures(contracts: readonly IvContract[], spot: number | null): IvMeasures {
  const atm = spot === null ? null : atTheMoney(contracts, spot);
  const call25 = nearestDelta(contracts, 'C', 0.25);
  const put25 = nearestDelta(contracts, 'P', -0.25);
  return {
    atmStrike: atm?.strike ?? null,
    atmIv: atm ? (atm.call.iv + atm.put.iv) / 2 : null,
    straddle: atm ? atm.call.mark + atm.put.mark : null,
    riskReversal: call25 && put25 ? call25.iv! - put25.iv! : null,
  };
}
