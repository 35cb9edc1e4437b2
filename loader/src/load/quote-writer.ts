import type { Session } from '@optflow/db';
import { implausiblePrice } from '../contracts/interval-volume.ts';
import { copyPayload, QUOTE_COPY_COLUMNS } from './encoded-batch.ts';
import type { EncodedBatch, RejectedRow } from './encoded-batch.ts';
import { groupBySession, inflateGroups, sessionKey, sessionOf } from './session-groups.ts';
import type { SessionGroup } from './session-groups.ts';
import { tallySnapshots } from './snapshot-tally.ts';
import type { SnapshotRows } from './snapshot-tally.ts';
import { applyBatch, sessionsToReplay } from './volume-batch.ts';
import type { BatchResult, StoredQuote, StoredState } from './volume-batch.ts';

export interface BatchOutcome {
  inserted: number;
  duplicates: number;
  anomalies: number;
  /** Range whose aggregates changed: [from, to], epoch ms; null when nothing was written. */
  affected: { from: number; to: number } | null;
  /** The states known stored once this batch commits: what it wrote, over what was known before. */
  committed: KnownStates;
}

/**
 * Contract-session states as this loader committed them, and the number of that commit's
 * transaction: valid while nobody else writes, which the next transaction's number tells.
 */
export interface KnownStates {
  epoch: number;
  states: ReadonlyMap<string, StoredState>;
}

/** An instant for PostgreSQL to the microsecond: epoch ms may carry µs, which toISOString drops. */
function iso(ms: number): string {
  const us = Math.round(ms * 1000);
  const wholeMs = Math.floor(us / 1000);
  return `${new Date(wholeMs).toISOString().slice(0, -1)}${String(us - wholeMs * 1000).padStart(3, '0')}Z`;
}

/** `contract|µs`: identifies a stored quote (times compared to the microsecond, as stored). */
const quoteKey = (contract: string, ms: number) => `${contract}|${Math.round(ms * 1000)}`;

/** Min and max without spreading (a row group can be larger than the call stack allows). */
function extent(values: ArrayLike<number> & Iterable<number>): { min: number; max: number } {
  let min = Infinity;
  let max = -Infinity;
  for (const v of values) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return { min, max };
}
const DAY_MS = 86_400_000;

/**
 * Writes one batch inside the caller's transaction: quotes, state, snapshots, rejected rows, file
 * counters. `maxIntervalVolume`: the volume rules' bound (IntervalVolume; its default when undefined).
 */
export async function writeBatch(
  s: Session,
  fileId: number,
  batch: EncodedBatch,
  committed?: KnownStates,
  maxIntervalVolume?: number
): Promise<BatchOutcome> {
  const epoch = await takeWriterTurn(s);
  // Nobody else wrote since this loader's last commit: the states it wrote then are still the stored ones.
  const known = committed && committed.epoch === epoch - 1 ? committed.states : new Map<string, StoredState>();
  const groups = await newQuotesBySession(s, batch);
  let outcome: BatchOutcome = {
    inserted: 0,
    duplicates: batch.length,
    anomalies: 0,
    affected: null,
    committed: { epoch, states: known },
  };
  if (groups.size > 0) {
    const result = await deriveVolumes(s, batch, groups, known, maxIntervalVolume);
    await storeQuotes(s, fileId, batch, result);
    await storeStates(s, result.states);
    const tally = tallySnapshots(batch, result.inserts);
    await storeSnapshots(s, fileId, tally.snapshots);
    await announce(s, tally.latestByUnderlying);
    const to = Math.max(
      extent(tally.snapshots.map((x) => x.time)).max,
      extent(result.updates.map((u) => u.quoteTime)).max
    );
    outcome = {
      inserted: result.inserts.length,
      duplicates: batch.length - result.inserts.length, // stored already, or repeated in the batch
      anomalies: result.anomalies,
      affected: { from: result.earliest, to },
      committed: { epoch, states: new Map([...known, ...result.states]) },
    };
  }
  await storeRejectedRows(s, fileId, batch.rejected);
  await countIntoFile(s, fileId, batch, outcome);
  return outcome;
}

