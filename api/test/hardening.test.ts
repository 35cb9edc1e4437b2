import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { testBackend, testServerUrl } from '@optflow/db/testing';
import { encodeCursor } from '../src/cursor.ts';
import { createApi } from '../src/index.ts';
import type { ApiOptions } from '../src/index.ts';
import { CLOSE, metric, OPEN, openLoadedDatabase, ProbeDatabase, sleep, until } from './support.ts';
import type { LoadedDatabase } from './support.ts';

/**
 * Issue 14's API points on the real database: inputs that pass the schemas but once failed in the
 * code are 400s, cursors are signed per database, health tells nothing without the token, every
 * request's database work has a deadline, a long-poll whose client left asks nothing more of the
 * database, slow clients are cut off and connections are capped.
 */
const RANGE = { from: OPEN, to: CLOSE };
const flow = (options: object = {}, extra: object = {}) => ({
  refId: 'a',
  type: 'flow',
  interval: '1m',
  options: { underlying: 'SPX', metric: 'net_volume', ...options },
  ...extra,
});

const backend = await testBackend();

describe(`API hardening (${backend})`, () => {
  let loaded: LoadedDatabase;
  let app: FastifyInstance;
  const post = async (api: FastifyInstance, payload: object | string, headers: Record<string, string> = {}) => {
    const r = await api.inject({
      method: 'POST',
      url: '/api/query',
      payload,
      headers: { 'content-type': 'application/json', ...headers },
    });
    return {
      status: r.statusCode,
      headers: r.headers,
      body:
        r.body === ''
          ? {}
          : (r.json() as { error?: string; results?: Array<{ cursor: string; reset: boolean; frames: unknown[] }> }),
    };
  };
  const listening = async (api: FastifyInstance) => {
    await api.listen({ host: '127.0.0.1', port: 0 });
    const address = api.server.address();
    return typeof address === 'object' && address ? address.port : 0;
  };

  before(async () => {
    loaded = await openLoadedDatabase();
    app = await createApi({ db: loaded.db });
  });
  after(async () => {
    await app.close();
    await loaded.dispose();
  });

  test('values that pass a loose schema but not the code: each a 400 naming the field, none a 5xx', async () => {
    const cases: Array<[body: object, message: RegExp]> = [
      [{ range: { from: -8.64e15, to: CLOSE }, queries: [flow()] }, /body\/range\/from must be >= 0/],
      [{ range: { from: OPEN, to: 8.64e15 }, queries: [flow()] }, /body\/range\/to must be <= 253402300799999/],
      [{ range: { from: OPEN, to: 1e300 }, queries: [flow()] }, /body\/range\/to must be <= 253402300799999/],
      [
        { range: { from: '0000-01-01T00:00:00Z', to: CLOSE }, queries: [flow()] },
        /body\/range\/from must match pattern/,
      ],
      [{ range: { from: OPEN, to: '10000-01-01T00:00:00Z' }, queries: [flow()] }, /body\/range\/to must match pattern/],
      [
        { range: { from: '1970-01-01T00:00:00+01:00', to: CLOSE }, queries: [flow()] },
        /^body\/range\/from: must be within years 1970–9999/,
      ],
      [{ range: { from: '2016-12-31T23:59:60Z', to: CLOSE }, queries: [flow()] }, /^body\/range\/from: not a time/],
      [
        { range: RANGE, queries: [flow({ expirations: ['2023-13-45'] })] },
        /^body\/queries\/0\/options\/expirations\/0 must match format "date"/,
      ],
      [
        { range: RANGE, queries: [flow({ expirations: ['0000-01-01'] })] },
        /^body\/queries\/0\/options\/expirations\/0 must match pattern/,
      ],
      [
        { range: RANGE, queries: [flow({ dte: { min: 10_000_000_000 } })] },
        /^body\/queries\/0\/options\/dte\/min must be <= 2147483647/,
      ],
      [{ range: RANGE, queries: [flow({ dte: { max: -1 } })] }, /^body\/queries\/0\/options\/dte\/max must be >= 0/],
      [
        { range: RANGE, queries: [flow({ strikes: { min: 1e300 } })] },
        /^body\/queries\/0\/options\/strikes\/min must be <= 1000000000/,
      ],
      [{ range: RANGE, queries: [flow({ rolling: 1e300 })] }, /^body\/queries\/0\/options\/rolling must be <= 500/],
      [{ range: RANGE, maxDataPoints: 1e300, queries: [flow()] }, /^body\/maxDataPoints must be <= 20000/],
      // No coercion, and unknown properties rejected (not dropped), at every level.
      [{ range: RANGE, wait: '5', queries: [flow()] }, /^body\/wait must be number/],
      [{ range: { from: String(OPEN), to: CLOSE }, queries: [flow()] }, /body\/range\/from must be number/],
      [
        { range: RANGE, queries: [flow({ cumulative: 'true' })] },
        /^body\/queries\/0\/options\/cumulative must be boolean/,
      ],
      [{ range: RANGE, queries: [flow({ rolling: '3' })] }, /^body\/queries\/0\/options\/rolling must be integer/],
      [
        { range: RANGE, queries: [flow({ expirations: '2023-05-19' })] },
        /^body\/queries\/0\/options\/expirations must be array/,
      ],
      [{ range: RANGE, noContentWhenUnchanged: 1, queries: [flow()] }, /^body\/noContentWhenUnchanged must be boolean/],
      [{ range: RANGE, queries: [flow()], extra: 1 }, /^body must NOT have additional properties: "extra"/],
      [{ range: { ...RANGE, tz: 'UTC' }, queries: [flow()] }, /^body\/range must NOT have additional properties: "tz"/],
      [
        { range: RANGE, queries: [flow({}, { hide: true })] },
        /^body\/queries\/0 must NOT have additional properties: "hide"/,
      ],
      [
        { range: RANGE, queries: [flow({ metrics: 'net_volume' })] },
        /^body\/queries\/0\/options must NOT have additional properties: "metrics"/,
      ],
      [
        { range: RANGE, queries: [flow({ dte: { min: 0, mx: 1 } })] },
        /^body\/queries\/0\/options\/dte must NOT have additional properties: "mx"/,
      ],
      [
        { range: RANGE, queries: [{ refId: 'a', type: 'flow', options: null }] },
        /^body\/queries\/0\/options must be object/,
      ],
      [
        { range: RANGE, queries: [flow({}, { cursor: 'not a cursor!' })] },
        /^body\/queries\/0\/cursor must match pattern/,
      ],
    ];
    for (const [body, message] of cases) {
      const r = await post(app, body);
      assert.equal(r.status, 400, `${JSON.stringify(body)}: ${JSON.stringify(r.body)}`);
      assert.match(r.body.error!, message, JSON.stringify(body));
    }
    for (const [url, message] of [
      ['/api/expirations?underlying=SPX&from=99999999999999999999', /querystring\/from must match pattern/],
      ['/api/expirations?underlying=SPX&from=999999999999999', /^querystring\/from: must be within years 1970–9999/],
      ['/api/expirations?underlying=SPX&to=-1', /querystring\/to must match pattern/],
      ['/api/expirations?underlying=SPX&from=10000-01-01T00:00:00Z', /querystring\/from must match pattern/],
      ['/api/expirations?underlying=SPX&since=0', /^querystring must NOT have additional properties: "since"/],
      ['/api/expirations?underlying=SPX&underlying=QQQ', /^querystring\/underlying must be string/],
    ] as const) {
      const r = await app.inject({ url });
      assert.equal(r.statusCode, 400, `${url}: ${r.body}`);
      assert.match(r.json<{ error: string }>().error, message, url);
    }
    assert.deepEqual(
      (await app.inject({ url: `/api/expirations?underlying=SPX&from=${OPEN}&to=2023-05-20T00:00:00Z` })).json(),
      { expirations: ['2023-05-19', '2023-05-22'] },
      'epoch ms digits and ISO still work'
    );
    const edge = await post(app, {
      range: { from: 0, to: 253402300799999 },
      maxDataPoints: 20_000,
      queries: [
        flow(
          { dte: { min: 0, max: 2147483647 }, strikes: { min: -1e9, max: 1e9 }, rolling: 500, cumulative: true },
          { interval: '1d' }
        ),
      ],
    });
    assert.equal(edge.status, 200, `the widest values allowed work: ${JSON.stringify(edge.body)}`);
  });

  test('cursors are signed per database: tampered or foreign ones are a 400, unsigned old ones start over, other API processes on the database accept them', async () => {
    const first = await post(app, { range: RANGE, queries: [flow()] });
    const cursor = first.body.results![0]!.cursor;
    const [payload, mac] = cursor.split('.') as [string, string];
    const decoded = JSON.parse(Buffer.from(payload, 'base64url').toString()) as unknown[];
    const reencode = (fields: unknown[]) => Buffer.from(JSON.stringify(fields)).toString('base64url');
    const forged = [
      `${reencode(decoded.map((v, i) => (i === 4 ? '1:2:3; SELECT 1' : v)))}.${mac}`, // the snapshot replaced, fingerprint kept
      `${reencode(decoded.map((v, i) => (i === 2 ? 1e300 : v)))}.${mac}`, // last of 1e300
      `${reencode(decoded.map((v, i) => (i === 2 ? -1e300 : v)))}.${mac}`,
      `${payload}.${mac.slice(0, -2)}AA`,
      encodeCursor(
        {
          fingerprint: String(decoded[1]),
          last: OPEN,
          latest: null,
          snapshot: '1:1:',
          to: CLOSE,
          instance: null,
          generation: null,
        },
        randomBytes(32)
      ), // another database's
    ];
    for (const c of forged) {
      const r = await post(app, { range: RANGE, queries: [flow({}, { cursor: c })] });
      assert.equal(r.status, 400, c);
      assert.match(r.body.error!, /^cursor: not a cursor issued by this API/);
    }
    // Unsigned (version 3, from before signing): as if no cursor was sent: the full range, reset.
    const legacy = reencode([3, ...decoded.slice(1)]);
    const fromLegacy = await post(app, { range: RANGE, queries: [flow({}, { cursor: legacy })] });
    assert.equal(fromLegacy.status, 200);
    assert.equal(fromLegacy.body.results![0]!.reset, true);
    assert.deepEqual(fromLegacy.body.results![0]!.frames, first.body.results![0]!.frames);
    // A long-poll with it does not wait: there is nothing to wait from.
    assert.equal((await post(app, { range: RANGE, wait: 30, queries: [flow({}, { cursor: legacy })] })).status, 200);

    // Another API process on the same database (a restart, a replica) continues from it.
    const other = await createApi({ db: loaded.db });
    try {
      const next = await post(other, { range: RANGE, queries: [flow({}, { cursor })] });
      assert.equal(next.status, 200);
      assert.deepEqual([next.body.results![0]!.reset, next.body.results![0]!.frames], [false, []]);
    } finally {
      await other.close();
    }
  });

  test('an API whose role cannot read the secret still starts, signs with a key of its own, and says so', async () => {
    const probe = new ProbeDatabase(loaded.db);
    probe.before = async (sql) => {
      if (sql.includes('optflow.api_secret'))
        throw Object.assign(new Error('permission denied for table api_secret'), { code: '42501' });
    };
    const logs: string[] = [];
    const api = await createApi({
      db: probe,
      logger: { level: 'warn', stream: { write: (line: string) => logs.push(line) } },
    });
    try {
      assert.match(logs.join(''), /optflow\.api_secret is not readable/);
      const cursor = (await post(api, { range: RANGE, queries: [flow()] })).body.results![0]!.cursor;
      assert.equal((await post(api, { range: RANGE, queries: [flow({}, { cursor })] })).status, 200);
      assert.equal(
        (await post(app, { range: RANGE, queries: [flow({}, { cursor })] })).status,
        400,
        "not the database's key"
      );
    } finally {
      await api.close();
    }
  });

  test('health: without the token only {ok}; with it the details; a database error is logged, never echoed', async () => {
    const guarded = await createApi({ db: loaded.db, token: 's3cret' });
    try {
      for (const headers of [{}, { authorization: 'Bearer wrong' }]) {
        const r = await guarded.inject({ url: '/api/health', headers });
        assert.equal(r.statusCode, 200);
        assert.deepEqual(r.json(), { ok: true });
      }
      const full = (await guarded.inject({ url: '/api/health', headers: { authorization: 'Bearer s3cret' } })).json<{
        ok: boolean;
        database: { serverVersion: string };
        underlyings: Array<{ underlying: string }>;
      }>();
      assert.equal(full.ok, true);
      assert.ok(full.database.serverVersion.length > 0);
      assert.deepEqual(
        full.underlyings.map((u) => u.underlying),
        ['SPX']
      );
    } finally {
      await guarded.close();
    }
    const failing = new ProbeDatabase(loaded.db);
    const logs: string[] = [];
    const broken = await createApi({
      db: failing,
      token: 's3cret',
      logger: { level: 'error', stream: { write: (line: string) => logs.push(line) } },
    });
    failing.before = async () => {
      throw Object.assign(new Error('password authentication failed for user "owner" at db.internal:5432'), {
        code: '28P01',
      });
    };
    try {
      for (const [headers, answer] of [
        [{}, { ok: false }],
        [{ authorization: 'Bearer s3cret' }, { ok: false, error: 'database unavailable (logged)' }],
      ] as const) {
        const r = await broken.inject({ url: '/api/health', headers });
        assert.equal(r.statusCode, 503);
        assert.deepEqual(r.json(), answer);
      }
      assert.match(logs.join(''), /password authentication failed for user \\"owner\\"/, 'logged');
      // Other routes: the database gone is a 503, its message logged only.
      failing.before = async () => {
        throw Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' });
      };
      const r = await post(broken, { range: RANGE, queries: [flow()] }, { authorization: 'Bearer s3cret' });
      assert.deepEqual([r.status, r.body], [503, { error: 'database unavailable (logged)' }]);
    } finally {
      await broken.close();
    }
  });

  test('every request has one deadline for its database work: a slow batch of 20 stops at it (503), each statement timed out by what remains', async () => {
    const probe = new ProbeDatabase(loaded.db);
    const api = await createApi({ db: probe, requestDeadlineMs: 1000, statementTimeoutMs: 300 });
    try {
      // Each flow statement takes 250 ms more: 20 of them would take 5 s.
      probe.before = async (sql) => {
        if (sql.includes('WITH base AS')) await sleep(250);
      };
      const from = probe.statements.length;
      const r = await post(api, {
        range: RANGE,
        queries: Array.from({ length: 20 }, (_, i) => flow({}, { refId: `q${i}` })),
      });
      assert.equal(r.status, 503);
      assert.equal(r.headers['retry-after'], '1');
      assert.match(r.body.error!, /^the request exceeded its 1 s deadline for database work/);
      const ran = probe.statements.slice(from);
      assert.ok(
        ran.filter((s) => s.sql.includes('WITH base AS')).length < 10,
        'stopped at the deadline, not after all 20'
      );
      const timeouts = ran
        .filter((s) => s.sql.includes(`set_config('statement_timeout'`))
        .map((s) => Number(s.params[0]));
      assert.ok(timeouts.length >= 2, 'set again as the deadline nears');
      assert.equal(timeouts[0], 300, 'at most the per-statement cap');
      for (let i = 1; i < timeouts.length; i++)
        assert.ok(timeouts[i]! < timeouts[i - 1]!, `what remains: ${timeouts.join(', ')}`);
    } finally {
      await api.close();
    }
  });

  test('a statement running past the deadline is cancelled by the database (server) and answered 503', async (t) => {
    if (!testServerUrl())
      return t.skip(
        'the embedded database cannot interrupt a statement (no timers in WebAssembly): its deadline holds between statements'
      );
    const probe = new ProbeDatabase(loaded.db);
    const api = await createApi({ db: probe, requestDeadlineMs: 300 });
    try {
      probe.before = async (sql, session) => {
        if (sql.includes('WITH base AS')) await session.query('SELECT pg_sleep(60)');
      };
      const r = await post(api, { range: RANGE, queries: [flow()] });
      assert.equal(r.status, 503, 'cancelled by the statement timeout, well before the sleep ends');
      assert.match(r.body.error!, /deadline/);
    } finally {
      await api.close();
    }
  });

  test('a long-poll whose client disconnects is removed at once and queries nothing, then or on the next commit', async () => {
    const probe = new ProbeDatabase(loaded.db);
    const api = await createApi({ db: probe });
    const port = await listening(api);
    try {
      const cursor = (await post(api, { range: RANGE, queries: [flow()] })).body.results![0]!.cursor;
      const body = JSON.stringify({
        range: { from: OPEN, to: Date.parse('2023-05-20T00:00:00Z') },
        wait: 25,
        queries: [flow({}, { cursor })],
      });
      const held = httpRequest({
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/api/query',
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      });
      held.on('error', () => undefined); // destroyed below
      held.end(body);
      await until(async () => (await metric(api, /optflow_api_longpoll_waiting (\d+)/)) === 1, 'the long-poll waits');
      const calls = probe.calls;
      held.destroy();
      await until(async () => (await metric(api, /optflow_api_longpoll_waiting (\d+)/)) === 0, 'the waiter is removed');
      const notified = await metric(api, /optflow_api_ingest_notifications_total (\d+)/);
      await loaded.commit();
      await until(
        async () => (await metric(api, /optflow_api_ingest_notifications_total (\d+)/)) > notified,
        'the commit is notified'
      );
      assert.equal(
        probe.calls,
        calls,
        'no database work for a client that left (its handler ended when the waiter was removed, long before this)'
      );
    } finally {
      await api.close();
    }
  });

  /** Sends `head`, then `body` one byte every `everyMs`; resolves with how many body bytes went out before the server closed. */
  const trickle = (port: number, head: string, body: string, everyMs: number) =>
    new Promise<{ sent: number; answer: string }>((resolve) => {
      const socket: Socket = connect(port, '127.0.0.1');
      let sent = 0;
      let answer = '';
      let timer: NodeJS.Timeout | undefined;
      socket.on('data', (d) => (answer += d.toString()));
      socket.on('error', () => undefined);
      socket.on('close', () => {
        clearInterval(timer);
        resolve({ sent, answer });
      });
      socket.on('connect', () => {
        socket.write(head);
        timer = setInterval(() => {
          if (sent === body.length) return;
          socket.write(body[sent++]!);
        }, everyMs);
      });
    });

  const slowOptions: Partial<ApiOptions> = { headersTimeoutMs: 300, requestTimeoutMs: 600, timeoutCheckIntervalMs: 50 };

  test('slow clients are cut off: a body trickling in, with or without a token, and headers trickling in', async () => {
    for (const token of [undefined, 's3cret']) {
      const api = await createApi({ db: loaded.db, token, ...slowOptions });
      const port = await listening(api);
      try {
        const body = JSON.stringify({ range: RANGE, queries: [flow()] }).padEnd(1000, ' ');
        const head = `POST /api/query HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\n\r\n`;
        const slow = await trickle(port, head, body, 20);
        assert.ok(
          slow.sent < body.length,
          `closed before the client finished (token ${token ?? 'none'}; ${slow.sent} of ${body.length} bytes)`
        );
        const headers = 'GET /api/health HTTP/1.1\r\nhost: x\r\n'.padEnd(2000, 'x');
        const slowHead = await trickle(port, '', headers, 20);
        assert.ok(
          slowHead.sent < headers.length,
          `headers: closed before the client finished (${slowHead.sent} of ${headers.length})`
        );
        // A client at normal speed on the same server is answered.
        assert.equal((await fetch(`http://127.0.0.1:${port}/api/health`)).status, 200);
      } finally {
        await api.close();
      }
    }
  });

  test('open connections are capped: past the cap a connection is closed at once, those within it are served', async () => {
    const api = await createApi({ db: loaded.db, maxConnections: 2 });
    const port = await listening(api);
    const open = (): Promise<Socket> =>
      new Promise((resolve, reject) => {
        const s = connect(port, '127.0.0.1', () => resolve(s));
        s.on('error', reject);
      });
    const sockets: Socket[] = [];
    try {
      sockets.push(await open(), await open());
      await until(
        async () => (await new Promise<number>((r) => api.server.getConnections((_, n) => r(n)))) === 2,
        'two connections'
      );
      const third = connect(port, '127.0.0.1');
      third.on('error', () => undefined);
      await new Promise((r) => third.on('close', r));
      const answer = await new Promise<string>((resolve) => {
        let text = '';
        sockets[0]!.on('data', (d) => {
          text += d.toString();
          if (text.includes('\r\n\r\n')) resolve(text);
        });
        sockets[0]!.write('GET /api/openapi.json HTTP/1.1\r\nhost: x\r\n\r\n');
      });
      assert.match(answer, /^HTTP\/1\.1 200/);
    } finally {
      for (const s of sockets) s.destroy();
      await api.close();
    }
  });

  test('the OpenAPI document says bodies are strict and bounded', async () => {
    const doc = (await app.inject({ url: '/api/openapi.json' })).json();
    assert.equal(doc.openapi, '3.1.0');
    const body = doc.paths['/api/query'].post.requestBody;
    assert.match(body.description, /unknown properties are rejected/);
    assert.match(body.description, /not coerced/);
    assert.equal(body.content['application/json'].schema.additionalProperties, false);
    assert.equal(
      body.content['application/json'].schema.properties.range.properties.from.anyOf[0].maximum,
      253402300799999
    );
  });
});
