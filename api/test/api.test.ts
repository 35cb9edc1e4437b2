import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { Database } from '@optflow/db';
import { testBackend, testServerUrl } from '@optflow/db/testing';
import type { TestDatabase } from '@optflow/db/testing';
import { DEFAULT_SAMPLE, loadFile, sampleDay, writeSampleBatches } from '@optflow/loader';
import type { SampleBatch, SampleOptions } from '@optflow/loader';
import { openMigratedTestDatabase } from '@optflow/migrations/testing';
import { createApi, listenApi } from '../src/index.ts';
import { ProbeDatabase } from './support.ts';

const day: SampleOptions = { ...DEFAULT_SAMPLE, strikes: 4, expirations: 2, snapshotsPerRowGroup: 40, seed: 7 };
const batches = [...sampleDay(day)];
const EDT_MS = 4 * 3_600_000; // 2023-05-19 is in daylight time: UTC = New York wall time + 4 h
const utc = (wall: Date) => wall.getTime() + EDT_MS;
const dir = mkdtempSync(join(tmpdir(), 'optflow-api-'));
const load = { timeZone: 'America/New_York', overrides: {} };

const writeBatches = (name: string, parts: SampleBatch[]): string => writeSampleBatches(join(dir, name), parts).path;

/**
 * The expected series, computed from the generator's rows without the loader: per contract, the
 * interval volume is the rise of the cumulative total since the previous snapshot (0 for the first),
 * summed per minute and side.
 */
/** `counted`: the rows whose volume counts (all by default; every row still moves its contract's total). */
function expectedPerMinute(
  parts: SampleBatch[],
  counted: (b: SampleBatch, i: number) => boolean = () => true
): Map<number, { call: number; put: number }> {
  const previous = new Map<string, number>();
  const perMinute = new Map<number, { call: number; put: number }>();
  for (const b of parts) {
    for (let i = 0; i < b.symbol.length; i++) {
      const total = Number(b.totalVolume[i]);
      const before = previous.get(b.symbol[i]!);
      const volume = before === undefined || total < before ? 0 : total - before;
      previous.set(b.symbol[i]!, before === undefined || total > 0 ? total : before);
      if (!counted(b, i)) continue;
      const t = Math.floor(utc(b.processDateTime[i]!) / 60_000) * 60_000;
      const m = perMinute.get(t) ?? { call: 0, put: 0 };
      if (b.putCall[i] === 'CALL') m.call += volume;
      else m.put += volume;
      perMinute.set(t, m);
    }
  }
  return perMinute;
}

