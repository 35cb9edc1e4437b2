// npm run bench:load — loader throughput against the database's own bulk path, side by side in one
// run (these machines are noisy: compare the ratios, not the absolute numbers).
//   server:   optflow load vs psql \copy (binary) of the same rows into an identical table  (target ≥ 0.9)
//   embedded: optflow load vs a raw in-process COPY FROM '/dev/blob' of the same rows      (target ≥ 0.8)
// and the loader's peak RSS (target < 500 MiB for a 1M-row file).
// Each side runs OPTFLOW_BENCH_ROUNDS times (default 3), the two sides taking turns, each run
// starting from a checkpoint (server) or a fresh database (embedded) so that neither pays for the
// other's writes nor starts warmer; medians are compared.
// The reference gets the rows in snapshot order (time, then contract): the order collectors write.
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

const OPTFLOW = fileURLToPath(new URL('../loader/bin/optflow.js', import.meta.url));
const serverUrl = process.env.OPTFLOW_BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const rounds = Math.max(1, Number(process.env.OPTFLOW_BENCH_ROUNDS ?? 3));
const dir = mkdtempSync(join(tmpdir(), 'optflow-bench-'));

interface Run { seconds: number; peakMiB: number; stdout: string }

/** Runs optflow as a child; returns wall seconds and peak RSS (VmHWM, sampled from /proc). */
async function runOptflow(args: string[], env: NodeJS.ProcessEnv): Promise<Run> {
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
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
/** Seconds the loader itself reports for loading the file (--json), without process start and database open. */
const loadSeconds = (run: Run) => (JSON.parse(run.stdout) as { files: Array<{ seconds: number }> }).files.reduce((a, f) => a + f.seconds, 0);
const inserted = (run: Run) => (JSON.parse(run.stdout) as { totals: { inserted: number } }).totals.inserted;

/** One result line: optflow's median rate, by the loader's own clock and by the wall clock, against the reference's. */
function report(name: string, runs: Run[], reference: string, referenceSeconds: number[], target: number): string {
  const load = median(runs.map(loadSeconds));
  const wall = median(runs.map((r) => r.seconds));
  const ref = median(referenceSeconds);
  const each = runs.map((r, i) => `${loadSeconds(r).toFixed(1)}/${referenceSeconds[i]!.toFixed(1)} s = ${(referenceSeconds[i]! / loadSeconds(r)).toFixed(2)}`).join(', ');
  return `${name.padEnd(8)} optflow load ${fmt(rate(rows, load))} rows/s (${load.toFixed(1)} s; ${wall.toFixed(1)} s wall with start-up) vs ${reference} ${fmt(rate(rows, ref))} rows/s (${ref.toFixed(1)} s): `
    + `ratio ${(ref / load).toFixed(2)}, wall ${(ref / wall).toFixed(2)} (target ≥ ${target}; rounds ${each}); peak RSS ${Math.max(...runs.map((r) => r.peakMiB)).toFixed(0)} MiB (target < 500)`;
}

const sample = await writeSampleDay(join(dir, 'SPX.X.2023-05-19.parquet'), DEFAULT_SAMPLE);
const rows = sample.rows;
console.log(`sample day: ${fmt(rows)} rows, ${sample.rowGroups} row groups (${sample.path}); ${rounds} round(s) per side\n`);
const results: string[] = [];

// --- server --------------------------------------------------------------------------------
{
  const loads: Run[] = [];
  const references: number[] = [];
  const copyFile = join(dir, 'quotes.copy');
  for (let round = 0; round < rounds; round++) {
    const dbName = `optflow_bench_${process.pid}_${round}`;
    await admin(serverUrl, (c) => c.query(`CREATE DATABASE ${dbName}`));
    const benchUrl = Object.assign(new URL(serverUrl), { pathname: `/${dbName}` }).toString();
    const psql = (sql: string) => {
      const r = spawnSync('psql', [benchUrl, '-v', 'ON_ERROR_STOP=1', '-qc', sql], { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(r.stderr);
    };
    try {
      await runOptflow(['migrate', '--quiet'], { DATABASE_URL: benchUrl });
      psql('CHECKPOINT');
      const run = await runOptflow(['load', sample.path, '--json', '--no-migrate'], { DATABASE_URL: benchUrl });
      if (inserted(run) !== rows) throw new Error(`server load inserted ${inserted(run)} of ${rows}`);
      loads.push(run);
      // The reference: the same rows, exported in binary, \copy'd into an identical table.
      if (round === 0) psql(`\\copy (SELECT * FROM optflow.quotes ORDER BY quote_time, contract) TO '${copyFile}' WITH (FORMAT binary)`);
      psql(`CREATE TABLE bench_reference (LIKE optflow.quotes INCLUDING ALL)`);
      psql('CHECKPOINT');
      const started = performance.now();
      psql(`\\copy bench_reference FROM '${copyFile}' WITH (FORMAT binary)`);
      references.push((performance.now() - started) / 1000);
    } finally {
      await admin(serverUrl, (c) => c.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`));
    }
  }
  results.push(report('server', loads, 'psql \\copy binary', references, 0.9));
}

// --- embedded ------------------------------------------------------------------------------
{
  const loads: Run[] = [];
  const references: number[] = [];
  let payload: Buffer | null = null;
  let copyColumns: CopyColumn[] = [];
  for (let round = 0; round < rounds; round++) {
    const home = join(dir, `home-${round}`);
    await runOptflow(['migrate', '--quiet'], { DATABASE_URL: '', OPTFLOW_HOME: home });
    const run = await runOptflow(['load', sample.path, '--json', '--no-migrate'], { DATABASE_URL: '', OPTFLOW_HOME: home });
    if (inserted(run) !== rows) throw new Error(`embedded load inserted ${inserted(run)} of ${rows}`);
    loads.push(run);
    if (!payload) {
      // The reference: the rows optflow stored, pre-encoded, copied raw into an identical empty table.
      const source = await EmbeddedDatabase.open(join(home, 'pgdata'));
      const { rows: stored } = await source.query<Record<string, unknown>>(`SELECT * FROM optflow.quotes ORDER BY quote_time, contract`);
      const { rows: columns } = await source.query<{ name: string; type: string }>(
        `SELECT column_name AS name, CASE data_type WHEN 'timestamp with time zone' THEN 'timestamptz' WHEN 'double precision' THEN 'float8'
           WHEN 'bigint' THEN 'int8' WHEN 'integer' THEN 'int4' WHEN 'numeric' THEN 'numeric' WHEN 'date' THEN 'date' ELSE 'text' END AS type
         FROM information_schema.columns WHERE table_schema = 'optflow' AND table_name = 'quotes' ORDER BY ordinal_position`,
      );
      await source.close();
      copyColumns = columns.map((c) => ({ name: c.name, type: c.type as CopyColumn['type'] }));
      const writer = new BinaryCopyWriter(copyColumns);
      for (const r of stored) writer.writeRow(copyColumns.map((c) => (r[c.name] instanceof Date ? (r[c.name] as Date).getTime() : r[c.name]) as never));
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
  results.push(report('embedded', loads, 'raw /dev/blob COPY', references, 0.8));
}
rmSync(dir, { recursive: true, force: true });
console.log(results.join('\n'));
