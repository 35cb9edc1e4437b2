// npm run bench:load — loader throughput against the database's own bulk path, side by side in one
// run (these machines are noisy: compare the ratios, not the absolute numbers), on three backends,
// the production one first:
//   TimescaleDB server: optflow load vs psql \copy (binary) of the same rows into an identical
//     hypertable with the same four continuous aggregates, i.e. the same invalidation triggers: a
//     second database migrated by optflow, whose optflow.quotes is the target (target ≥ 0.9); and,
//     for information, into a plain table with the same columns and indexes;
//   PostgreSQL server: optflow load vs psql \copy (binary) into an identical table            (target ≥ 0.9)
//   embedded: optflow load vs a raw in-process COPY FROM '/dev/blob' of the same rows         (target ≥ 0.8)
// and the loader's peak RSS (target < 500 MiB for a 1M-row file on the servers).
// Each side runs OPTFLOW_BENCH_ROUNDS times (default 3), optflow and the reference taking turns (on the
// servers the reference goes first in odd rounds), each run starting from a checkpoint (servers) or a
// fresh database (embedded) so that neither pays for the other's writes nor starts warmer; medians
// are compared. The reference gets the rows in snapshot order (time, then contract): the order
// collectors write.
// On the TimescaleDB server both databases of a round exist from its start to its end, each with the
// refresh and compression policies optflow's migrations add: their background jobs may run during
// either side's measurement, as they would in production. (The aggregate policies refresh the last
// hours before now, which hold no sample rows; the compression policy's first run is hours after its
// creation.) The reference leaves the aggregates unmaterialized; optflow materializes them, as a
// load must (its rows are older than any policy window).
// OPTFLOW_BENCH_TIMESCALEDB_URL and OPTFLOW_BENCH_DATABASE_URL (plain PostgreSQL) name the servers;
// OPTFLOW_BENCH_SIDES (default timescaledb,postgres,embedded) which sides run.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { BinaryCopyWriter, EmbeddedDatabase } from '@optflow/db';
import type { CopyColumn } from '@optflow/db';
import { migrate } from '@optflow/migrations';
import { DEFAULT_SAMPLE, writeSampleDay } from '@optflow/loader';

const OPTFLOW = fileURLToPath(new URL('../cli/bin/optflow.js', import.meta.url));
const timescaleUrl = process.env.OPTFLOW_BENCH_TIMESCALEDB_URL ?? 'postgres://postgres@127.0.0.1:5434/postgres';
const postgresUrl = process.env.OPTFLOW_BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const sides = new Set(
  (process.env.OPTFLOW_BENCH_SIDES ?? 'timescaledb,postgres,embedded').split(',').map((x) => x.trim())
);
const rounds = Math.max(1, Number(process.env.OPTFLOW_BENCH_ROUNDS ?? 3));
const dir = mkdtempSync(join(tmpdir(), 'optflow-bench-'));

interface Run {
  seconds: number;
  peakMiB: number;
  stdout: string;
}

