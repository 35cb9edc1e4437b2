import { Ajv } from 'ajv';
import formats from 'ajv-formats';
import Fastify from 'fastify';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest, FastifyServerOptions } from 'fastify';
import {
  expirationsQuerySchema,
  expirationsResponseSchema,
  healthResponseSchema,
  LIMITS,
  queryRequestSchema,
  queryResponseSchema,
  underlyingsResponseSchema,
} from '@optflow/contract';
import type { ApiQueryRequest, ApiResult } from '@optflow/contract';
import type { Database, Session } from '@optflow/db';
import { bearerMatches } from './auth.ts';
import { CursorError, decodeCursor, encodeCursor, uncoversStoredRows } from './cursor.ts';
import type { Cursor } from './cursor.ts';
import { Deadline, DeadlineExceeded, DeadlineSession } from './deadline.ts';
import { classifyFailure } from './errors.ts';
import { buildFlowSql } from './flow-sql.ts';
import { flowFrames } from './frames.ts';
import { createMetrics } from './metrics.ts';
import { LIVE_VIEW_DIR, registerLiveView } from './live-view.ts';
import { IngestNotifier } from './notifier.ts';
import { openApiDocument } from './openapi.ts';
import { quoteFrames } from './quote-answers.ts';
import { decideIncrement, planQueries } from './query-plan.ts';
import type { Plan } from './query-plan.ts';
import { ZONE } from './sql-params.ts';
import { unchangedByWatermark } from './watermark.ts';
import { readCursorKey } from './secret.ts';
import { BadRequest, checkExpirationsQuery, checkQueryRequest } from './validation.ts';

export interface ApiOptions {
  db: Database;
  /** When set, every route but /api/health requires `Authorization: Bearer <token>`. */
  token?: string | undefined;
  /** Fastify's logger: structured JSON request logs (e.g. `{ level: 'info', stream: process.stderr }`). */
  logger?: FastifyServerOptions['logger'];
  /** Cap on any one statement (ms; default 10 s). */
  statementTimeoutMs?: number;
  /** A request's budget of database work (ms; default 15 s; long-poll waiting excluded): past it, 503. */
  requestDeadlineMs?: number;
  maxWaiters?: number;
  /** Receiving a request's headers (ms; default 10 s). */
  headersTimeoutMs?: number;
  /** Receiving a whole request, headers and body (ms; default 20 s): a slow body is cut off. */
  requestTimeoutMs?: number;
  /** A connection without any traffic (ms; default: the longest long-poll plus the deadline plus 15 s). */
  idleTimeoutMs?: number;
  /** An idle keep-alive connection between requests (ms; default 30 s). */
  keepAliveTimeoutMs?: number;
  /** How often the header and request timeouts are checked (ms; default 1 s). */
  timeoutCheckIntervalMs?: number;
  /** Open connections at most (default 1,200: the long-poll cap plus room); more are closed at once. */
  maxConnections?: number;
  maxRequestsPerSocket?: number;
  /** Serve the live view at / (default true). */
  liveView?: boolean;
}

/** The limits ApiOptions leave at their defaults. */
export const SERVER_DEFAULTS = {
  statementTimeoutMs: 10_000,
  requestDeadlineMs: 15_000,
  maxWaiters: 1000,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 20_000,
  keepAliveTimeoutMs: 30_000,
  timeoutCheckIntervalMs: 1000,
  maxConnections: 1200,
  maxRequestsPerSocket: 1000,
} as const;

/** The client left a long-poll before its answer: nothing reaches it (nginx's "client closed request"). */
const CLIENT_CLOSED = 499;

/**
 * Request bodies are validated as sent: no coercion ("5" is not a number), no defaults, unknown
 * properties rejected rather than dropped (Fastify's default Ajv does all three). Query strings are
 * strings, so they keep Fastify's coercion (all of ours are strings and range-checked after).
 */
function validatorCompiler(): (route: { schema: object; httpPart?: string }) => (data: unknown) => boolean {
  const addFormats = formats as unknown as (ajv: Ajv) => Ajv;
  const strict = addFormats(
    new Ajv({ coerceTypes: false, useDefaults: false, removeAdditional: false, allErrors: false, discriminator: true })
  );
  const query = addFormats(
    new Ajv({ coerceTypes: 'array', useDefaults: true, removeAdditional: false, allErrors: false })
  );
  return ({ schema, httpPart }) => (httpPart === 'querystring' ? query : strict).compile(schema);
}

/**
 * The query service. Reads run in read-only REPEATABLE READ transactions (one snapshot per answer)
 * as optflow_reader when the connecting role may become it, under a statement timeout.
 */
