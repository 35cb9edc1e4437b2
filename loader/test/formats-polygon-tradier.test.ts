// Polygon (Massive) option chain snapshots and Tradier option chains (one document or NDJSON)
// converted to the columns the Parquet path produces. Fixtures are built here from the documented
// field layouts (no network).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Database } from '@optflow/db';
import { testBackend } from '@optflow/db/testing';
import type { TestDatabase } from '@optflow/db/testing';
import { openMigratedTestDatabase } from '@optflow/migrations/testing';
import { loadFile } from '../src/load/load-file.ts';
import { assertDocumentQuotes } from './support/document-quotes.ts';
import type { Expected } from './support/document-quotes.ts';

// ---- fixtures, from the documented layouts ----

const T1 = Date.parse('2024-10-15T19:58:59.000Z'); // 15:58:59 New York (EDT)
/** Epoch ms → the nanoseconds Polygon gives (a double, as JSON.parse reads them). */
const ns = (ms: number) => ms * 1e6 + 123_456;

/** An OSI symbol without padding: SPY241018C00580000. */
function osi(root: string, expiration: string, type: 'call' | 'put', strike: number): string {
  const strike8 = String(Math.round(strike * 1000)).padStart(8, '0');
  return `${root}${expiration.slice(2).replaceAll('-', '')}${type === 'call' ? 'C' : 'P'}${strike8}`;
}

/** One result of a Polygon /v3/snapshot/options/{underlying} response. */
function polygonContract(c: {
  root?: string;
  underlying?: string;
  expiration?: string;
  type: 'call' | 'put';
  strike: number;
  volume: number;
  iv?: number;
  quoteMs: number;
  extra?: Record<string, unknown>;
}): Record<string, unknown> {
  const expiration = c.expiration ?? '2024-10-18';
  return {
    break_even_price: c.strike + 2.1,
    details: {
      ticker: `O:${osi(c.root ?? 'SPY', expiration, c.type, c.strike)}`,
      contract_type: c.type,
      strike_price: c.strike,
      expiration_date: expiration,
      shares_per_contract: 100,
      exercise_style: 'american',
    },
    day: {
      volume: c.volume,
      open: 1.9,
      high: 2.3,
      low: 1.8,
      close: 2.05,
      vwap: 2.01,
      change: 0.1,
      last_updated: ns(c.quoteMs - 60_000),
    },
    last_quote: {
      bid: 2.0,
      ask: 2.2,
      bid_size: 10,
      ask_size: 12,
      midpoint: 2.1,
      timeframe: 'REAL-TIME',
      last_updated: ns(c.quoteMs),
    },
    last_trade: { price: 2.08, size: 3, exchange: 65, sip_timestamp: ns(c.quoteMs - 5_000) },
    greeks: { delta: c.type === 'call' ? 0.5 : -0.45, gamma: 0.01, theta: -0.1, vega: 0.2 },
    implied_volatility: c.iv ?? 0.153,
    open_interest: 5000,
    underlying_asset: {
      ticker: c.underlying ?? 'SPY',
      price: 580.1,
      change_to_break_even: 2,
      last_updated: ns(c.quoteMs - 1_000),
      timeframe: 'REAL-TIME',
    },
    ...c.extra,
  };
}

function polygonSnapshot(results: unknown, extra: Record<string, unknown> = {}) {
  return {
    status: 'OK',
    request_id: '6a7e466379af0a71039d60cc78e72282',
    results,
    next_url: 'https://api.polygon.io/v3/snapshot/options/SPY?cursor=YWN0aXZlPXRydWU',
    ...extra,
  };
}

