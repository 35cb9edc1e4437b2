// Encodes rows in PostgreSQL's binary COPY format, the fastest bulk path on both backends
// (a server through COPY FROM STDIN, the embedded database through COPY FROM '/dev/blob').

export type CopyType = 'text' | 'int4' | 'int8' | 'float8' | 'bool' | 'date' | 'timestamptz' | 'numeric' | 'jsonb';

export interface CopyColumn {
  name: string;
  type: CopyType;
}

/** A value for one column: numbers for numeric types (timestamptz as epoch milliseconds), strings for
 * text, `YYYY-MM-DD` for date, decimal strings or numbers for numeric, any JSON value for jsonb. */
export type CopyValue = string | number | boolean | null | undefined | object;

const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'binary');
const PG_EPOCH_MS = Date.UTC(2000, 0, 1);
const MS_PER_DAY = 86_400_000;

export class BinaryCopyWriter {
  readonly columns: readonly CopyColumn[];
  #buf: Buffer;
  /** Fixed-width fields go through a DataView: V8 inlines it, unlike Buffer's checked writers. */
  #view: DataView;
  #pos = 0;
  #rows = 0;
  /** Encodings of repeated values (strikes, expirations), each computed once. */
  readonly #numerics = new Map<string | number, Uint8Array>();
  readonly #dates = new Map<string, number>();

  constructor(columns: readonly CopyColumn[], initialBytes = 1 << 20) {
    this.columns = columns;
    this.#buf = Buffer.allocUnsafe(Math.max(initialBytes, SIGNATURE.length + 8));
    this.#view = new DataView(this.#buf.buffer, this.#buf.byteOffset, this.#buf.byteLength);
    this.#buf.set(SIGNATURE, 0);
    this.#pos = SIGNATURE.length;
    this.#view.setInt32(this.#pos, 0); // flags
    this.#view.setInt32(this.#pos + 4, 0); // header extension length
    this.#pos += 8;
  }

  get rowCount(): number {
    return this.#rows;
  }

  /** Bytes written so far: where the next row starts in the finished payload. */
  get byteLength(): number {
    return this.#pos;
  }

  /** Appends one row; `values` are in the order of `columns`. */
  writeRow(values: readonly CopyValue[]): void {
    const columns = this.columns;
    if (values.length !== columns.length) {
      throw new Error(`copy row has ${values.length} values for ${columns.length} columns`);
    }
    this.beginRow();
    for (let i = 0; i < columns.length; i++) {
      const value = values[i];
      if (value === null || value === undefined || (typeof value === 'number' && Number.isNaN(value))) this.null();
      else this.#writeField(columns[i]!, value);
    }
  }

  /*
   * The typed path: beginRow, then one call per column in column order. For callers that know their
   * columns' types (a million quotes skip writeRow's per-value checks and dispatch); writeRow checks
   * and dispatches to the same writers.
   */

  beginRow(): void {
    this.#ensure(2);
    this.#view.setInt16(this.#pos, this.columns.length);
    this.#pos += 2;
    this.#rows++;
  }

  null(): void {
    this.#ensure(4);
    this.#view.setInt32(this.#pos, -1);
    this.#pos += 4;
  }

  /** NaN and null: NULL. */
  float8(n: number | null): void {
    if (n === null || Number.isNaN(n)) return this.null();
    const at = this.#fixed(8); // first: it may grow the buffer and replace the view
    this.#view.setFloat64(at, n);
  }

