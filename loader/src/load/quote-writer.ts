import { BinaryCopyWriter } from '@optflow/db';
import type { CopyColumn, Session } from '@optflow/db';
import type { QuoteInput } from '../contracts/quote-row.ts';
import { applyBatch, groupBySession, sessionKey, sessionOf, sessionsToReplay } from './volume-batch.ts';
import type { DerivedQuote, StoredQuote, StoredState } from './volume-batch.ts';

/** One commit's worth of input: the accepted quotes and rejected rows of a row group. */
export interface Batch {
  fileId: number;
  quotes: QuoteInput[];
  rejected: Array<{ rowNumber: number; reason: string; raw: Record<string, unknown> }>;
}

export interface BatchOutcome {
  inserted: number;
  duplicates: number;
  anomalies: number;
  /** Range whose aggregates changed: [from, to], epoch ms; null when nothing was written. */
  affected: { from: number; to: number } | null;
  latestByUnderlying: Map<string, number>;
}

const QUOTE_COLUMNS: Array<CopyColumn & { get: (q: DerivedQuote, fileId: number) => unknown }> = [
  { name: 'quote_time', type: 'timestamptz', get: (q) => q.quoteTime },
  { name: 'contract', type: 'text', get: (q) => q.contract },
  { name: 'source_symbol', type: 'text', get: (q) => q.sourceSymbol },
  { name: 'underlying', type: 'text', get: (q) => q.underlying },
  { name: 'root', type: 'text', get: (q) => q.root },
  { name: 'expiration', type: 'date', get: (q) => q.expiration },
  { name: 'put_call', type: 'text', get: (q) => q.putCall },
  { name: 'strike', type: 'numeric', get: (q) => q.strike },
  { name: 'bid', type: 'float8', get: (q) => q.bid },
  { name: 'ask', type: 'float8', get: (q) => q.ask },
  { name: 'last', type: 'float8', get: (q) => q.last },
  { name: 'mark', type: 'float8', get: (q) => q.mark },
  { name: 'bid_size', type: 'int4', get: (q) => q.bidSize },
  { name: 'ask_size', type: 'int4', get: (q) => q.askSize },
  { name: 'total_volume', type: 'int8', get: (q) => q.totalVolume },
  { name: 'volume', type: 'int8', get: (q) => q.volume },
  { name: 'signed_volume', type: 'int8', get: (q) => q.signedVolume },
  { name: 'premium', type: 'float8', get: (q) => q.premium },
  { name: 'multiplier', type: 'int4', get: (q) => q.multiplier },
  { name: 'open_interest', type: 'int8', get: (q) => q.openInterest },
  { name: 'iv', type: 'float8', get: (q) => q.iv },
  { name: 'delta', type: 'float8', get: (q) => q.delta },
  { name: 'gamma', type: 'float8', get: (q) => q.gamma },
  { name: 'theta', type: 'float8', get: (q) => q.theta },
  { name: 'vega', type: 'float8', get: (q) => q.vega },
  { name: 'rho', type: 'float8', get: (q) => q.rho },
  { name: 'underlying_price', type: 'float8', get: (q) => q.underlyingPrice },
  { name: 'file_id', type: 'int8', get: (_q, fileId) => fileId },
];

const iso = (ms: number) => new Date(ms).toISOString();

/** Min and max without spreading (a row group can be larger than the call stack allows). */
function extent(values: readonly number[]): { min: number; max: number } {
  let min = Infinity;
  let max = -Infinity;
  for (const v of values) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return { min, max };
}
const DAY_MS = 86_400_000;