/** One contract of a Tradier /v1/markets/options/chains?greeks=true response. */
function tradierOption(c: {
  root?: string;
  underlying?: string;
  expiration?: string;
  type: 'call' | 'put';
  strike: number;
  volume: number;
  midIv?: number;
  quoteMs: number;
  extra?: Record<string, unknown>;
}): Record<string, unknown> {
  const expiration = c.expiration ?? '2024-10-18';
  const root = c.root ?? 'SPY';
  return {
    symbol: osi(root, expiration, c.type, c.strike),
    description: `${root} Oct 18 2024 $${c.strike} ${c.type === 'call' ? 'Call' : 'Put'}`,
    exch: 'Z',
    type: 'option',
    last: 2.08,
    change: 0.1,
    volume: c.volume,
    open: 1.9,
    high: 2.3,
    low: 1.8,
    close: null,
    bid: 2.0,
    ask: 2.2,
    underlying: c.underlying ?? 'SPY',
    strike: c.strike,
    change_percentage: 5,
    average_volume: 0,
    last_volume: 3,
    trade_date: c.quoteMs - 5_000,
    prevclose: 1.98,
    week_52_high: 0,
    week_52_low: 0,
    bidsize: 10,
    bidexch: 'C',
    bid_date: c.quoteMs - 200,
    asksize: 12,
    askexch: 'X',
    ask_date: c.quoteMs,
    open_interest: 5000,
    contract_size: 100,
    expiration_date: expiration,
    expiration_type: 'standard',
    option_type: c.type,
    root_symbol: root,
    greeks: {
      delta: c.type === 'call' ? 0.5 : -0.45,
      gamma: 0.01,
      theta: -0.1,
      vega: 0.2,
      rho: 0.05,
      phi: -0.06,
      bid_iv: 0.15,
      mid_iv: c.midIv ?? 0.153,
      ask_iv: 0.156,
      smv_vol: 0.152,
      updated_at: '2024-10-15 15:59:59',
    },
    ...c.extra,
  };
}

function tradierChain(option: unknown, extra: Record<string, unknown> = {}) {
  return { options: option === null ? null : { option }, ...extra };
}

// ---- pure conversion ----