  /** A safe integer, or null. */
  int8(n: number | null): void {
    if (n === null) return this.null();
    const at = this.#fixed(8);
    setInt64(this.#view, at, n);
  }

  /** A 32-bit integer, or null. */
  int4(n: number | null): void {
    if (n === null) return this.null();
    const at = this.#fixed(4);
    this.#view.setInt32(at, n);
  }

  /** Epoch milliseconds (fractions keep microseconds). */
  timestamptz(ms: number): void {
    const at = this.#fixed(8);
    setInt64(this.#view, at, Math.round((ms - PG_EPOCH_MS) * 1000));
  }

  text(text: string | null): void {
    if (text === null) return this.null();
    this.#ensure(4 + text.length * 3);
    const start = this.#pos + 4;
    let length = -1;
    // Symbols and codes are short ASCII: a byte loop beats a call into the UTF-8 encoder.
    if (text.length <= 64) {
      let i = 0;
      for (; i < text.length; i++) {
        const code = text.charCodeAt(i);
        if (code > 0x7f) break;
        this.#buf[start + i] = code;
      }
      if (i === text.length) length = i;
    }
    if (length < 0) length = this.#buf.write(text, start, 'utf8');
    this.#view.setInt32(this.#pos, length);
    this.#pos = start + length;
  }

  /** `YYYY-MM-DD`. */
  date(column: CopyColumn, value: string): void {
    let days = this.#dates.get(value);
    if (days === undefined) {
      days = dateToPgDays(column, value);
      if (this.#dates.size >= 10_000) this.#dates.clear();
      this.#dates.set(value, days);
    }
    const at = this.#fixed(4);
    this.#view.setInt32(at, days);
  }

  /** A decimal string or a number. */
  numeric(column: CopyColumn, value: string | number): void {
    let bytes = this.#numerics.get(value);
    if (!bytes) {
      if (this.#numerics.size >= 100_000) this.#numerics.clear();
      this.#numerics.set(value, (bytes = encodeNumeric(column, value)));
    }
    this.#bytes(bytes);
  }

  /** The finished COPY payload (header, rows, trailer). The writer must not be used afterwards. */
  finish(): Buffer {
    this.#ensure(2);
    this.#view.setInt16(this.#pos, -1);
    this.#pos += 2;
    return this.#buf.subarray(0, this.#pos);
  }

  #ensure(bytes: number): void {
    if (this.#pos + bytes <= this.#buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.#buf.length * 2, this.#pos + bytes));
    this.#buf.copy(next, 0, 0, this.#pos);
    this.#buf = next;
    this.#view = new DataView(next.buffer, next.byteOffset, next.byteLength);
  }

  #writeField(column: CopyColumn, value: CopyValue): void {
    switch (column.type) {
      case 'float8':
        return this.float8(toNumber(column, value));
      case 'int4':
        return this.int4(toInteger(column, value));
      case 'int8':
        return this.int8(toInteger(column, value));
      case 'bool': {
        const at = this.#fixed(1);
        this.#view.setUint8(at, value ? 1 : 0);
        return;
      }
      case 'date':
        if (typeof value !== 'string')
          throw new Error(`column ${column.name}: ${JSON.stringify(value)} is not a YYYY-MM-DD date`);
        return this.date(column, value);
      case 'timestamptz':
        return this.timestamptz(toNumber(column, value));
      case 'text':
        return this.text(String(value));
      case 'jsonb':
        return this.#bytes(Buffer.concat([Buffer.of(1), Buffer.from(JSON.stringify(value), 'utf8')]));
      case 'numeric':
        return this.numeric(column, typeof value === 'number' ? value : String(value));
    }
  }

  /** Writes the length of a fixed-size field and reserves its bytes; returns where they start. */
  #fixed(size: number): number {
    this.#ensure(4 + size);
    this.#view.setInt32(this.#pos, size);
    this.#pos += 4 + size;
    return this.#pos - size;
  }

  #bytes(bytes: Uint8Array): void {
    this.#ensure(4 + bytes.length);
    this.#view.setInt32(this.#pos, bytes.length);
    const start = this.#pos + 4;
    if (bytes.length <= 32) for (let i = 0; i < bytes.length; i++) this.#buf[start + i] = bytes[i]!;
    else this.#buf.set(bytes, start);
    this.#pos = start + bytes.length;
  }
}

/** A safe integer as a big-endian int64, without a BigInt per value. */
export function setInt64(view: DataView, offset: number, n: number): void {
  const high = Math.floor(n / 2 ** 32);
  view.setInt32(offset, high);
  view.setUint32(offset + 4, n - high * 2 ** 32);
}

/**
 * Where the value of field `k` of a row starting at `rowStart` begins, when the row's first k fields
 * are 8-byte values (float8, int8, timestamptz): a field count, then per field a length and the value.
 * Lets a payload be encoded once and such leading fields be filled in afterwards.
 */
export function leadingFieldOffset(rowStart: number, k: number): number {
  return rowStart + 2 + k * 12 + 4;
}

/** Where the value of a row's last field begins when that field is an 8-byte value: its last 8 bytes. */
export function trailingFieldOffset(rowEnd: number): number {
  return rowEnd - 8;
}

function toNumber(column: CopyColumn, value: CopyValue): number {
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isFinite(n)) throw new Error(`column ${column.name}: ${JSON.stringify(value)} is not a finite number`);
  return n;
}

