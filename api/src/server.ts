import Fastify from 'fastify';
import type { FastifyError, FastifyInstance, FastifyServerOptions } from 'fastify';
import type { Database, Session } from '@optflow/db';
import { bearerMatches } from './auth.ts';
import { CursorError, decodeCursor, encodeCursor, fingerprint, uncoversStoredRows } from './cursor.ts';
import type { Cursor } from './cursor.ts';
import { buildFlowSql } from './flow-sql.ts';
import type { FlowOptions } from './flow-sql.ts';
import { flowFrames } from './frames.ts';
import type { Frame } from './frames.ts';
import { autoInterval } from './intervals.ts';
import type { IntervalName } from './intervals.ts';
import { createMetrics } from './metrics.ts';
import { IngestNotifier } from './notifier.ts';
import { openApiDocument } from './openapi.ts';
import { quoteFrames } from './quote-answers.ts';
import { unchangedByWatermark } from './watermark.ts';
import type { QuoteQuery } from './quote-answers.ts';
import { expirationsQuerySchema, LIMITS, queryRequestSchema, queryResponseSchema } from './schemas.ts';

export interface ApiOptions {
  db: Database;
  /** When set, every route but /api/health requires `Authorization: Bearer <token>`. */
  token?: string | undefined;
  /** Fastify's logger: structured JSON request logs (e.g. `{ level: 'info', stream: process.stderr }`). */
  logger?: FastifyServerOptions['logger'];
  statementTimeoutMs?: number;
  maxWaiters?: number;
}

type Time = number | string;
type Query = { refId: string; interval?: IntervalName | 'auto'; cursor?: string } & ({ type: 'flow'; options: FlowOptions } | QuoteQuery);

interface QueryRequest {
  range: { from: Time; to: Time };
  maxDataPoints?: number;
  wait?: number;
  /** Answer 204 No Content (no body) when nothing was committed since any query's cursor. */
  noContentWhenUnchanged?: boolean;
  queries: Query[];
}

interface QueryResult {
  refId: string;
  interval: IntervalName;
  frames: Frame[];
  cursor: string;
  reset: boolean;
}

interface Plan {
  query: Query;
  interval: IntervalName;
  fp: string;
  /** The query's own cursor; null without one or when it belongs to another query (staleCursor). */
  cursor: Cursor | null;
  staleCursor: boolean;
}

class BadRequest extends Error {}

const toMs = (t: Time, field: string): number => {
  const ms = typeof t === 'number' ? t : Date.parse(t);
  if (!Number.isFinite(ms)) throw new BadRequest(`${field}: not a time`);
  return ms;
};

/**
 * The query service. Reads run in read-only REPEATABLE READ transactions (one snapshot per answer)
 * as optflow_reader when the connecting role may become it, under a statement timeout.
 */
