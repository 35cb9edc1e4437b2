import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { blackScholes } from '../src/black-scholes.ts';

// The greeks checked against finite differences of a price computed independently here: the normal
// CDF by Simpson's rule on the density (error ~1e-13), the call price by the formula and the put
// by put–call parity.
function cdf(x: number): number {
  const n = 4000;
  const h = x / n;
  const f = (u: number) => Math.exp(-0.5 * u * u) / Math.sqrt(2 * Math.PI);
  let sum = f(0) + f(x);
  for (let i = 1; i < n; i++) sum += (i % 2 ? 4 : 2) * f(i * h);
  return 0.5 + (sum * h) / 3;
}
function price(call: boolean, s: number, k: number, t: number, vol: number, r: number): number {
  const d1 = (Math.log(s / k) + (r + (vol * vol) / 2) * t) / (vol * Math.sqrt(t));
  const d2 = d1 - vol * Math.sqrt(t);
  const c = s * cdf(d1) - k * Math.exp(-r * t) * cdf(d2);
  return call ? c : c - s + k * Math.exp(-r * t);
}
const dS = (s: number) => s * 1e-4;
function delta(call: boolean, s: number, k: number, t: number, vol: number, r: number): number {
  return (price(call, s + dS(s), k, t, vol, r) - price(call, s - dS(s), k, t, vol, r)) / (2 * dS(s));
}

describe('Black–Scholes greeks against finite differences of the price', () => {
  const cases: Array<[string, boolean, number, number, number, number, number]> = [
    // name, call, spot, strike, years, vol, rate
    ['ATM call, a month, 16 %', true, 4000, 4000, 1 / 12, 0.16, 0.05],
    ['OTM put, a week, 25 %', false, 4000, 3900, 7 / 365, 0.25, 0.05],
    ['ITM call, a year, 40 %, no rate', true, 100, 80, 1, 0.4, 0],
    ['OTM call, two days, 12 %', true, 410, 415, 2 / 365, 0.12, 0.045],
    ['ITM put, three months, 30 %', false, 50, 60, 0.25, 0.3, 0.03],
  ];
  for (const [name, call, s, k, t, vol, r] of cases) {
    test(name, () => {
      const v = blackScholes(call, s, k, t, vol, r);
      const close = (got: number, want: number, what: string, tolerance = 1e-4) =>
        assert.ok(Math.abs(got - want) <= tolerance * Math.max(Math.abs(want), 1e-6), `${what}: ${got} vs ${want}`);
      close(v.price, price(call, s, k, t, vol, r), 'price', 1e-5);
      close(v.delta, delta(call, s, k, t, vol, r), 'delta');
      const gamma = (delta(call, s + dS(s), k, t, vol, r) - delta(call, s - dS(s), k, t, vol, r)) / (2 * dS(s));
      close(v.gamma, gamma, 'gamma', 1e-3);
      const dv = 1e-4;
      close(v.vanna, (delta(call, s, k, t, vol + dv, r) - delta(call, s, k, t, vol - dv, r)) / (2 * dv), 'vanna', 1e-3);
      // Charm as calendar time passes: time to expiry shrinks.
      const dt = t * 1e-4;
      close(v.charm, (delta(call, s, k, t - dt, vol, r) - delta(call, s, k, t + dt, vol, r)) / (2 * dt), 'charm', 1e-3);
    });
  }
});
