// The order in which a batch's quotes are written: by contract (then time). A collector's file is in
// time order, so each snapshot would sweep the whole (contract, quote_time) index; in key order each
// index page is visited once per batch, which makes the COPY about a tenth cheaper. The reading
// thread encodes rows in this order (keyOrder) and the volume rules emit inserts in it
// (applyBatch), so the encoded payload is usually written as it is.

export function compareContracts(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Row indices 0..length-1 ordered by contract, keeping file order within a contract (a counting
 * sort: linear in the rows, a sort only of the distinct contracts). Rows without a contract (they
 * will be rejected) come last.
 */
export function keyOrder(length: number, contractAt: (i: number) => string | null): Int32Array {
  const ids = new Map<string, number>();
  const rowId = new Int32Array(length);
  for (let i = 0; i < length; i++) {
    const contract = contractAt(i);
    if (contract === null) {
      rowId[i] = -1;
      continue;
    }
    let id = ids.get(contract);
    if (id === undefined) ids.set(contract, (id = ids.size));
    rowId[i] = id;
  }
  const rank = new Int32Array(ids.size + 1);
  [...ids.keys()].sort(compareContracts).forEach((contract, r) => (rank[ids.get(contract)!] = r));
  const none = ids.size; // the last rank
  const start = new Int32Array(ids.size + 2);
  for (let i = 0; i < length; i++) start[(rowId[i]! < 0 ? none : rank[rowId[i]!]!) + 1]!++;
  for (let r = 1; r < start.length; r++) start[r]! += start[r - 1]!;
  const order = new Int32Array(length);
  for (let i = 0; i < length; i++) order[start[rowId[i]! < 0 ? none : rank[rowId[i]!]!]!++] = i;
  return order;
}
