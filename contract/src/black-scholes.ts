// Black–Scholes price and greeks without dividends: the sample generator makes marks and greeks
// move like real ones with it, and the exposures fill in what a feed does not give (vanna and charm
// never, delta and gamma sometimes) from the contract's implied volatility.
export interface OptionValue {
  price: number;
  delta: number;
  gamma: number;
  /** Per calendar day. */
  theta: number;
  /** Per 1 % of volatility. */
  vega: number;
  /** Per 1 % of the rate. */
  rho: number;
  /** ∂delta/∂volatility, per 1.00 of volatility (the same for calls and puts). */
  vanna: number;
  /** ∂delta/∂time as time passes, per year (the same for calls and puts without dividends). */
  charm: number;
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

/** `years` to expiry (at least a millionth); vol (a fraction: 0.16) and rate annual. */
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
  const vanna = (-pdf(d1) * d2) / vol;
  const charm = (-pdf(d1) * (2 * rate * t - d2 * vol * sqrtT)) / (2 * t * vol * sqrtT);
  if (call) {
    return {
      price: spot * normalCdf(d1) - strike * discount * normalCdf(d2),
      delta: normalCdf(d1),
      gamma,
      theta: (-(spot * pdf(d1) * vol) / (2 * sqrtT) - rate * strike * discount * normalCdf(d2)) / 365,
      vega,
      rho: (strike * t * discount * normalCdf(d2)) / 100,
      vanna,
      charm,
    };
  }
  return {
    price: strike * discount * normalCdf(-d2) - spot * normalCdf(-d1),
    delta: normalCdf(d1) - 1,
    gamma,
    theta: (-(spot * pdf(d1) * vol) / (2 * sqrtT) + rate * strike * discount * normalCdf(-d2)) / 365,
    vega,
    rho: -(strike * t * discount * normalCdf(-d2)) / 100,
    vanna,
    charm,
  };
}
