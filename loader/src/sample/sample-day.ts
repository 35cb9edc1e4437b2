import { blackScholes, SESSION_TIME_ZONE, wallTimeToUtc } from '@optflow/contract';
import { Random } from './random.ts';

/**
 * A synthetic trading day in the TD Ameritrade collector's layout: one row per contract per
 * snapshot, cumulative totalVolume with a U-shaped intraday profile, marks and greeks that move
 * with a random-walk underlying. Pure and deterministic for a seed.
 */
export interface SampleOptions {
  underlying: string;
  /** Trading date, YYYY-MM-DD (New York). */
  date: string;
  /** Number of expirations: the day itself (0DTE) and the following weekdays. */
  expirations: number;
  /** Strikes per expiration (each with a call and a put), centred on the opening price. */
  strikes: number;
  /** Seconds between snapshots, from 09:30 to 16:00 New York inclusive. */
  intervalSeconds: number;
  /** Snapshots per Parquet row group. */
  snapshotsPerRowGroup: number;
  seed: number;
}

export const DEFAULT_SAMPLE: SampleOptions = {
  underlying: 'SPX',
  date: '2023-05-19',
  expirations: 5,
  strikes: 250,
  intervalSeconds: 60,
  snapshotsPerRowGroup: 30,
  seed: 1,
};

/** Per underlying: opening price, strike step, the root of its weekly options. */
const PROFILES: Record<string, { spot: number; step: number; root: string }> = {
  SPX: { spot: 4200, step: 5, root: 'SPXW' },
  NDX: { spot: 13500, step: 25, root: 'NDXP' },
  RUT: { spot: 1750, step: 5, root: 'RUTW' },
  SPY: { spot: 420, step: 1, root: 'SPY' },
  QQQ: { spot: 340, step: 1, root: 'QQQ' },
};

export interface SampleContract {
  /** TD Ameritrade symbol, e.g. SPXW_051923C4200. */
  symbol: string;
  root: string;
  putCall: 'CALL' | 'PUT';
  strike: number;
  /** Expiration date, YYYY-MM-DD. */
  expiration: string;
  /** TDA's expirationDate: epoch ms of 16:00 New York on the expiration date. */
  expirationMs: number;
  openInterest: number;
}

/** One row group's worth of rows, column by column (the Parquet writer's input). */
export interface SampleBatch {
  symbol: string[];
  putCall: string[];
  strikePrice: number[];
  expirationDate: bigint[];
  daysToExpiration: number[];
  bid: number[];
  ask: number[];
  last: number[];
  mark: number[];
  bidSize: number[];
  askSize: number[];
  totalVolume: bigint[];
  volatility: number[];
  delta: number[];
  gamma: number[];
  theta: number[];
  vega: number[];
  rho: number[];
  openInterest: bigint[];
  multiplier: number[];
  underlyingPrice: number[];
  quoteTimeInLong: bigint[];
  /** Naive New York wall time of the snapshot, as if UTC (what pandas writes). */
  processDateTime: Date[];
}

export const SAMPLE_COLUMNS: ReadonlyArray<keyof SampleBatch> = [
  'symbol',
  'putCall',
  'strikePrice',
  'expirationDate',
  'daysToExpiration',
  'bid',
  'ask',
  'last',
  'mark',
  'bidSize',
  'askSize',
  'totalVolume',
  'volatility',
  'delta',
  'gamma',
  'theta',
  'vega',
  'rho',
  'openInterest',
  'multiplier',
  'underlyingPrice',
  'quoteTimeInLong',
  'processDateTime',
];

const MS_PER_DAY = 86_400_000;
const YEAR_MS = 365 * MS_PER_DAY;
const RATE = 0.05;
/** Per-minute volatility of the underlying: ~16 % a year. */
const MINUTE_VOL = 0.16 / Math.sqrt(252 * 390);

export function sampleFileName(options: Pick<SampleOptions, 'underlying' | 'date'>): string {
  return `${options.underlying}.X.${options.date}.parquet`;
}

export function snapshotTimes(options: Pick<SampleOptions, 'date' | 'intervalSeconds'>): number[] {
  const [y, m, d] = options.date.split('-').map(Number) as [number, number, number];
  const open = Date.UTC(y, m - 1, d, 9, 30);
  const close = Date.UTC(y, m - 1, d, 16, 0);
  const times: number[] = [];
  for (let wall = open; wall <= close; wall += options.intervalSeconds * 1000) times.push(wall);
  return times; // naive New York wall times
}

function expirationDates(date: string, count: number): string[] {
  const out: string[] = [];
  for (let t = Date.parse(`${date}T00:00:00Z`); out.length < count; t += MS_PER_DAY) {
    const day = new Date(t).getUTCDay();
    if (day !== 0 && day !== 6) out.push(new Date(t).toISOString().slice(0, 10));
  }
  return out;
}

/** TDA symbol: ROOT_MMDDYY{C,P}STRIKE with the strike as a plain decimal. */
export function tdaSymbol(root: string, expiration: string, putCall: 'CALL' | 'PUT', strike: number): string {
  const [y, m, d] = expiration.split('-') as [string, string, string];
  return `${root}_${m}${d}${y.slice(2)}${putCall[0]}${strike}`;
}