/** Runs optflow as a child; returns wall seconds and peak RSS (VmHWM, sampled from /proc). */
async function runOptflow(args: string[], env: NodeJS.ProcessEnv): Promise<Run> {
  const started = performance.now();
  const child = spawn(process.execPath, [OPTFLOW, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let stdout = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  let peakKiB = 0;
  const sampler = setInterval(() => {
    try {
      const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
      if (hwm) peakKiB = Math.max(peakKiB, Number(hwm[1]));
    } catch {
      /* exited */
    }
  }, 50);
  const code = await new Promise<number | null>((r) => child.on('exit', r));
  clearInterval(sampler);
  if (code !== 0) throw new Error(`optflow ${args.join(' ')} exited ${code}`);
  return { seconds: (performance.now() - started) / 1000, peakMiB: peakKiB / 1024, stdout };
}

async function admin<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client(url);
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

const rate = (rows: number, s: number) => Math.round(rows / s);
const fmt = (n: number) => n.toLocaleString('en-US');
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
/** Seconds the loader itself reports for loading the file (--json), without process start and database open. */
const loadSeconds = (run: Run) =>
  (JSON.parse(run.stdout) as { files: Array<{ seconds: number }> }).files.reduce((a, f) => a + f.seconds, 0);
const inserted = (run: Run) => (JSON.parse(run.stdout) as { totals: { inserted: number } }).totals.inserted;

/** One result line: optflow's median rate, by the loader's own clock and by the wall clock, against the reference's. */
function report(name: string, runs: Run[], reference: string, referenceSeconds: number[], target: number): string {
  const load = median(runs.map(loadSeconds));
  const wall = median(runs.map((r) => r.seconds));
  const ref = median(referenceSeconds);
  return (
    `${name}: optflow load ${fmt(rate(rows, load))} rows/s (${load.toFixed(1)} s; ${wall.toFixed(1)} s wall with start-up) vs ${reference} ${fmt(rate(rows, ref))} rows/s (${ref.toFixed(1)} s): ` +
    `ratio ${(ref / load).toFixed(2)}, wall ${(ref / wall).toFixed(2)} (target ≥ ${target}; rounds ${eachRound(runs, referenceSeconds)}); peak RSS ${Math.max(...runs.map((r) => r.peakMiB)).toFixed(0)} MiB (target < 500)`
  );
}

/** A second reference, for information: its median rate and optflow's ratio to it. */
function information(runs: Run[], reference: string, referenceSeconds: number[]): string {
  const ref = median(referenceSeconds);
  return `  for information, vs ${reference} ${fmt(rate(rows, ref))} rows/s (${ref.toFixed(1)} s): ratio ${(ref / median(runs.map(loadSeconds))).toFixed(2)} (rounds ${eachRound(runs, referenceSeconds)})`;
}

/** Each round's optflow/reference seconds and ratio. */
const eachRound = (runs: Run[], referenceSeconds: number[]) =>
  runs
    .map(
      (r, i) =>
        `${loadSeconds(r).toFixed(1)}/${referenceSeconds[i]!.toFixed(1)} s = ${(referenceSeconds[i]! / loadSeconds(r)).toFixed(2)}`
    )
    .join(', ');

const sample = await writeSampleDay(join(dir, 'SPX.X.2023-05-19.parquet'), DEFAULT_SAMPLE);
const rows = sample.rows;
console.log(
  `sample day: ${fmt(rows)} rows, ${sample.rowGroups} row groups (${sample.path}); ${rounds} round(s) per side\n`
);
const results: string[] = [];

// --- servers -------------------------------------------------------------------------------
/** Wall seconds of a psql command. */
function psql(url: string, sql: string): number {
  const started = performance.now();
  const r = spawnSync('psql', [url, '-v', 'ON_ERROR_STOP=1', '-qc', sql], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return (performance.now() - started) / 1000;
}
const databaseUrl = (serverUrl: string, name: string) =>
  Object.assign(new URL(serverUrl), { pathname: `/${name}` }).toString();
const copyFile = join(dir, 'quotes.copy');

/** optflow.quotes as migrated there: a hypertable (with how many continuous aggregates), or a plain table. */
async function quotesKind(url: string): Promise<{ hypertable: boolean; aggregates: number }> {
  return admin(url, async (c) => {
    const {
      rows: [ts],
    } = await c.query<{ yes: boolean }>(
      `SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'timescaledb') AS yes`
    );
    if (!ts!.yes) return { hypertable: false, aggregates: 0 };
    const {
      rows: [kind],
    } = await c.query<{ hypertable: boolean; aggregates: number }>(
      `SELECT EXISTS (SELECT 1 FROM timescaledb_information.hypertables WHERE hypertable_schema = 'optflow' AND hypertable_name = 'quotes') AS hypertable,
              (SELECT count(*)::int FROM timescaledb_information.continuous_aggregates WHERE view_schema = 'optflow') AS aggregates`
    );
    return kind!;
  });
}

/**
 * One server's side. `timescaledb`: the reference is the hypertable of a second migrated database
 * (and a plain table beside it, for information); else a plain table like optflow.quotes.
 */
async function serverSide(name: string, serverUrl: string, timescaledb: boolean): Promise<string> {
  const loads: Run[] = [];
  const references: number[] = [];
  const plain: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const loadDb = `optflow_bench_${process.pid}_${round}`;
    const referenceDb = `optflow_bench_${process.pid}_${round}_reference`;
    const loadUrl = databaseUrl(serverUrl, loadDb);
    const referenceUrl = timescaledb ? databaseUrl(serverUrl, referenceDb) : loadUrl;
    await admin(serverUrl, async (c) => {
      await c.query(`CREATE DATABASE ${loadDb}`);
      if (timescaledb) await c.query(`CREATE DATABASE ${referenceDb}`);
    });
    try {
      await runOptflow(['migrate', '--quiet'], { DATABASE_URL: loadUrl });
      if (timescaledb) await runOptflow(['migrate', '--quiet'], { DATABASE_URL: referenceUrl });
      const kind = await quotesKind(referenceUrl);
      if (kind.hypertable !== timescaledb || (timescaledb && kind.aggregates !== 4)) {
        throw new Error(
          `${name}: optflow.quotes is ${kind.hypertable ? `a hypertable with ${kind.aggregates} aggregates` : 'a plain table'} (is ${serverUrl} the right server?)`
        );
      }
      // The plain reference table, empty, before either side runs: like optflow.quotes without TimescaleDB.
      psql(referenceUrl, `CREATE TABLE bench_reference (LIKE optflow.quotes INCLUDING ALL)`);
      const load = async () => {
        psql(loadUrl, 'CHECKPOINT');
        const run = await runOptflow(['load', sample.path, '--json', '--no-migrate'], { DATABASE_URL: loadUrl });
        if (inserted(run) !== rows) throw new Error(`${name} load inserted ${inserted(run)} of ${rows}`);
        loads.push(run);
        // The reference's rows: those optflow stored, exported in binary (once).
        if (round === 0)
          psql(
            loadUrl,
            `\\copy (SELECT * FROM optflow.quotes ORDER BY quote_time, contract) TO '${copyFile}' WITH (FORMAT binary)`
          );
      };
      const reference = () => {
        if (timescaledb) {
          psql(referenceUrl, 'CHECKPOINT');
          references.push(psql(referenceUrl, `\\copy optflow.quotes FROM '${copyFile}' WITH (FORMAT binary)`));
        }
        psql(referenceUrl, 'CHECKPOINT');
        (timescaledb ? plain : references).push(
          psql(referenceUrl, `\\copy bench_reference FROM '${copyFile}' WITH (FORMAT binary)`)
        );
      };
      // Round 0 loads first: the reference copies the rows it stored.
      if (round % 2 === 0) {
        await load();
        reference();
      } else {
        reference();
        await load();
      }
    } finally {
      await admin(serverUrl, async (c) => {
        await c.query(`DROP DATABASE IF EXISTS ${loadDb} WITH (FORCE)`);
        await c.query(`DROP DATABASE IF EXISTS ${referenceDb} WITH (FORCE)`);
      });
    }
  }
  if (!timescaledb) return report(name, loads, 'psql \\copy binary into an identical table', references, 0.9);
  return [
    report(name, loads, 'psql \\copy binary into an identical hypertable with the same aggregates', references, 0.9),
    information(loads, 'psql \\copy binary into a plain table', plain),
  ].join('\n');
}

/** Prints a side's lines as soon as they are measured, and again with the others at the end. */
const record = (lines: string) => {
  console.log(lines);
  results.push(lines);
};
if (sides.has('timescaledb')) record(await serverSide('TimescaleDB server', timescaleUrl, true));
if (sides.has('postgres')) record(await serverSide('PostgreSQL server', postgresUrl, false));

// --- embedded ------------------------------------------------------------------------------
if (sides.has('embedded')) {
  const loads: Run[] = [];
  const references: number[] = [];
  let payload: Buffer | null = null;
  let copyColumns: CopyColumn[] = [];
  for (let round = 0; round < rounds; round++) {
    const home = join(dir, `home-${round}`);
    await runOptflow(['migrate', '--quiet'], { DATABASE_URL: '', OPTFLOW_HOME: home });
    const run = await runOptflow(['load', sample.path, '--json', '--no-migrate'], {
      DATABASE_URL: '',
      OPTFLOW_HOME: home,
    });
    if (inserted(run) !== rows) throw new Error(`embedded load inserted ${inserted(run)} of ${rows}`);
    loads.push(run);
    if (!payload) {
      // The reference: the rows optflow stored, pre-encoded, copied raw into an identical empty table.
      const source = await EmbeddedDatabase.open(join(home, 'pgdata'));
      const { rows: stored } = await source.query<Record<string, unknown>>(
        `SELECT * FROM optflow.quotes ORDER BY quote_time, contract`
      );
      const { rows: columns } = await source.query<{ name: string; type: string }>(
        `SELECT column_name AS name, CASE data_type WHEN 'timestamp with time zone' THEN 'timestamptz' WHEN 'double precision' THEN 'float8'
           WHEN 'bigint' THEN 'int8' WHEN 'integer' THEN 'int4' WHEN 'numeric' THEN 'numeric' WHEN 'date' THEN 'date' ELSE 'text' END AS type
         FROM information_schema.columns WHERE table_schema = 'optflow' AND table_name = 'quotes' ORDER BY ordinal_position`
      );
      await source.close();
      copyColumns = columns.map((c) => ({ name: c.name, type: c.type as CopyColumn['type'] }));
      const writer = new BinaryCopyWriter(copyColumns);
      for (const r of stored)
        writer.writeRow(
          copyColumns.map((c) => (r[c.name] instanceof Date ? (r[c.name] as Date).getTime() : r[c.name]) as never)
        );
      payload = writer.finish();
    }
    rmSync(home, { recursive: true, force: true });
    // A fresh database each round, as each optflow run opens one: a database that has copied before
    // has its WebAssembly memory grown already, which makes later copies faster.
    const reference = await EmbeddedDatabase.open(join(dir, `raw-${round}`, 'pgdata'));
    await migrate(reference, { direction: 'up' });
    const started = performance.now();
    await reference.copyBinary('optflow.quotes', copyColumns, payload);
    references.push((performance.now() - started) / 1000);
    await reference.close();
    rmSync(join(dir, `raw-${round}`), { recursive: true, force: true });
  }
  record(report('embedded', loads, 'raw /dev/blob COPY', references, 0.8));
}
rmSync(dir, { recursive: true, force: true });
console.log(`\n${results.join('\n')}`);
