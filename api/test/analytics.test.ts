import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { testBackend } from '@optflow/db/testing';
import { blackScholes } from '@optflow/contract';
import type { ExposureGreek } from '@optflow/contract';
import { sampleDay } from '@optflow/loader';
import { createApi } from '../src/index.ts';
import { DEFAULT_UNUSUAL, unusualRules } from '../src/unusual.ts';
import type { ContractActivity, UnusualRule } from '../src/unusual.ts';
import { DAY, OPEN, openLoadedDatabase } from './support.ts';
import type { LoadedDatabase } from './support.ts';

/**
 * Max pain, unusual activity and exposures: the formulas on hand-made cases, and the API's series and
 * tables on the loaded sample day against a computation over the generator's rows written here.
 */

describe('unusual-activity rules at their boundaries (defaults: ratio ≥ 1.25, volume > 500, OI > 100, price > 0.10; hot > 3 × mean)', () => {
  const base: ContractActivity = { volume: 1000, openInterest: 200, price: 1, latest: 0, mean: 10 };
  const cases: Array<[string, Partial<ContractActivity>, UnusualRule[]]> = [
    ['ratio 5', {}, ['volume/OI']],
    ['ratio exactly 1.25', { volume: 625, openInterest: 500 }, ['volume/OI']],
    ['ratio just below 1.25', { volume: 624, openInterest: 500 }, []],
    ['volume exactly 500 (must exceed)', { volume: 500, openInterest: 200 }, []],
    ['volume 501', { volume: 501, openInterest: 200 }, ['volume/OI']],
    ['OI exactly 100 (must exceed)', { openInterest: 100 }, []],
    ['OI 101', { openInterest: 101 }, ['volume/OI']],
    ['no OI', { openInterest: null }, []],
    ['OI 0', { openInterest: 0 }, []],
    ['price exactly 0.10 (must exceed)', { price: 0.1 }, []],
    ['price 0.11', { price: 0.11 }, ['volume/OI']],
    ['no price', { price: null }, []],
    ['hot: latest 31 > 3 × 10', { latest: 31 }, ['volume/OI', 'hot']],
    ['not hot: latest exactly 3 × mean', { latest: 30 }, ['volume/OI']],
    ['hot only', { latest: 31, openInterest: 5000 }, ['hot']],
    ['not hot: no latest volume even with a zero mean', { latest: 0, mean: 0, openInterest: 5000 }, []],
  ];
  for (const [name, patch, rules] of cases)
    test(name, () => assert.deepEqual(unusualRules({ ...base, ...patch }, DEFAULT_UNUSUAL), rules));
  test('thresholds are options', () => {
    assert.deepEqual(unusualRules({ ...base, volume: 300 }, { ...DEFAULT_UNUSUAL, minVolume: 299 }), ['volume/OI']);
    assert.deepEqual(unusualRules({ ...base, latest: 15 }, { ...DEFAULT_UNUSUAL, hotFactor: 1.4 }), [
      'volume/OI',
      'hot',
    ]);
  });
});

/** A hand-made chain: per strike, call and put open interest (null: not published). */
type Chain = Array<[strike: number, callOi: number | null, putOi: number | null]>;

/** Max pain by its definition: the listed strike minimizing what holders are paid; the lowest on a tie. */
function maxPainByDefinition(chain: Chain): number | null {
  if (chain.every(([, c, p]) => !c && !p)) return null;
  let best: { strike: number; pain: number } | null = null;
  for (const [settle] of chain) {
    let pain = 0;
    for (const [k, c, p] of chain)
      pain += (c ?? 0) * 100 * Math.max(0, settle - k) + (p ?? 0) * 100 * Math.max(0, k - settle);
    if (best === null || pain < best.pain || (pain === best.pain && settle < best.strike))
      best = { strike: settle, pain };
  }
  return best!.strike;
}

const backend = await testBackend();