interface Result {
  refId: string;
  interval: string;
  cursor: string;
  reset: boolean;
  frames: Array<{
    name: string;
    fields: Array<{ name: string; unit?: string; labels?: Record<string, string>; values: Array<number | null> }>;
  }>;
  latestSnapshot: number | null;
  age: number | null;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Commit notifications an API has received (from its /metrics). */
async function notificationsOf(api: FastifyInstance): Promise<number> {
  const metrics = (await api.inject({ url: '/metrics' })).body;
  return Number(/optflow_api_ingest_notifications_total (\d+)/.exec(metrics)![1]);
}

/**
 * Loads a file and waits until each API has received its commit notifications: unchanged refreshes
 * are answered as of the last notification received, and on a server it travels on its own connection.
 */
async function loadSeen(db: Database, apis: FastifyInstance[], path: string) {
  const before = await Promise.all(apis.map(notificationsOf));
  const outcome = await loadFile(db, path, load);
  for (const [i, api] of apis.entries()) {
    for (let tries = 0; outcome.inserted > 0 && (await notificationsOf(api)) <= before[i]!; tries++) {
      if (tries > 1000) throw new Error('the commit notification did not arrive');
      await sleep(10);
    }
  }
  return outcome;
}

const OPEN = Date.parse('2023-05-19T13:30:00Z');
const CLOSE = Date.parse('2023-05-19T20:01:00Z');
const RANGE = { from: OPEN, to: CLOSE };

const backend = await testBackend();

describe(`query API (${backend})`, () => {
  let t: TestDatabase;
  let db: Database;
  let app: FastifyInstance;
  const query = async (body: object, headers: Record<string, string> = {}) => {
    const response = await app.inject({ method: 'POST', url: '/api/query', payload: body, headers });
    return { status: response.statusCode, body: response.json() as { results: Result[]; error?: string } };
  };
  const series = (r: Result, i = 0) => {
    const f = r.frames[i]!;
    return new Map(f.fields[0]!.values.map((time, k) => [time as number, f.fields[1]!.values[k]!]));
  };

  before(async () => {
    t = await openMigratedTestDatabase();
    db = t.db;
    // The first half of the day now; the rest arrives during the tests.
    assert.equal(
      (await loadFile(db, writeBatches('SPX.X.2023-05-19.a.parquet', batches.slice(0, 5)), load)).status,
      'loaded'
    );
    app = await createApi({ db });
  });
  after(async () => {
    await app.close();
    await t.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  test('health, underlyings, expirations, OpenAPI document', async () => {
    const health = (await app.inject({ url: '/api/health' })).json();
    assert.equal(health.ok, true);
    assert.equal(health.database.backend, backend === 'embedded' ? 'embedded' : 'server');
    assert.equal(health.underlyings[0].underlying, 'SPX');
    assert.deepEqual((await app.inject({ url: '/api/underlyings' })).json(), { underlyings: ['SPX'] });
    assert.deepEqual((await app.inject({ url: '/api/expirations?underlying=SPX' })).json(), {
      expirations: ['2023-05-19', '2023-05-22'],
    });
    const doc = (await app.inject({ url: '/api/openapi.json' })).json();
    assert.equal(doc.openapi, '3.1.0');
    assert.ok(doc.paths['/api/query'].post.requestBody.content['application/json'].schema.properties.queries);
  });

  test("every answer carries its underlying's latest snapshot and its age in seconds; none without data", async () => {
    const latest = utc(batches[4]!.processDateTime.at(-1)!);
    const flowQuery = {
      refId: 'f',
      type: 'flow',
      interval: '1m',
      options: { underlying: 'SPX', metric: 'net_volume' },
    };
    const before = Date.now();
    const { body } = await query({
      range: { from: OPEN, to: OPEN + 3_600_000 }, // the range ends before the latest snapshot: it is still named
      queries: [
        flowQuery,
        { refId: 'g', type: 'gex', options: { underlying: 'SPX' } },
        { refId: 'n', type: 'flow', options: { underlying: 'NONE', metric: 'net_volume' } },
      ],
    });
    const after = Date.now();
    const [flow, gex, none] = body.results;
    for (const r of [flow!, gex!]) {
      assert.equal(r.latestSnapshot, latest, r.refId);
      assert.ok(
        r.age! >= Math.round((before - latest) / 1000) && r.age! <= Math.round((after - latest) / 1000),
        `${r.refId}: age ${r.age}`
      );
    }
    assert.deepEqual([none!.latestSnapshot, none!.age], [null, null]);
    // An unchanged refresh, answered without reading the quotes, says the same.
    const { body: again } = await query({
      range: { from: OPEN, to: OPEN + 3_600_000 },
      queries: [{ ...flowQuery, cursor: flow!.cursor }],
    });
    assert.deepEqual([again.results[0]!.frames, again.results[0]!.latestSnapshot], [[], latest]);
  });

  test('quote rule: ask- and bid-side volume and premium, and net quote-signed volume per minute, from last against the bid/ask midpoint, the tick rule at the midpoint', async () => {
    // By the definitions over the generator rows: interval volume as the volume rules say (a
    // decrease counts 0); the tick rule's sign is that of the contract's last non-zero mark change.
    const previous = new Map<string, number>();
    const lastMark = new Map<string, number>();
    const tickSign = new Map<string, number>();
    const want = new Map<number, { ask: number; bid: number; askPremium: number; bidPremium: number; net: number }>();
    for (const b of batches.slice(0, 5)) {
      for (let i = 0; i < b.symbol.length; i++) {
        const symbol = b.symbol[i]!;
        const total = Number(b.totalVolume[i]);
        const before = previous.get(symbol);
        const volume = before === undefined || total < before ? 0 : total - before;
        previous.set(symbol, before === undefined || total > 0 ? total : before);
        const mark = b.mark[i]!;
        const priorMark = lastMark.get(symbol);
        if (priorMark !== undefined && mark !== priorMark) tickSign.set(symbol, Math.sign(mark - priorMark));
        lastMark.set(symbol, mark);
        const mid = (b.bid[i]! + b.ask[i]!) / 2;
        const sign = b.last[i]! !== mid ? Math.sign(b.last[i]! - mid) : (tickSign.get(symbol) ?? 0);
        const premium = volume * mark * 100;
        const t = Math.floor(utc(b.processDateTime[i]!) / 60_000) * 60_000;
        const m = want.get(t) ?? { ask: 0, bid: 0, askPremium: 0, bidPremium: 0, net: 0 };
        if (sign > 0) [m.ask, m.askPremium] = [m.ask + volume, m.askPremium + premium];
        if (sign < 0) [m.bid, m.bidPremium] = [m.bid + volume, m.bidPremium + premium];
        m.net += (b.putCall[i] === 'CALL' ? 1 : -1) * sign * volume;
        want.set(t, m);
      }
    }
    const metrics = ['ask_volume', 'bid_volume', 'ask_premium', 'bid_premium', 'net_quote_signed_volume'] as const;
    const { status, body } = await query({
      range: RANGE,
      queries: metrics.map((metric) => ({
        refId: metric,
        type: 'flow',
        interval: '1m',
        options: { underlying: 'SPX', metric },
      })),
    });
    assert.equal(status, 200, JSON.stringify(body));
    const pick = {
      ask_volume: 'ask',
      bid_volume: 'bid',
      ask_premium: 'askPremium',
      bid_premium: 'bidPremium',
      net_quote_signed_volume: 'net',
    } as const;
    metrics.forEach((metric, i) => {
      const got = series(body.results[i]!);
      assert.deepEqual([...got.keys()], [...want.keys()], `${metric}: minutes`);
      for (const [t, m] of want)
        assert.ok(
          Math.abs((got.get(t) as number) - m[pick[metric]]) < 1e-6,
          `${metric} at ${new Date(t).toISOString()}: ${got.get(t)} vs ${m[pick[metric]]}`
        );
    });
    const totals = [...want.values()].reduce((a, m) => ({ ask: a.ask + m.ask, bid: a.bid + m.bid }), {
      ask: 0,
      bid: 0,
    });
    assert.ok(totals.ask > 0 && totals.bid > 0, 'both sides occur');
  });

  test('OTM only: per minute, the volume of the contracts out of the money at their own snapshot', async () => {
    const otm = (b: SampleBatch, i: number) =>
      b.putCall[i] === 'CALL' ? b.strikePrice[i]! > b.underlyingPrice[i]! : b.strikePrice[i]! < b.underlyingPrice[i]!;
    const expected = expectedPerMinute(batches.slice(0, 5), otm);
    const all = expectedPerMinute(batches.slice(0, 5));
    const { status, body } = await query({
      range: RANGE,
      queries: ['call_volume', 'put_volume'].map((metric) => ({
        refId: metric,
        type: 'flow',
        interval: '1m',
        options: { underlying: 'SPX', metric, otm: true },
      })),
    });
    assert.equal(status, 200, JSON.stringify(body));
    const [calls, puts] = body.results;
    assert.deepEqual(series(calls!), new Map([...expected].map(([t, m]) => [t, m.call])));
    assert.deepEqual(series(puts!), new Map([...expected].map(([t, m]) => [t, m.put])));
    const sum = (m: Map<number, { call: number; put: number }>) =>
      [...m.values()].reduce((a, x) => a + x.call + x.put, 0);
    assert.ok(sum(expected) > 0 && sum(expected) < sum(all), 'some of the volume, not all');
  });

  test('flow per minute: call, put and net volume equal the generator rows; auto interval; cumulative from the open', async () => {
    const expected = expectedPerMinute(batches.slice(0, 5));
    const { status, body } = await query({
      range: RANGE,
      maxDataPoints: 1000,
      queries: ['call_volume', 'put_volume', 'net_volume']
        .map((metric) => ({ refId: metric, type: 'flow', options: { underlying: 'SPX', metric } }))
        .concat([
          {
            refId: 'cum',
            type: 'flow',
            options: { underlying: 'SPX', metric: 'net_volume', cumulative: true },
          } as never,
        ]),
    });
    assert.equal(status, 200, JSON.stringify(body));
    const [call, put, net, cum] = body.results;
    assert.equal(call!.interval, '1m');
    const sides = { call: series(call!), put: series(put!), net: series(net!) };
    assert.equal(sides.call.size, expected.size);
    let running = 0;
    for (const [time, m] of [...expected].sort((a, b) => a[0] - b[0])) {
      assert.equal(sides.call.get(time), m.call, `call at ${new Date(time).toISOString()}`);
      assert.equal(sides.put.get(time), m.put);
      assert.equal(sides.net.get(time), m.call - m.put);
      running += m.call - m.put;
      assert.equal(series(cum!).get(time), running, 'cumulative');
    }
    // Starting mid-session, the cumulative series still counts from the open.
    const mid = OPEN + 60 * 60_000;
    const late = (
      await query({
        range: { from: mid, to: CLOSE },
        queries: [
          {
            refId: 'c',
            type: 'flow',
            interval: '1m',
            options: { underlying: 'SPX', metric: 'net_volume', cumulative: true },
          },
        ],
      })
    ).body.results[0]!;
    assert.equal(series(late).get(mid), series(cum!).get(mid));
    assert.equal(Math.min(...series(late).keys()), mid);
  });

  test('spot: the underlying price at the last snapshot of each bucket, per minute and per 15 minutes, as the collector wrote it', async () => {
    // From the generator rows: each snapshot's underlying price; the last snapshot of a bucket wins.
    const lastPrice = (width: number) => {
      const byBucket = new Map<number, { at: number; price: number }>();
      for (const b of batches.slice(0, 5)) {
        for (let i = 0; i < b.symbol.length; i++) {
          const at = utc(b.processDateTime[i]!);
          const bucket = Math.floor(at / width) * width;
          if ((byBucket.get(bucket)?.at ?? -Infinity) <= at) byBucket.set(bucket, { at, price: b.underlyingPrice[i]! });
        }
      }
      return new Map([...byBucket].map(([bucket, v]) => [bucket, v.price]));
    };
    const { status, body } = await query({
      range: RANGE,
      queries: (['1m', '15m'] as const).map((interval) => ({
        refId: interval,
        type: 'flow',
        interval,
        options: { underlying: 'SPX', metric: 'spot' },
      })),
    });
    assert.equal(status, 200, JSON.stringify(body));
    for (const [result, width] of [
      [body.results[0]!, 60_000],
      [body.results[1]!, 900_000],
    ] as const) {
      assert.equal(result.frames[0]!.fields[1]!.unit, 'currencyUSD');
      assert.deepEqual(series(result), lastPrice(width), `spot per ${result.interval}`);
    }
  });

  test('coarser intervals, group by expiration, 0DTE, rolling mean and put/call ratio agree with the 1-minute series', async () => {
    const minute = series(
      (
        await query({
          range: RANGE,
          queries: [{ refId: 'a', type: 'flow', interval: '1m', options: { underlying: 'SPX', metric: 'net_volume' } }],
        })
      ).body.results[0]!
    );
    const { body } = await query({
      range: RANGE,
      queries: [
        { refId: 'm15', type: 'flow', interval: '15m', options: { underlying: 'SPX', metric: 'net_volume' } },
        {
          refId: 'exp',
          type: 'flow',
          interval: '1m',
          options: { underlying: 'SPX', metric: 'net_volume', groupBy: 'expiration' },
        },
        {
          refId: 'zero',
          type: 'flow',
          interval: '1m',
          options: { underlying: 'SPX', metric: 'net_volume', zeroDte: true },
        },
        {
          refId: 'roll',
          type: 'flow',
          interval: '1m',
          options: { underlying: 'SPX', metric: 'net_volume', rolling: 3 },
        },
        {
          refId: 'ratio',
          type: 'flow',
          interval: '1h',
          options: { underlying: 'SPX', metric: 'put_call_ratio', regularHours: true },
        },
        { refId: 'calls', type: 'flow', interval: '1h', options: { underlying: 'SPX', metric: 'call_volume' } },
        {
          refId: 'puts',
          type: 'flow',
          interval: '1h',
          options: { underlying: 'SPX', metric: 'put_volume', strikes: { min: 0 } },
        },
      ],
    });
    const [m15, exp, zero, roll, ratio, calls, puts] = body.results as Result[];
    for (const [time, v] of series(m15!)) {
      const sum = [...minute]
        .filter(([k]) => k >= time && k < time + 15 * 60_000)
        .reduce((a, [, x]) => a + (x as number), 0);
      assert.equal(v, sum, `15m bucket ${new Date(time).toISOString()}`);
    }
    assert.deepEqual(
      exp!.frames.map((f) => f.fields[1]!.labels),
      [{ expiration: '2023-05-19' }, { expiration: '2023-05-22' }]
    );
    for (const [time, v] of minute)
      assert.equal((series(exp!, 0).get(time) ?? 0) + (series(exp!, 1).get(time) ?? 0), v);
    assert.deepEqual(series(zero!), series(exp!, 0), '0DTE is the expiration of the day');
    const times = [...minute.keys()].sort((a, b) => a - b);
    times.forEach((time, i) => {
      const window = times.slice(Math.max(0, i - 2), i + 1).map((k) => minute.get(k) as number);
      assert.ok(
        Math.abs((series(roll!).get(time) as number) - window.reduce((a, b) => a + b, 0) / window.length) < 1e-9
      );
    });
    // The hourly ratio from 5-minute aggregates (regular hours) equals puts / calls read from the quotes and 1h buckets.
    for (const [time, v] of series(ratio!))
      assert.ok(
        Math.abs((v as number) - (series(puts!).get(time) as number) / (series(calls!).get(time) as number)) < 1e-12
      );
  });

  // Before the incremental test, which loads the rest of the day and a backfill.
  test('ladder, chain, contracts and gex at the latest snapshot equal the generator rows', async () => {
    const part = batches.slice(0, 5);
    const last = part.at(-1)!;
    const lastTime = utc(last.processDateTime.at(-1)!);
    const end = lastTime + 60_000;
    const range = { from: OPEN, to: end };
    // Expected: per contract the rise of its cumulative total over the range (as in expectedPerMinute).
    const first = new Map<string, number>();
    const beforeLast = new Map<string, number>();
    const final = new Map<
      string,
      { total: number; strike: number; putCall: string; gamma: number; oi: number; spot: number }
    >();
    const snapshots = new Set<number>();
    for (const b of part) {
      for (let i = 0; i < b.symbol.length; i++) {
        snapshots.add(b.processDateTime[i]!.getTime());
        if (!first.has(b.symbol[i]!)) first.set(b.symbol[i]!, Number(b.totalVolume[i]));
        if (final.has(b.symbol[i]!)) beforeLast.set(b.symbol[i]!, final.get(b.symbol[i]!)!.total);
        final.set(b.symbol[i]!, {
          total: Number(b.totalVolume[i]),
          strike: b.strikePrice[i]!,
          putCall: b.putCall[i]!,
          gamma: b.gamma[i]!,
          oi: Number(b.openInterest[i]),
          spot: b.underlyingPrice[i]!,
        });
      }
    }
    const { status, body } = await query({
      range,
      queries: [
        { refId: 'ladder', type: 'ladder', options: { underlying: 'SPX' } },
        { refId: 'chain', type: 'chain', options: { underlying: 'SPX', limit: 5 } },
        { refId: 'contracts', type: 'contracts', options: { underlying: 'SPX', limit: 3, putCall: 'C' } },
        { refId: 'gex', type: 'gex', options: { underlying: 'SPX' } },
      ],
    });
    assert.equal(status, 200, JSON.stringify(body));
    const [ladder, chain, contracts, gex] = body.results;
    const values = (r: Result, frame: number, field: string) =>
      r.frames[frame]!.fields.find((f) => f.name === field)!.values;

    const strikes = [...new Set([...final.values()].map((c) => c.strike))].sort((a, b) => a - b);
    assert.deepEqual(values(ladder!, 0, 'strike'), strikes);
    const rise = (pc: string, strike: number) =>
      [...final]
        .filter(([, c]) => c.putCall === pc && c.strike === strike)
        .reduce((a, [sym, c]) => a + c.total - first.get(sym)!, 0);
    assert.deepEqual(
      values(ladder!, 0, 'call_volume'),
      strikes.map((k) => rise('CALL', k))
    );
    assert.deepEqual(
      values(ladder!, 0, 'put_volume'),
      strikes.map((k) => rise('PUT', k))
    );
    // The newest interval per strike (both sides), and the mean interval over the window.
    const latestRise = (strike: number) =>
      [...final].filter(([, c]) => c.strike === strike).reduce((a, [sym, c]) => a + c.total - beforeLast.get(sym)!, 0);
    assert.deepEqual(values(ladder!, 0, 'latest_volume'), strikes.map(latestRise));
    assert.deepEqual(
      values(ladder!, 0, 'mean_volume'),
      strikes.map((k) => (rise('CALL', k) + rise('PUT', k)) / snapshots.size)
    );
    assert.equal(values(ladder!, 1, 'spot')[0], last.underlyingPrice.at(-1));

    const byTotal = [...final.values()]
      .map((c) => c.total)
      .sort((a, b) => b - a)
      .slice(0, 5);
    assert.deepEqual(values(chain!, 0, 'total_volume'), byTotal, 'latest snapshot, most active first');

    const activity = [...final]
      .filter(([, c]) => c.putCall === 'CALL')
      .map(([sym, c]) => c.total - first.get(sym)!)
      .sort((a, b) => b - a)
      .slice(0, 3);
    assert.deepEqual(
      contracts!.frames.map((f) => (f.fields[1]!.values as number[]).reduce((a, b) => a + b, 0)),
      activity
    );
    assert.ok(contracts!.frames.every((f) => /^SPXW {2}2305(19|22)C/.test(f.fields[1]!.labels!.contract!)));

    const spot = last.underlyingPrice.at(-1)!;
    const net = strikes.map((k) =>
      [...final.values()]
        .filter((c) => c.strike === k)
        .reduce((a, c) => a + (c.putCall === 'CALL' ? 1 : -1) * c.gamma * c.oi * 100 * spot * spot * 0.01, 0)
    );
    (values(gex!, 0, 'net_gex') as number[]).forEach((v, i) =>
      assert.ok(Math.abs(v - net[i]!) < 1e-6 * Math.max(1, Math.abs(net[i]!)), `net gex at ${strikes[i]}`)
    );
    assert.equal(values(gex!, 1, 'spot')[0], spot);
  });

  test('incremental: merged increments equal a full query; a backfill answers reset with the full range', async () => {
    // A random (seeded) sequence: the rest of the day arrives in files of 1-30 snapshots, and between
    // loads each of several query shapes is polled 0-2 times; every answer is merged per series.
    let seed = 42;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const shapes = [
      {
        refId: 'cum',
        type: 'flow',
        interval: '1m',
        options: { underlying: 'SPX', metric: 'net_volume', cumulative: true },
      },
      {
        refId: 'roll',
        type: 'flow',
        interval: '5m',
        options: { underlying: 'SPX', metric: 'net_premium', rolling: 4 },
      },
      {
        refId: 'exp',
        type: 'flow',
        interval: '15m',
        options: { underlying: 'SPX', metric: 'put_call_ratio', groupBy: 'expiration' },
      },
    ];
    const merged = (r: Result) => new Map(r.frames.map((f, i) => [f.name, series(r, i)]));
    const held = new Map<string, Map<string, Map<number, number | null>>>();
    const cursors = new Map<string, string>();
    const poll = async () => {
      const { body } = await query({
        range: RANGE,
        queries: shapes.map((q) => ({ ...q, ...(cursors.has(q.refId) ? { cursor: cursors.get(q.refId) } : {}) })),
      });
      for (const r of body.results) {
        assert.equal(r.reset, false, r.refId);
        const mine = held.get(r.refId) ?? new Map<string, Map<number, number | null>>();
        for (const [name, points] of merged(r)) {
          const into = mine.get(name) ?? new Map<number, number | null>();
          if (cursors.has(r.refId) && into.size > 0)
            assert.equal(
              Math.min(...points.keys()),
              Math.max(...into.keys()),
              'starts at the last bucket held (it may have been filling)'
            );
          for (const [time, v] of points) into.set(time, v);
          mine.set(name, into);
        }
        held.set(r.refId, mine);
        cursors.set(r.refId, r.cursor);
      }
    };
    await poll();
    const rest = [...sampleDay({ ...day, snapshotsPerRowGroup: 1 })].slice(5 * day.snapshotsPerRowGroup);
    for (let at = 0, file = 0; at < rest.length; file++) {
      const size = 1 + Math.floor(random() * 30);
      await loadSeen(db, [app], writeBatches(`SPX.X.2023-05-19.b${file}.parquet`, rest.slice(at, at + size)));
      at += size;
      for (let polls = Math.floor(random() * 3); polls > 0; polls--) await poll();
    }
    await poll();
    const { body: fullBody } = await query({ range: RANGE, queries: shapes });
    for (const r of fullBody.results) {
      const sorted = new Map(
        [...held.get(r.refId)!].map(([name, points]) => [name, new Map([...points].sort((a, b) => a[0] - b[0]))])
      );
      assert.deepEqual(sorted, merged(r), r.refId);
    }
    const q = shapes[0]!;
    const cursor = cursors.get(q.refId)!;

    // Nothing committed since: no frames at all (the cursor moves on).
    const idle = (await query({ range: RANGE, queries: [{ ...q, cursor }] })).body.results[0]!;
    assert.deepEqual(idle.frames, []);
    assert.equal(idle.reset, false);
    const noContent = await app.inject({
      method: 'POST',
      url: '/api/query',
      payload: { range: RANGE, noContentWhenUnchanged: true, queries: [{ ...q, cursor: idle.cursor }] },
    });
    assert.equal(noContent.statusCode, 204, 'opted in: no body when nothing changed');
    assert.equal(noContent.body, '');

    // A window that moves past rows stored before its cursor still gets them, though nothing was committed since.
    const early = (await query({ range: { from: OPEN, to: OPEN + 60 * 60_000 }, queries: [q] })).body.results[0]!;
    const later = (
      await query({ range: RANGE, noContentWhenUnchanged: true, queries: [{ ...q, cursor: early.cursor }] })
    ).body.results[0]!;
    assert.equal(later.reset, false);
    assert.deepEqual(
      new Map([...series(early), ...series(later)]),
      series((await query({ range: RANGE, queries: [q] })).body.results[0]!)
    );
    const again = await app.inject({
      method: 'POST',
      url: '/api/query',
      payload: { range: RANGE, noContentWhenUnchanged: true, queries: [{ ...q, cursor: later.cursor }] },
    });
    assert.equal(again.statusCode, 204, 'and then nothing is new');

    // A backfill: snapshots from before the cursor (another expiration's file for the morning).
    const other = [...sampleDay({ ...day, underlying: 'SPX', expirations: 3, seed: 8 })].slice(0, 1);
    await loadSeen(db, [app], writeBatches('SPX.X.2023-05-19.backfill.parquet', other));
    const after = (await query({ range: RANGE, queries: [{ ...q, cursor: idle.cursor }] })).body.results[0]!;
    assert.equal(after.reset, true);
    assert.deepEqual(series(after), series((await query({ range: RANGE, queries: [q] })).body.results[0]!));
    // A cursor of another query is not trusted either.
    const changed = (
      await query({
        range: RANGE,
        queries: [{ ...q, options: { ...q.options, metric: 'call_volume' }, cursor: after.cursor }],
      })
    ).body.results[0]!;
    assert.equal(changed.reset, true);
  });

  test('long-poll over HTTP: wakes on a commit, times out cleanly, and is released at shutdown', async () => {
    const q = { refId: 'a', type: 'flow', interval: '1m', options: { underlying: 'SPX', metric: 'net_volume' } };
    const { cursor } = (await query({ range: RANGE, queries: [q] })).body.results[0]!;
    // Over a real socket, not inject(): the request's own events differ there.
    const served = await listenApi({ db, host: '127.0.0.1', port: 0 });
    const post = async (body: object) => {
      const r = await fetch(`${served.url}/api/query`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      return { status: r.status, body: (await r.json()) as { results: Result[] } };
    };
    try {
      const started = Date.now();
      const timedOut = await post({ range: RANGE, wait: 0.5, queries: [{ ...q, cursor }] });
      assert.equal(timedOut.status, 200);
      assert.ok(Date.now() - started >= 450, 'held until the wait expired');
      assert.deepEqual(timedOut.body.results[0]!.frames, [], 'nothing new');

      let answered = false;
      const waiting = post({
        range: { from: OPEN, to: Date.parse('2023-05-23T00:00:00Z') },
        wait: 20,
        queries: [{ ...q, cursor }],
      }).finally(() => (answered = true));
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(answered, false, 'still waiting: nothing new yet');
      // A real commit: the loader's NOTIFY for SPX (the next trading day's first snapshots).
      const nextDay = [...sampleDay({ ...day, date: '2023-05-22', snapshotsPerRowGroup: 1 })].slice(0, 1);
      const committing = Date.now();
      assert.equal((await loadFile(db, writeBatches('SPX.X.2023-05-22.parquet', nextDay), load)).status, 'loaded');
      const woken = await waiting;
      assert.equal(woken.status, 200);
      assert.ok(Date.now() - committing < 15_000, 'answered on the commit, not at the end of the wait');
      assert.ok(series(woken.body.results[0]!).size > 1, 'with the new buckets');
    } finally {
      await served.close();
    }

    const current = (await query({ range: RANGE, queries: [q] })).body.results[0]!.cursor;
    const stopping = await listenApi({ db, host: '127.0.0.1', port: 0 });
    const held = fetch(`${stopping.url}/api/query`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ range: RANGE, wait: 25, queries: [{ ...q, cursor: current }] }),
    });
    await new Promise((r) => setTimeout(r, 300));
    const closing = Date.now();
    await stopping.close();
    assert.equal((await held).status, 200);
    assert.ok(Date.now() - closing < 5000, 'waiters released on shutdown');
  });

  test('an unchanged refresh is answered from the commit watermark without the database; a commit, a backfill, an old cursor and a lost LISTEN go to it', async () => {
    const counted = new ProbeDatabase(db);
    const api = await createApi({ db: counted });
    await api.listen({ host: '127.0.0.1', port: 0 });
    const ask = async (body: object) => {
      const r = await api.inject({ method: 'POST', url: '/api/query', payload: body });
      return {
        status: r.statusCode,
        result: r.statusCode === 204 ? null : (r.json() as { results: Result[] }).results[0]!,
      };
    };
    const range = { from: OPEN, to: Date.parse('2023-05-23T00:00:00Z') };
    const q = { refId: 'a', type: 'flow', interval: '1m', options: { underlying: 'SPX', metric: 'net_volume' } };
    const full = async () => (await ask({ range, queries: [q] })).result!;
    /** Asks with the cursor; whether the database was used; the increment merged into `held` must equal a full answer. */
    const refresh = async (cursor: string, held: Map<number, number | null>) => {
      const calls = counted.calls;
      const { result } = await ask({ range, queries: [{ ...q, cursor }] });
      const database = counted.calls > calls;
      const merged = result!.reset
        ? series(result!)
        : new Map([...held, ...(result!.frames.length > 0 ? series(result!) : [])]);
      assert.deepEqual(new Map([...merged].sort((a, b) => a[0] - b[0])), series(await full()));
      return { result: result!, database };
    };
    const nextDay = [...sampleDay({ ...day, date: '2023-05-22', snapshotsPerRowGroup: 1 })];
    try {
      let answer = await full();
      const held = series(answer);
      // Unchanged: a 204, an empty result, a batch of two, a long-poll that times out: no database call.
      const calls = counted.calls;
      assert.equal(
        (await ask({ range, noContentWhenUnchanged: true, queries: [{ ...q, cursor: answer.cursor }] })).status,
        204
      );
      const idle = (await ask({ range, queries: [{ ...q, cursor: answer.cursor }] })).result!;
      assert.deepEqual([idle.frames, idle.reset], [[], false]);
      const pair = await api.inject({
        method: 'POST',
        url: '/api/query',
        payload: {
          range,
          noContentWhenUnchanged: true,
          queries: [
            { ...q, cursor: idle.cursor },
            { ...q, refId: 'b', cursor: answer.cursor },
          ],
        },
      });
      assert.equal(pair.statusCode, 204);
      const address = api.server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      const held0 = await fetch(`http://127.0.0.1:${port}/api/query`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ range, wait: 0.3, queries: [{ ...q, cursor: idle.cursor }] }),
      });
      assert.deepEqual(((await held0.json()) as { results: Result[] }).results[0]!.frames, []);
      assert.equal(counted.calls, calls, 'no database call');

      // An unsigned cursor from before signing (version 3, the same fields): answered as without a
      // cursor, by the database, the full range with reset.
      const [, ...fields] = JSON.parse(Buffer.from(answer.cursor.split('.')[0]!, 'base64url').toString()) as unknown[];
      const old = Buffer.from(JSON.stringify([3, ...fields])).toString('base64url');
      const fromOld = await refresh(old, held);
      assert.deepEqual([fromOld.database, fromOld.result.reset], [true, true]);
      assert.deepEqual(series(fromOld.result), held);

      // A commit: the database answers with the new buckets.
      await loadSeen(db, [api], writeBatches('SPX.X.2023-05-22.c.parquet', nextDay.slice(1, 2)));
      const committed = await refresh(answer.cursor, held);
      assert.deepEqual([committed.database, committed.result.reset], [true, false]);
      assert.ok(committed.result.frames.length > 0);
      answer = await full();
      assert.equal((await refresh(answer.cursor, series(answer))).database, false, 'then unchanged again');

      // A backfill (snapshots of the morning of the 19th): the database answers reset with the full range.
      const backfill = [...sampleDay({ ...day, expirations: 3, seed: 8 })].slice(1, 2);
      assert.ok((await loadSeen(db, [api], writeBatches('SPX.X.2023-05-19.backfill2.parquet', backfill))).inserted > 0);
      const reset = await refresh(answer.cursor, series(answer));
      assert.deepEqual([reset.database, reset.result.reset], [true, true]);

      if (testServerUrl()) {
        // The LISTEN connection lost: a cursor from before is answered by the database once it is back,
        // even though nothing was committed (notifications may have been missed meanwhile)...
        const terminateListen = () =>
          db.query(
            `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'optflow-listen' AND datname = current_database()`
          );
        const reconnected = async () => {
          for (let tries = 0; ; tries++) {
            if (tries > 500) throw new Error('LISTEN did not reconnect');
            const fresh = await full();
            if (!(await refresh(fresh.cursor, series(fresh))).database) return;
            await sleep(20);
          }
        };
        answer = await full();
        await terminateListen();
        await reconnected();
        const after = await refresh(answer.cursor, series(answer));
        assert.deepEqual([after.database, after.result.frames, after.result.reset], [true, [], false]);
        // ...and a commit made while it was down is found.
        answer = await full();
        await terminateListen();
        await loadFile(db, writeBatches('SPX.X.2023-05-22.d.parquet', nextDay.slice(2, 3)), load);
        await reconnected();
        const missed = await refresh(answer.cursor, series(answer));
        assert.deepEqual([missed.database, missed.result.reset], [true, false]);
        assert.ok(missed.result.frames.length > 0);
      }
    } finally {
      await api.close();
    }
  });

  test('bad requests get 400 naming the field; oversize bodies 413; a token guards everything but health', async () => {
    const bad = [
      [
        { range: RANGE, queries: [{ refId: 'a', type: 'flow', options: { underlying: 'SPX', metric: 'volume' } }] },
        /queries\/0\/options\/metric must be equal to one of the allowed values/,
      ],
      [{ range: RANGE, queries: [] }, /queries must NOT have fewer than 1 items/],
      [
        {
          range: { from: CLOSE, to: OPEN },
          queries: [{ refId: 'a', type: 'flow', options: { underlying: 'SPX', metric: 'net_volume' } }],
        },
        /range: "to" must be after "from"/,
      ],
      [
        {
          range: RANGE,
          queries: [
            { refId: 'a', type: 'flow', cursor: 'nonsense', options: { underlying: 'SPX', metric: 'net_volume' } },
          ],
        },
        /cursor: not a cursor issued by this API/,
      ],
      [
        {
          range: RANGE,
          queries: [
            {
              refId: 'a',
              type: 'flow',
              options: { underlying: "SPX'; DROP TABLE optflow.quotes; --", metric: 'net_volume' },
            },
          ],
        },
        /options\/underlying must match pattern/,
      ],
      [
        { range: RANGE, queries: [{ refId: 'a', type: 'ladder', options: { underlying: 'SPX', measure: 'oi' } }] },
        /queries\/0\/options\/measure must be equal to one of the allowed values/,
      ],
      [
        { range: RANGE, queries: [{ refId: 'a', type: 'candles', options: { underlying: 'SPX' } }] },
        /queries\/0.*type.*must be/,
      ],
      [
        {
          range: RANGE,
          queries: [
            {
              refId: 'a',
              type: 'flow',
              options: { underlying: 'SPX', metric: 'net_volume', expirations: ['2023-02-30'] },
            },
          ],
        },
        /queries\/0\/options\/expirations\/0 must match format "date"/,
      ],
      [
        {
          range: RANGE,
          queries: [{ refId: 'a', type: 'flow', options: { underlying: 'SPX', metric: 'net_volume', rolling: 0 } }],
        },
        /queries\/0\/options\/rolling must be >= 1/,
      ],
      [
        {
          range: RANGE,
          wait: 31,
          queries: [{ refId: 'a', type: 'flow', options: { underlying: 'SPX', metric: 'net_volume' } }],
        },
        /wait must be <= 30/,
      ],
    ] as const;
    for (const [body, message] of bad) {
      const r = await query(body);
      assert.equal(r.status, 400, JSON.stringify(r.body));
      assert.match(r.body.error!, message);
    }
    const huge = await app.inject({
      method: 'POST',
      url: '/api/query',
      payload: { range: RANGE, queries: [{ refId: 'x'.repeat(70_000), type: 'flow', options: {} }] },
    });
    assert.equal(huge.statusCode, 413);

    const guarded = await createApi({ db, token: 's3cret' });
    try {
      assert.equal((await guarded.inject({ url: '/api/underlyings' })).statusCode, 401);
      assert.equal(
        (await guarded.inject({ url: '/api/underlyings', headers: { authorization: 'Bearer wrong' } })).statusCode,
        401
      );
      assert.equal(
        (await guarded.inject({ url: '/api/underlyings', headers: { authorization: 'Bearer s3cret' } })).statusCode,
        200
      );
      assert.deepEqual(
        (await guarded.inject({ url: '/api/health' })).json(),
        { ok: true },
        'health without the token: up or not, no details'
      );
      assert.equal(
        (await guarded.inject({ url: '/api/health', headers: { authorization: 'Bearer s3cret' } })).json()
          .underlyings[0].underlying,
        'SPX'
      );
      assert.equal((await guarded.inject({ url: '/metrics' })).statusCode, 401);
    } finally {
      await guarded.close();
    }
    const metrics = (await app.inject({ url: '/metrics' })).body;
    assert.match(metrics, /optflow_api_requests_total\{route="\/api\/query",method="POST",status="400"\} \d+/);
    assert.match(metrics, /optflow_api_longpoll_waiting 0/);
    assert.match(metrics, /optflow_api_db_sessions\{state="total"\} [1-9]/);
  });
});