/** Writes one batch inside the caller's transaction: quotes, state, snapshots, rejected rows, file counters. */
export async function writeBatch(s: Session, batch: Batch): Promise<BatchOutcome> {
  const outcome: BatchOutcome = { inserted: 0, duplicates: 0, anomalies: 0, affected: null, latestByUnderlying: new Map() };
  const fresh = await withoutDuplicates(s, batch.quotes);
  outcome.duplicates = batch.quotes.length - fresh.length;

  if (fresh.length > 0) {
    const groups = groupBySession(fresh);
    const states = await loadStates(s, groups);
    const replayKeys = sessionsToReplay(groups, states);
    const replay = await loadStoredRows(s, replayKeys.map((k) => groups.get(k)!));
    const result = applyBatch(groups, states, replay);

    const copy = new BinaryCopyWriter(QUOTE_COLUMNS);
    for (const q of result.inserts) copy.writeRow(QUOTE_COLUMNS.map((c) => c.get(q, batch.fileId)) as never[]);
    await s.copyBinary('optflow.quotes', QUOTE_COLUMNS, copy.finish());
    if (result.updates.length > 0) {
      await s.query(
        `UPDATE optflow.quotes q SET volume = u.volume, signed_volume = u.signed_volume, premium = u.premium
         FROM unnest($1::text[], $2::timestamptz[], $3::bigint[], $4::bigint[], $5::float8[]) AS u(contract, quote_time, volume, signed_volume, premium)
         WHERE q.contract = u.contract AND q.quote_time = u.quote_time`,
        [result.updates.map((u) => u.contract), result.updates.map((u) => iso(u.quoteTime)), result.updates.map((u) => u.volume), result.updates.map((u) => u.signedVolume), result.updates.map((u) => u.premium)],
      );
    }
    const storedStates = [...result.states.entries()].map(([key, st]) => ({ ...st, session: key.split('|')[1]! }));
    await s.query(
      `INSERT INTO optflow.contract_sessions (contract, session, last_time, baseline, mark, sign)
       SELECT * FROM unnest($1::text[], $2::date[], $3::timestamptz[], $4::bigint[], $5::float8[], $6::smallint[])
       ON CONFLICT (contract, session) DO UPDATE SET last_time = EXCLUDED.last_time, baseline = EXCLUDED.baseline, mark = EXCLUDED.mark, sign = EXCLUDED.sign`,
      [storedStates.map((x) => x.contract), storedStates.map((x) => x.session), storedStates.map((x) => iso(x.lastTime)), storedStates.map((x) => x.baseline), storedStates.map((x) => x.mark), storedStates.map((x) => x.sign)],
    );
    const snapshots = new Map<string, { underlying: string; time: number; rows: number }>();
    for (const q of result.inserts) {
      const key = `${q.underlying}|${q.quoteTime}`;
      const snap = snapshots.get(key) ?? { underlying: q.underlying, time: q.quoteTime, rows: 0 };
      snap.rows++;
      snapshots.set(key, snap);
      outcome.latestByUnderlying.set(q.underlying, Math.max(outcome.latestByUnderlying.get(q.underlying) ?? 0, q.quoteTime));
    }
    const snaps = [...snapshots.values()];
    await s.query(
      `INSERT INTO optflow.snapshots (file_id, underlying, quote_time, rows)
       SELECT $1, * FROM unnest($2::text[], $3::timestamptz[], $4::int[])
       ON CONFLICT (file_id, underlying, quote_time) DO UPDATE SET rows = optflow.snapshots.rows + EXCLUDED.rows`,
      [batch.fileId, snaps.map((x) => x.underlying), snaps.map((x) => iso(x.time)), snaps.map((x) => x.rows)],
    );
    for (const [underlying, latest] of outcome.latestByUnderlying) {
      await s.query(`SELECT pg_notify('optflow_ingest', $1)`, [JSON.stringify({ underlying, latest: iso(latest) })]);
    }
    outcome.inserted = result.inserts.length;
    outcome.anomalies = result.anomalies;
    const to = extent([...result.inserts.map((q) => q.quoteTime), ...result.updates.map((u) => u.quoteTime)]).max;
    outcome.affected = { from: result.earliest, to };
  }

  if (batch.rejected.length > 0) {
    await s.query(
      `INSERT INTO optflow.rejected_rows (file_id, row_number, reason, raw)
       SELECT $1, r.row_number, r.reason, r.raw::jsonb FROM unnest($2::bigint[], $3::text[], $4::text[]) AS r(row_number, reason, raw)
       ON CONFLICT (file_id, row_number) DO NOTHING`,
      [batch.fileId, batch.rejected.map((r) => r.rowNumber), batch.rejected.map((r) => r.reason), batch.rejected.map((r) => JSON.stringify(r.raw))],
    );
  }
  await s.query(
    `UPDATE optflow.files SET rows_read = rows_read + $2, rows_inserted = rows_inserted + $3, duplicates = duplicates + $4,
       rejected = rejected + $5, anomalies = anomalies + $6, updated_at = now() WHERE id = $1`,
    [batch.fileId, batch.quotes.length + batch.rejected.length, outcome.inserted, outcome.duplicates, batch.rejected.length, outcome.anomalies],
  );
  return outcome;
}