const POLYGON: Array<{ name: string; doc: unknown; want: Expected[] | RegExp }> = [
  {
    name: 'a call and a put: O: stripped; time = the latest last_updated (ns → ms); iv fraction → percent; midpoint = mark',
    doc: polygonSnapshot([
      polygonContract({ type: 'call', strike: 580, volume: 1234, quoteMs: T1 - 7 }),
      polygonContract({ type: 'put', strike: 575.5, volume: 40, iv: 0.2, quoteMs: T1 }),
    ]),
    want: [
      {
        contract: 'SPY   241018C00580000',
        sourceSymbol: 'SPY241018C00580000',
        putCall: 'C',
        strike: '580',
        expiration: '2024-10-18',
        quoteTime: T1,
        iv: 15.3,
        totalVolume: 1234,
        openInterest: 5000,
        bid: 2,
        ask: 2.2,
        bidSize: 10,
        askSize: 12,
        mark: 2.1,
        last: 2.08,
        delta: 0.5,
        gamma: 0.01,
        theta: -0.1,
        vega: 0.2,
        rho: null,
        multiplier: 100,
        underlying: 'SPY',
        underlyingPrice: 580.1,
      },
      { contract: 'SPY   241018P00575500', putCall: 'P', strike: '575.5', quoteTime: T1, iv: 20, totalVolume: 40 },
    ],
  },
  {
    name: "the underlying's last_updated counts when it is the latest",
    doc: polygonSnapshot([
      polygonContract({
        type: 'call',
        strike: 580,
        volume: 1,
        quoteMs: T1,
        extra: { underlying_asset: { ticker: 'SPY', price: 580.3, last_updated: ns(T1 + 30_000) } },
      }),
    ]),
    want: [{ quoteTime: T1 + 30_000, underlyingPrice: 580.3 }],
  },
  {
    name: 'a collector-added snapshot_time wins over the contracts’ times',
    doc: polygonSnapshot([polygonContract({ type: 'call', strike: 580, volume: 1, quoteMs: T1 })], {
      snapshot_time: '2024-10-15T16:00:00Z',
    }),
    want: [{ quoteTime: Date.parse('2024-10-15T16:00:00Z') }],
  },
  {
    name: 'no last_quote or last_trade (a basic plan): no bid/ask/mark, last = the day close, time from the day bar',
    doc: polygonSnapshot([
      polygonContract({
        type: 'call',
        strike: 580,
        volume: 9,
        quoteMs: T1,
        extra: { last_quote: undefined, last_trade: undefined, underlying_asset: { ticker: 'SPY' } },
      }),
    ]),
    want: [{ quoteTime: T1 - 60_000, bid: null, ask: null, mark: null, last: 2.05, underlyingPrice: null }],
  },
  {
    name: 'an index: I:SPX → SPX, SPXW weeklies keep their root',
    doc: polygonSnapshot([
      polygonContract({ root: 'SPXW', underlying: 'I:SPX', type: 'put', strike: 5800, volume: 2, quoteMs: T1 }),
    ]),
    want: [{ contract: 'SPXW  241018P05800000', underlying: 'SPX', putCall: 'P', strike: '5800' }],
  },
  {
    name: 'a contract_type that disagrees with the ticker, a result that is not an object: rejected rows, the rest kept',
    doc: polygonSnapshot([
      polygonContract({ type: 'call', strike: 580, volume: 1, quoteMs: T1 }),
      {
        ...polygonContract({ type: 'call', strike: 585, volume: 1, quoteMs: T1 }),
        details: { ticker: 'O:SPY241018C00585000', contract_type: 'put' },
      },
      'O:SPY241018C00590000',
      polygonContract({ type: 'call', strike: 580, volume: 1, iv: Number.NaN, quoteMs: T1 }), // NaN → JSON null
    ]),
    want: [
      { strike: '580' },
      'putCall put disagrees with symbol SPY241018C00585000 (C)',
      'symbol: missing option symbol',
      { strike: '580', iv: null },
    ],
  },
  {
    name: 'no last_updated anywhere and no collector time is a bad document',
    doc: polygonSnapshot([
      { details: { ticker: 'O:SPY241018C00580000' }, day: { volume: 1 }, underlying_asset: { ticker: 'SPY' } },
    ]),
    want: /no snapshot time: no contract has a last_quote, day or underlying_asset last_updated and the document has no processDateTime, snapshot_time, quote_time or created_at/,
  },
  { name: 'no results is an empty snapshot', doc: polygonSnapshot([]), want: [] },
  {
    name: 'an error response fails with its status and message',
    doc: { status: 'NOT_AUTHORIZED', request_id: 'a1', message: 'You are not entitled to this data.' },
    want: /a Polygon error response, not a snapshot: status "NOT_AUTHORIZED" \(You are not entitled to this data\.\)/,
  },
  { name: 'results that are not a list', doc: polygonSnapshot({ ticker: 'x' }), want: /results is not a list/ },
];