export async function createApi(options: ApiOptions): Promise<FastifyInstance> {
  const { db } = options;
  const limits: Record<keyof typeof SERVER_DEFAULTS, number> = { ...SERVER_DEFAULTS };
  for (const key of Object.keys(SERVER_DEFAULTS) as Array<keyof typeof SERVER_DEFAULTS>)
    limits[key] = options[key] ?? limits[key];
  const maxWaiters = limits.maxWaiters;
  const newDeadline = () => new Deadline(limits.requestDeadlineMs);
  // Idle sockets: a long-poll is silent for its wait and then its database work.
  const idleTimeoutMs = options.idleTimeoutMs ?? LIMITS.maxWaitSeconds * 1000 + limits.requestDeadlineMs + 15_000;
  const cursorKey = await readCursorKey(db);
  const { rows: roleRows } = await db.query<{ member: boolean }>(
    `SELECT pg_has_role(current_user, 'optflow_reader', 'MEMBER') AS member FROM pg_roles WHERE rolname = 'optflow_reader'`
  );
  const readerRole = roleRows[0]?.member === true;
  const materialized = (await db.info()).timescaledb !== null;
  const notifier = await IngestNotifier.start(db);
  const metrics = createMetrics({
    waiting: () => notifier.waiting,
    lastIngestAt: () => notifier.lastIngestAt,
    notifications: () => notifier.notifications,
    sessions: () => db.sessions(),
  });

  /** The answer when no query can have anything new by the commit watermark (no database work), else null. */
  const answerByWatermark = (plans: Plan[], to: number): ApiResult[] | null => {
    const out: ApiResult[] = [];
    for (const { query, interval, cursor } of plans) {
      const unchanged =
        query.type === 'flow' && cursor !== null
          ? unchangedByWatermark(cursor, to, notifier.watermark(query.options.underlying))
          : null;
      if (unchanged === null) return null;
      out.push({
        refId: query.refId,
        interval,
        frames: [],
        cursor: encodeCursor(unchanged, cursorKey.key),
        reset: false,
        latestSnapshot: unchanged.latest,
        age: snapshotAge(unchanged.latest, Date.now()),
      });
    }
    return out;
  };

  /** A read-only transaction whose statements end by the request's deadline (DeadlineSession). */
  const read = <T>(deadline: Deadline, fn: (s: Session) => Promise<T>) =>
    db.transaction(async (s) => {
      // Time spent waiting for a session counts: nothing starts past the deadline.
      const timeout = deadline.nextStatementTimeout(limits.statementTimeoutMs);
      await s.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY');
      await s.query(
        `SELECT set_config('statement_timeout', $1, true)${readerRole ? `, set_config('role', 'optflow_reader', true)` : ''}`,
        [String(timeout)]
      );
      return fn(new DeadlineSession(s, deadline, limits.statementTimeoutMs, timeout));
    });

  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit: LIMITS.bodyBytes,
    // Slow clients: headers and the whole request must arrive in time (checked every interval),
    // a silent connection is closed, keep-alive connections idle out, and each serves a bounded number of requests.
    http: {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      connectionsCheckingInterval: limits.timeoutCheckIntervalMs,
    },
    requestTimeout: limits.requestTimeoutMs,
    connectionTimeout: idleTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    maxRequestsPerSocket: limits.maxRequestsPerSocket,
    // A backstop above everything a request may legitimately take (body, longest wait, deadline).
    handlerTimeout: limits.requestTimeoutMs + LIMITS.maxWaitSeconds * 1000 + limits.requestDeadlineMs + 5000,
  });
  app.server.maxConnections = limits.maxConnections;
  app.setValidatorCompiler(validatorCompiler());
  if (cursorKey.warning !== null) app.log.warn(cursorKey.warning);
  // preClose: before the server waits for requests in flight, so held long-polls answer at once.
  app.addHook('preClose', () => notifier.close());
  app.addHook('onRequest', async (request, reply) => {
    // The live view's static files are public (routes marked so): the page asks for the token.
    const isPublic = (request.routeOptions.config as { public?: boolean } | undefined)?.public === true;
    if (!options.token || isPublic || request.url === '/api/health' || request.url.startsWith('/api/health?')) return;
    if (!bearerMatches(request.headers.authorization, options.token)) {
      await reply
        .code(401)
        .header('www-authenticate', 'Bearer')
        .send({ error: 'a bearer token is required (Authorization: Bearer <OPTFLOW_API_TOKEN>)' });
    }
  });
  // Server-Timing: what the service spent on the request (for benchmarks and browser dev tools).
  app.addHook('onSend', async (_request, reply, payload) => {
    reply.header('server-timing', `app;dur=${reply.elapsedTime.toFixed(2)}`);
    return payload;
  });
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    metrics.requests.inc({ route, method: request.method, status: String(reply.statusCode) });
    metrics.latency.observe({ route }, reply.elapsedTime / 1000);
  });
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error.validation) {
      // Name the unknown property (Ajv's message does not).
      const extra = error.validation[0]?.params.additionalProperty;
      return reply.code(400).send({
        error: `${error.validationContext ?? 'request'}${error.message.replace(/^(body|querystring|params)/, '')}${typeof extra === 'string' ? `: "${extra}"` : ''}`,
      });
    }
    if (error instanceof BadRequest || error instanceof CursorError)
      return reply.code(400).send({ error: error.message });
    if (error.code === 'FST_ERR_HANDLER_TIMEOUT')
      return reply.code(503).header('retry-after', '1').send({ error: 'the request took too long and was abandoned' });
    if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500)
      return reply.code(error.statusCode).send({ error: error.message });
    const kind = classifyFailure(error);
    if (kind === 'deadline') {
      return reply
        .code(503)
        .header('retry-after', '1')
        .send({
          error:
            error instanceof DeadlineExceeded ? error.message : new DeadlineExceeded(limits.requestDeadlineMs).message,
        });
    }
    request.log.error(error);
    if (kind === 'unavailable')
      return reply.code(503).header('retry-after', '1').send({ error: 'database unavailable (logged)' });
    return reply.code(500).send({ error: 'internal error (logged)' });
  });

  if (options.liveView !== false && !registerLiveView(app))
    app.log.warn(`no live view: ${LIVE_VIEW_DIR} has no index.html (npm run build:live-view -w grafana-plugin)`);

  app.get('/api/openapi.json', async () => openApiDocument());

  app.get('/metrics', async (_request, reply) =>
    reply.type(metrics.registry.contentType).send(await metrics.registry.metrics())
  );

  // Without the token (when one is configured) only whether the service and its database are up:
  // the details (versions, underlyings, their latest snapshots) are for those holding it.
  app.get(
    '/api/health',
    { schema: { response: { 200: healthResponseSchema, 503: healthResponseSchema } } },
    async (request, reply) => {
      const details = !options.token || bearerMatches(request.headers.authorization, options.token);
      try {
        const deadline = newDeadline();
        if (!details) {
          await read(deadline, (s) => s.query('SELECT 1'));
          return { ok: true };
        }
        const info = await db.info();
        const latest = await read(deadline, (s) =>
          s.query<{ underlying: string; latest: Date; lag: number }>(
            `SELECT underlying, max(quote_time) AS latest, extract(epoch FROM now() - max(quote_time))::float8 AS lag
         FROM optflow.snapshots GROUP BY underlying ORDER BY underlying`
          )
        );
        return {
          ok: true,
          database: { backend: info.backend, serverVersion: info.serverVersion, timescaledb: info.timescaledb },
          underlyings: latest.rows.map((r) => ({
            underlying: r.underlying,
            latest: r.latest.toISOString(),
            ingestLagSeconds: r.lag,
          })),
          lastIngestNotifiedAt: notifier.lastIngestAt === null ? null : new Date(notifier.lastIngestAt).toISOString(),
        };
      } catch (error) {
        // Logged, never echoed: a database error can name hosts, roles and relations.
        request.log.error(error);
        return reply.code(503).send(details ? { ok: false, error: 'database unavailable (logged)' } : { ok: false });
      }
    }
  );

  app.get('/api/underlyings', { schema: { response: { 200: underlyingsResponseSchema } } }, async () => {
    const { rows } = await read(newDeadline(), (s) =>
      s.query<{ underlying: string }>(`SELECT DISTINCT underlying FROM optflow.snapshots ORDER BY underlying`)
    );
    return { underlyings: rows.map((r) => r.underlying) };
  });

  app.get<{ Querystring: { underlying: string; from?: string; to?: string } }>(
    '/api/expirations',
    { schema: { querystring: expirationsQuerySchema, response: { 200: expirationsResponseSchema } } },
    async (request) => {
      const { underlying } = request.query;
      const { from, to } = checkExpirationsQuery(request.query);
      const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
      const { rows } = await read(newDeadline(), (s) =>
        s.query<{ expiration: string }>(
          `SELECT DISTINCT expiration FROM optflow.flow_1d
       WHERE underlying = $1 AND ($2::timestamptz IS NULL OR bucket >= date_trunc('day', $2::timestamptz, ${ZONE})) AND ($3::timestamptz IS NULL OR bucket < $3::timestamptz)
       ORDER BY expiration`,
          [underlying, iso(from), iso(to)]
        )
      );
      return { expirations: rows.map((r) => r.expiration) };
    }
  );

  /**
   * Long-poll: holds the request until a commit for one of the plans' underlyings, unless something
   * newer than their cursors is stored already (the waiter is registered before that check, so a
   * commit in between cannot be missed). Returns false when the client left meanwhile.
   */
  const longPoll = async (
    request: FastifyRequest,
    reply: FastifyReply,
    plans: Plan[],
    range: { from: number; to: number },
    waitMs: number,
    deadline: Deadline
  ): Promise<boolean> => {
    const underlyings = new Set(plans.map((p) => p.query.options.underlying));
    const waiter = notifier.wait(underlyings, waitMs);
    // The response's 'close' (not the request's, which fires once the body is read): the client
    // left. Its waiter goes at once, and nothing more is asked of the database for it.
    let gone = request.raw.socket?.destroyed === true;
    const left = () => {
      gone = true;
      waiter.cancel();
    };
    if (gone) waiter.cancel();
    else reply.raw.once('close', left);
    // By the watermark nothing can be newer: wait without asking the database.
    if (!gone && answerByWatermark(plans, range.to) === null) {
      const latest = await read(deadline, (s) => latestByUnderlying(s, [...underlyings]));
      const newer = (p: Plan) => {
        const stored = latest.get(p.query.options.underlying) ?? null;
        return (
          (stored ?? -Infinity) > (p.cursor!.latest ?? -Infinity) || uncoversStoredRows(p.cursor!, range.to, stored)
        );
      };
      if (plans.some(newer)) waiter.cancel();
    }
    deadline.pause(); // waiting is not database work
    const reason = await waiter.done;
    deadline.resume();
    reply.raw.off('close', left);
    // Shutting down: answer now and close this connection, or the server would wait for the
    // client's keep-alive connection to time out.
    if (reason === 'closed') reply.header('connection', 'close');
    return !gone;
  };

  /** Every plan's answer, read in one database snapshot; `unchanged` counts flow answers with nothing new. */
  const answer = (plans: Plan[], range: { from: number; to: number }, deadline: Deadline) => {
    const watermark = { instance: notifier.instance, generation: notifier.generation }; // before the snapshot
    return read(deadline, async (s) => {
      const { rows: snap } = await s.query<{ snapshot: string }>(`SELECT pg_current_snapshot()::text AS snapshot`);
      const snapshot = snap[0]!.snapshot;
      const now = Date.now();
      const latest = await latestByUnderlying(s, [...new Set(plans.map((p) => p.query.options.underlying))]);
      const results: ApiResult[] = [];
      let unchanged = 0;
      for (const plan of plans) {
        const { query, interval } = plan;
        const latestOf = latest.get(query.options.underlying) ?? null;
        // How old the data is, whatever the range: what a staleness badge needs.
        const freshness = { latestSnapshot: latestOf, age: snapshotAge(latestOf, now) };
        // Every cursor of this answer: its database snapshot and the watermark sampled before it.
        const cursorFor = (cursor: Pick<Cursor, 'fingerprint' | 'last' | 'latest' | 'to'>) =>
          encodeCursor({ ...cursor, snapshot, ...watermark }, cursorKey.key);
        if (query.type !== 'flow') {
          // A snapshot-style answer is whole each time: the cursor only serves long-poll.
          const frames = await quoteFrames(s, query, range, interval);
          results.push({
            refId: query.refId,
            interval,
            frames,
            cursor: cursorFor({ fingerprint: plan.fp, last: null, latest: latestOf, to: range.to }),
            reset: true,
            ...freshness,
          });
          continue;
        }
        const changes = plan.cursor === null ? null : await changesSince(s, query.options.underlying, plan.cursor);
        const step = decideIncrement(plan, changes, latestOf, range.to);
        if (step.kind === 'unchanged') {
          unchanged++;
          results.push({
            refId: query.refId,
            interval,
            frames: [],
            cursor: cursorFor(step.cursor),
            reset: false,
            ...freshness,
          });
          continue;
        }
        const built = buildFlowSql(query.options, interval, range, step.since, materialized);
        const { rows } = await s.query<{ t: number; series: string; value: number | null }>(
          `${built.sql} LIMIT ${LIMITS.maxPointsPerAnswer + 1}`,
          built.params
        );
        if (rows.length > LIMITS.maxPointsPerAnswer)
          throw new BadRequest(
            `queries[${query.refId}]: more than ${LIMITS.maxPointsPerAnswer} points; choose a coarser interval or a shorter range`
          );
        const last = rows.reduce((m, r) => Math.max(m, r.t), step.since ?? -Infinity);
        results.push({
          refId: query.refId,
          interval,
          frames: flowFrames(rows, query.options.metric, query.options.groupBy ?? 'none'),
          cursor: cursorFor({
            fingerprint: plan.fp,
            last: Number.isFinite(last) ? last : null,
            latest: latestOf,
            to: range.to,
          }),
          reset: step.reset,
          ...freshness,
        });
      }
      return { results, unchanged };
    });
  };

  app.post<{ Body: ApiQueryRequest }>(
    '/api/query',
    { schema: { body: queryRequestSchema, response: { 200: queryResponseSchema } } },
    async (request, reply) => {
      const body = request.body;
      const deadline = newDeadline();
      // Everything the schema cannot say, before any query: a failure is a 400, never a database error.
      const range = checkQueryRequest(body);
      // Tampered or foreign cursors throw (400); unsigned ones from before signing count as none.
      const plans = planQueries(body.queries, range, body.maxDataPoints ?? 1000, (text) =>
        decodeCursor(text, cursorKey.key)
      );
      const waitMs = (body.wait ?? 0) * 1000;
      if (waitMs > 0 && plans.every((p) => p.cursor !== null)) {
        if (notifier.waiting >= maxWaiters)
          return reply
            .code(503)
            .header('retry-after', '1')
            .send({ error: `too many waiting long-polls (${maxWaiters}); retry` });
        if (!(await longPoll(request, reply, plans, range, waitMs, deadline))) return reply.code(CLIENT_CLOSED).send();
      }
      const byWatermark = answerByWatermark(plans, range.to);
      if (byWatermark !== null) return body.noContentWhenUnchanged ? reply.code(204).send() : { results: byWatermark };
      const { results, unchanged } = await answer(plans, range, deadline);
      // The old cursors stay valid (nothing changed since them), so a body-less answer loses nothing.
      if (body.noContentWhenUnchanged && unchanged === results.length) return reply.code(204).send();
      return { results };
    }
  );

  return app;
}

