// Option symbols in the formats collectors write, parsed to one canonical contract key: the
// 21-character OCC/OSI symbol, so history stays continuous when a collector switches formats.
//
//   TD Ameritrade    SPXW_051923C4200, MSFT_052121P232.5     ROOT_MMDDYY{C,P}STRIKE
//   OSI padded       SPXW  230519C04200000                   root padded to 6, YYMMDD, strike×1000 in 8
//   OSI compact      SPY230519C00410500, O:SPY230519C00410500 (Polygon prefixes O:)
//   thinkorswim      .SPXW230519C4200, .ES260821C105         .ROOTYYMMDD{C,P}STRIKE
//
// Roots may end in digits (adjusted contracts: DELL1), so every format is read from the right.

export type SymbolFormat = 'tda' | 'osi' | 'dxfeed';

export interface ParsedSymbol {
  format: SymbolFormat;
  root: string;
  /** YYYY-MM-DD */
  expiration: string;
  putCall: 'C' | 'P';
  /** Plain decimal, no trailing zeros: '4200', '232.5'. */
  strike: string;
  /** Strike in thousandths, exact (OSI's unit). */
  strikeThousandths: number;
  /** Canonical OSI symbol, 21 characters. */
  contract: string;
}

export type SymbolResult = { ok: true; symbol: ParsedSymbol } | { ok: false; reason: string };

const ROOT = /^[A-Z][A-Z0-9]{0,5}$/;
const TDA = /^(.+)_(\d{2})(\d{2})(\d{2})([CP])(\d+(?:\.\d+)?)$/;
const OSI = /^(?:O:)?(.+?) *(\d{2})(\d{2})(\d{2})([CP])(\d{8})$/;
const DXFEED = /^\.(.+)(\d{2})(\d{2})(\d{2})([CP])(\d+(?:\.\d+)?)$/;

export function parseSymbol(raw: string): SymbolResult {
  const text = raw.trim();
  let match: RegExpExecArray | null;
  if ((match = TDA.exec(text))) {
    const [, root, mm, dd, yy, pc, strike] = match as unknown as string[];
    return build('tda', root!, yy!, mm!, dd!, pc!, decimalToThousandths(strike!), raw);
  }
  if ((match = DXFEED.exec(text))) {
    const [, root, yy, mm, dd, pc, strike] = match as unknown as string[];
    return build('dxfeed', root!, yy!, mm!, dd!, pc!, decimalToThousandths(strike!), raw);
  }
  if ((match = OSI.exec(text))) {
    const [, root, yy, mm, dd, pc, strike] = match as unknown as string[];
    return build('osi', root!, yy!, mm!, dd!, pc!, Number(strike), raw);
  }
  return {
    ok: false,
    reason: `unrecognized option symbol "${raw}" (expected TD Ameritrade, OCC/OSI or thinkorswim form)`,
  };
}

function build(
  format: SymbolFormat,
  root: string,
  yy: string,
  mm: string,
  dd: string,
  pc: string,
  thousandths: number | null,
  raw: string
): SymbolResult {
  if (!ROOT.test(root))
    return {
      ok: false,
      reason: `option symbol "${raw}": root "${root}" is not 1-6 letters/digits starting with a letter`,
    };
  const expiration = `20${yy}-${mm}-${dd}`;
  const date = new Date(`${expiration}T00:00:00Z`);
  if (Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== expiration) {
    return { ok: false, reason: `option symbol "${raw}": expiration ${expiration} is not a date` };
  }
  if (thousandths === null || thousandths <= 0 || thousandths > 99_999_999) {
    return {
      ok: false,
      reason: `option symbol "${raw}": strike must be positive with at most 3 decimals and below 100,000`,
    };
  }
  const putCall = pc as 'C' | 'P';
  return {
    ok: true,
    symbol: {
      format,
      root,
      expiration,
      putCall,
      strike: thousandthsToDecimal(thousandths),
      strikeThousandths: thousandths,
      contract: osiSymbol(root, expiration, putCall, thousandths),
    },
  };
}

export function osiSymbol(root: string, expiration: string, putCall: 'C' | 'P', strikeThousandths: number): string {
  const yymmdd = expiration.slice(2).replaceAll('-', '');
  return `${root.padEnd(6, ' ')}${yymmdd}${putCall}${String(strikeThousandths).padStart(8, '0')}`;
}

/** '232.5' → 232500; null when it has more than three non-zero decimals. Exact (no floats). */
export function decimalToThousandths(decimal: string): number | null {
  const match = /^(\d+)(?:\.(\d+))?$/.exec(decimal.trim());
  if (!match) return null;
  const fraction = (match[2] ?? '').replace(/0+$/, '');
  if (fraction.length > 3) return null;
  return Number(match[1]) * 1000 + Number(fraction.padEnd(3, '0'));
}

export function thousandthsToDecimal(thousandths: number): string {
  const whole = Math.floor(thousandths / 1000);
  const fraction = String(thousandths % 1000)
    .padStart(3, '0')
    .replace(/0+$/, '');
  return fraction ? `${whole}.${fraction}` : String(whole);
}

/** Weekly / PM-settled roots and their index; adjusted roots (DELL1) belong to the root's letters. */
const ROOT_UNDERLYING: Record<string, string> = {
  SPXW: 'SPX',
  SPXPM: 'SPX',
  NDXP: 'NDX',
  RUTW: 'RUT',
  VIXW: 'VIX',
  XSP: 'XSP',
};

export function underlyingForRoot(root: string): string {
  return ROOT_UNDERLYING[root] ?? root.replace(/\d+$/, '');
}

/**
 * The underlying a collector named its file after: SPX.X.2023-05-19.parquet → SPX, $SPX.2024… → SPX;
 * null when the name does not start with a symbol.
 */
export function underlyingFromFileName(fileName: string): string | null {
  const base = fileName.split(/[\\/]/).pop() ?? '';
  const match = /^\$?([A-Z][A-Z0-9]{0,9})(?=[._-])/.exec(base);
  return match ? match[1]! : null;
}
