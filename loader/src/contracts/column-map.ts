// Which input column holds which quote field, detected from the names collectors use (TD Ameritrade
// / Schwab camelCase, snake_case, tastytrade) and overridable with --map field=column.

export const FIELD_CANDIDATES = {
  time: ['processDateTime', 'quote_time', 'created_at', 'snapshot_time', 'quoteTimeInLong'],
  symbol: ['symbol', 'option_symbol', 'optionSymbol', 'contract_symbol'],
  totalVolume: ['totalVolume', 'total_volume', 'day_volume'],
  strike: ['strikePrice', 'strike', 'strike_price'],
  putCall: ['putCall', 'put_call', 'option_type', 'cp_flag'],
  expiration: ['expirationDate', 'expiration_date', 'expiry', 'exdate'],
  mark: ['mark', 'price'],
  bid: ['bid', 'bid_price'],
  ask: ['ask', 'ask_price'],
  last: ['last', 'last_price'],
  bidSize: ['bidSize', 'bid_size'],
  askSize: ['askSize', 'ask_size'],
  underlying: ['underlying', 'underlyingSymbol', 'underlying_symbol'],
  underlyingPrice: ['underlyingPrice', 'underlying_price'],
  openInterest: ['openInterest', 'open_interest'],
  iv: ['volatility', 'iv', 'implied_volatility'],
  delta: ['delta'],
  gamma: ['gamma'],
  theta: ['theta'],
  vega: ['vega'],
  rho: ['rho'],
  multiplier: ['multiplier'],
} as const satisfies Record<string, readonly string[]>;

export type Field = keyof typeof FIELD_CANDIDATES;
export const REQUIRED_FIELDS: readonly Field[] = ['time', 'symbol', 'totalVolume'];

/** Field → the column it is read from (absent: not in this file). */
export type ColumnMap = Partial<Record<Field, string>>;

export type ColumnMapResult = { ok: true; map: ColumnMap } | { ok: false; reason: string };

export function isField(name: string): name is Field {
  return Object.hasOwn(FIELD_CANDIDATES, name);
}

/** Parses repeated `--map field=column` values; throws with the list of fields on a bad one. */
export function parseMapOverrides(values: readonly string[]): ColumnMap {
  const overrides: ColumnMap = {};
  for (const value of values) {
    const eq = value.indexOf('=');
    const field = value.slice(0, eq);
    const column = value.slice(eq + 1);
    if (eq <= 0 || column === '') throw new Error(`--map expects field=column, got "${value}"`);
    if (!isField(field))
      throw new Error(`--map: unknown field "${field}" (fields: ${Object.keys(FIELD_CANDIDATES).join(', ')})`);
    overrides[field] = column;
  }
  return overrides;
}

/**
 * Maps the file's columns: overrides first, then the first candidate present (exact name, else
 * case-insensitive). Fails, listing the file's columns, when a required field has no column or an
 * override names a column the file does not have.
 */
export function mapColumns(columns: readonly string[], overrides: ColumnMap = {}): ColumnMapResult {
  const byLower = new Map(columns.map((c) => [c.toLowerCase(), c]));
  const map: ColumnMap = {};
  const has = `the file has columns: ${columns.join(', ')}`;
  for (const field of Object.keys(FIELD_CANDIDATES) as Field[]) {
    const override = overrides[field];
    if (override !== undefined) {
      if (!columns.includes(override))
        return { ok: false, reason: `--map ${field}=${override}: no column "${override}"; ${has}` };
      map[field] = override;
      continue;
    }
    const candidates: readonly string[] = FIELD_CANDIDATES[field];
    const found =
      candidates.find((c) => columns.includes(c)) ??
      candidates.map((c) => byLower.get(c.toLowerCase())).find((c) => c !== undefined);
    if (found !== undefined) map[field] = found;
  }
  const missing = REQUIRED_FIELDS.filter((f) => map[f] === undefined);
  if (missing.length > 0) {
    const tried = missing.map((f) => `${f} (tried ${FIELD_CANDIDATES[f].join(', ')})`).join('; ');
    return { ok: false, reason: `no column for ${tried}; ${has}; name one with --map ${missing[0]}=<column>` };
  }
  return { ok: true, map };
}
