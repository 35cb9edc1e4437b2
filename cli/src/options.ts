import { InvalidArgumentError } from 'commander';

/** Commander argument parsers that reject bad values with a message naming what was expected. */
export function integerIn(min: number, max: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!/^-?\d+$/.test(value.trim()) || n < min || n > max) {
      throw new InvalidArgumentError(`expected a whole number from ${min} to ${max}, got "${value}"`);
    }
    return n;
  };
}

export function isoDate(value: string): string {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  const valid = match && new Date(`${value}T00:00:00Z`).toISOString().slice(0, 10) === value;
  if (!valid) throw new InvalidArgumentError(`expected a date as YYYY-MM-DD, got "${value}"`);
  return value;
}

export function symbolName(value: string): string {
  if (!/^[A-Z][A-Z0-9.]{0,9}$/.test(value)) {
    throw new InvalidArgumentError(`expected an underlying symbol such as SPX or SPY, got "${value}"`);
  }
  return value;
}
