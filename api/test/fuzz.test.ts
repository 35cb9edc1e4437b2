import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { Ajv } from 'ajv';
import type { ValidateFunction } from 'ajv';
import formats from 'ajv-formats';
import type { FastifyInstance } from 'fastify';
import { generateSync } from 'json-schema-faker';
import type { JsonSchema } from 'json-schema-faker';
import { testBackend } from '@optflow/db/testing';
import { encodeCursor } from '../src/cursor.ts';
import { createApi } from '../src/index.ts';
import { CLOSE, OPEN, openLoadedDatabase } from './support.ts';
import type { LoadedDatabase } from './support.ts';

/**
 * Fuzzing driven by /api/openapi.json: requests generated from the document's own schemas
 * (json-schema-faker), half of them then mutated with the values that once made 500s (times beyond
 * ±8.64e15, 1e300, years 0 and 10000, impossible dates, huge integers, tampered and forged cursors,
 * wrong types, unknown fields) and junk. Every answer must be below 500 and match the document: 200
 * bodies its response schema, 4xx bodies an `error`. Seeded: OPTFLOW_FUZZ_SEED repeats a run,
 * OPTFLOW_FUZZ_REQUESTS sets its length.
 */
const SEED = Number(process.env.OPTFLOW_FUZZ_SEED ?? 14);
const REQUESTS = Number(process.env.OPTFLOW_FUZZ_REQUESTS ?? 6000);
const TOKEN = 'fuzz-token';

