import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { testBackend } from '@optflow/db/testing';
import type { TestDatabase } from '@optflow/db/testing';
import { refreshFlowAggregates } from '@optflow/migrations';
import { openMigratedTestDatabase } from '@optflow/migrations/testing';
import { createApi } from '../src/index.ts';

const backend = await testBackend();

/** Call volume at three New York evening times: two of them after 20:00 there, on the next UTC day. */
const EVENING = [
  { time: '2023-05-19T03:30:00Z', volume: 5 }, // 23:30 EDT on the 18th
  { time: '2023-05-19T23:30:00Z', volume: 10 }, // 19:30 EDT on the 19th
  { time: '2023-05-20T03:30:00Z', volume: 11 }, // 23:30 EDT on the 19th
];
/** By New York session; by UTC day it would be 15 on the 19th and 11 on the 20th. */
const SESSIONS = [
  [Date.parse('2023-05-18T04:00:00Z'), 5],
  [Date.parse('2023-05-19T04:00:00Z'), 21],
];

describe(`daily flow is by New York session (${backend})`, () => {
  let t: TestDatabase;
  let app: FastifyInstance;
  const daily = async (options: object = {}) => {
    const response = await app.inject({
      method: 'POST',
      url: '/api/query',
      payload: {
        range: { from: '2023-05-17T00:00:00Z', to: '2023-05-22T00:00:00Z' },
        queries: [
          {
            refId: 'A',
            type: 'flow',
            interval: '1d',
            options: { underlying: 'SPX', metric: 'call_volume', ...options },
          },
        ],
      },
    });
    assert.equal(response.statusCode, 200, response.body);
    const frame = (response.json() as { results: Array<{ frames: Array<{ fields: Array<{ values: number[] }> }> }> })
      .results[0]!.frames[0]!;
    return frame.fields[0]!.values.map((time, i) => [time, frame.fields[1]!.values[i]]);
  };

  before(async () => {
    t = await openMigratedTestDatabase();
    for (const row of EVENING) {
      await t.db.query(
        `INSERT INTO optflow.quotes (quote_time, contract, source_symbol, underlying, root, expiration, put_call, strike, mark, volume, premium)
         VALUES ($1, 'SPXW  230526C04200000', 'x', 'SPX', 'SPXW', '2023-05-26', 'C', 4200, 1, $2::bigint, $2::bigint * 100)`,
        [row.time, row.volume]
      );
    }
    app = await createApi({ db: t.db });
  });
  after(async () => {
    await app.close();
    await t.dispose();
  });

  test('1d buckets start at New York midnight, evenings included, in real time and once materialized', async () => {
    assert.deepEqual(await daily(), SESSIONS);
    await refreshFlowAggregates(t.db, new Date(EVENING[0]!.time), new Date('2023-05-21T00:00:00Z'));
    assert.deepEqual(await daily(), SESSIONS);
  });

  test('filtered by strike (read from the quotes), rolling and cumulative answers use the same sessions', async () => {
    assert.deepEqual(await daily({ strikes: { min: 4000, max: 4500 } }), SESSIONS);
    assert.deepEqual(await daily({ rolling: 2 }), [SESSIONS[0], [SESSIONS[1]![0], 13]]);
    assert.deepEqual(await daily({ cumulative: true }), SESSIONS, 'each session sums on its own');
  });

  test('expirations of a range starting late on a New York evening include that session', async () => {
    const response = await app.inject({
      url: `/api/expirations?underlying=SPX&from=${Date.parse('2023-05-20T02:00:00Z')}`,
    });
    assert.deepEqual(response.json(), { expirations: ['2023-05-26'] });
  });
});
