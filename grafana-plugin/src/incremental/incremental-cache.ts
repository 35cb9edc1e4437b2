import {
  INTERVALS,
  sessionBounds,
  type ApiFrame,
  type ApiQuery,
  type ApiResult,
  type IntervalName,
} from '@optflow/contract';

/** What a client holds for one query: the merged series and the cursor of the last answer. */
export interface HeldSeries {
  signature: string;
  cursor: string;
  interval: IntervalName;
  frames: ApiFrame[];
  /** The underlying's latest snapshot (epoch ms) as of the last answer: how old the data is. */
  latestSnapshot: number | null;
}

const timeValues = (frame: ApiFrame) => frame.fields[0]?.values ?? [];
/** A time series (first field: time) grows by increments; other frames (tables) are whole answers. */
const isSeries = (frame: ApiFrame) => frame.fields[0]?.type === 'time';

/** Rows [start, end) of a frame, every field sliced alike. */
function sliceRows(frame: ApiFrame, start: number, end?: number): ApiFrame {
  return {
    name: frame.name,
    fields: frame.fields.map((f) => ({
      ...f,
      labels: f.labels && { ...f.labels },
      values: f.values.slice(start, end),
    })),
  };
}

function concatRows(a: ApiFrame, b: ApiFrame): ApiFrame {
  return {
    name: a.name,
    fields: a.fields.map((f, i) => ({ ...f, values: f.values.concat(b.fields[i]?.values ?? []) })),
  };
}

/** Index of the first row whose time is ≥ t (times ascend). */
function firstAtOrAfter(frame: ApiFrame, t: number): number {
  const times = timeValues(frame);
  let lo = 0;
  let hi = times.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((times[mid] as number) < t) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return lo;
}

/**
 * Drops the buckets that scrolled out of a range starting at `from`: a full query's first bucket is
 * `from` rounded down to the interval, so the merged series keeps exactly what a full query returns.
 */
export function trimToRange(frames: readonly ApiFrame[], from: number, interval: IntervalName): ApiFrame[] {
  // Days are New York sessions, as the API buckets them.
  const first =
    interval === '1d' ? sessionBounds(from).start : Math.floor(from / INTERVALS[interval]) * INTERVALS[interval];
  return frames.map((f) => {
    const start = isSeries(f) ? firstAtOrAfter(f, first) : 0;
    return start === 0 ? f : sliceRows(f, start);
  });
}

/**
 * Merges an incremental answer into what is held. Each series (frame name) of the increment
 * starts at the held cursor's last bucket, which may have grown since: held rows from the
 * increment's first bucket on are replaced, the rest appended. Series without new rows stay (and
 * are shared with `held`: the state is immutable; toDataFrames hands Grafana copies).
 * Neither input is modified.
 */
export function mergeIncrement(held: readonly ApiFrame[], increment: readonly ApiFrame[]): ApiFrame[] {
  const byName = new Map(held.map((f) => [f.name, f]));
  for (const inc of increment) {
    const old = byName.get(inc.name);
    const firstNew = timeValues(inc)[0];
    if (old === undefined || !isSeries(inc)) {
      byName.set(inc.name, sliceRows(inc, 0));
      continue;
    }
    if (typeof firstNew !== 'number') {
      continue; // an empty series: nothing new
    }
    byName.set(inc.name, concatRows(sliceRows(old, 0, firstAtOrAfter(old, firstNew)), inc));
  }
  return [...byName.values()];
}

/**
 * The next held state after an answer: a `reset` answer (or a first one, or another signature)
 * replaces everything; otherwise the increment is merged and the series trimmed to the range.
 */
export function applyResult(
  held: HeldSeries | undefined,
  signature: string,
  result: ApiResult,
  from: number
): HeldSeries {
  const continues =
    held !== undefined && held.signature === signature && held.interval === result.interval && !result.reset;
  // The answer's frames are ours alone (parsed for this call): held as they are.
  const frames = continues ? mergeIncrement(held.frames, result.frames) : result.frames;
  return {
    signature,
    cursor: result.cursor,
    interval: result.interval,
    frames: trimToRange(frames, from, result.interval),
    latestSnapshot: result.latestSnapshot,
  };
}

/** The query to send: continuing from the held cursor, in its interval, when state of this signature is held. */
export function continuedQuery(query: ApiQuery, held: HeldSeries | undefined, signature: string): ApiQuery {
  return held !== undefined && held.signature === signature
    ? { ...query, interval: held.interval, cursor: held.cursor }
    : query;
}

/**
 * Incremental state per panel query, kept on the data-source instance so it outlives the
 * Observable of each refresh. Bounded: the oldest entries go first.
 */
export class IncrementalCache {
  readonly #entries = new Map<string, HeldSeries>();

  constructor(private readonly maxEntries = 500) {}

  get(key: string): HeldSeries | undefined {
    return this.#entries.get(key);
  }

  set(key: string, value: HeldSeries): void {
    this.#entries.delete(key);
    this.#entries.set(key, value);
    while (this.#entries.size > this.maxEntries) {
      this.#entries.delete(this.#entries.keys().next().value as string);
    }
  }

  delete(key: string): void {
    this.#entries.delete(key);
  }

  get size(): number {
    return this.#entries.size;
  }
}
