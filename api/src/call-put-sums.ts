// Calls and puts summed apart per key (a strike, an expiration): how exposures and open-interest
// changes are tabled.

export interface CallPutSum<K> {
  key: K;
  call: number;
  put: number;
}

/** Call and put values summed per key, in the order keys first appear. */
export function sumByKey<K>(rows: ReadonlyArray<{ key: K; putCall: 'C' | 'P'; value: number }>): Array<CallPutSum<K>> {
  const sums = new Map<K, CallPutSum<K>>();
  for (const r of rows) {
    const sum = sums.get(r.key) ?? { key: r.key, call: 0, put: 0 };
    if (r.putCall === 'C') sum.call += r.value;
    else sum.put += r.value;
    sums.set(r.key, sum);
  }
  return [...sums.values()];
}