/**
 * One writer at a time (the row stays locked until commit): a second loader (or watch beside load)
 * reads the stored quotes and contract-session states after the first one's commit, not before it.
 * The epoch it returns numbers this transaction among all writers'.
 */
async function takeWriterTurn(s: Session): Promise<number> {
  const {
    rows: [counted],
  } = await s.query<{ epoch: string }>(`UPDATE optflow.ingest_epoch SET epoch = epoch + 1 RETURNING epoch`);
  return Number(counted!.epoch);
}

/** The batch's quotes not stored yet, by contract-session. */
async function newQuotesBySession(s: Session, batch: EncodedBatch): Promise<Map<string, SessionGroup>> {
  const stored = await storedKeys(s, batch);
  if (stored.size === 0) return inflateGroups(batch, batch.groups); // grouped on the reading thread
  // Again here only to leave out quotes stored already (rare).
  return groupBySession(batch, (i) => !stored.has(quoteKey(batch.contracts[batch.contract[i]!]!, batch.quoteTime[i]!)));
}

/** The volume rules over the new quotes, from each contract-session's stored state (replayed where they land before it). */
async function deriveVolumes(
  s: Session,
  batch: EncodedBatch,
  groups: ReadonlyMap<string, SessionGroup>,
  known: ReadonlyMap<string, StoredState>,
  maxIntervalVolume?: number
): Promise<BatchResult> {
  const states = await loadStates(s, groups, known);
  const replayKeys = sessionsToReplay(batch, groups, states);
  const replay = await loadStoredRows(
    s,
    replayKeys.map((k) => groups.get(k)!)
  );
  return applyBatch(batch, groups, states, replay, maxIntervalVolume);
}

/** The new quotes by COPY; stored ones a replay changed, by UPDATE. */
async function storeQuotes(s: Session, fileId: number, batch: EncodedBatch, result: BatchResult): Promise<void> {
  await s.copyBinary('optflow.quotes', QUOTE_COPY_COLUMNS, copyPayload(batch, result.inserts, result.derived, fileId));
  if (result.updates.length === 0) return;
  const u = result.updates;
  await s.query(
    `UPDATE optflow.quotes q SET volume = u.volume, signed_volume = u.signed_volume, premium = u.premium, anomaly = u.anomaly
     FROM unnest($1::text[], $2::timestamptz[], $3::bigint[], $4::bigint[], $5::float8[], $6::int[]) AS u(contract, quote_time, volume, signed_volume, premium, anomaly)
     WHERE q.contract = u.contract AND q.quote_time = u.quote_time`,
    [
      u.map((x) => x.contract),
      u.map((x) => iso(x.quoteTime)),
      u.map((x) => x.volume),
      u.map((x) => x.signedVolume),
      u.map((x) => x.premium),
      u.map((x) => x.anomaly),
    ]
  );
}

/** Each contract-session's state after the batch (each state carries its contract and session). */
async function storeStates(s: Session, states: ReadonlyMap<string, StoredState & { contract: string }>): Promise<void> {
  const all = [...states.values()];
  await s.query(
    `INSERT INTO optflow.contract_sessions (contract, session, last_time, baseline, mark, sign)
     SELECT * FROM unnest($1::text[], $2::date[], $3::timestamptz[], $4::bigint[], $5::float8[], $6::smallint[])
     ON CONFLICT (contract, session) DO UPDATE SET last_time = EXCLUDED.last_time, baseline = EXCLUDED.baseline, mark = EXCLUDED.mark, sign = EXCLUDED.sign`,
    [
      all.map((x) => x.contract),
      all.map((x) => x.session),
      all.map((x) => iso(x.lastTime)),
      all.map((x) => x.baseline),
      all.map((x) => x.mark),
      all.map((x) => x.sign),
    ]
  );
}

