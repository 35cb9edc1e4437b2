// Gamma exposure by strike at one snapshot: gamma × open interest × multiplier × spot² × 0.01 (the
// dollar change of dealers' delta for a 1 % move), calls positive and puts negative, on the usual
// assumption that dealers are long the calls and short the puts customers trade.

export interface GexStrike {
  strike: number;
  callGex: number;
  putGex: number;
}

export interface GexSummary {
  /** Strike with the largest call exposure. */
  callWall: number | null;
  /** Strike with the largest (most negative) put exposure. */
  putWall: number | null;
  /** Where the running total of net exposure, from the lowest strike up, crosses zero (interpolated). */
  zeroGamma: number | null;
}

export function gexOfContract(
  gamma: number,
  openInterest: number,
  multiplier: number,
  spot: number,
  putCall: 'C' | 'P'
): number {
  return (putCall === 'C' ? 1 : -1) * gamma * openInterest * multiplier * spot * spot * 0.01;
}

/** `strikes` in ascending strike order. */
export function summarizeGex(strikes: readonly GexStrike[]): GexSummary {
  let callWall: GexStrike | null = null;
  let putWall: GexStrike | null = null;
  for (const s of strikes) {
    if (s.callGex > 0 && (callWall === null || s.callGex > callWall.callGex)) callWall = s;
    if (s.putGex < 0 && (putWall === null || s.putGex < putWall.putGex)) putWall = s;
  }
  let zeroGamma: number | null = null;
  let running = 0;
  for (let i = 0; i < strikes.length; i++) {
    const s = strikes[i]!;
    const next = running + s.callGex + s.putGex;
    if (i > 0 && running !== 0 && Math.sign(next) !== Math.sign(running)) {
      const prev = strikes[i - 1]!;
      zeroGamma = prev.strike + ((s.strike - prev.strike) * -running) / (next - running);
      break;
    }
    running = next;
  }
  return { callWall: callWall?.strike ?? null, putWall: putWall?.strike ?? null, zeroGamma };
}
