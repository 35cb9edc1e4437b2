import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { testBackend } from '@optflow/db/testing';
import type { TestDatabase } from '@optflow/db/testing';
import { openMigratedTestDatabase } from '@optflow/migrations/testing';
import { setReadDeadline } from '../src/load/batch-reader.ts';
import { Random } from '../src/sample/random.ts';
import { filesLeftLoading, fuzzFigures, loadFuzzFile, nonFiniteRows, writeFuzzFile } from './support/parquet-fuzz.ts';
import type { FuzzResult } from './support/parquet-fuzz.ts';

/**
 * The Parquet fuzz (issues 14 and 18; see support/parquet-fuzz.ts): spoilt sample files loaded with
 * the real loader into one database. Every file ends loaded, partial or failed with a one-line
 * message naming it, within a bounded time; nothing crashes or hangs; optflow.files matches what
 * was stored; no non-finite number reaches the quotes or the aggregates. Seeded:
 * OPTFLOW_FUZZ_SEED repeats a run, OPTFLOW_PARQUET_FUZZ_FILES sets its length.
 */
const SEED = Number(process.env.OPTFLOW_FUZZ_SEED ?? 18);
const FILES = Number(process.env.OPTFLOW_PARQUET_FUZZ_FILES ?? 300);
/** Liveness cap per file: far above a normal load, and above the reading thread's deadline below. */
const CAP_MS = 60_000;
const backend = await testBackend();
const dir = mkdtempSync(join(tmpdir(), 'optflow-parquet-fuzz-'));

describe(`Parquet fuzz (${backend})`, () => {
  let t: TestDatabase;
  before(async () => {
    t = await openMigratedTestDatabase();
    // A looping decoder is stopped after 10 s rather than 30: a missed hang shows, and costs less.
    setReadDeadline({ baseMs: 10_000, perRowMs: 0.1 });
  });
  after(async () => {
    setReadDeadline(null);
    await t.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  test(`${FILES} spoilt files, seed ${SEED}: each loaded, partial or failed naming itself; no crash, hang, partial data or non-finite value`, async () => {
    const random = new Random(SEED);
    const results: FuzzResult[] = [];
    for (let i = 0; i < FILES; i++) {
      const result = await loadFuzzFile(t.db, writeFuzzFile(dir, i, random), CAP_MS);
      results.push(result);
      assert.deepEqual(result.problems, [], `file ${i} (${result.mutation}), seed ${SEED}: ${result.path}`);
    }
    const figures = fuzzFigures(results);
    console.log(`parquet fuzz, seed ${SEED}: ${JSON.stringify(figures)}`);
    assert.deepEqual([figures.hangs, figures.crashes, figures.unnamedFailures], [0, 0, 0]);
    assert.deepEqual(await nonFiniteRows(t.db), { quotes: 0, flow_1m: 0, flow_5m: 0, flow_1h: 0, flow_1d: 0 });
    assert.equal(await filesLeftLoading(t.db), 0);
    // Every kind of outcome occurs: the mutations are not all caught the same way.
    assert.ok(figures.loaded > 0 && figures.partialRejectedRows > 0 && figures.failed > 0, JSON.stringify(figures));
  });
});
