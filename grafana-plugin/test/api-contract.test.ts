import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { lastValueFrom } from 'rxjs';
import { FLOW_METRICS, MAX_INT4, QUERY_TYPES, type ApiQueryRequest } from '@optflow/contract';
import { validateQuery } from '../src/api/request-builder';
import type { FlowQuery } from '../src/types';
import { fixture, newDataSource, nyTime, panelRequest, setTemplateVariables } from './support/fixture';

/**
 * The plugin against the API's published contract: every request body the data source sends, for
 * panel queries of each type with every option set (at the bounds the editor accepts), is valid by
 * the request schema of POST /api/query in the served /api/openapi.json, and the API answers it.
 */
const underlying = 'SPX';
const everything: Array<[string, FlowQuery]> = [
  ...FLOW_METRICS.map((metric): [string, FlowQuery] => [
    `flow ${metric}`,
    { refId: 'A', queryType: 'flow', underlying, metric },
  ]),
  [
    'flow with every option',
    {
      refId: 'A',
      queryType: 'flow',
      underlying,
      metric: 'net_premium',
      cumulative: true,
      rolling: 500,
      putCall: 'P',
      strikeMin: 4000,
      strikeMax: 4400,
      regularHours: true,
      otm: true,
      groupBy: 'dte',
      expirations: ['2023-05-19', '2023-05-22'],
      dteMin: 0,
      dteMax: MAX_INT4,
      zeroDte: true,
      interval: '5m',
      legendFormat: '{{underlying}} {{dte}}',
    },
  ],
  [
    'flow around spot, by expiration',
    {
      refId: 'A',
      queryType: 'flow',
      underlying,
      metric: 'net_volume',
      strikesAroundSpotPct: 100,
      groupBy: 'expiration',
      interval: '1d',
    },
  ],
  ['ladder', { refId: 'A', queryType: 'ladder', underlying, measure: 'premium', lastMinutes: 1440, zeroDte: true }],
  [
    'contracts',
    { refId: 'A', queryType: 'contracts', underlying, putCall: 'C', strikeMin: 4100, strikeMax: 4200, limit: 20 },
  ],
  ['chain', { refId: 'A', queryType: 'chain', underlying, limit: 500, dteMax: 3 }],
  ['gex', { refId: 'A', queryType: 'gex', underlying, expirations: ['2023-05-19'] }],
  [
    'exposure with every option',
    {
      refId: 'A',
      queryType: 'exposure',
      underlying,
      greek: 'vanna',
      weight: 'volume',
      exposureBy: 'expiration',
      exposureUnit: 'notional',
      rate: 0.04,
    },
  ],
  ['oichange by contract', { refId: 'A', queryType: 'oichange', underlying, oiChangeBy: 'contract', limit: 50 }],
  ['iv expected move', { refId: 'A', queryType: 'iv', underlying, ivMeasure: 'expected_move', interval: '15m' }],
  ['maxpain', { refId: 'A', queryType: 'maxpain', underlying, interval: '15m' }],
  [
    'unusual with every threshold',
    {
      refId: 'A',
      queryType: 'unusual',
      underlying,
      lastMinutes: 1,
      minRatio: 1e6,
      minVolume: MAX_INT4,
      minOpenInterest: 0,
      minPrice: 0,
      hotFactor: 1e6,
      limit: 500,
    },
  ],
];

let validRequest: ReturnType<Ajv['compile']>;

beforeAll(async () => {
  const served = await fetch(`${fixture().api}/api/openapi.json`, {
    headers: { authorization: `Bearer ${fixture().token}` },
  });
  expect(served.status).toBe(200);
  const document = (await served.json()) as {
    paths: Record<string, { post?: { requestBody: { content: Record<string, { schema: object }> } } }>;
  };
  const schema = document.paths['/api/query']!.post!.requestBody.content['application/json']!.schema;
  // As the API reads bodies: formats checked, the discriminator followed, nothing coerced.
  validRequest = addFormats(new Ajv({ discriminator: true, strict: false, allErrors: true })).compile(schema);
});

beforeEach(() => setTemplateVariables({}));

test('the table covers every query type', () => {
  expect(new Set(everything.map(([, q]) => q.queryType))).toEqual(new Set(QUERY_TYPES));
});

test.each(everything)(
  '%s: the editor accepts it, the request is valid by /api/openapi.json, the API answers',
  async (_name, query) => {
    expect(validateQuery(query, { interpolated: true })).toEqual([]);
    const { ds, backendSrv } = newDataSource();
    const range = { from: nyTime('09:30'), to: nyTime('16:01'), rawFrom: 'now-1d' };
    // Twice: the second request continues from the first answer's cursor.
    for (let i = 0; i < 2; i++) {
      const response = await lastValueFrom(ds.query(panelRequest([query], range)));
      expect(response.errors ?? []).toEqual([]);
    }
    const bodies = backendSrv.requests
      .filter((r) => r.url.endsWith('/api/query'))
      .map((r) => r.data as ApiQueryRequest);
    expect(bodies.length).toBe(2);
    for (const body of bodies) {
      const valid = validRequest(body);
      expect(valid ? [] : validRequest.errors).toEqual([]);
    }
  }
);

test('the schema is the one the API enforces: a request outside it is rejected by both', async () => {
  const body = {
    range: { from: 0, to: 1 },
    queries: [{ refId: 'A', type: 'flow', options: { underlying, metric: 'net_volume', extra: 1 } }],
  };
  expect(validRequest(body)).toBe(false);
  const answer = await fetch(`${fixture().api}/api/query`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${fixture().token}` },
    body: JSON.stringify(body),
  });
  expect(answer.status).toBe(400);
});