/** Drops quotes whose (contract, quote_time) is stored already, or repeated within the batch. */
async function withoutDuplicates(s: Session, quotes: readonly QuoteInput[]): Promise<QuoteInput[]> {
  if (quotes.length === 0) return [];
  const times = extent(quotes.map((q) => q.quoteTime));
  const underlyings = [...new Set(quotes.map((q) => q.underlying))];
  const { rows } = await s.query<{ contract: string; t: number }>(
    `SELECT contract, (extract(epoch FROM quote_time) * 1000)::float8 AS t FROM optflow.quotes
     WHERE underlying = ANY($1::text[]) AND quote_time BETWEEN $2 AND $3`,
    [underlyings, iso(times.min), iso(times.max)],
  );
  const seen = new Set(rows.map((r) => `${r.contract}|${Math.round(r.t)}`));
  return quotes.filter((q) => {
    const key = `${q.contract}|${q.quoteTime}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

async function loadStates(s: Session, groups: ReturnType<typeof groupBySession>): Promise<Map<string, StoredState>> {
  const contracts = [...new Set([...groups.values()].map((g) => g.contract))];
  const sessions = [...new Set([...groups.values()].map((g) => g.session))];
  const { rows } = await s.query<{ contract: string; session: string; t: number; baseline: number | null; mark: number | null; sign: number }>(
    `SELECT contract, session, (extract(epoch FROM last_time) * 1000)::float8 AS t, baseline, mark, sign
     FROM optflow.contract_sessions WHERE contract = ANY($1::text[]) AND session = ANY($2::date[])`,
    [contracts, sessions],
  );
  return new Map(rows.map((r) => [sessionKey(r.contract, r.session), { session: r.session, baseline: r.baseline, mark: r.mark, sign: r.sign as -1 | 0 | 1, lastTime: Math.round(r.t) }]));
}

async function loadStoredRows(s: Session, groups: Array<{ contract: string; session: string }>): Promise<Map<string, StoredQuote[]>> {
  const replay = new Map<string, StoredQuote[]>();
  if (groups.length === 0) return replay;
  const sessions = extent(groups.map((g) => Date.parse(`${g.session}T00:00:00Z`)));
  // A New York session lies within its UTC date ± a day; rows are filtered to the session exactly below.
  const { rows } = await s.query<{ contract: string; t: number; total_volume: number | null; mark: number | null; multiplier: number; volume: number; signed_volume: number; premium: number }>(
    `SELECT contract, (extract(epoch FROM quote_time) * 1000)::float8 AS t, total_volume, mark, multiplier, volume, signed_volume, premium
     FROM optflow.quotes WHERE contract = ANY($1::text[]) AND quote_time >= $2 AND quote_time < $3`,
    [[...new Set(groups.map((g) => g.contract))], iso(sessions.min - DAY_MS), iso(sessions.max + 2 * DAY_MS)],
  );
  const wanted = new Set(groups.map((g) => sessionKey(g.contract, g.session)));
  for (const r of rows) {
    const quoteTime = Math.round(r.t);
    const key = sessionKey(r.contract, sessionOf(quoteTime));
    if (!wanted.has(key)) continue;
    const list = replay.get(key) ?? [];
    list.push({ quoteTime, totalVolume: r.total_volume, mark: r.mark, multiplier: r.multiplier, volume: r.volume, signedVolume: r.signed_volume, premium: r.premium });
    replay.set(key, list);
  }
  for (const key of wanted) if (!replay.has(key)) replay.set(key, []);
  return replay;
}
