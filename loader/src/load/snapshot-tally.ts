// What a batch stored per snapshot: optflow.snapshots' rows per underlying and time, and each
// underlying's latest snapshot (announced on optflow_ingest).
import type { EncodedBatch } from './encoded-batch.ts';

export interface SnapshotRows {
  underlying: string;
  /** Epoch ms. */
  time: number;
  rows: number;
}

export interface SnapshotTally {
  /** Per underlying, in the batch's order, its snapshots in the order first stored. */
  snapshots: SnapshotRows[];
  latestByUnderlying: Map<string, number>;
}

/** `stored`: indexes of the batch's quotes that were stored (its duplicates were not). */
export function tallySnapshots(
  batch: Pick<EncodedBatch, 'underlying' | 'underlyings' | 'quoteTime'>,
  stored: Iterable<number>
): SnapshotTally {
  const byUnderlying = new Map<number, Map<number, number>>(); // underlying index → time → rows
  for (const i of stored) {
    const u = batch.underlying[i]!;
    const t = batch.quoteTime[i]!;
    let times = byUnderlying.get(u);
    if (!times) byUnderlying.set(u, (times = new Map()));
    times.set(t, (times.get(t) ?? 0) + 1);
  }
  const snapshots: SnapshotRows[] = [];
  const latestByUnderlying = new Map<string, number>();
  for (const [u, times] of byUnderlying) {
    const underlying = batch.underlyings[u]!;
    let latest = -Infinity;
    for (const [time, rows] of times) {
      snapshots.push({ underlying, time, rows });
      if (time > latest) latest = time;
    }
    latestByUnderlying.set(underlying, latest);
  }
  return { snapshots, latestByUnderlying };
}
