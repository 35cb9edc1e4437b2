// The gamma levels traders read off gamma exposure by strike (exposure.ts computes it).
import type { CallPutSum } from './call-put-sums.ts';

export interface GammaLevels {
  /** Strike with the largest call exposure. */
  callWall: number | null;
  /** Strike with the largest (most negative) put exposure. */
  putWall: number | null;
  /** Where the running total of net exposure, from the lowest strike up, crosses zero (interpolated). */
  zeroGamma: number | null;
  /** Strike with the largest call plus |put| exposure. */
  absGamma: number | null;
}

/** `strikes`: gamma exposure per strike (the key), in ascending strike order. */
export function gammaLevels(strikes: ReadonlyArray<CallPutSum<number>>): GammaLevels {
  let callWall: CallPutSum<number> | null = null;
  let putWall: CallPutSum<number> | null = null;
  let absGamma: CallPutSum<number> | null = null;
  const total = (s: CallPutSum<number>) => Math.abs(s.call) + Math.abs(s.put);
  for (const s of strikes) {
    if (s.call > 0 && (callWall === null || s.call > callWall.call)) callWall = s;
    if (s.put < 0 && (putWall === null || s.put < putWall.put)) putWall = s;
    if (total(s) > 0 && (absGamma === null || total(s) > total(absGamma))) absGamma = s;
  }
  let zeroGamma: number | null = null;
  let running = 0;
  for (let i = 0; i < strikes.length; i++) {
    const s = strikes[i]!;
    const next = running + s.call + s.put;
    if (i > 0 && running !== 0 && Math.sign(next) !== Math.sign(running)) {
      const prev = strikes[i - 1]!;
      zeroGamma = prev.key + ((s.key - prev.key) * -running) / (next - running);
      break;
    }
    running = next;
  }
  return {
    callWall: callWall?.key ?? null,
    putWall: putWall?.key ?? null,
    zeroGamma,
    absGamma: absGamma?.key ?? null,
  };
}