describe(`max pain, unusual activity and exposures through the API (${backend})`, () => {
  let loaded: LoadedDatabase;
  let app: FastifyInstance;
  interface Result {
    frames: Array<{
      name: string;
      fields: Array<{ name: string; labels?: Record<string, string>; values: Array<number | string | null> }>;
    }>;
  }
  const ask = async (range: { from: number; to: number }, queries: object[]) => {
    const response = await app.inject({ method: 'POST', url: '/api/query', payload: { range, queries } });
    assert.equal(response.statusCode, 200, response.body);
    return (response.json() as { results: Result[] }).results;
  };

  // Hand-made chains, each its own underlying with one snapshot (expected strike by hand, and by the definition).
  const T0 = Date.parse('2023-05-18T15:00:00Z');
  const cases: Array<[string, Chain, number | null]> = [
    [
      'calls only: the lowest strike',
      [
        [90, 10, null],
        [100, 10, null],
        [110, 10, null],
      ],
      90,
    ],
    [
      'puts only: the highest strike',
      [
        [90, null, 10],
        [100, null, 10],
        [110, null, 10],
      ],
      110,
    ],
    [
      'symmetric around 100',
      [
        [90, 0, 0],
        [100, 10, 10],
        [110, 0, 0],
      ],
      100,
    ],
    [
      'a tie (100 and 110 both pay 1,000): the lower strike',
      [
        [100, 1, 0],
        [110, 0, 1],
        [120, 0, 0],
      ],
      100,
    ],
    [
      'uneven sides',
      [
        [95, 100, 200],
        [100, 300, 100],
        [105, 50, 500],
      ],
      105,
    ],
    [
      'a tie of 100 and 105',
      [
        [95, 100, 200],
        [100, 300, 100],
        [105, 50, 400],
      ],
      100,
    ],
    [
      'no open interest published: no point',
      [
        [100, null, null],
        [105, null, null],
      ],
      null,
    ],
  ];
  const underlyingOf = (i: number) => `MP${i}`;
  // A chain around 100 (strike, call IV, call delta, put IV, put delta), at T0 and 30 minutes later
  // with the calls' IV 2 points higher.
  const IV_CHAIN: Array<[number, number, number, number, number]> = [
    [90, 24, 0.85, 26, -0.15],
    [95, 21, 0.7, 23, -0.27],
    [100, 18, 0.52, 20, -0.48],
    [105, 16, 0.3, 19, -0.7],
    [110, 15, 0.16, 18, -0.84],
  ];
  // One snapshot of a hand-made chain (spot 100, expiring 2023-05-26 16:00 New York): the feed gives
  // some greeks, others are missing; one contract has no IV either, one no open interest.
  const EXPOSURE_CHAIN = [
    { putCall: 'C', strike: 95, oi: 100, delta: 0.8, gamma: 0.03, iv: 22 },
    { putCall: 'C', strike: 105, oi: 300, delta: null, gamma: null, iv: 18 },
    { putCall: 'P', strike: 95, oi: 500, delta: -0.2, gamma: null, iv: 25 },
    { putCall: 'P', strike: 105, oi: 200, delta: null, gamma: null, iv: null },
    { putCall: 'P', strike: 100, oi: null, delta: -0.5, gamma: 0.05, iv: 20 },
  ] as const;
  // Two sessions of a hand-made chain: open interest is read at each session's first snapshot (the
  // later ones carry other values, which must not count); C120 is new today, P120 had none published.
  const DAY1 = Date.parse('2023-05-18T13:30:00Z');
  const DAY2 = Date.parse('2023-05-19T13:31:00Z');
  const OI_CHAIN: Array<[string, string, number, Array<[number, number | null]>]> = [
    // contract, expiration, strike, [time, open interest]
    [
      'C100',
      '2023-05-26',
      100,
      [
        [DAY1, 1000],
        [DAY1 + 5_400_000, 1111],
        [DAY2, 1200],
        [DAY2 + 16_000_000, 9999],
      ],
    ],
    [
      'P100',
      '2023-05-26',
      100,
      [
        [DAY1, 500],
        [DAY2, 300],
      ],
    ],
    [
      'C110',
      '2023-05-26',
      110,
      [
        [DAY1, 200],
        [DAY2, 250],
      ],
    ],
    [
      'P110',
      '2023-06-16',
      110,
      [
        [DAY1, 100],
        [DAY2, 400],
      ],
    ],
    ['C120', '2023-06-16', 120, [[DAY2, 100]]],
    [
      'P120',
      '2023-06-16',
      120,
      [
        [DAY1, null],
        [DAY2, 50],
      ],
    ],
  ];

  before(async () => {
    loaded = await openLoadedDatabase();
    for (const [i, [, chain]] of cases.entries()) {
      for (const [strike, callOi, putOi] of chain) {
        for (const [pc, oi] of [
          ['C', callOi],
          ['P', putOi],
        ] as const) {
          await loaded.db.query(
            `INSERT INTO optflow.quotes (quote_time, contract, source_symbol, underlying, root, expiration, put_call, strike, open_interest)
             VALUES ($1, $2, $2, $3, $3, '2023-05-19', $4, $5, $6)`,
            [new Date(T0).toISOString(), `${underlyingOf(i)} ${pc}${strike}`, underlyingOf(i), pc, strike, oi]
          );
        }
      }
    }
    for (const r of EXPOSURE_CHAIN)
      await loaded.db.query(
        `INSERT INTO optflow.quotes (quote_time, contract, source_symbol, underlying, root, expiration, put_call, strike,
                                     open_interest, multiplier, delta, gamma, iv, underlying_price)
         VALUES ($1, $2, $2, 'EXPO', 'EXPO', '2023-05-26', $3, $4, $5, 100, $6, $7, $8, 100)`,
        [new Date(T0).toISOString(), `EXPO ${r.putCall}${r.strike}`, r.putCall, r.strike, r.oi, r.delta, r.gamma, r.iv]
      );
    for (const [contract, expiration, strike, points] of OI_CHAIN)
      for (const [time, oi] of points)
        await loaded.db.query(
          `INSERT INTO optflow.quotes (quote_time, contract, source_symbol, underlying, root, expiration, put_call, strike, open_interest)
           VALUES ($1, $2, $2, 'OIC', 'OIC', $3, $4, $5, $6)`,
          [new Date(time).toISOString(), `OIC ${contract}`, expiration, contract[0], strike, oi]
        );
    for (const [bump, time] of [
      [0, T0],
      [2, T0 + 1_800_000],
    ] as const)
      for (const [strike, callIv, callDelta, putIv, putDelta] of IV_CHAIN)
        for (const [pc, iv, delta] of [
          ['C', callIv + bump, callDelta],
          ['P', putIv, putDelta],
        ] as const)
          await loaded.db.query(
            `INSERT INTO optflow.quotes (quote_time, contract, source_symbol, underlying, root, expiration, put_call, strike,
                                         iv, delta, mark, underlying_price)
             VALUES ($1, $2, $2, 'IVS', 'IVS', '2023-05-26', $3, $4, $5, $6, 1, 101)`,
            [new Date(time).toISOString(), `IVS ${pc}${strike}`, pc, strike, iv, delta]
          );
    app = await createApi({ db: loaded.db });
  });
  after(async () => {
    await app.close();
    await loaded.dispose();
  });

  test('max pain of hand-made chains (ties, one-sided chains, no OI)', async () => {
    const results = await ask(
      { from: T0 - 60_000, to: T0 + 60_000 },
      cases.map((_, i) => ({
        refId: `c${i}`,
        type: 'maxpain',
        interval: '1m',
        options: { underlying: underlyingOf(i) },
      }))
    );
    for (const [i, [name, chain, expected]] of cases.entries()) {
      assert.equal(
        maxPainByDefinition(chain),
        expected,
        `${name}: the definition agrees with the hand-computed answer`
      );
      const frames = results[i]!.frames;
      if (expected === null) {
        assert.deepEqual(frames, [], name);
        continue;
      }
      assert.equal(frames.length, 1, name);
      assert.deepEqual(
        frames[0]!.fields.map((f) => [f.name, f.values]),
        [
          ['time', [T0]],
          ['max_pain', [expected]],
        ],
        name
      );
      assert.deepEqual(frames[0]!.fields[1]!.labels, { expiration: '2023-05-19' });
    }
  });

  // The first 200 snapshots of the sample day are loaded (support.ts): 09:30-12:49 New York.
  const rows = [...sampleDay(DAY)].slice(0, 5);
  const EDT_MS = 4 * 3_600_000;
  const snapshots = rows.flatMap((b) => [...new Set(b.processDateTime.map((d) => d.getTime() + EDT_MS))]);
  const end = Math.max(...snapshots) + 60_000;
  /** Per row of the generator: its snapshot time (UTC), key (expiration, side, strike) and interval volume. */
  const flat = (() => {
    const previous = new Map<string, number>();
    return rows.flatMap((b) =>
      b.symbol.map((symbol, i) => {
        const total = Number(b.totalVolume[i]);
        const volume = previous.has(symbol) ? total - previous.get(symbol)! : 0;
        previous.set(symbol, total);
        const expiration = new Date(Number(b.expirationDate[i])).toISOString().slice(0, 10);
        return {
          t: b.processDateTime[i]!.getTime() + EDT_MS,
          key: `${expiration} ${b.putCall[i]![0]} ${b.strikePrice[i]}`,
          expiration,
          putCall: b.putCall[i]![0]!,
          strike: b.strikePrice[i]!,
          oi: Number(b.openInterest[i]),
          mark: b.mark[i]!,
          volume,
        };
      })
    );
  })();

  test('max pain per expiration through the day: the last snapshot of each 15-minute bucket, by the definition over the generator rows', async () => {
    const [result] = await ask({ from: OPEN, to: end }, [
      { refId: 'mp', type: 'maxpain', interval: '15m', options: { underlying: 'SPX' } },
    ]);
    const width = 15 * 60_000;
    const expected = new Map<string, Map<number, number>>();
    for (const bucket of [...new Set(snapshots.map((t) => Math.floor(t / width) * width))]) {
      const last = Math.max(...snapshots.filter((t) => t >= bucket && t < bucket + width));
      for (const expiration of [...new Set(flat.map((r) => r.expiration))]) {
        const chain = new Map<number, [number, number | null, number | null]>();
        for (const r of flat.filter((x) => x.t === last && x.expiration === expiration)) {
          const entry = chain.get(r.strike) ?? [r.strike, 0, 0];
          entry[r.putCall === 'C' ? 1 : 2] = r.oi;
          chain.set(r.strike, entry);
        }
        const strike = maxPainByDefinition([...chain.values()]);
        if (strike !== null) expected.set(expiration, (expected.get(expiration) ?? new Map()).set(bucket, strike));
      }
    }
    assert.deepEqual(
      result!.frames.map((f) => f.fields[1]!.labels!.expiration),
      [...expected.keys()].sort()
    );
    for (const f of result!.frames) {
      const series = expected.get(f.fields[1]!.labels!.expiration!)!;
      assert.deepEqual(f.fields[0]!.values, [...series.keys()]);
      assert.deepEqual(f.fields[1]!.values, [...series.values()]);
    }
    assert.ok(result!.frames[0]!.fields[0]!.values.length >= 13, 'a series through the morning');
  });

  /** The unusual table by its definition over the generator rows of [from, end). */
  function expectedUnusual(from: number, t: typeof DEFAULT_UNUSUAL) {
    const inWindow = flat.filter((r) => r.t >= from && r.t < end);
    const latestTime = Math.max(...inWindow.map((r) => r.t));
    const count = new Set(inWindow.map((r) => r.t)).size;
    const byKey = new Map<string, typeof inWindow>();
    for (const r of inWindow) byKey.set(r.key, [...(byKey.get(r.key) ?? []), r]);
    return [...byKey.values()]
      .flatMap((series) => {
        const volume = series.reduce((a, r) => a + r.volume, 0);
        const last = series.at(-1)!;
        const latest = series.filter((r) => r.t === latestTime).reduce((a, r) => a + r.volume, 0);
        const rules = [
          ...(last.oi > 0 &&
          volume / last.oi >= t.minRatio &&
          volume > t.minVolume &&
          last.oi > t.minOpenInterest &&
          last.mark > t.minPrice
            ? ['volume/OI']
            : []),
          ...(latest > 0 && latest > t.hotFactor * (volume / count) ? ['hot'] : []),
        ];
        if (volume === 0 || rules.length === 0) return [];
        return [
          {
            key: last.key,
            volume,
            oi: last.oi,
            ratio: last.oi > 0 ? volume / last.oi : null,
            price: last.mark,
            premium: series.reduce((a, r) => a + r.volume * r.mark * 100, 0),
            rule: rules.join(', '),
          },
        ];
      })
      .sort((a, b) => (b.ratio ?? -1) - (a.ratio ?? -1) || b.volume - a.volume);
  }

  test('unusual activity over the range and its last 30 minutes, with default and custom thresholds, equals the rules applied to the generator rows', async () => {
    const custom = { minRatio: 2, minVolume: 2000, minOpenInterest: 50, minPrice: 1, hotFactor: 1.2 };
    const results = await ask({ from: OPEN, to: end }, [
      { refId: 'all', type: 'unusual', options: { underlying: 'SPX' } },
      { refId: 'last30', type: 'unusual', options: { underlying: 'SPX', lastMinutes: 30, ...custom } },
      { refId: 'top3', type: 'unusual', options: { underlying: 'SPX', limit: 3, zeroDte: true } },
    ]);
    const table = (r: Result) => {
      const field = (name: string) => r.frames[0]!.fields.find((f) => f.name === name)!.values;
      return field('contract').map((_, i) => ({
        key: `${field('expiration')[i]} ${field('put_call')[i]} ${field('strike')[i]}`,
        volume: field('volume')[i],
        oi: field('open_interest')[i],
        ratio: field('volume_oi')[i],
        price: field('price')[i],
        premium: field('premium')[i],
        rule: field('rule')[i],
      }));
    };
    const compare = (actual: ReturnType<typeof table>, expected: ReturnType<typeof expectedUnusual>, what: string) => {
      assert.deepEqual(
        actual.map((r) => r.key),
        expected.map((r) => r.key),
        `${what}: the contracts, most unusual first`
      );
      actual.forEach((r, i) => {
        const e = expected[i]!;
        assert.deepEqual([r.volume, r.oi, r.price, r.rule], [e.volume, e.oi, e.price, e.rule], `${what}: ${e.key}`);
        assert.ok(
          Math.abs((r.ratio as number) - e.ratio!) < 1e-9 &&
            Math.abs((r.premium as number) - e.premium) < 1e-6 * e.premium,
          `${what}: ${e.key} ratio and premium`
        );
      });
    };
    const all = expectedUnusual(OPEN, DEFAULT_UNUSUAL);
    assert.ok(all.length > 0 && all.length < flat.length / snapshots.length, 'some contracts flagged, not all');
    compare(table(results[0]!), all, 'defaults');
    const last30 = expectedUnusual(end - 30 * 60_000, custom);
    assert.ok(last30.some((r) => r.rule.includes('hot')) || last30.length === 0);
    compare(table(results[1]!), last30, 'last 30 minutes, custom thresholds');
    compare(table(results[2]!), all.filter((r) => r.key.startsWith('2023-05-19')).slice(0, 3), '0DTE, limit 3');
  });

  test('exposures of a hand-made chain: feed greeks where given, Black–Scholes on the IV where not, contracts without IV skipped', async () => {
    const at = T0;
    const years = (Date.parse('2023-05-26T20:00:00Z') - at) / (365 * 86_400_000);
    const [gamma, delta, vanna] = await ask({ from: T0 - 60_000, to: T0 + 60_000 }, [
      { refId: 'g', type: 'exposure', options: { underlying: 'EXPO', greek: 'gamma' } },
      { refId: 'd', type: 'exposure', options: { underlying: 'EXPO', greek: 'delta', unit: 'notional', rate: 0 } },
      { refId: 'v', type: 'exposure', options: { underlying: 'EXPO', greek: 'vanna', by: 'expiration' } },
    ]);
    const bs = (call: boolean, strike: number, iv: number, rate = 0.05) =>
      blackScholes(call, 100, strike, years, iv / 100, rate);
    const field = (r: Result, frame: number, name: string) =>
      r.frames[frame]!.fields.find((f) => f.name === name)!.values;
    const close = (got: unknown, want: number, what: string) =>
      assert.ok(Math.abs((got as number) - want) <= 1e-9 * Math.max(1, Math.abs(want)), `${what}: ${got} vs ${want}`);
    // Gamma per 1 % move: Γ × OI × 100 × 100² × 1 %, puts negative.
    assert.deepEqual(field(gamma!, 0, 'strike'), [95, 105]);
    close(field(gamma!, 0, 'call_gamma')[0], 0.03 * 100 * 100 * 100 * 100 * 0.01, 'feed gamma, call 95');
    close(
      field(gamma!, 0, 'call_gamma')[1],
      bs(true, 105, 18).gamma * 300 * 1e4 * 100 * 0.01,
      'computed gamma, call 105'
    );
    close(
      field(gamma!, 0, 'put_gamma')[0],
      -bs(false, 95, 25).gamma * 500 * 1e4 * 100 * 0.01,
      'computed gamma, put 95'
    );
    close(field(gamma!, 0, 'put_gamma')[1], 0, 'put 105 has no IV: skipped');
    assert.deepEqual(
      [field(gamma!, 1, 'time'), field(gamma!, 1, 'spot'), field(gamma!, 1, 'skipped')],
      [[at], [100], [1]],
      'the snapshot, its spot, one contract skipped (the one without OI is not read)'
    );
    // Delta notional at rate 0: Δ × OI × 100 × spot; the feed's where given.
    close(field(delta!, 0, 'call_delta')[0], 0.8 * 100 * 100 * 100, 'feed delta, call 95');
    close(field(delta!, 0, 'call_delta')[1], bs(true, 105, 18, 0).delta * 300 * 100 * 100, 'computed delta, call 105');
    close(field(delta!, 0, 'put_delta')[0], 0.2 * 500 * 100 * 100, 'feed delta, put 95: dealers short it are long');
    // Vanna per volatility point by expiration: the one expiration, every priced contract.
    assert.deepEqual(field(vanna!, 0, 'expiration'), ['2023-05-26']);
    close(
      field(vanna!, 0, 'net_vanna')[0],
      (bs(true, 95, 22).vanna * 100 + bs(true, 105, 18).vanna * 300 - bs(false, 95, 25).vanna * 500) * 100 * 100 * 0.01,
      'net vanna'
    );
  });

  /** Exposure per key at the snapshot `at`, by the definitions over the generator rows. */
  function expectedExposure(
    at: number,
    greek: ExposureGreek,
    weight: 'oi' | 'volume',
    by: 'strike' | 'expiration',
    unit: string
  ): Array<[number | string, { call: number; put: number }]> {
    const chain = rows.flatMap((b) =>
      b.symbol.flatMap((_, i) => {
        if (b.processDateTime[i]!.getTime() + EDT_MS !== at) return [];
        const given = (v: number) => (v === -999 ? null : v);
        return [
          {
            call: b.putCall[i] === 'CALL',
            strike: b.strikePrice[i]!,
            expiration: new Date(Number(b.expirationDate[i])).toISOString().slice(0, 10),
            years: (Number(b.expirationDate[i]) - at) / (365 * 86_400_000),
            oi: Number(b.openInterest[i]),
            volume: Number(b.totalVolume[i]),
            delta: given(b.delta[i]!),
            gamma: given(b.gamma[i]!),
            iv: given(b.volatility[i]!),
            spot: b.underlyingPrice[i]!,
          },
        ];
      })
    );
    const spot = chain[0]!.spot;
    const perMove: Record<ExposureGreek, number> = { delta: 0.01, gamma: 0.01 * spot, vanna: 0.01, charm: 1 / 365 };
    const sums = new Map<number | string, { call: number; put: number }>();
    for (const c of chain) {
      const w = c[weight];
      if (!(w > 0) || c.iv === null) continue;
      const model = blackScholes(c.call, spot, c.strike, c.years, c.iv / 100, 0.05);
      const value = {
        delta: c.delta ?? model.delta,
        gamma: c.gamma ?? model.gamma,
        vanna: model.vanna,
        charm: model.charm,
      }[greek];
      const exposure = (c.call ? 1 : -1) * value * w * 100 * spot * (unit === 'notional' ? 1 : perMove[greek]);
      const key = by === 'strike' ? c.strike : c.expiration;
      const sum = sums.get(key) ?? { call: 0, put: 0 };
      sum[c.call ? 'call' : 'put'] += exposure;
      sums.set(key, sum);
    }
    return [...sums].sort(([a], [b]) => (a < b ? -1 : 1));
  }

  test('exposures at a snapshot in mid-morning, by strike and by expiration, equal the definitions over the generator rows', async () => {
    const at = snapshots[60]!;
    const spot = rows.flatMap((b) =>
      b.underlyingPrice.filter((_, i) => b.processDateTime[i]!.getTime() + EDT_MS === at)
    )[0]!;
    const expected = (greek: ExposureGreek, weight: 'oi' | 'volume', by: 'strike' | 'expiration', unit: string) =>
      expectedExposure(at, greek, weight, by, unit);
    const shapes = [
      ['gamma', 'oi', 'strike', 'per_move'],
      ['delta', 'oi', 'strike', 'notional'],
      ['vanna', 'volume', 'strike', 'per_move'],
      ['charm', 'oi', 'expiration', 'per_move'],
      ['delta', 'volume', 'expiration', 'per_move'],
    ] as const;
    const results = await ask(
      { from: OPEN, to: at + 1 },
      shapes.map(([greek, weight, by, unit], i) => ({
        refId: `e${i}`,
        type: 'exposure',
        options: { underlying: 'SPX', greek, weight: weight === 'oi' ? 'open_interest' : 'volume', by, unit },
      }))
    );
    shapes.forEach(([greek, weight, by, unit], i) => {
      const what = `${greek} by ${by}, ${weight}, ${unit}`;
      const want = expected(greek, weight, by, unit);
      const got = results[i]!.frames[0]!.fields;
      assert.deepEqual(
        got[0]!.values,
        want.map(([k]) => k),
        `${what}: keys`
      );
      want.forEach(([key, sum], j) => {
        for (const [side, value] of [
          ['call', sum.call],
          ['put', sum.put],
          ['net', sum.call + sum.put],
        ] as const) {
          const actual = got.find((f) => f.name === `${side}_${greek}`)!.values[j] as number;
          assert.ok(Math.abs(actual - value) <= 1e-9 * Math.max(1, Math.abs(value)), `${what}: ${side} at ${key}`);
        }
      });
      assert.deepEqual(results[i]!.frames[1]!.fields[0]!.values, [at], `${what}: at the range's last snapshot`);
    });
    // The gamma levels by strike, from the gamma exposure read back.
    const gammaRows = expected('gamma', 'oi', 'strike', 'per_move');
    const callWall = gammaRows.reduce((a, b) => (b[1].call > a[1].call ? b : a))[0];
    const putWall = gammaRows.reduce((a, b) => (b[1].put < a[1].put ? b : a))[0];
    const absGamma = gammaRows.reduce((a, b) => (b[1].call - b[1].put > a[1].call - a[1].put ? b : a))[0];
    const levels = results[0]!.frames[1]!.fields;
    assert.deepEqual(
      ['call_wall', 'put_wall', 'abs_gamma', 'spot'].map((n) => levels.find((f) => f.name === n)!.values[0]),
      [callWall, putWall, absGamma, spot]
    );
  });

  test("open-interest change: each session's first snapshot against the previous session's, by strike, expiration and contract", async () => {
    const whole = { from: DAY1 - 60_000, to: DAY2 + 20_000_000 };
    const [byStrike, byExpiration, byContract, filtered] = await ask(whole, [
      { refId: 's', type: 'oichange', options: { underlying: 'OIC' } },
      { refId: 'e', type: 'oichange', options: { underlying: 'OIC', by: 'expiration' } },
      { refId: 'c', type: 'oichange', options: { underlying: 'OIC', by: 'contract', limit: 2 } },
      { refId: 'f', type: 'oichange', options: { underlying: 'OIC', by: 'contract', expirations: ['2023-06-16'] } },
    ]);
    const table = (r: Result, frame = 0) => Object.fromEntries(r.frames[frame]!.fields.map((f) => [f.name, f.values]));
    assert.deepEqual(table(byStrike!), {
      strike: [100, 110],
      call_oi_change: [200, 50],
      put_oi_change: [-200, 300],
      net_oi_change: [0, 350],
      call_open_interest: [1200, 250],
      put_open_interest: [300, 400],
    });
    assert.deepEqual(table(byStrike!, 1), { today: [DAY2], previous: [DAY1] });
    assert.deepEqual(table(byExpiration!).expiration, ['2023-05-26', '2023-06-16']);
    assert.deepEqual(table(byExpiration!).net_oi_change, [50, 300]);
    assert.deepEqual(table(byContract!), {
      contract: ['OIC P110', 'OIC C100'],
      expiration: ['2023-06-16', '2023-05-26'],
      put_call: ['P', 'C'],
      strike: [110, 100],
      open_interest: [400, 1200],
      previous_open_interest: [100, 1000],
      oi_change: [300, 200],
    });
    assert.deepEqual(table(filtered!).contract, ['OIC P110']);
    // A range within the first session: no session before it, so no change, only the times.
    const [first] = await ask({ from: DAY1 - 60_000, to: DAY1 + 7_200_000 }, [
      { refId: 'x', type: 'oichange', options: { underlying: 'OIC' } },
    ]);
    assert.deepEqual(table(first!).strike, []);
    assert.deepEqual(table(first!, 1), { today: [DAY1], previous: [null] });
  });

  test('IV measures per expiration through the day: at the last snapshot of each 15-minute bucket, by the definitions over the generator rows', async () => {
    const width = 15 * 60_000;
    const given = (v: number) => (v === -999 ? null : v);
    const chainRows = rows.flatMap((b) =>
      b.symbol.map((_, i) => ({
        t: b.processDateTime[i]!.getTime() + EDT_MS,
        expiration: new Date(Number(b.expirationDate[i])).toISOString().slice(0, 10),
        call: b.putCall[i] === 'CALL',
        strike: b.strikePrice[i]!,
        iv: given(b.volatility[i]!),
        delta: given(b.delta[i]!),
        mark: b.mark[i]!,
        spot: b.underlyingPrice[i]!,
      }))
    );
    type Point = { atm: number | null; iv: number | null; straddle: number | null; rr: number | null; spot: number };
    const expected = new Map<string, Map<number, Point>>();
    for (const bucket of [...new Set(snapshots.map((t) => Math.floor(t / width) * width))]) {
      const last = Math.max(...snapshots.filter((t) => t >= bucket && t < bucket + width));
      for (const expiration of [...new Set(chainRows.map((r) => r.expiration))]) {
        const chain = chainRows.filter((r) => r.t === last && r.expiration === expiration);
        const spot = chain[0]!.spot;
        const side = (call: boolean, strike: number) => chain.find((r) => r.call === call && r.strike === strike);
        const atm = [...new Set(chain.map((r) => r.strike))]
          .filter((k) => [true, false].every((call) => (side(call, k)?.iv ?? 0) > 0))
          .sort((a, b) => Math.abs(a - spot) - Math.abs(b - spot) || a - b)[0];
        const wing = (call: boolean, target: number) =>
          chain
            .filter((r) => r.call === call && r.delta !== null && (r.iv ?? 0) > 0 && Math.abs(r.delta - target) <= 0.1)
            .sort((a, b) => Math.abs(a.delta! - target) - Math.abs(b.delta! - target) || a.strike - b.strike)[0];
        const [c25, p25] = [wing(true, 0.25), wing(false, -0.25)];
        const point: Point = {
          atm: atm ?? null,
          iv: atm === undefined ? null : (side(true, atm)!.iv! + side(false, atm)!.iv!) / 2,
          straddle: atm === undefined ? null : side(true, atm)!.mark + side(false, atm)!.mark,
          rr: c25 && p25 ? c25.iv! - p25.iv! : null,
          spot,
        };
        expected.set(expiration, (expected.get(expiration) ?? new Map()).set(bucket, point));
      }
    }
    const measures = ['atm_iv', 'risk_reversal', 'straddle', 'expected_move'] as const;
    const results = await ask(
      { from: OPEN, to: end },
      measures.map((measure) => ({
        refId: measure,
        type: 'iv',
        interval: '15m',
        options: { underlying: 'SPX', measure },
      }))
    );
    const close = (a: unknown, b: number, what: string) =>
      assert.ok(Math.abs((a as number) - b) < 1e-9, `${what}: ${a} vs ${b}`);
    measures.forEach((measure, i) => {
      const frames = results[i]!.frames;
      const want = [...expected].map(
        ([expiration, series]) =>
          [expiration, [...series].filter(([, p]) => (measure === 'risk_reversal' ? p.rr : p.iv) !== null)] as const
      );
      assert.deepEqual(
        frames.map((f) => f.fields[1]!.labels!.expiration),
        want.filter(([, points]) => points.length > 0).map(([e]) => e),
        `${measure}: the expirations with points`
      );
      for (const f of frames) {
        const points = want.find(([e]) => e === f.fields[1]!.labels!.expiration)![1];
        assert.deepEqual(
          f.fields[0]!.values,
          points.map(([t]) => t),
          `${measure}: times`
        );
        points.forEach(([t, p], j) => {
          const at = `${measure} ${f.name} at ${new Date(t).toISOString()}`;
          if (measure === 'atm_iv') close(f.fields[1]!.values[j], p.iv!, at);
          if (measure === 'risk_reversal') close(f.fields[1]!.values[j], p.rr!, at);
          if (measure === 'straddle') close(f.fields[1]!.values[j], p.straddle!, at);
          if (measure === 'expected_move') {
            close(f.fields[1]!.values[j], p.spot - p.straddle!, `${at} lower`);
            close(f.fields[2]!.values[j], p.spot + p.straddle!, `${at} upper`);
          }
        });
      }
    });
    assert.ok(
      results[0]!.frames.every((f) => f.fields[0]!.values.length >= 13),
      'ATM IV through the morning'
    );
  });

  test('25-delta risk reversal of a hand-made chain at two snapshots: the wings nearest ±0.25 delta', async () => {
    const [rr, atm] = await ask({ from: T0 - 60_000, to: T0 + 3_600_000 }, [
      { refId: 'rr', type: 'iv', interval: '15m', options: { underlying: 'IVS', measure: 'risk_reversal' } },
      { refId: 'atm', type: 'iv', interval: '15m', options: { underlying: 'IVS', measure: 'atm_iv' } },
    ]);
    // The 105 call (delta 0.30) and the 95 put (−0.27): 16 − 23, then with calls 2 points higher 18 − 23.
    assert.deepEqual(
      rr!.frames.map((f) => [f.fields[1]!.labels, f.fields[0]!.values, f.fields[1]!.values]),
      [[{ expiration: '2023-05-26' }, [T0, T0 + 1_800_000], [-7, -5]]]
    );
    // Spot 101: the 100 strike, (18 + 20) / 2, then (20 + 20) / 2.
    assert.deepEqual(atm!.frames[0]!.fields[1]!.values, [19, 20]);
  });

  test('exposure over time: net exposure per strike at the last snapshot of each 15-minute bucket, one heatmap frame', async () => {
    const width = 15 * 60_000;
    const buckets = [...new Set(snapshots.map((t) => Math.floor(t / width) * width))];
    const [gamma, charm] = await ask({ from: OPEN, to: end }, [
      { refId: 'g', type: 'exposure', interval: '15m', options: { underlying: 'SPX', greek: 'gamma', overTime: true } },
      {
        refId: 'c',
        type: 'exposure',
        interval: '15m',
        options: { underlying: 'SPX', greek: 'charm', by: 'expiration', weight: 'volume', overTime: true },
      },
    ]);
    for (const [result, greek, weight, by] of [
      [gamma!, 'gamma', 'oi', 'strike'],
      [charm!, 'charm', 'volume', 'expiration'],
    ] as const) {
      assert.equal(result.frames.length, 1);
      const [time, ...keys] = result.frames[0]!.fields;
      assert.deepEqual(time!.values, buckets, `${greek}: every bucket`);
      const perBucket = buckets.map((bucket) =>
        expectedExposure(
          Math.max(...snapshots.filter((t) => t >= bucket && t < bucket + width)),
          greek,
          weight,
          by,
          'per_move'
        )
      );
      const names = [...new Set(perBucket.flatMap((sums) => sums.map(([k]) => k)))].sort((a, b) => (a < b ? -1 : 1));
      assert.deepEqual(
        keys.map((f) => [f.name, f.labels]),
        names.map((k) => [String(k), { [by]: String(k) }]),
        `${greek}: a field per ${by}`
      );
      keys.forEach((field, k) =>
        perBucket.forEach((sums, i) => {
          const sum = sums.find(([key]) => key === names[k]);
          const want = sum === undefined ? null : sum[1].call + sum[1].put;
          const got = field.values[i] as number | null;
          assert.ok(
            want === null ? got === null : Math.abs(got! - want) <= 1e-9 * Math.max(1, Math.abs(want)),
            `${greek} ${field.name} at ${new Date(buckets[i]!).toISOString()}: ${got} vs ${want}`
          );
        })
      );
    }
  });
});
