// Open-interest change from one session to the next, per contract, and summed per strike or
// expiration (calls and puts apart). Pure: oiChangeSql reads the contracts.
import { sumByKey } from './call-put-sums.ts';

export type OiContract = {
  contract: string;
  expiration: string;
  put_call: 'C' | 'P';
  strike: number;
  /** At today's session's first snapshot. */
  open_interest: number;
  /** At the previous session's first snapshot. */
  previous_oi: number;
};

export interface OiChangeSum<K> {
  key: K;
  callOi: number;
  putOi: number;
  callChange: number;
  putChange: number;
}

const change = (c: OiContract) => c.open_interest - c.previous_oi;

/** Today's open interest and its change, calls and puts apart, per strike (ascending) or expiration. */
export function oiChangeByKey<K extends 'strike' | 'expiration'>(
  contracts: readonly OiContract[],
  by: K
): Array<OiChangeSum<OiContract[K]>> {
  const keyed = (value: (c: OiContract) => number) =>
    contracts.map((c) => ({ key: c[by], putCall: c.put_call, value: value(c) }));
  const changes = new Map(sumByKey(keyed(change)).map((s) => [s.key, s]));
  return sumByKey(keyed((c) => c.open_interest))
    .map((oi) => ({
      key: oi.key,
      callOi: oi.call,
      putOi: oi.put,
      callChange: changes.get(oi.key)!.call,
      putChange: changes.get(oi.key)!.put,
    }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/** The contracts whose open interest changed most (either way), at most `limit`; ties by contract. */
export function largestChanges(
  contracts: readonly OiContract[],
  limit: number
): Array<OiContract & { change: number }> {
  return contracts
    .map((c) => ({ ...c, change: change(c) }))
    .sort((a, b) => Math.abs(b.change) - Math.abs(a.change) || (a.contract < b.contract ? -1 : 1))
    .slice(0, limit);
}