async function storeSnapshots(s: Session, fileId: number, snapshots: readonly SnapshotRows[]): Promise<void> {
  await s.query(
    `INSERT INTO optflow.snapshots (file_id, underlying, quote_time, rows)
     SELECT $1, * FROM unnest($2::text[], $3::timestamptz[], $4::int[])
     ON CONFLICT (file_id, underlying, quote_time) DO UPDATE SET rows = optflow.snapshots.rows + EXCLUDED.rows, committed_xid = pg_current_xact_id()`,
    [fileId, snapshots.map((x) => x.underlying), snapshots.map((x) => iso(x.time)), snapshots.map((x) => x.rows)]
  );
}

/** Tells listeners (the API's long-polls) which underlyings have new data, delivered at commit. */
async function announce(s: Session, latestByUnderlying: ReadonlyMap<string, number>): Promise<void> {
  for (const [underlying, latest] of latestByUnderlying) {
    await s.query(`SELECT pg_notify('optflow_ingest', $1)`, [JSON.stringify({ underlying, latest: iso(latest) })]);
  }
}

/** Rows the reading thread rejected, kept for inspection (a row once kept is not kept twice). */
async function storeRejectedRows(s: Session, fileId: number, rejected: readonly RejectedRow[]): Promise<void> {
  if (rejected.length === 0) return;
  await s.query(
    `INSERT INTO optflow.rejected_rows (file_id, row_number, reason, raw)
     SELECT $1, r.row_number, r.reason, r.raw::jsonb FROM unnest($2::bigint[], $3::text[], $4::text[]) AS r(row_number, reason, raw)
     ON CONFLICT (file_id, row_number) DO NOTHING`,
    [
      fileId,
      rejected.map((r) => r.rowNumber),
      rejected.map((r) => storableText(r.reason)),
      rejected.map((r) => storableJson(r.raw)),
    ]
  );
}

async function countIntoFile(s: Session, fileId: number, batch: EncodedBatch, outcome: BatchOutcome): Promise<void> {
  await s.query(
    `UPDATE optflow.files SET rows_read = rows_read + $2, rows_inserted = rows_inserted + $3, duplicates = duplicates + $4,
       rejected = rejected + $5, anomalies = anomalies + $6, updated_at = now() WHERE id = $1`,
    [
      fileId,
      batch.length + batch.rejected.length,
      outcome.inserted,
      outcome.duplicates,
      batch.rejected.length,
      outcome.anomalies,
    ]
  );
}

/** Keys (quoteKey) of the batch's quotes that are stored already (usually none). */
async function storedKeys(s: Session, batch: EncodedBatch): Promise<Set<string>> {
  if (batch.length === 0) return new Set();
  const times = extent(batch.quoteTime);
  const { rows } = await s.query<{ contract: string; t: number }>(
    `SELECT contract, (extract(epoch FROM quote_time) * 1000)::float8 AS t FROM optflow.quotes
     WHERE underlying = ANY($1::text[]) AND quote_time BETWEEN $2 AND $3`,
    [batch.underlyings, iso(times.min), iso(times.max)]
  );
  return new Set(rows.map((r) => quoteKey(r.contract, r.t)));
}

/** The stored states of the groups' contract-sessions: from `known` where it has them, else read. */
async function loadStates(
  s: Session,
  groups: ReadonlyMap<string, SessionGroup>,
  known: ReadonlyMap<string, StoredState>
): Promise<Map<string, StoredState>> {
  const states = new Map<string, StoredState>();
  const unknown: SessionGroup[] = [];
  for (const [key, g] of groups) {
    const state = known.get(key);
    if (state) states.set(key, state);
    else unknown.push(g);
  }
  if (unknown.length === 0) return states;
  const contracts = [...new Set(unknown.map((g) => g.contract))];
  const sessions = [...new Set(unknown.map((g) => g.session))];
  const { rows } = await s.query<{
    contract: string;
    session: string;
    t: number;
    baseline: number | null;
    mark: number | null;
    sign: number;
  }>(
    `SELECT contract, session, (extract(epoch FROM last_time) * 1000)::float8 AS t, baseline, mark, sign
     FROM optflow.contract_sessions WHERE contract = ANY($1::text[]) AND session = ANY($2::date[])`,
    [contracts, sessions]
  );
  for (const r of rows) {
    const key = sessionKey(r.contract, r.session);
    if (groups.has(key) && !states.has(key))
      states.set(key, {
        session: r.session,
        baseline: r.baseline,
        mark: r.mark,
        sign: r.sign as -1 | 0 | 1,
        lastTime: r.t,
      });
  }
  return states;
}