export function sampleContracts(options: SampleOptions): SampleContract[] {
  const profile = PROFILES[options.underlying] ?? { spot: 100, step: 1, root: options.underlying };
  const random = new Random(options.seed ^ 0x5eed);
  const first = Math.round(profile.spot / profile.step - options.strikes / 2) * profile.step;
  const contracts: SampleContract[] = [];
  for (const expiration of expirationDates(options.date, options.expirations)) {
    const [y, m, d] = expiration.split('-').map(Number) as [number, number, number];
    const expirationMs = wallTimeToUtc(Date.UTC(y, m - 1, d, 16, 0), SESSION_TIME_ZONE);
    for (let i = 0; i < options.strikes; i++) {
      const strike = first + i * profile.step;
      for (const putCall of ['CALL', 'PUT'] as const) {
        contracts.push({
          symbol: tdaSymbol(profile.root, expiration, putCall, strike),
          root: profile.root,
          putCall,
          strike,
          expiration,
          expirationMs,
          openInterest: Math.round(
            5000 * Math.exp(-Math.abs(strike - profile.spot) / (profile.spot * 0.03)) * random.next()
          ),
        });
      }
    }
  }
  return contracts;
}

/** Yields the day one row group at a time, so a 1M-row day never sits in memory whole. */
export function* sampleDay(options: SampleOptions): Generator<SampleBatch> {
  const profile = PROFILES[options.underlying] ?? { spot: 100, step: 1, root: options.underlying };
  const contracts = sampleContracts(options);
  const times = snapshotTimes(options);
  const random = new Random(options.seed);
  const total = new Float64Array(contracts.length);
  const minutes = (times.length - 1) * (options.intervalSeconds / 60) || 1;
  let spot = profile.spot;

  for (let start = 0; start < times.length; start += options.snapshotsPerRowGroup) {
    const batch = emptyBatch();
    for (const wall of times.slice(start, start + options.snapshotsPerRowGroup)) {
      const utc = wallTimeToUtc(wall, SESSION_TIME_ZONE);
      spot *= Math.exp(MINUTE_VOL * Math.sqrt(options.intervalSeconds / 60) * random.normal());
      // Activity is U-shaped over the day: busy at the open and the close, quiet at lunch.
      const x = ((wall - times[0]!) / 60_000 / minutes) * 2 - 1;
      const intensity = (0.35 + 1.3 * x * x) * (options.intervalSeconds / 60);
      contracts.forEach((c, i) => {
        const years = (c.expirationMs - utc) / YEAR_MS;
        const moneyness = Math.log(c.strike / spot);
        const vol = 0.14 + 1.8 * moneyness * moneyness + (c.putCall === 'PUT' ? 0.02 : 0);
        const v = blackScholes(c.putCall === 'CALL', spot, c.strike, years, vol, RATE);
        const dte = Math.round(
          (Date.parse(`${c.expiration}T00:00:00Z`) - Date.parse(`${options.date}T00:00:00Z`)) / MS_PER_DAY
        );
        const activity = 40 * Math.exp(-Math.abs(moneyness) / 0.01) * (dte === 0 ? 3 : 1 / (1 + dte / 3));
        total[i]! += random.poisson(activity * intensity);
        // Quotes sit on the tick grid; the mark is the mid of bid and ask, as TDA reports it.
        const tick = v.price < 3 ? 0.05 : 0.1;
        const spread = Math.max(tick, Math.round((v.price * 0.02) / tick) * tick);
        const bid = Math.max(0, Math.floor((v.price - spread / 2) / tick) * tick);
        const ask = bid + spread;
        const mark = (bid + ask) / 2;
        // Greeks are sometimes unavailable: TDA then sends the -999 sentinel.
        const greeksMissing = random.next() < 0.002;
        batch.symbol.push(c.symbol);
        batch.putCall.push(c.putCall);
        batch.strikePrice.push(c.strike);
        batch.expirationDate.push(BigInt(c.expirationMs));
        batch.daysToExpiration.push(dte);
        batch.bid.push(round2(bid));
        batch.ask.push(round2(ask));
        batch.last.push(round2(bid + Math.round((random.next() * spread) / tick) * tick));
        batch.mark.push(round3(mark));
        batch.bidSize.push(1 + Math.floor(random.next() * 50));
        batch.askSize.push(1 + Math.floor(random.next() * 50));
        batch.totalVolume.push(BigInt(total[i]!));
        batch.volatility.push(greeksMissing ? -999 : round3(vol * 100));
        batch.delta.push(greeksMissing ? -999 : round3(v.delta));
        batch.gamma.push(greeksMissing ? -999 : round6(v.gamma));
        batch.theta.push(greeksMissing ? -999 : round3(v.theta));
        batch.vega.push(greeksMissing ? -999 : round3(v.vega));
        batch.rho.push(greeksMissing ? -999 : round3(v.rho));
        batch.openInterest.push(BigInt(c.openInterest));
        batch.multiplier.push(100);
        batch.underlyingPrice.push(round2(spot));
        batch.quoteTimeInLong.push(BigInt(utc - Math.floor(random.next() * 900)));
        batch.processDateTime.push(new Date(wall));
      });
    }
    yield batch;
  }
}

function emptyBatch(): SampleBatch {
  return Object.fromEntries(SAMPLE_COLUMNS.map((name) => [name, []])) as unknown as SampleBatch;
}

const round2 = (x: number) => Math.round(x * 100) / 100;
const round3 = (x: number) => Math.round(x * 1000) / 1000;
const round6 = (x: number) => Math.round(x * 1e6) / 1e6;
