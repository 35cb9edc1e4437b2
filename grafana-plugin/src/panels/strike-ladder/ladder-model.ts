import type { DataFrame, Field } from '@grafana/data';

/** One strike of the ladder. */
export interface LadderRow {
  strike: number;
  call: number;
  put: number;
  /** Both sides in the latest interval, and per interval over the window. */
  latest: number;
  mean: number;
  /** The latest interval runs hot: above hotFactor × mean. */
  hot: boolean;
}

export interface LadderModel {
  rows: LadderRow[];
  spot: number | null;
  /** Largest bar (call or put): bars are scaled to it. */
  max: number;
  /** `volume` or `premium`, from the field names the API gives. */
  measure: string;
  unit: string | undefined;
}

const byPrefix = (frame: DataFrame, prefix: string): Field | undefined =>
  frame.fields.find((f) => f.name.startsWith(prefix));
const numberAt = (field: Field | undefined, i: number): number => {
  const v = field?.values[i];
  return typeof v === 'number' && Number.isFinite(v) ? v : 0;
};

/**
 * The ladder query's frames (`ladder`: strike, call_*, put_*, latest_*, mean_*; `spot`) → rows, the
 * strikes nearest the spot kept (at most `maxStrikes`), highest strike first as on a price ladder.
 * Returns null when the frames are not a ladder answer.
 */
export function ladderModel(
  frames: readonly DataFrame[],
  options: { hotFactor: number; maxStrikes: number }
): LadderModel | null {
  const ladder = frames.find((f) => f.fields.some((x) => x.name === 'strike') && byPrefix(f, 'call_'));
  if (!ladder) {
    return null;
  }
  const strike = ladder.fields.find((f) => f.name === 'strike')!;
  const call = byPrefix(ladder, 'call_')!;
  const [put, latest, mean] = [byPrefix(ladder, 'put_'), byPrefix(ladder, 'latest_'), byPrefix(ladder, 'mean_')];
  const spotValue = frames.flatMap((f) => f.fields.filter((x) => x.name === 'spot')).map((f) => f.values[0])[0];
  const spot = typeof spotValue === 'number' ? spotValue : null;

  let rows: LadderRow[] = strike.values.map((k, i) => {
    const row = {
      strike: Number(k),
      call: numberAt(call, i),
      put: numberAt(put, i),
      latest: numberAt(latest, i),
      mean: numberAt(mean, i),
    };
    return { ...row, hot: row.latest > 0 && row.latest > options.hotFactor * row.mean };
  });
  if (rows.length > options.maxStrikes) {
    const centre = spot ?? rows[Math.floor(rows.length / 2)]!.strike;
    rows = [...rows]
      .sort((a, b) => Math.abs(a.strike - centre) - Math.abs(b.strike - centre))
      .slice(0, Math.max(1, options.maxStrikes));
  }
  rows.sort((a, b) => b.strike - a.strike);
  return {
    rows,
    spot,
    max: rows.reduce((m, r) => Math.max(m, r.call, r.put), 0),
    measure: call.name.slice('call_'.length),
    unit: call.config.unit,
  };
}

/**
 * Where the spot line goes, as a fractional row index (rows run from the highest strike down, row i
 * centred at i): between the two strikes around it; past the ladder's end, on its edge (−0.5 above
 * the highest strike, rows − 0.5 below the lowest). Null without a spot or rows.
 */
export function spotPosition(rows: readonly LadderRow[], spot: number | null): number | null {
  if (spot === null || rows.length === 0) {
    return null;
  }
  if (spot > rows[0]!.strike) {
    return -0.5;
  }
  for (let i = 0; i < rows.length; i++) {
    const here = rows[i]!.strike;
    if (spot === here) {
      return i;
    }
    const next = rows[i + 1];
    if (next && spot < here && spot > next.strike) {
      return i + (here - spot) / (here - next.strike);
    }
  }
  return rows.length - 0.5;
}