export async function createApi(options: ApiOptions): Promise<FastifyInstance> {
  const { db } = options;
  const maxWaiters = options.maxWaiters ?? 1000;
  const timeout = String(options.statementTimeoutMs ?? 10_000);
  const { rows: roleRows } = await db.query<{ member: boolean }>(
    `SELECT pg_has_role(current_user, 'optflow_reader', 'MEMBER') AS member FROM pg_roles WHERE rolname = 'optflow_reader'`,
  );
  const readerRole = roleRows[0]?.member === true;
  const materialized = (await db.info()).timescaledb !== null;
  const notifier = await IngestNotifier.start(db);
  const metrics = createMetrics({ waiting: () => notifier.waiting, lastIngestAt: () => notifier.lastIngestAt, notifications: () => notifier.notifications, sessions: () => db.sessions() });

  /** The answer when no query can have anything new by the commit watermark (no database work), else null. */
  const answerByWatermark = (plans: Plan[], to: number): QueryResult[] | null => {
    const out: QueryResult[] = [];
    for (const { query, interval, cursor } of plans) {
      const unchanged = query.type === 'flow' && cursor !== null ? unchangedByWatermark(cursor, to, notifier.watermark(query.options.underlying)) : null;
      if (unchanged === null) return null;
      out.push({ refId: query.refId, interval, frames: [], cursor: encodeCursor(unchanged), reset: false });
    }
    return out;
  };

  const read = <T>(fn: (s: Session) => Promise<T>) =>
    db.transaction(async (s) => {
      await s.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY');
      await s.query(`SELECT set_config('statement_timeout', $1, true)${readerRole ? `, set_config('role', 'optflow_reader', true)` : ''}`, [timeout]);
      return fn(s);
    });

  const app = Fastify({ logger: options.logger ?? false, bodyLimit: LIMITS.bodyBytes, ajv: { customOptions: { discriminator: true } } });
  // preClose: before the server waits for requests in flight, so held long-polls answer at once.
  app.addHook('preClose', () => notifier.close());
  app.addHook('onRequest', async (request, reply) => {
    if (!options.token || request.url === '/api/health' || request.url.startsWith('/api/health?')) return;
    if (!bearerMatches(request.headers.authorization, options.token)) {
      await reply.code(401).header('www-authenticate', 'Bearer').send({ error: 'a bearer token is required (Authorization: Bearer <OPTFLOW_API_TOKEN>)' });
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
    if (error.validation) return reply.code(400).send({ error: `${error.validationContext ?? 'request'}${error.message.replace(/^(body|querystring|params)/, '')}` });
    if (error instanceof BadRequest || error instanceof CursorError) return reply.code(400).send({ error: error.message });
    if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) return reply.code(error.statusCode).send({ error: error.message });
    request.log.error(error);
    return reply.code(500).send({ error: 'internal error (logged)' });
  });

  app.get('/api/openapi.json', async () => openApiDocument());

  app.get('/metrics', async (_request, reply) => reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()));

  app.get('/api/health', async (_request, reply) => {
    try {
      const info = await db.info();
      const latest = await read((s) => s.query<{ underlying: string; latest: Date; lag: number }>(
        `SELECT underlying, max(quote_time) AS latest, extract(epoch FROM now() - max(quote_time))::float8 AS lag
         FROM optflow.snapshots GROUP BY underlying ORDER BY underlying`,
      ));
      return {
        ok: true,
        database: { backend: info.backend, serverVersion: info.serverVersion, timescaledb: info.timescaledb },
        underlyings: latest.rows.map((r) => ({ underlying: r.underlying, latest: r.latest.toISOString(), ingestLagSeconds: r.lag })),
        lastIngestNotifiedAt: notifier.lastIngestAt === null ? null : new Date(notifier.lastIngestAt).toISOString(),
      };
    } catch (error) {
      return reply.code(503).send({ ok: false, error: `database unavailable: ${error instanceof Error ? error.message : String(error)}` });
    }
  });

  app.get('/api/underlyings', async () => {
    const { rows } = await read((s) => s.query<{ underlying: string }>(`SELECT DISTINCT underlying FROM optflow.snapshots ORDER BY underlying`));
    return { underlyings: rows.map((r) => r.underlying) };
  });

  app.get<{ Querystring: { underlying: string; from?: Time; to?: Time } }>('/api/expirations', { schema: { querystring: expirationsQuerySchema } }, async (request) => {
    const { underlying, from, to } = request.query;
    const { rows } = await read((s) => s.query<{ expiration: string }>(
      `SELECT DISTINCT expiration FROM optflow.flow_1d
       WHERE underlying = $1 AND ($2::timestamptz IS NULL OR bucket >= date_trunc('day', $2::timestamptz)) AND ($3::timestamptz IS NULL OR bucket < $3::timestamptz)
       ORDER BY expiration`,
      [underlying, from === undefined ? null : new Date(toMs(numeric(from), 'from')).toISOString(), to === undefined ? null : new Date(toMs(numeric(to), 'to')).toISOString()],
    ));
    return { expirations: rows.map((r) => r.expiration) };
  });

  app.post<{ Body: QueryRequest }>('/api/query', { schema: { body: queryRequestSchema, response: { 200: queryResponseSchema } } }, async (request, reply) => {
    const body = request.body;
    const range = { from: toMs(body.range.from, 'range.from'), to: toMs(body.range.to, 'range.to') };
    if (range.to <= range.from) throw new BadRequest('range: "to" must be after "from"');
    body.queries.forEach((q, i) => {
      // The schema checks the shape YYYY-MM-DD; the calendar is checked here (2023-02-30 is a 400, not a database error).
      for (const d of q.options.expirations ?? []) {
        if (new Date(`${d}T00:00:00Z`).toISOString().slice(0, 10) !== d) throw new BadRequest(`body/queries/${i}/options/expirations: "${d}" is not a calendar date`);
      }
    });
    const plans = body.queries.map((q): Plan => {
      const interval = !q.interval || q.interval === 'auto' ? autoInterval(range.from, range.to, body.maxDataPoints ?? 1000) : q.interval;
      const fp = fingerprint([q.type, q.options, interval]);
      const cursor = q.cursor === undefined ? null : decodeCursor(q.cursor);
      return { query: q, interval, fp, cursor: cursor?.fingerprint === fp ? cursor : null, staleCursor: cursor !== null && cursor.fingerprint !== fp };
    });

    // Long-poll: wait for a commit unless something newer than the cursors is stored already. The
    // waiter is registered before that check, so a commit in between cannot be missed.
    const waitMs = (body.wait ?? 0) * 1000;
    if (waitMs > 0 && plans.every((p) => p.cursor !== null)) {
      if (notifier.waiting >= maxWaiters) return reply.code(503).header('retry-after', '1').send({ error: `too many waiting long-polls (${maxWaiters}); retry` });
      const underlyings = new Set(plans.map((p) => p.query.options.underlying));
      const waiter = notifier.wait(underlyings, waitMs);
      // The response's 'close' (not the request's, which fires once the body is read): the client left.
      reply.raw.once('close', waiter.cancel);
      // By the watermark nothing can be newer: wait without asking the database.
      if (answerByWatermark(plans, range.to) === null) {
        const latest = await read((s) => latestByUnderlying(s, [...underlyings]));
        const newer = (p: Plan) => {
          const stored = latest.get(p.query.options.underlying) ?? null;
          return (stored ?? -Infinity) > (p.cursor!.latest ?? -Infinity) || uncoversStoredRows(p.cursor!, range.to, stored);
        };
        if (plans.some(newer)) waiter.cancel();
      }
      // Shutting down: answer now and close this connection, or the server would wait for the
      // client's keep-alive connection to time out.
      if ((await waiter.done) === 'closed') reply.header('connection', 'close');
    }

    const byWatermark = answerByWatermark(plans, range.to);
    if (byWatermark !== null) return body.noContentWhenUnchanged ? reply.code(204).send() : { results: byWatermark };

    let unchanged = 0; // flow results with nothing committed since their cursor
    const watermark = { instance: notifier.instance, generation: notifier.generation }; // before the snapshot
    const results = await read(async (s): Promise<QueryResult[]> => {
      const { rows: snap } = await s.query<{ snapshot: string }>(`SELECT pg_current_snapshot()::text AS snapshot`);
      const snapshot = snap[0]!.snapshot;
      const latest = await latestByUnderlying(s, [...new Set(plans.map((p) => p.query.options.underlying))]);
      const out: QueryResult[] = [];
      for (const plan of plans) {
        const { query, interval } = plan;
        const latestOf = latest.get(query.options.underlying) ?? null;
        if (query.type !== 'flow') {
          // A snapshot-style answer is whole each time: the cursor only serves long-poll.
          const frames = await quoteFrames(s, query, range);
          out.push({ refId: query.refId, interval, frames, cursor: encodeCursor({ fingerprint: plan.fp, last: null, latest: latestOf, snapshot, to: range.to, ...watermark }), reset: true });
          continue;
        }
        let cursor: Cursor | null = plan.cursor;
        if (cursor !== null) {
          const changes = await changesSince(s, query.options.underlying, cursor);
          if (!changes.any && !uncoversStoredRows(cursor, range.to, latestOf)) {
            // Nothing committed for this underlying since the cursor: nothing to send.
            unchanged++;
            out.push({ refId: query.refId, interval, frames: [], cursor: encodeCursor({ ...cursor, latest: latestOf, snapshot, to: Math.max(range.to, cursor.to ?? range.to), ...watermark }), reset: false });
            continue;
          }
          if (changes.backfill) cursor = null;
        }
        const since = cursor?.last ?? null;
        const built = buildFlowSql(query.options, interval, range, since, materialized);
        const { rows } = await s.query<{ t: number; series: string; value: number | null }>(`${built.sql} LIMIT ${LIMITS.maxPointsPerAnswer + 1}`, built.params);
        if (rows.length > LIMITS.maxPointsPerAnswer) throw new BadRequest(`queries[${query.refId}]: more than ${LIMITS.maxPointsPerAnswer} points; choose a coarser interval or a shorter range`);
        const last = rows.reduce((m, r) => Math.max(m, r.t), since ?? -Infinity);
        out.push({
          refId: query.refId,
          interval,
          frames: flowFrames(rows, query.options.metric, query.options.groupBy ?? 'none'),
          cursor: encodeCursor({ fingerprint: plan.fp, last: Number.isFinite(last) ? last : null, latest: latestOf, snapshot, to: range.to, ...watermark }),
          reset: plan.staleCursor || (plan.cursor !== null && cursor === null),
        });
      }
      return out;
    });
    // The old cursors stay valid (nothing changed since them), so a body-less answer loses nothing.
    if (body.noContentWhenUnchanged && unchanged === results.length) return reply.code(204).send();
    return { results };
  });

  return app;
}

