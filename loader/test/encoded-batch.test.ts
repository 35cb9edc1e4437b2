import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { openTestDatabase, testBackend } from '@optflow/db/testing';
import type { TestDatabase } from '@optflow/db/testing';
import type { QuoteInput } from '../src/contracts/quote-row.ts';
import { BatchEncoder, copyPayload, QUOTE_COPY_COLUMNS } from '../src/load/encoded-batch.ts';
import { flattenGroups, groupBySession } from '../src/load/session-groups.ts';

const quote = (contract: string, minute: number, totalVolume: number | null): QuoteInput => ({
  quoteTime: Date.parse('2023-05-19T13:30:00Z') + minute * 60_000,
  contract,
  sourceSymbol: contract.replace(/ +/, '_'),
  underlying: 'SPX',
  root: 'SPXW',
  expiration: '2023-05-19',
  putCall: 'C',
  strike: '4200',
  bid: 1,
  ask: 2,
  last: null,
  mark: 1.5,
  bidSize: 3,
  askSize: null,
  totalVolume,
  multiplier: 100,
  openInterest: null,
  iv: null,
  delta: 0.5,
  gamma: null,
  theta: null,
  vega: null,
  rho: null,
  underlyingPrice: 4201.25,
});

const backend = await testBackend();

describe(`encoded batch (${backend})`, () => {
  let t: TestDatabase;
  before(async () => {
    t = await openTestDatabase();
    const types: Record<string, string> = {
      int8: 'bigint',
      float8: 'double precision',
      timestamptz: 'timestamptz',
      text: 'text',
      date: 'date',
      numeric: 'numeric',
      int4: 'integer',
    };
    await t.db.query(
      `CREATE TABLE quotes_copy (${QUOTE_COPY_COLUMNS.map((c) => `${c.name} ${types[c.type]}`).join(', ')})`
    );
  });
  after(() => t.dispose());

  test('columns for the volume rules, contract and underlying tables, rejected rows', () => {
    const encoder = new BatchEncoder();
    encoder.add(quote('SPXW  230519C04200000', 0, 10));
    encoder.reject({ rowNumber: 2, reason: 'bad symbol', raw: { symbol: '?' } });
    encoder.add(quote('SPXW  230519P04200000', 0, null));
    encoder.add(quote('SPXW  230519C04200000', 1, 12));
    const batch = encoder.finish();
    assert.equal(batch.length, 3);
    assert.deepEqual(batch.contracts, ['SPXW  230519C04200000', 'SPXW  230519P04200000']);
    assert.deepEqual([...batch.contract], [0, 1, 0]);
    assert.deepEqual(batch.underlyings, ['SPX']);
    assert.deepEqual([...batch.totalVolume], [10, NaN, 12], 'null as NaN');
    assert.equal(batch.rowStart.length, 4);
    assert.equal(batch.rowStart[3], batch.payload.length - 2, 'rows end where the trailer starts');
    assert.deepEqual(batch.rejected, [{ rowNumber: 2, reason: 'bad symbol', raw: { symbol: '?' } }]);
    assert.deepEqual(batch.groups, flattenGroups(batch, groupBySession(batch)), 'grouped by contract-session');
  });

  test('every column of a quote lands in its own column of optflow.quotes, nulls included', async () => {
    const full: QuoteInput = {
      quoteTime: Date.parse('2023-05-19T13:30:00.123Z'),
      contract: 'NDXP  230519P13500500',
      sourceSymbol: '.NDXP230519P13500.5',
      underlying: 'NDX',
      root: 'NDXP',
      expiration: '2023-05-19',
      putCall: 'P',
      strike: '13500.5',
      bid: 1.1,
      ask: 1.2,
      last: 1.15,
      mark: 1.16,
      bidSize: 11,
      askSize: 12,
      totalVolume: 13,
      multiplier: 50,
      openInterest: 14,
      iv: 0.15,
      delta: -0.16,
      gamma: 0.17,
      theta: -0.18,
      vega: 0.19,
      rho: -0.2,
      underlyingPrice: 13_600.25,
    };
    const empty: QuoteInput = {
      ...full,
      quoteTime: full.quoteTime + 60_000,
      bid: null,
      ask: null,
      last: null,
      mark: null,
      bidSize: null,
      askSize: null,
      totalVolume: null,
      openInterest: null,
      iv: null,
      delta: null,
      gamma: null,
      theta: null,
      vega: null,
      rho: null,
      underlyingPrice: null,
    };
    const encoder = new BatchEncoder();
    encoder.add(full);
    encoder.add(empty);
    const batch = encoder.finish();
    await t.db.query('TRUNCATE quotes_copy');
    const zeros = () => new Float64Array(2);
    await t.db.copyBinary(
      'public.quotes_copy',
      QUOTE_COPY_COLUMNS,
      copyPayload(
        batch,
        [0, 1],
        { volume: zeros(), signedVolume: zeros(), premium: zeros(), anomaly: new Uint8Array(2) },
        9
      )
    );
    const { rows } = await t.db.query<Record<string, unknown>>(
      `SELECT *, extract(epoch FROM quote_time)::float8 * 1000 AS t FROM quotes_copy ORDER BY quote_time`
    );
    const expected = (q: QuoteInput) => ({
      volume: 0,
      signed_volume: 0,
      premium: 0,
      anomaly: 0,
      quote_time: new Date(Math.floor(q.quoteTime)),
      t: q.quoteTime,
      contract: q.contract,
      source_symbol: q.sourceSymbol,
      underlying: q.underlying,
      root: q.root,
      expiration: q.expiration,
      put_call: q.putCall,
      strike: q.strike,
      bid: q.bid,
      ask: q.ask,
      last: q.last,
      mark: q.mark,
      bid_size: q.bidSize,
      ask_size: q.askSize,
      total_volume: q.totalVolume,
      multiplier: q.multiplier,
      open_interest: q.openInterest,
      iv: q.iv,
      delta: q.delta,
      gamma: q.gamma,
      theta: q.theta,
      vega: q.vega,
      rho: q.rho,
      underlying_price: q.underlyingPrice,
      file_id: 9,
    });
    assert.deepEqual(rows, [expected(full), expected(empty)]);
  });

  for (const keep of [[0, 1, 2], [0, 2], [2, 0, 1], []]) {
    test(`the payload of rows [${keep.join(', ')}] with their derived values copies into PostgreSQL in that order`, async () => {
      const encoder = new BatchEncoder();
      [
        quote('SPXW  230519C04200000', 0, 10),
        quote('SPXW  230519P04200000', 0, null),
        quote('SPXW  230519C04200000', 1, 12),
      ].forEach((q) => encoder.add(q));
      const batch = encoder.finish();
      const derived = {
        volume: Float64Array.of(0, 0, 2),
        signedVolume: Float64Array.of(0, 0, -2),
        premium: Float64Array.of(0, 0, 300),
        anomaly: Uint8Array.of(0, 3, 0),
      };
      await t.db.query('TRUNCATE quotes_copy');
      assert.equal(
        await t.db.copyBinary(
          'public.quotes_copy',
          QUOTE_COPY_COLUMNS,
          copyPayload(batch, Int32Array.from(keep), derived, 7)
        ),
        keep.length
      );
      const { rows } = await t.db.query<Record<string, unknown>>(
        `SELECT contract, extract(epoch FROM quote_time)::float8 * 1000 AS t, total_volume, volume, signed_volume, premium, anomaly, strike, ask_size, file_id FROM quotes_copy ORDER BY ctid`
      );
      const all = [
        {
          contract: 'SPXW  230519C04200000',
          t: Date.parse('2023-05-19T13:30:00Z'),
          total_volume: 10,
          volume: 0,
          signed_volume: 0,
          premium: 0,
          anomaly: 0,
          strike: '4200',
          ask_size: null,
          file_id: 7,
        },
        {
          contract: 'SPXW  230519P04200000',
          t: Date.parse('2023-05-19T13:30:00Z'),
          total_volume: null,
          volume: 0,
          signed_volume: 0,
          premium: 0,
          anomaly: 3,
          strike: '4200',
          ask_size: null,
          file_id: 7,
        },
        {
          contract: 'SPXW  230519C04200000',
          t: Date.parse('2023-05-19T13:31:00Z'),
          total_volume: 12,
          volume: 2,
          signed_volume: -2,
          premium: 300,
          anomaly: 0,
          strike: '4200',
          ask_size: null,
          file_id: 7,
        },
      ];
      assert.deepEqual(
        rows,
        keep.map((i) => all[i])
      );
    });
  }
});