const TRADIER: Array<{ name: string; doc: unknown; want: Expected[] | RegExp }> = [
  {
    name: 'a call and a put: time = the latest bid_date/ask_date; mid_iv → percent; mark = (bid + ask) / 2; no underlying price',
    doc: tradierChain([
      tradierOption({ type: 'call', strike: 580, volume: 1234, quoteMs: T1 }),
      tradierOption({ type: 'put', strike: 575.5, volume: 40, midIv: 0.2, quoteMs: T1 - 9_000 }),
    ]),
    want: [
      {
        contract: 'SPY   241018C00580000',
        sourceSymbol: 'SPY241018C00580000',
        putCall: 'C',
        strike: '580',
        expiration: '2024-10-18',
        quoteTime: T1,
        iv: 15.3,
        totalVolume: 1234,
        openInterest: 5000,
        bid: 2,
        ask: 2.2,
        bidSize: 10,
        askSize: 12,
        mark: (2.0 + 2.2) / 2,
        last: 2.08,
        delta: 0.5,
        rho: 0.05,
        multiplier: 100,
        underlying: 'SPY',
        underlyingPrice: null,
      },
      { contract: 'SPY   241018P00575500', putCall: 'P', strike: '575.5', quoteTime: T1, iv: 20, totalVolume: 40 },
    ],
  },
  {
    name: 'one contract comes as an object, not a list',
    doc: tradierChain(tradierOption({ type: 'put', strike: 570, volume: 3, quoteMs: T1 })),
    want: [{ contract: 'SPY   241018P00570000', quoteTime: T1, totalVolume: 3 }],
  },
  { name: 'options null is an empty snapshot', doc: tradierChain(null), want: [] },
  {
    name: 'a collector-added processDateTime (epoch ms) wins over bid_date/ask_date',
    doc: tradierChain([tradierOption({ type: 'call', strike: 580, volume: 1, quoteMs: T1 })], {
      processDateTime: T1 + 61_000,
    }),
    want: [{ quoteTime: T1 + 61_000 }],
  },
  {
    name: 'greeks null (not computed yet): iv and greeks null; SPXW under SPX',
    doc: tradierChain([
      tradierOption({
        root: 'SPXW',
        underlying: 'SPX',
        type: 'call',
        strike: 5800,
        volume: 1,
        quoteMs: T1,
        extra: { greeks: null },
      }),
    ]),
    want: [{ contract: 'SPXW  241018C05800000', underlying: 'SPX', iv: null, delta: null, rho: null }],
  },
  {
    name: 'a strike that disagrees with the symbol is rejected, the rest kept',
    doc: tradierChain([
      { ...tradierOption({ type: 'call', strike: 580, volume: 1, quoteMs: T1 }), strike: 581 },
      tradierOption({ type: 'call', strike: 585, volume: 1, quoteMs: T1 }),
    ]),
    want: ['strikePrice 581 disagrees with symbol SPY241018C00580000 (strike 580)', { strike: '585' }],
  },
  {
    name: 'bid_date and ask_date 0 everywhere and no collector time is a bad document',
    doc: tradierChain([
      tradierOption({ type: 'call', strike: 580, volume: 1, quoteMs: T1, extra: { bid_date: 0, ask_date: 0 } }),
    ]),
    want: /no snapshot time: no contract has a bid_date or ask_date/,
  },
  {
    name: 'options.option that is neither a list nor a contract is a bad document',
    doc: tradierChain('SPY241018C00580000'),
    want: /options\.option is neither a list of contracts nor one contract but "SPY241018C00580000"/,
  },
];

describe('Polygon option chain snapshot → quotes (pure conversion)', () => {
  for (const { name, doc, want } of POLYGON) test(name, () => assertDocumentQuotes(doc, want));
});

describe('Tradier option chain → quotes (pure conversion)', () => {
  for (const { name, doc, want } of TRADIER) test(name, () => assertDocumentQuotes(doc, want));
});

test('a document of no known format names all four', () =>
  assertDocumentQuotes(
    { option: [] },
    /Schwab.*CBOE.*a Tradier chain \(options\.option\) nor a Polygon option chain snapshot \(results\); its fields: option/
  ));

// ---- through the real loader into the database ----

const backend = await testBackend();
const options = { timeZone: 'America/New_York', overrides: {} };

