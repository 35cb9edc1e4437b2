/** Black–Scholes price and greeks (no dividends): enough to make marks and greeks move like real ones. */
export interface OptionValue {
  price: number;
  delta: number;
  gamma: number;
  theta: number;
  vega: number;
  rho: number;
}

const SQRT_2PI = Math.sqrt(2 * Math.PI);
const pdf = (x: number) => Math.exp(-0.5 * x * x) / SQRT_2PI;

/** Standard normal CDF (Abramowitz–Stegun 7.1.26, error < 1.5e-7). */
export function normalCdf(x: number): number {
  const t = 1 / (1 + (0.3275911 * Math.abs(x)) / Math.SQRT2);
  const y =
    1 -
    ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) *
      t *
      Math.exp(-(x * x) / 2);
  return x >= 0 ? 0.5 * (1 + y) : 0.5 * (1 - y);
}

/** `years` to expiry; vol and rate annual. Theta is per calendar day, vega and rho per 1 %. */
export function blackScholes(
  call: boolean,
  spot: number,
  strike: number,
  years: number,
  vol: number,
  rate: number
): OptionValue {
  const t = Math.max(years, 1e-6);
  const sqrtT = Math.sqrt(t);
  const d1 = (Math.log(spot / strike) + (rate + 0.5 * vol * vol) * t) / (vol * sqrtT);
  const d2 = d1 - vol * sqrtT;
  const discount = Math.exp(-rate * t);
  const gamma = pdf(d1) / (spot * vol * sqrtT);
  const vega = (spot * pdf(d1) * sqrtT) / 100;
  if (call) {
    return {
      price: spot * normalCdf(d1) - strike * discount * normalCdf(d2),
      delta: normalCdf(d1),
      gamma,
      theta: (-(spot * pdf(d1) * vol) / (2 * sqrtT) - rate * strike * discount * normalCdf(d2)) / 365,
      vega,
      rho: (strike * t * discount * normalCdf(d2)) / 100,
    };
  }
  return {
    price: strike * discount * normalCdf(-d2) - spot * normalCdf(-d1),
    delta: normalCdf(d1) - 1,
    gamma,
    theta: (-(spot * pdf(d1) * vol) / (2 * sqrtT) + rate * strike * discount * normalCdf(-d2)) / 365,
    vega,
    rho: -(strike * t * discount * normalCdf(-d2)) / 100,
  };
}