function toInteger(column: CopyColumn, value: CopyValue): number {
  const n = toNumber(column, value);
  if (!Number.isSafeInteger(n)) throw new Error(`column ${column.name}: ${JSON.stringify(value)} is not an integer`);
  return n;
}

function dateToPgDays(column: CopyColumn, value: CopyValue): number {
  const match = typeof value === 'string' ? /^(\d{4})-(\d{2})-(\d{2})$/.exec(value) : null;
  if (!match) throw new Error(`column ${column.name}: ${JSON.stringify(value)} is not a YYYY-MM-DD date`);
  const ms = Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]));
  return Math.round((ms - PG_EPOCH_MS) / MS_PER_DAY);
}

/** PostgreSQL's binary numeric: base-10000 digits with a weight, a sign and a display scale. */
export function encodeNumeric(column: CopyColumn, value: CopyValue): Buffer {
  const text = typeof value === 'number' ? numberToPlainDecimal(value) : String(value).trim();
  const match = /^([+-]?)(\d*)(?:\.(\d*))?$/.exec(text);
  if (!match || (match[2] === '' && (match[3] ?? '') === '')) {
    throw new Error(`column ${column.name}: ${JSON.stringify(value)} is not a decimal number`);
  }
  const negative = match[1] === '-';
  const intPart = match[2]!.replace(/^0+/, '');
  const fracPart = match[3] ?? '';
  const dscale = fracPart.length;
  // Pad so both sides split into whole groups of four decimal digits.
  const intPadded = intPart.padStart(Math.ceil(intPart.length / 4) * 4, '0');
  const fracPadded = fracPart.padEnd(Math.ceil(fracPart.length / 4) * 4, '0');
  const groups: number[] = [];
  for (let i = 0; i < intPadded.length; i += 4) groups.push(Number(intPadded.slice(i, i + 4)));
  for (let i = 0; i < fracPadded.length; i += 4) groups.push(Number(fracPadded.slice(i, i + 4)));
  let weight = intPadded.length / 4 - 1;
  // Strip leading and trailing zero groups; PostgreSQL stores none.
  while (groups.length > 0 && groups[0] === 0) {
    groups.shift();
    weight--;
  }
  while (groups.length > 0 && groups[groups.length - 1] === 0) groups.pop();
  if (groups.length === 0) weight = 0;
  const out = Buffer.allocUnsafe(8 + groups.length * 2);
  out.writeInt16BE(groups.length, 0);
  out.writeInt16BE(weight, 2);
  out.writeUInt16BE(negative && groups.length > 0 ? 0x4000 : 0, 4);
  out.writeInt16BE(dscale, 6);
  groups.forEach((g, i) => out.writeInt16BE(g, 8 + i * 2));
  return out;
}

function numberToPlainDecimal(n: number): string {
  if (!Number.isFinite(n)) throw new Error(`${n} is not a finite number`);
  const text = String(n);
  if (!/e/i.test(text)) return text;
  // Exponent notation (tiny or huge numbers): expand without losing the shortest round-trip digits.
  return n.toFixed(20).replace(/\.?0+$/, '');
}