/** mulberry32: a small seeded PRNG, so a run is reproducible from its seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Request = {
  method: 'GET' | 'POST';
  url: string;
  payload?: string;
  headers: Record<string, string>;
  route: string;
};

const backend = await testBackend();

describe(`API fuzz (${backend})`, () => {
  let loaded: LoadedDatabase;
  let app: FastifyInstance;
  before(async () => {
    loaded = await openLoadedDatabase();
    app = await createApi({ db: loaded.db, token: TOKEN });
  });
  after(async () => {
    await app.close();
    await loaded.dispose();
  });

  test(`${REQUESTS} requests from the OpenAPI document, seed ${SEED}: no 5xx, every answer as documented`, async () => {
    const random = prng(SEED);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
    const auth = { authorization: `Bearer ${TOKEN}` };
    const doc = (await app.inject({ url: '/api/openapi.json', headers: auth })).json<{
      paths: Record<
        string,
        Record<
          string,
          {
            requestBody?: { content: Record<string, { schema: JsonSchema }> };
            parameters?: Array<{ name: string; schema: JsonSchema }>;
            responses: Record<string, { content?: Record<string, { schema: object }> }>;
          }
        >
      >;
    }>();
    const bodySchema = doc.paths['/api/query']!.post!.requestBody!.content['application/json']!.schema;
    const parameters = doc.paths['/api/expirations']!.get!.parameters!;
    // Answers are checked strictly against the document: no coercion, formats checked.
    const addFormats = formats as unknown as (ajv: Ajv) => Ajv;
    const ajv = addFormats(new Ajv({ strict: false, allErrors: true }));
    const validators = new Map<string, ValidateFunction>();
    const validatorOf = (route: string, method: string, status: number): ValidateFunction | null => {
      const schema =
        doc.paths[route]?.[method.toLowerCase()]?.responses[String(status)]?.content?.['application/json']?.schema;
      if (!schema) return null;
      const key = `${method} ${route} ${status}`;
      if (!validators.has(key)) validators.set(key, ajv.compile(schema));
      return validators.get(key)!;
    };

    // Real cursors (and the queries they belong to), refreshed from answers as the run goes.
    const issued: Array<{ query: Json; cursor: string }> = [];
    const remember = (queries: Json[], results: Array<{ cursor: string }>) => {
      results.forEach((r, i) => {
        if (issued.length < 64) issued.push({ query: queries[i]!, cursor: r.cursor });
        else issued[Math.floor(random() * issued.length)] = { query: queries[i]!, cursor: r.cursor };
      });
    };
    for (const type of ['flow', 'ladder', 'chain', 'contracts', 'gex']) {
      const queries: Json[] = [
        {
          refId: type,
          type,
          options: type === 'flow' ? { underlying: 'SPX', metric: 'net_volume' } : { underlying: 'SPX' },
        },
      ];
      const r = await app.inject({
        method: 'POST',
        url: '/api/query',
        headers: auth,
        payload: { range: { from: OPEN, to: CLOSE }, queries },
      });
      assert.equal(r.statusCode, 200, r.body);
      remember(queries, r.json<{ results: Array<{ cursor: string }> }>().results);
    }
    const cursorVariant = (): string => {
      const { cursor } = pick(issued);
      const [payload, mac] = cursor.split('.') as [string, string];
      const fields = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Json[];
      const reencode = (f: Json[]) => Buffer.from(JSON.stringify(f)).toString('base64url');
      return pick([
        cursor,
        `${payload.slice(0, -1)}${payload.endsWith('A') ? 'B' : 'A'}.${mac}`, // tampered payload
        `${reencode(fields.map((v, i) => (i === 4 ? '1:2:x' : v)))}.${mac}`, // a snapshot swapped in, fingerprint kept
        `${reencode(fields.map((v, i) => (i === 2 ? 1e300 : v)))}.${mac}`,
        `${reencode(fields.map((v, i) => (i === 3 ? -1e300 : v)))}.${mac}`,
        encodeCursor(
          {
            fingerprint: String(fields[1]),
            last: 1e15,
            latest: -8.64e15,
            snapshot: '1:1:',
            to: 8.64e15,
            instance: null,
            generation: null,
          },
          randomBytes(32)
        ), // another database's
        reencode([3, ...fields.slice(1)]), // unsigned, from before signing
        reencode([1, fields[1]!, 1e300, 1e300, '99999999999999999999:1:']),
        'x'.repeat(1024),
        `${payload}.`,
      ]);
    };
    const EDGE: ReadonlyArray<() => Json> = [
      () => 8.64e15,
      () => -8.64e15,
      () => 8.64e15 + 1,
      () => 1e300,
      () => -1e300,
      () => -1,
      () => 0,
      () => 0.5,
      () => 2 ** 31,
      () => 2 ** 31 - 1,
      () => 10_000_000_000,
      () => Number.MAX_SAFE_INTEGER,
      () => 253402300800000,
      () => 253402300799999,
      () => '5',
      () => '',
      () => '2023-13-45',
      () => '2023-02-30',
      () => '0000-01-01',
      () => '10000-01-01',
      () => '0000-01-01T00:00:00Z',
      () => '10000-01-01T00:00:00Z',
      () => '9999-12-31T23:59:59.999Z',
      () => '1969-12-31T23:59:59Z',
      () => '1970-01-01T00:00:00+01:00',
      () => '2016-12-31T23:59:60Z',
      () => 'NaN',
      () => 'Infinity',
      () => "' OR 1=1 --",
      () => 'x'.repeat(5000),
      () => '\u0000',
      () => 'SPX',
      () => '99999999999999999999',
      () => null,
      () => true,
      () => [],
      () => ({}),
      () => [1],
      () => ({ a: 1 }),
      cursorVariant,
    ];

    /** Every path (object keys and array indexes) inside a JSON value. */
    const paths = (value: Json, at: Array<string | number> = []): Array<Array<string | number>> => {
      if (value === null || typeof value !== 'object') return [at];
      const children = Array.isArray(value) ? value.map((v, i) => [i, v] as const) : Object.entries(value);
      return [at, ...children.flatMap(([k, v]) => paths(v, [...at, k]))];
    };
    const parentOf = (root: Json, path: Array<string | number>): Json =>
      path.slice(0, -1).reduce<Json>((v, k) => (v as Record<string | number, Json>)[k]!, root);
    const mutate = (root: Json): Json => {
      const path = pick(paths(root));
      if (path.length === 0) return random() < 0.5 ? pick(EDGE)() : root;
      const parent = parentOf(root, path) as Record<string | number, Json>;
      const key = path.at(-1)!;
      const op = random();
      if (op < 0.6) parent[key] = pick(EDGE)();
      else if (op < 0.75 && !Array.isArray(parent)) delete parent[key];
      else if (op < 0.9 && !Array.isArray(parent)) parent[`unknown${Math.floor(random() * 10)}`] = pick(EDGE)();
      else if (Array.isArray(parent[key]))
        (parent[key] as Json[]).push(...Array.from({ length: 21 }, () => (parent[key] as Json[])[0] ?? null));
      return root;
    };
    const generate = (schema: JsonSchema): Json =>
      generateSync(schema, { seed: Math.floor(random() * 2 ** 31), maxItems: 3, optionalsProbability: 0.4 }) as Json;

    const queryBody = (): Json => {
      const body = generate(bodySchema) as {
        range: { from: Json; to: Json };
        wait?: Json;
        queries: Array<{ options: Record<string, Json>; cursor?: Json; [k: string]: Json | undefined }>;
      };
      // Half the time about the loaded data: its underlying and day, so queries find rows.
      if (random() < 0.5) {
        body.range = { from: OPEN - Math.floor(random() * 86_400_000), to: CLOSE + Math.floor(random() * 86_400_000) };
        for (const q of body.queries) q.options.underlying = 'SPX';
      }
      for (const q of body.queries) if (random() < 0.2) q.cursor = cursorVariant();
      // The incremental path: a query with its own cursor.
      if (random() < 0.2)
        body.queries = [
          JSON.parse(
            JSON.stringify({ ...(pick(issued).query as object), cursor: pick(issued).cursor })
          ) as (typeof body.queries)[number],
        ];
      let json: Json = body as unknown as Json;
      if (random() < 0.5) for (let n = 1 + Math.floor(random() * 3); n > 0; n--) json = mutate(json);
      // Long-polls are bounded here (a valid 30 s wait on valid cursors would just wait).
      if (
        json !== null &&
        typeof json === 'object' &&
        !Array.isArray(json) &&
        typeof json.wait === 'number' &&
        json.wait > 0.02 &&
        json.wait <= 30
      )
        json.wait = 0.02;
      return json;
    };
    const expirationsUrl = (): string => {
      const schema = {
        type: 'object',
        required: ['underlying'],
        properties: Object.fromEntries(parameters.map((p) => [p.name, p.schema])),
      } as JsonSchema;
      const params = generate(schema) as Record<string, Json>;
      if (random() < 0.5) params.underlying = 'SPX';
      if (random() < 0.5) params[pick(['underlying', 'from', 'to', 'since'])] = pick(EDGE)();
      const search = new URLSearchParams();
      for (const [k, v] of Object.entries(params)) search.append(k, typeof v === 'string' ? v : JSON.stringify(v));
      if (random() < 0.05) search.append('underlying', 'QQQ');
      return `/api/expirations?${search}`;
    };
    const nextRequest = (): Request => {
      const headers: Record<string, string> =
        random() < 0.05 ? (random() < 0.5 ? {} : { authorization: 'Bearer wrong' }) : { ...auth };
      const r = random();
      if (r < 0.7) {
        const junk = random();
        if (junk < 0.03)
          return {
            method: 'POST',
            url: '/api/query',
            route: '/api/query',
            headers: { ...headers, 'content-type': 'application/json' },
            payload: pick([
              '{',
              '{"range":',
              'null',
              '[]',
              '"x"',
              '{"__proto__":{"a":1}}',
              '{"constructor":{"prototype":{}}}',
            ]),
          };
        if (junk < 0.05)
          return {
            method: 'POST',
            url: '/api/query',
            route: '/api/query',
            headers: { ...headers, 'content-type': 'text/plain' },
            payload: 'range=1',
          };
        return {
          method: 'POST',
          url: '/api/query',
          route: '/api/query',
          headers: { ...headers, 'content-type': 'application/json' },
          payload: JSON.stringify(queryBody()),
        };
      }
      if (r < 0.88) return { method: 'GET', url: expirationsUrl(), route: '/api/expirations', headers };
      const [url, route] = pick([
        ['/api/health', '/api/health'],
        ['/api/underlyings', '/api/underlyings'],
        ['/api/openapi.json', '/api/openapi.json'],
        ['/metrics', '/metrics'],
        ['/api/nothing', '/api/nothing'],
        ['/api/health?verbose=1', '/api/health'],
      ] as const);
      return { method: 'GET', url, route, headers: random() < 0.5 ? headers : {} };
    };

    const statuses = new Map<number, number>();
    const failures: string[] = [];
    const started = Date.now();
    for (let i = 0; i < REQUESTS; i++) {
      const req = nextRequest();
      const res = await app.inject({
        method: req.method,
        url: req.url,
        headers: req.headers,
        ...(req.payload === undefined ? {} : { payload: req.payload }),
      });
      statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
      const problem = ((): string | null => {
        if (res.statusCode >= 500) return `status ${res.statusCode}: ${res.body}`;
        if (res.statusCode === 204) return res.body === '' ? null : 'a 204 with a body';
        if (req.url === '/metrics' && res.statusCode === 200) return null;
        let body: unknown;
        try {
          body = res.json();
        } catch {
          return `not JSON: ${res.body.slice(0, 200)}`;
        }
        if (res.statusCode >= 400)
          return typeof (body as { error?: unknown }).error === 'string'
            ? null
            : `an error without "error": ${res.body.slice(0, 200)}`;
        const validate = validatorOf(req.route, req.method, res.statusCode);
        if (validate === null)
          return req.route === '/api/openapi.json'
            ? null
            : `status ${res.statusCode} is not documented for ${req.route}`;
        return validate(body) ? null : `answer not as documented: ${ajv.errorsText(validate.errors)}`;
      })();
      if (problem !== null)
        failures.push(`#${i} ${req.method} ${req.url} ${req.payload?.slice(0, 300) ?? ''} → ${problem}`);
      // Keep the cursor pool fresh from real answers.
      if (res.statusCode === 200 && req.route === '/api/query' && req.payload !== undefined) {
        const sent = JSON.parse(req.payload) as { queries?: Json[] };
        if (Array.isArray(sent.queries))
          remember(sent.queries, res.json<{ results: Array<{ cursor: string }> }>().results);
      }
    }
    const seconds = (Date.now() - started) / 1000;
    const fives = [...statuses].filter(([s]) => s >= 500).reduce((a, [, n]) => a + n, 0);
    console.log(
      `fuzz (${backend}): seed ${SEED}, ${REQUESTS} requests in ${seconds.toFixed(1)} s, 5xx: ${fives}, statuses ${JSON.stringify(Object.fromEntries([...statuses].sort((a, b) => a[0] - b[0])))}`
    );
    assert.deepEqual(failures.slice(0, 10), [], `${failures.length} answers off (seed ${SEED})`);
    assert.ok((statuses.get(200) ?? 0) > REQUESTS / 10, 'a good share of the requests were valid and answered');
  });
});
