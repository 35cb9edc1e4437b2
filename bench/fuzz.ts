// npm run bench:fuzz — the Parquet fuzz of loader/test/parquet-fuzz.test.ts at length: 1,200 spoilt
// sample files (OPTFLOW_PARQUET_FUZZ_FILES) loaded with the real loader into one database (the
// embedded one, or OPTFLOW_BENCH_DATABASE_URL's server in a fresh database), seeded
// (OPTFLOW_FUZZ_SEED, default 18). Prints the figures the README reports — files, hangs, crashes,
// files failed without their name, rows of the quotes and aggregates holding non-finite values —
// with the outcomes by mutation, and exits 1 when any rule is broken.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openMigratedTestDatabase } from '@optflow/migrations/testing';
import { testBackend } from '@optflow/db/testing';
import { setReadDeadline } from '../loader/src/load/batch-reader.ts';
import { Random } from '../loader/src/sample/random.ts';
import {
  filesLeftLoading,
  fuzzFigures,
  loadFuzzFile,
  MUTATIONS,
  nonFiniteRows,
  writeFuzzFile,
} from '../loader/test/support/parquet-fuzz.ts';
import type { FuzzResult } from '../loader/test/support/parquet-fuzz.ts';

if (process.env.OPTFLOW_BENCH_DATABASE_URL)
  process.env.OPTFLOW_TEST_DATABASE_URL = process.env.OPTFLOW_BENCH_DATABASE_URL;
const SEED = Number(process.env.OPTFLOW_FUZZ_SEED ?? 18);
const FILES = Number(process.env.OPTFLOW_PARQUET_FUZZ_FILES ?? 1200);
const CAP_MS = 60_000;
const dir = mkdtempSync(join(tmpdir(), 'optflow-bench-fuzz-'));
const t = await openMigratedTestDatabase();
setReadDeadline({ baseMs: 10_000, perRowMs: 0.1 }); // as in the test: a looping decoder stopped after 10 s
const started = performance.now();
try {
  const random = new Random(SEED);
  const results: FuzzResult[] = [];
  for (let i = 0; i < FILES; i++) {
    const result = await loadFuzzFile(t.db, writeFuzzFile(dir, i, random), CAP_MS);
    results.push(result);
    for (const problem of result.problems) console.log(`file ${i} (${result.mutation}) ${result.path}: ${problem}`);
    if ((i + 1) % 100 === 0) process.stderr.write(`${i + 1} files\n`);
  }
  const figures = {
    ...fuzzFigures(results),
    nonFinite: await nonFiniteRows(t.db),
    leftLoading: await filesLeftLoading(t.db),
  };
  console.log(
    `Parquet fuzz on ${await testBackend()}, seed ${SEED}, ${((performance.now() - started) / 1000).toFixed(0)} s`
  );
  console.log(JSON.stringify(figures, null, 1));
  console.log(
    '\nmutation | files | loaded | partial (rejected rows) | partial (failed row group) | failed | hangs | crashes'
  );
  for (const mutation of MUTATIONS) {
    const of = results.filter((r) => r.mutation === mutation);
    const f = fuzzFigures(of);
    console.log(
      `${mutation} | ${f.files} | ${f.loaded} | ${f.partialRejectedRows} | ${f.partialFailedRowGroup} | ${f.failed} | ${f.hangs} | ${f.crashes}`
    );
  }
  const nonFinite = Object.values(figures.nonFinite).reduce((a, b) => a + b, 0);
  if (
    figures.hangs + figures.crashes + figures.unnamedFailures + figures.withProblems + nonFinite + figures.leftLoading >
    0
  )
    process.exitCode = 1;
} finally {
  setReadDeadline(null);
  await t.dispose();
  rmSync(dir, { recursive: true, force: true });
}
