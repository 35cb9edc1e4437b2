import { BinaryCopyWriter, leadingFieldOffset, setInt64, trailingFieldOffset } from '@optflow/db';
import type { CopyColumn } from '@optflow/db';
import { implausiblePrice } from '../contracts/interval-volume.ts';
import type { QuoteInput } from '../contracts/quote-row.ts';
import { flattenGroups, groupBySession } from './session-groups.ts';
import type { FlatGroups } from './session-groups.ts';

/**
 * A row group, normalized and encoded as binary COPY rows off the main thread, in a form that
 * crosses threads without a per-row object: the COPY payload, the byte offset of each row, and
 * columns of what the volume rules and the bookkeeping need. The volume rules run later, on the
 * main thread, against the stored state; their results are written into the leading fields
 * (volume, signed_volume, premium, anomaly) that were encoded as zeros, and the file's id into the last field
 * (so a file can be read before the database has given it an id).
 */
export interface EncodedBatch {
  /** Accepted quotes. */
  length: number;
  /** A finished COPY payload: header, rows, trailer. */
  payload: Uint8Array;
  /** Byte offset of each row in `payload`, and the end of the last row (length + 1 entries). */
  rowStart: Int32Array;
  /** Epoch ms UTC. */
  quoteTime: Float64Array;
  /** NaN: null. */
  totalVolume: Float64Array;
  /** NaN: null. */
  mark: Float64Array;
  multiplier: Float64Array;
  /** 1: a price is implausible (see implausiblePrice), the volume rules keep the quote out of the flow. */
  implausible: Uint8Array;
  /** Index into `contracts`. */
  contract: Int32Array;
  contracts: string[];
  /** Index into `underlyings`. */
  underlying: Int32Array;
  underlyings: string[];
  /** The quotes by contract-session (groupBySession), computed on the reading thread. */
  groups: FlatGroups;
  rejected: RejectedRow[];
}

export interface RejectedRow {
  rowNumber: number;
  reason: string;
  raw: Record<string, unknown>;
}

/** What the volume rules derive per quote; encoded first so they can be filled in place. */
export interface Derived {
  volume: Float64Array;
  signedVolume: Float64Array;
  premium: Float64Array;
  /** Code of the quote's anomaly (ANOMALIES in @optflow/contract), 0: none. */
  anomaly: Uint8Array;
}

/**
 * The columns of optflow.quotes a load writes, in payload order (see writeQuote): the derived values
 * first (8 bytes each, then the 4-byte anomaly code) and file_id last (8 bytes), as copyPayload fills
 * them in after encoding.
 */
export const QUOTE_COPY_COLUMNS = [
  { name: 'volume', type: 'int8' },
  { name: 'signed_volume', type: 'int8' },
  { name: 'premium', type: 'float8' },
  { name: 'anomaly', type: 'int4' },
  { name: 'quote_time', type: 'timestamptz' },
  { name: 'contract', type: 'text' },
  { name: 'source_symbol', type: 'text' },
  { name: 'underlying', type: 'text' },
  { name: 'root', type: 'text' },
  { name: 'expiration', type: 'date' },
  { name: 'put_call', type: 'text' },
  { name: 'strike', type: 'numeric' },
  { name: 'bid', type: 'float8' },
  { name: 'ask', type: 'float8' },
  { name: 'last', type: 'float8' },
  { name: 'mark', type: 'float8' },
  { name: 'bid_size', type: 'int4' },
  { name: 'ask_size', type: 'int4' },
  { name: 'total_volume', type: 'int8' },
  { name: 'multiplier', type: 'int4' },
  { name: 'open_interest', type: 'int8' },
  { name: 'iv', type: 'float8' },
  { name: 'delta', type: 'float8' },
  { name: 'gamma', type: 'float8' },
  { name: 'theta', type: 'float8' },
  { name: 'vega', type: 'float8' },
  { name: 'rho', type: 'float8' },
  { name: 'underlying_price', type: 'float8' },
  { name: 'file_id', type: 'int8' },
] as const satisfies readonly CopyColumn[];

const EXPIRATION = QUOTE_COPY_COLUMNS[9];
const STRIKE = QUOTE_COPY_COLUMNS[11];

/**
 * One quote as a COPY row, field by field in QUOTE_COPY_COLUMNS order: straight-line typed writes
 * cost a third of a per-value dispatch over a million rows. The derived values and the file id are
 * zeros here (see copyPayload).
 */
function writeQuote(w: BinaryCopyWriter, q: QuoteInput): void {
  w.beginRow();
  w.int8(0);
  w.int8(0);
  w.float8(0);
  w.int4(0); // anomaly
  w.timestamptz(q.quoteTime);
  w.text(q.contract);
  w.text(q.sourceSymbol);
  w.text(q.underlying);
  w.text(q.root);
  w.date(EXPIRATION, q.expiration);
  w.text(q.putCall);
  w.numeric(STRIKE, q.strike);
  w.float8(q.bid);
  w.float8(q.ask);
  w.float8(q.last);
  w.float8(q.mark);
  w.int4(q.bidSize);
  w.int4(q.askSize);
  w.int8(q.totalVolume);
  w.int4(q.multiplier);
  w.int8(q.openInterest);
  w.float8(q.iv);
  w.float8(q.delta);
  w.float8(q.gamma);
  w.float8(q.theta);
  w.float8(q.vega);
  w.float8(q.rho);
  w.float8(q.underlyingPrice);
  w.int8(0); // file_id
}