/** Whole seconds from the latest snapshot to `now` (the API's clock; both epoch ms); 0 when the collector's clock runs ahead. */
export function snapshotAge(latest: number | null, now: number): number | null {
  return latest === null ? null : Math.max(0, Math.round((now - latest) / 1000));
}

async function latestByUnderlying(s: Session, underlyings: string[]): Promise<Map<string, number>> {
  const { rows } = await s.query<{ underlying: string; latest: number }>(
    `SELECT underlying, (extract(epoch FROM max(quote_time)) * 1000)::float8 AS latest FROM optflow.snapshots WHERE underlying = ANY($1::text[]) GROUP BY underlying`,
    [underlyings]
  );
  return new Map(rows.map((r) => [r.underlying, r.latest]));
}

/**
 * What was committed for `underlying` since the cursor's database snapshot: anything at all, and
 * anything older than the cursor's last bucket (a backfill: the history the client holds is stale).
 */
async function changesSince(
  s: Session,
  underlying: string,
  cursor: Cursor
): Promise<{ any: boolean; backfill: boolean }> {
  const { rows } = await s.query<{ any: boolean | null; backfill: boolean | null }>(
    `SELECT bool_or(true) AS any, bool_or(quote_time < $2) AS backfill FROM optflow.snapshots
     WHERE underlying = $1 AND committed_xid >= pg_snapshot_xmin($3::pg_snapshot) AND NOT pg_visible_in_snapshot(committed_xid, $3::pg_snapshot)`,
    [underlying, cursor.last === null ? null : new Date(cursor.last).toISOString(), cursor.snapshot]
  );
  return { any: rows[0]?.any === true, backfill: rows[0]?.backfill === true };
}

export interface ListeningApi {
  url: string;
  close(): Promise<void>;
}

/** Creates the service and listens on host:port (port 0: any free port). */
export async function listenApi(options: ApiOptions & { host: string; port: number }): Promise<ListeningApi> {
  const app = await createApi(options);
  try {
    await app.listen({ host: options.host, port: options.port });
  } catch (error) {
    await app.close();
    throw error;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  return {
    url: `http://${options.host.includes(':') ? `[${options.host}]` : options.host}:${port}`,
    close: () => app.close(),
  };
}