async function loadStoredRows(
  s: Session,
  groups: Array<{ contract: string; session: string }>
): Promise<Map<string, StoredQuote[]>> {
  const replay = new Map<string, StoredQuote[]>();
  if (groups.length === 0) return replay;
  const sessions = extent(groups.map((g) => Date.parse(`${g.session}T00:00:00Z`)));
  // A New York session lies within its UTC date ± a day; rows are filtered to the session exactly below.
  const { rows } = await s.query<{
    contract: string;
    t: number;
    total_volume: number | null;
    bid: number | null;
    ask: number | null;
    last: number | null;
    mark: number | null;
    multiplier: number;
    volume: number;
    signed_volume: number;
    premium: number;
    anomaly: number | null;
  }>(
    `SELECT contract, (extract(epoch FROM quote_time) * 1000)::float8 AS t, total_volume, bid, ask, last, mark, multiplier, volume, signed_volume, premium, anomaly
     FROM optflow.quotes WHERE contract = ANY($1::text[]) AND quote_time >= $2 AND quote_time < $3 ORDER BY contract, quote_time`,
    [[...new Set(groups.map((g) => g.contract))], iso(sessions.min - DAY_MS), iso(sessions.max + 2 * DAY_MS)]
  );
  const wanted = new Set(groups.map((g) => sessionKey(g.contract, g.session)));
  for (const r of rows) {
    const quoteTime = r.t;
    const key = sessionKey(r.contract, sessionOf(quoteTime));
    if (!wanted.has(key)) continue;
    const list = replay.get(key) ?? [];
    list.push({
      quoteTime,
      totalVolume: r.total_volume,
      mark: r.mark,
      multiplier: r.multiplier,
      implausible: implausiblePrice(r.bid, r.ask, r.last, r.mark),
      volume: r.volume,
      signedVolume: r.signed_volume,
      premium: r.premium,
      anomaly: r.anomaly,
    });
    replay.set(key, list);
  }
  for (const key of wanted) if (!replay.has(key)) replay.set(key, []);
  return replay;
}

/** PostgreSQL text (and jsonb) cannot hold NUL: it is stored as the visible text \\u0000. */
export function storableText(text: string): string {
  return text.includes('\0') ? text.replaceAll('\0', '\\u0000') : text;
}

/**
 * A rejected row's raw values as jsonb text, faithfully: ±Infinity as the strings "Infinity" and
 * "-Infinity" (JSON has no such number; JSON.stringify would say null), int64 beyond 2^53 as their
 * exact digits (jsonb numbers are exact decimals), NUL in strings as the text \\u0000.
 */
export function storableJson(value: unknown): string {
  switch (typeof value) {
    case 'bigint':
      return value.toString();
    case 'number':
      return Number.isFinite(value)
        ? JSON.stringify(value)
        : Number.isNaN(value)
          ? 'null'
          : JSON.stringify(String(value));
    case 'string':
      return JSON.stringify(storableText(value));
    case 'object': {
      if (value === null) return 'null';
      if (Array.isArray(value))
        return `[${value.map((v: unknown) => (v === undefined ? 'null' : storableJson(v))).join(',')}]`;
      if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'null' : JSON.stringify(value.toISOString());
      if (ArrayBuffer.isView(value)) return JSON.stringify(value); // binary columns: as JSON.stringify has them
      const fields = Object.entries(value).filter(
        ([, v]) => v !== undefined && typeof v !== 'function' && typeof v !== 'symbol'
      );
      return `{${fields.map(([k, v]) => `${JSON.stringify(storableText(k))}:${storableJson(v)}`).join(',')}}`;
    }
    case 'boolean':
      return JSON.stringify(value);
    default:
      return 'null'; // undefined, functions, symbols (as JSON.stringify inside arrays)
  }
}