/** Query-string times arrive as strings: digits are epoch milliseconds. */
function numeric(t: Time): Time {
  return typeof t === 'string' && /^\d+$/.test(t) ? Number(t) : t;
}

async function latestByUnderlying(s: Session, underlyings: string[]): Promise<Map<string, number>> {
  const { rows } = await s.query<{ underlying: string; latest: number }>(
    `SELECT underlying, (extract(epoch FROM max(quote_time)) * 1000)::float8 AS latest FROM optflow.snapshots WHERE underlying = ANY($1::text[]) GROUP BY underlying`,
    [underlyings],
  );
  return new Map(rows.map((r) => [r.underlying, r.latest]));
}

/**
 * What was committed for `underlying` since the cursor's database snapshot: anything at all, and
 * anything older than the cursor's last bucket (a backfill: the history the client holds is stale).
 */
async function changesSince(s: Session, underlying: string, cursor: Cursor): Promise<{ any: boolean; backfill: boolean }> {
  const { rows } = await s.query<{ any: boolean | null; backfill: boolean | null }>(
    `SELECT bool_or(true) AS any, bool_or(quote_time < $2) AS backfill FROM optflow.snapshots
     WHERE underlying = $1 AND committed_xid >= pg_snapshot_xmin($3::pg_snapshot) AND NOT pg_visible_in_snapshot(committed_xid, $3::pg_snapshot)`,
    [underlying, cursor.last === null ? null : new Date(cursor.last).toISOString(), cursor.snapshot],
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
  return { url: `http://${options.host.includes(':') ? `[${options.host}]` : options.host}:${port}`, close: () => app.close() };
}
