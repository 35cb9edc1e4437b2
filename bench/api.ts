// npm run bench:api — the query API on five loaded 1M-row trading days, on each server of
// OPTFLOW_BENCH_API_DATABASE_URLS in turn (default: the TimescaleDB server, then plain PostgreSQL), measuring:
//   a "today" dashboard of net volume by minute refreshed every 5 s: full-range vs incremental query,
//     server time (Server-Timing) and response bytes (targets: ≥ 100× fewer bytes; an unchanged refresh
//     ≤ 0.5 ms of server time and ≥ 10× less than the full range);
//   a week of net volume by minute (the 5 days), full range vs an unchanged refresh;
//   commit → long-poll answer latency p50/p95 (target p95 ≤ 250 ms);
//   200 concurrent long-poll clients held for 60 s (target: zero errors).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { listenApi } from '@optflow/api';
import { ServerDatabase } from '@optflow/db';
import { DEFAULT_SAMPLE, loadFile, SAMPLE_COLUMNS, sampleDay, writeSampleBatches } from '@optflow/loader';
import type { SampleBatch } from '@optflow/loader';
import { migrate } from '@optflow/migrations';

const serverUrls = (
  process.env.OPTFLOW_BENCH_API_DATABASE_URLS ??
  'postgres://postgres@127.0.0.1:5434/postgres,postgres://postgres@127.0.0.1:5432/postgres'
).split(',');
const HOLD_SECONDS = Number(process.env.OPTFLOW_BENCH_HOLD_SECONDS ?? 60);
const CLIENTS = 200;
const dir = mkdtempSync(join(tmpdir(), 'optflow-bench-api-'));
const load = { timeZone: 'America/New_York', overrides: {} };
const percentile = (values: number[], p: number) =>
  [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor((p / 100) * values.length))]!;
const median = (values: number[]) => percentile(values, 50);
const write = (name: string, batches: Iterable<SampleBatch>) => writeSampleBatches(join(dir, name), batches).path;

// The files, written once for every server: the four trading days before "today" (Monday to Thursday),
// and today so far: everything but the last 20 snapshots, which arrive one by one during the bench.
const earlierDays = ['2023-05-15', '2023-05-16', '2023-05-17', '2023-05-18'].map((date, i) =>
  write(`SPX.X.${date}.parquet`, sampleDay({ ...DEFAULT_SAMPLE, date, seed: 11 + i }))
);
const snapshots = [...sampleDay({ ...DEFAULT_SAMPLE, snapshotsPerRowGroup: 1 })];
const later = snapshots.splice(snapshots.length - 20);
const morning = write(
  'SPX.X.2023-05-19.sofar.parquet',
  Array.from({ length: Math.ceil(snapshots.length / 30) }, (_, i) => mergeBatches(snapshots.slice(i * 30, i * 30 + 30)))
);

try {
  for (const serverUrl of serverUrls) await benchServer(serverUrl);
} finally {
  rmSync(dir, { recursive: true, force: true });
}