/**
 * Room per row in the payload: a quote row of a TDA chain takes ~330 bytes (24 fields with their
 * lengths, an OSI contract, the source symbol). Too little doubles (and copies) the buffer of every
 * row group, and the doubled buffer is what travels to the main thread.
 */
const BYTES_PER_ROW = 360;

/** Collects normalized quotes of one row group into an EncodedBatch. */
export class BatchEncoder {
  readonly #writer: BinaryCopyWriter;
  readonly #rowStart: number[] = [];
  readonly #quoteTime: number[] = [];
  readonly #totalVolume: number[] = [];
  readonly #mark: number[] = [];
  readonly #multiplier: number[] = [];
  readonly #implausible: number[] = [];
  readonly #contract: number[] = [];
  readonly #underlying: number[] = [];
  readonly #contracts = new Map<string, number>();
  readonly #underlyings = new Map<string, number>();
  readonly #rejected: RejectedRow[] = [];

  /** `expectedRows`: sizes the payload buffer up front (a quote row takes about 330 bytes). */
  constructor(expectedRows = 4096) {
    this.#writer = new BinaryCopyWriter(QUOTE_COPY_COLUMNS, expectedRows * BYTES_PER_ROW);
  }

  add(q: QuoteInput): void {
    this.#rowStart.push(this.#writer.byteLength);
    writeQuote(this.#writer, q);
    this.#quoteTime.push(q.quoteTime);
    this.#totalVolume.push(q.totalVolume ?? NaN);
    this.#mark.push(q.mark ?? NaN);
    this.#multiplier.push(q.multiplier);
    this.#implausible.push(implausiblePrice(q.bid, q.ask, q.last, q.mark) ? 1 : 0);
    this.#contract.push(indexOf(this.#contracts, q.contract));
    this.#underlying.push(indexOf(this.#underlyings, q.underlying));
  }

  reject(row: RejectedRow): void {
    this.#rejected.push(row);
  }

  finish(): EncodedBatch {
    const end = this.#writer.byteLength;
    const columns = {
      length: this.#quoteTime.length,
      payload: this.#writer.finish(),
      rowStart: Int32Array.from([...this.#rowStart, end]),
      quoteTime: Float64Array.from(this.#quoteTime),
      totalVolume: Float64Array.from(this.#totalVolume),
      mark: Float64Array.from(this.#mark),
      multiplier: Float64Array.from(this.#multiplier),
      implausible: Uint8Array.from(this.#implausible),
      contract: Int32Array.from(this.#contract),
      contracts: [...this.#contracts.keys()],
      underlying: Int32Array.from(this.#underlying),
      underlyings: [...this.#underlyings.keys()],
      rejected: this.#rejected.sort((a, b) => a.rowNumber - b.rowNumber), // in file order, however rows were added
    };
    return { ...columns, groups: flattenGroups(columns, groupBySession(columns)) };
  }
}

function indexOf(index: Map<string, number>, key: string): number {
  let i = index.get(key);
  if (i === undefined) index.set(key, (i = index.size));
  return i;
}

const TRAILER = Uint8Array.of(0xff, 0xff);

/**
 * The finished COPY payload of the rows `keep` (batch indices, in the order to write them) with
 * their derived values and file id, which are written into the batch's own payload: when `keep` is
 * every row in batch order, that payload is the answer.
 */
export function copyPayload(
  batch: EncodedBatch,
  keep: ArrayLike<number>,
  derived: Derived,
  fileId: number
): Uint8Array {
  const { payload, rowStart } = batch;
  const view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
  let inBatchOrder = keep.length === batch.length;
  for (let k = 0; k < keep.length; k++) {
    const i = keep[k]!;
    if (i !== k) inBatchOrder = false;
    setInt64(view, leadingFieldOffset(rowStart[i]!, 0), derived.volume[i]!);
    setInt64(view, leadingFieldOffset(rowStart[i]!, 1), derived.signedVolume[i]!);
    view.setFloat64(leadingFieldOffset(rowStart[i]!, 2), derived.premium[i]!);
    view.setInt32(leadingFieldOffset(rowStart[i]!, 3), derived.anomaly[i]!); // after three 8-byte fields
    setInt64(view, trailingFieldOffset(rowStart[i + 1]!), fileId);
  }
  if (inBatchOrder) return payload;
  const headerEnd = rowStart[0]!;
  let size = headerEnd + TRAILER.length;
  for (let k = 0; k < keep.length; k++) size += rowStart[keep[k]! + 1]! - rowStart[keep[k]!]!;
  const out = new Uint8Array(size);
  out.set(payload.subarray(0, headerEnd), 0);
  let at = headerEnd;
  for (let k = 0; k < keep.length; k++) {
    const i = keep[k]!;
    out.set(payload.subarray(rowStart[i]!, rowStart[i + 1]!), at);
    at += rowStart[i + 1]! - rowStart[i]!;
  }
  out.set(TRAILER, at);
  return out;
}