describe(`Polygon and Tradier NDJSON files load like Parquet (${backend})`, () => {
  const dir = mkdtempSync(join(tmpdir(), 'optflow-polygon-tradier-'));
  let t: TestDatabase;
  let db: Database;
  before(async () => {
    t = await openMigratedTestDatabase();
    db = t.db;
  });
  after(async () => {
    await t.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  const quotes = async (underlying: string) =>
    (
      await db.query<{
        contract: string;
        strike: string;
        put_call: string;
        iv: number | null;
        total_volume: number;
        volume: number;
        at: string;
        underlying_price: number | null;
      }>(
        `SELECT contract, strike::text AS strike, put_call, iv, total_volume::float8 AS total_volume, volume::float8 AS volume,
                to_char(quote_time AT TIME ZONE 'America/New_York', 'HH24:MI:SS') AS at, underlying_price
         FROM optflow.quotes WHERE underlying = $1 ORDER BY contract, quote_time`,
        [underlying]
      )
    ).rows.map((r) => [r.contract, r.strike, r.put_call, r.iv, r.total_volume, r.volume, r.at, r.underlying_price]);

  test('Polygon NDJSON, two snapshots: contracts, strikes, iv in percent, interval volume between them', async () => {
    const snapshot = (minute: number, call: number, put: number) =>
      JSON.stringify(
        polygonSnapshot([
          polygonContract({
            underlying: 'QQQ',
            root: 'QQQ',
            type: 'call',
            strike: 490,
            volume: call,
            quoteMs: T1 + minute * 60_000,
          }),
          polygonContract({
            underlying: 'QQQ',
            root: 'QQQ',
            type: 'put',
            strike: 485.5,
            volume: put,
            iv: 0.21,
            quoteMs: T1 + minute * 60_000 - 400,
          }),
        ])
      ) + '\n';
    const path = join(dir, 'QQQ.2024-10-15.ndjson');
    writeFileSync(path, snapshot(0, 100, 50) + snapshot(1, 130, 50));
    const summary = await loadFile(db, path, options);
    assert.equal(summary.status, 'loaded', summary.error ?? '');
    assert.deepEqual([summary.inserted, summary.rejected, summary.rowGroups.total], [4, 0, 2]);
    assert.deepEqual(await quotes('QQQ'), [
      ['QQQ   241018C00490000', '490', 'C', 15.3, 100, 0, '15:58:59', 580.1],
      ['QQQ   241018C00490000', '490', 'C', 15.3, 130, 30, '15:59:59', 580.1],
      ['QQQ   241018P00485500', '485.5', 'P', 21, 50, 0, '15:58:59', 580.1],
      ['QQQ   241018P00485500', '485.5', 'P', 21, 50, 0, '15:59:59', 580.1],
    ]);
    assert.equal((await loadFile(db, path, options)).status, 'unchanged');
  });

  test('Tradier NDJSON, two snapshots (one a single contract as an object): iv in percent, interval volume, no underlying price', async () => {
    const call = (minute: number, volume: number) =>
      tradierOption({
        underlying: 'IWM',
        root: 'IWM',
        type: 'call',
        strike: 220,
        volume,
        quoteMs: T1 + minute * 60_000,
      });
    const put = (minute: number, volume: number) =>
      tradierOption({
        underlying: 'IWM',
        root: 'IWM',
        type: 'put',
        strike: 217.5,
        volume,
        midIv: 0.1875,
        quoteMs: T1 + minute * 60_000 - 300,
      });
    const path = join(dir, 'IWM.2024-10-15.jsonl');
    writeFileSync(
      path,
      JSON.stringify(tradierChain([call(0, 7), put(0, 20)])) +
        '\n' +
        JSON.stringify(tradierChain(call(1, 19), { snapshot_time: '2024-10-15 16:00:00' })) + // naive: --timezone
        '\n'
    );
    const summary = await loadFile(db, path, options);
    assert.equal(summary.status, 'loaded', summary.error ?? '');
    assert.deepEqual([summary.inserted, summary.rejected, summary.rowGroups.total], [3, 0, 2]);
    assert.deepEqual(await quotes('IWM'), [
      ['IWM   241018C00220000', '220', 'C', 15.3, 7, 0, '15:58:59', null],
      ['IWM   241018C00220000', '220', 'C', 15.3, 19, 12, '16:00:00', null],
      ['IWM   241018P00217500', '217.5', 'P', 18.75, 20, 0, '15:58:59', null],
    ]);
  });
});
