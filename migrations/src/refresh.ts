import type { Database } from '@optflow/db';
import { FLOW_LEVELS } from './flow-aggregates.ts';

const WIDTH_MS: Record<string, number> = {
  '1 minute': 60_000,
  '5 minutes': 300_000,
  '1 hour': 3_600_000,
  '1 day': 86_400_000,
};

export interface RefreshWindow {
  view: string;
  start: Date;
  end: Date;
}

/**
 * The complete buckets of each level inside [from, to): the start rounds down (a bucket touched by
 * new rows is recomputed whole) and the end rounds down (a bucket still filling is left to the
 * real-time tail, which keeps the watermark from running ahead of the data).
 */
export function refreshWindows(from: Date, to: Date): RefreshWindow[] {
  return FLOW_LEVELS.flatMap((level) => {
    const width = WIDTH_MS[level.width];
    if (width === undefined) throw new Error(`no bucket width for ${level.view}`);
    const start = Math.floor(from.getTime() / width) * width;
    const end = Math.floor(to.getTime() / width) * width;
    return end > start ? [{ view: level.view, start: new Date(start), end: new Date(end) }] : [];
  });
}

/**
 * Materializes the flow aggregates over [from, to), lowest level first so each rollup reads fresh
 * input. A no-op without TimescaleDB (plain views are always current). Runs outside any transaction,
 * as refresh_continuous_aggregate requires.
 */
export async function refreshFlowAggregates(db: Database, from: Date, to: Date): Promise<RefreshWindow[]> {
  const { timescaledb } = await db.info();
  if (!timescaledb) return [];
  const windows = refreshWindows(from, to);
  await db.withSession(async (session) => {
    for (const w of windows) {
      // Simple protocol (no bind parameters): CALL of this procedure must be a top-level statement.
      // The values are ISO strings of Dates and a view name from FLOW_LEVELS, not user input.
      await session.query(
        `CALL refresh_continuous_aggregate('${w.view}', '${w.start.toISOString()}'::timestamptz, '${w.end.toISOString()}'::timestamptz)`,
      );
    }
  });
  return windows;
}
