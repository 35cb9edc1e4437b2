// npm run bench:load — loader throughput against the database's own bulk path, side by side in one
// run (these machines are noisy: compare the ratios, not the absolute numbers).
//   server:   optflow load vs psql \copy (binary) of the same rows into an identical table  (target ≥ 0.9)
//   embedded: optflow load vs a raw in-process COPY FROM '/dev/blob' of the same rows      (target ≥ 0.8)
// and the loader's peak RSS (target < 500 MiB for a 1M-row file).
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { BinaryCopyWriter, EmbeddedDatabase } from '@optflow/db';
import { migrate } from '@optflow/migrations';
import { DEFAULT_SAMPLE, writeSampleDay } from '@optflow/loader';

const OPTFLOW = fileURLToPath(new URL('../loader/bin/optflow.js', import.meta.url));
const serverUrl = process.env.OPTFLOW_BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const dir = mkdtempSync(join(tmpdir(), 'optflow-bench-'));

/** Runs optflow as a child; returns wall seconds and peak RSS (VmHWM, sampled from /proc). */
async function runOptflow(args: string[], env: NodeJS.ProcessEnv): Promise<{ seconds: number; peakMiB: number; stdout: string }> {
  const started = performance.now();
  const child = spawn(process.execPath, [OPTFLOW, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  let stdout = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  let peakKiB = 0;
  const sampler = setInterval(() => {
    try {
      const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
      if (hwm) peakKiB = Math.max(peakKiB, Number(hwm[1]));
    } catch { /* exited */ }
  }, 50);
  const code = await new Promise<number | null>((r) => child.on('exit', r));
  clearInterval(sampler);
  if (code !== 0) throw new Error(`optflow ${args.join(' ')} exited ${code}`);
  return { seconds: (performance.now() - started) / 1000, peakMiB: peakKiB / 1024, stdout };
}

async function admin<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client(url);
  await c.connect();
  try { return await fn(c); } finally { await c.end(); }
}

const rate = (rows: number, s: number) => Math.round(rows / s);
const fmt = (n: number) => n.toLocaleString('en-US');
/** Seconds the loader itself reports for loading the file (--json), without process start and database open. */
const loadSeconds = (stdout: string) => (JSON.parse(stdout) as { files: Array<{ seconds: number }> }).files.reduce((a, f) => a + f.seconds, 0);

/** One result line: optflow's rate, by the loader's own clock and by the wall clock, against the reference. */
function report(name: string, run: { seconds: number; peakMiB: number; stdout: string }, reference: string, referenceSeconds: number, target: number): string {
  const load = loadSeconds(run.stdout);
  const ref = rate(rows, referenceSeconds);
  return `${name.padEnd(8)} optflow load ${fmt(rate(rows, load))} rows/s (${load.toFixed(1)} s; ${run.seconds.toFixed(1)} s wall with start-up) vs ${reference} ${fmt(ref)} rows/s (${referenceSeconds.toFixed(1)} s): `
    + `ratio ${(rate(rows, load) / ref).toFixed(2)}, wall ${(rate(rows, run.seconds) / ref).toFixed(2)} (target ≥ ${target}); peak RSS ${run.peakMiB.toFixed(0)} MiB (target < 500)`;
}

const sample = await writeSampleDay(join(dir, 'SPX.X.2023-05-19.parquet'), DEFAULT_SAMPLE);
const rows = sample.rows;
console.log(`sample day: ${fmt(rows)} rows, ${sample.rowGroups} row groups (${sample.path})\n`);
const results: string[] = [];

// --- server --------------------------------------------------------------------------------
const dbName = `optflow_bench_${process.pid}`;
await admin(serverUrl, (c) => c.query(`CREATE DATABASE ${dbName}`));
const benchUrl = Object.assign(new URL(serverUrl), { pathname: `/${dbName}` }).toString();
try {
  await runOptflow(['migrate', '--quiet'], { DATABASE_URL: benchUrl });
  const server = await runOptflow(['load', sample.path, '--json', '--no-migrate'], { DATABASE_URL: benchUrl });
  const inserted = JSON.parse(server.stdout).totals.inserted as number;
  if (inserted !== rows) throw new Error(`server load inserted ${inserted} of ${rows}`);
  // The reference: the same rows, exported in binary, \copy'd into an identical table.
  const copyFile = join(dir, 'quotes.copy');
  const psql = (sql: string) => {
    const r = spawnSync('psql', [benchUrl, '-v', 'ON_ERROR_STOP=1', '-qc', sql], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(r.stderr);
  };
  psql(`\\copy optflow.quotes TO '${copyFile}' WITH (FORMAT binary)`);
  psql(`CREATE TABLE bench_reference (LIKE optflow.quotes INCLUDING ALL)`);
  const started = performance.now();
  psql(`\\copy bench_reference FROM '${copyFile}' WITH (FORMAT binary)`);
  const psqlSeconds = (performance.now() - started) / 1000;
  results.push(report('server', server, 'psql \\copy binary', psqlSeconds, 0.9));
} finally {
  await admin(serverUrl, (c) => c.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`));
}

// --- embedded ------------------------------------------------------------------------------
const home = join(dir, 'home');
await runOptflow(['migrate', '--quiet'], { DATABASE_URL: '', OPTFLOW_HOME: home });
const embedded = await runOptflow(['load', sample.path, '--json', '--no-migrate'], { DATABASE_URL: '', OPTFLOW_HOME: home });
{
  // The reference: the rows optflow stored, pre-encoded, copied raw into an identical empty table.
  const db = await EmbeddedDatabase.open(join(dir, 'raw', 'pgdata'));
  const source = await EmbeddedDatabase.open(join(home, 'pgdata'));
  await migrate(db, { direction: 'up' });
  const { rows: stored } = await source.query<Record<string, unknown>>(`SELECT * FROM optflow.quotes`);
  await source.close();
  const { rows: columns } = await db.query<{ name: string; type: string }>(
    `SELECT column_name AS name, CASE data_type WHEN 'timestamp with time zone' THEN 'timestamptz' WHEN 'double precision' THEN 'float8'
       WHEN 'bigint' THEN 'int8' WHEN 'integer' THEN 'int4' WHEN 'numeric' THEN 'numeric' WHEN 'date' THEN 'date' ELSE 'text' END AS type
     FROM information_schema.columns WHERE table_schema = 'optflow' AND table_name = 'quotes' ORDER BY ordinal_position`,
  );
  const copyColumns = columns.map((c) => ({ name: c.name, type: c.type as 'text' }));
  const writer = new BinaryCopyWriter(copyColumns);
  for (const r of stored) writer.writeRow(copyColumns.map((c) => (r[c.name] instanceof Date ? (r[c.name] as Date).getTime() : r[c.name]) as never));
  const payload = writer.finish();
  const started = performance.now();
  await db.copyBinary('optflow.quotes', copyColumns, payload);
  const rawSeconds = (performance.now() - started) / 1000;
  await db.close();
  results.push(report('embedded', embedded, 'raw /dev/blob COPY', rawSeconds, 0.8));
}
rmSync(dir, { recursive: true, force: true });
console.log(results.join('\n'));
