#!/usr/bin/env node
// Runs a workspace's tests (every *.test.ts below it) with node:test + tsx, one file at a time:
// embedded databases are heavy and the machines have two cores.
// With OPTFLOW_TEST_SUMMARY set, also writes {passed, failed, skipped} there for scripts/test-all.mjs.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

function findTests(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : findTests(path);
    return entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

const filter = process.argv.slice(2);
const files = findTests(process.cwd())
  .map((f) => relative(process.cwd(), f))
  .filter((f) => filter.length === 0 || filter.some((part) => f.includes(part)))
  .sort();
if (files.length === 0) {
  console.error(`no test files under ${process.cwd()}`);
  process.exit(1);
}
const reporter = fileURLToPath(new URL('./test-summary-reporter.mjs', import.meta.url));
const args = [
  '--import',
  'tsx',
  '--test',
  '--test-concurrency=1',
  '--test-timeout=600000',
  '--test-reporter=spec',
  '--test-reporter-destination=stdout',
];
if (process.env.OPTFLOW_TEST_SUMMARY) {
  args.push(`--test-reporter=${reporter}`, `--test-reporter-destination=${process.env.OPTFLOW_TEST_SUMMARY}`);
}
const result = spawnSync(process.execPath, [...args, ...files], { stdio: 'inherit' });
process.exit(result.status ?? 1);