async function benchServer(serverUrl: string): Promise<void> {
  const dbName = `optflow_bench_api_${process.pid}`;
  const admin = async (sql: string) => {
    const c = new pg.Client(serverUrl);
    await c.connect();
    try {
      await c.query(sql);
    } finally {
      await c.end();
    }
  };
  await admin(`CREATE DATABASE ${dbName}`);
  const db = new ServerDatabase(Object.assign(new URL(serverUrl), { pathname: `/${dbName}` }).toString(), { max: 20 });
  try {
    await migrate(db, { direction: 'up', log: () => undefined });
    const info = await db.info();
    console.log(
      `${info.timescaledb ? `TimescaleDB ${info.timescaledb}` : 'plain PostgreSQL'} ${info.serverVersion} (${new URL(serverUrl).host})`
    );
    let rows = 0;
    for (const path of [...earlierDays, morning]) rows += (await loadFile(db, path, load)).inserted;
    console.log(`  loaded ${rows.toLocaleString('en-US')} rows (5 trading days); ${later.length} snapshots to come`);
    await measure(db);
  } finally {
    await db.close();
    await admin(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
  }
}

async function measure(db: ServerDatabase): Promise<void> {
  const api = await listenApi({ db, host: '127.0.0.1', port: 0, maxWaiters: 1000 });
  const range = { from: '2023-05-19T13:30:00Z', to: '2023-05-19T20:01:00Z' };
  const flow = { refId: 'net', type: 'flow', interval: '1m', options: { underlying: 'SPX', metric: 'net_volume' } };
  const post = async (body: object) => {
    const response = await fetch(`${api.url}/api/query`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const text = await response.text();
    if (response.status !== 200 && response.status !== 204) throw new Error(`HTTP ${response.status}: ${text}`);
    const serverMs = Number(/dur=([\d.]+)/.exec(response.headers.get('server-timing') ?? '')?.[1]);
    // 204: nothing new since the cursor (noContentWhenUnchanged), which stays valid.
    return {
      bytes: Buffer.byteLength(text),
      serverMs,
      json: response.status === 204 ? null : (JSON.parse(text) as { results: Array<{ cursor: string }> }),
    };
  };

  // Full vs incremental, alternating so both see the same machine state.
  const compare = async (query: typeof flow, over = range, rounds = 30) => {
    const full: Array<{ bytes: number; serverMs: number }> = [];
    const incremental: Array<{ bytes: number; serverMs: number }> = [];
    let own = (await post({ range: over, queries: [query] })).json!.results[0]!.cursor;
    for (let i = 0; i < rounds; i++) {
      full.push(await post({ range: over, queries: [query] }));
      const r = await post({ range: over, noContentWhenUnchanged: true, queries: [{ ...query, cursor: own }] });
      incremental.push(r);
      own = r.json?.results[0]!.cursor ?? own;
    }
    const m = (rows: typeof full, key: 'bytes' | 'serverMs') => median(rows.map((r) => r[key]));
    return {
      full: { bytes: m(full, 'bytes'), serverMs: m(full, 'serverMs') },
      incremental: { bytes: m(incremental, 'bytes'), serverMs: m(incremental, 'serverMs') },
      cursor: own,
    };
  };
  const single = await compare(flow);
  const byExpiration = await compare({ ...flow, options: { ...flow.options, groupBy: 'expiration' } } as typeof flow);
  // Fewer rounds: without TimescaleDB each full week aggregates 5M quotes.
  const week = await compare(flow, { from: '2023-05-15T13:30:00Z', to: '2023-05-19T20:01:00Z' }, 10);
  let cursor = single.cursor;

  // Commit → long-poll answer: the commit instant is when the loader's NOTIFY arrives on our own LISTEN.
  let notifiedAt = 0;
  const unlisten = await db.listen('optflow_ingest', () => (notifiedAt = performance.now()));
  const latencies: number[] = [];
  const afterCommit: Array<{ bytes: number }> = [];
  for (const [i, snapshot] of later.slice(0, 10).entries()) {
    const waiting = post({ range, wait: 30, queries: [{ ...flow, cursor }] });
    await new Promise((r) => setTimeout(r, 100));
    await loadFile(db, write(`SPX.X.2023-05-19.next${i}.parquet`, [snapshot]), load);
    const answer = await waiting;
    latencies.push(performance.now() - notifiedAt);
    afterCommit.push({ bytes: answer.bytes });
    cursor = answer.json!.results[0]!.cursor;
  }

  // 200 long-poll clients for HOLD_SECONDS while a snapshot is committed every 5 s.
  let errors = 0;
  let answers = 0;
  const until = performance.now() + HOLD_SECONDS * 1000;
  const clients = Array.from({ length: CLIENTS }, async () => {
    let own = cursor;
    while (performance.now() < until) {
      try {
        const r = await post({
          range,
          wait: Math.min(30, Math.max(1, (until - performance.now()) / 1000)),
          noContentWhenUnchanged: true,
          queries: [{ ...flow, cursor: own }],
        });
        own = r.json?.results[0]!.cursor ?? own;
        answers++;
      } catch (error) {
        errors++;
        console.error(error instanceof Error ? error.message : error);
      }
    }
  });
  const committer = (async () => {
    for (const [i, snapshot] of later.slice(10).entries()) {
      if (performance.now() >= until) break;
      await new Promise((r) => setTimeout(r, 5000));
      await loadFile(db, write(`SPX.X.2023-05-19.held${i}.parquet`, [snapshot]), load);
    }
  })();
  await Promise.all([...clients, committer]);
  await unlisten();
  await api.close();

  const f = (n: number) => n.toFixed(1);
  const report = (name: string, r: typeof single) => {
    console.log(`  ${name}`);
    console.log(`    full range   ${r.full.bytes.toLocaleString('en-US')} bytes, ${f(r.full.serverMs)} ms server`);
    console.log(
      `    incremental  ${r.incremental.bytes.toLocaleString('en-US')} bytes, ${r.incremental.serverMs.toFixed(2)} ms server (target ≤ 0.5)`
    );
    console.log(`    ratio: ${f(r.full.serverMs / r.incremental.serverMs)}× less server time (target ≥ 10)`);
  };
  console.log('"today" dashboard refreshed every 5 s, full-range vs incremental query (30 requests each, medians):');
  report('net volume by minute (one series), nothing new since the cursor (204)', single);
  const minuteOfRefreshes = (11 * single.incremental.bytes + median(afterCommit.map((r) => r.bytes))) / 12;
  console.log(
    `    after a commit: ${median(afterCommit.map((r) => r.bytes)).toLocaleString('en-US')} bytes; a minute of 5 s refreshes (11 with nothing new, 1 after the minute's snapshot) averages ${Math.round(minuteOfRefreshes)} bytes: ${f(single.full.bytes / minuteOfRefreshes)}× fewer than full answers (target ≥ 100)`
  );
  report('net volume by minute and expiration (five series), nothing new since the cursor (204)', byExpiration);
  console.log(
    'a week (5 trading days) of net volume by minute, full range vs incremental (10 requests each, medians):'
  );
  report('one series, nothing new since the cursor (204)', week);
  console.log(
    `commit → long-poll answer: p50 ${f(percentile(latencies, 50))} ms, p95 ${f(percentile(latencies, 95))} ms over ${latencies.length} commits (target p95 ≤ 250 ms)`
  );
  console.log(`${CLIENTS} long-poll clients for ${HOLD_SECONDS} s: ${answers} answers, ${errors} errors (target 0)\n`);
}

/** One row group of several snapshots. */
function mergeBatches(batches: SampleBatch[]): SampleBatch {
  const out = Object.fromEntries(SAMPLE_COLUMNS.map((c) => [c, [] as unknown[]])) as unknown as SampleBatch;
  for (const b of batches)
    for (const c of SAMPLE_COLUMNS) for (const v of b[c] as unknown[]) (out[c] as unknown[]).push(v);
  return out;
}
