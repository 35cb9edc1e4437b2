/**
 * Encodes rows in PostgreSQL's binary COPY format, the fastest bulk path on both backends
 * (a server through COPY FROM STDIN, the embedded database through COPY FROM '/dev/blob').
 */
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
  #pos = 0;
  #rows = 0;
  readonly #numerics = new Map<string | number, Buffer>();

  constructor(columns: readonly CopyColumn[], initialBytes = 1 << 20) {
    this.columns = columns;
    this.#buf = Buffer.allocUnsafe(initialBytes);
    this.#ensure(SIGNATURE.length + 8);
    SIGNATURE.copy(this.#buf, 0);
    this.#pos = SIGNATURE.length;
    this.#buf.writeInt32BE(0, this.#pos); // flags
    this.#buf.writeInt32BE(0, this.#pos + 4); // header extension length
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
    this.#ensure(2);
    this.#buf.writeInt16BE(columns.length, this.#pos);
    this.#pos += 2;
    for (let i = 0; i < columns.length; i++) {
      const value = values[i];
      if (value === null || value === undefined || (typeof value === 'number' && Number.isNaN(value))) {
        this.#ensure(4);
        this.#buf.writeInt32BE(-1, this.#pos);
        this.#pos += 4;
      } else {
        this.#writeField(columns[i]!, value);
      }
    }
    this.#rows++;
  }

  /** The finished COPY payload (header, rows, trailer). The writer must not be used afterwards. */
  finish(): Buffer {
    this.#ensure(2);
    this.#buf.writeInt16BE(-1, this.#pos);
    this.#pos += 2;
    return this.#buf.subarray(0, this.#pos);
  }

  #ensure(bytes: number): void {
    if (this.#pos + bytes <= this.#buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.#buf.length * 2, this.#pos + bytes));
    this.#buf.copy(next, 0, 0, this.#pos);
    this.#buf = next;
  }

  #writeField(column: CopyColumn, value: CopyValue): void {
    switch (column.type) {
      case 'float8':
        this.#fixed(8).writeDoubleBE(toNumber(column, value), this.#pos - 8);
        return;
      case 'int4':
        this.#fixed(4).writeInt32BE(toInteger(column, value), this.#pos - 4);
        return;
      case 'int8':
        writeInt64(this.#fixed(8), toInteger(column, value), this.#pos - 8);
        return;
      case 'bool':
        this.#fixed(1).writeUInt8(value ? 1 : 0, this.#pos - 1);
        return;
      case 'date':
        this.#fixed(4).writeInt32BE(dateToPgDays(column, value), this.#pos - 4);
        return;
      case 'timestamptz':
        writeInt64(this.#fixed(8), Math.round((toNumber(column, value) - PG_EPOCH_MS) * 1000), this.#pos - 8);
        return;
      case 'text': {
        // Straight into the buffer: no Buffer per value (a million rows carry five text columns).
        const text = String(value);
        this.#ensure(4 + text.length * 3);
        const length = this.#buf.write(text, this.#pos + 4, 'utf8');
        this.#buf.writeInt32BE(length, this.#pos);
        this.#pos += 4 + length;
        return;
      }
      case 'jsonb':
        this.#bytes(Buffer.concat([Buffer.of(1), Buffer.from(JSON.stringify(value), 'utf8')]));
        return;
      case 'numeric': {
        // Strikes repeat every snapshot: encode each distinct value once.
        const key = typeof value === 'number' ? value : String(value);
        let bytes = this.#numerics.get(key);
        if (!bytes) {
          if (this.#numerics.size >= 100_000) this.#numerics.clear();
          this.#numerics.set(key, (bytes = encodeNumeric(column, value)));
        }
        this.#bytes(bytes);
        return;
      }
    }
  }

  /** Writes the length of a fixed-size field and reserves its bytes; returns the buffer to fill them. */
  #fixed(size: number): Buffer {
    this.#ensure(4 + size);
    this.#buf.writeInt32BE(size, this.#pos);
    this.#pos += 4 + size;
    return this.#buf;
  }

  #bytes(bytes: Buffer): void {
    this.#ensure(4 + bytes.length);
    this.#buf.writeInt32BE(bytes.length, this.#pos);
    bytes.copy(this.#buf, this.#pos + 4);
    this.#pos += 4 + bytes.length;
  }
}

/** A safe integer as a big-endian int64, without a BigInt per value. */
export function writeInt64(buf: Buffer, n: number, offset: number): void {
  const high = Math.floor(n / 2 ** 32);
  buf.writeInt32BE(high, offset);
  buf.writeUInt32BE(n - high * 2 ** 32, offset + 4);
}

/**
 * Where the value of field `k` of a row starting at `rowStart` begins, when the row's first k fields
 * are 8-byte values (float8, int8, timestamptz): a field count, then per field a length and the value.
 * Lets a payload be encoded once and such leading fields be filled in afterwards.
 */
export function leadingFieldOffset(rowStart: number, k: number): number {
  return rowStart + 2 + k * 12 + 4;
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
