#!/usr/bin/env node
// `npm test` at the root: every workspace's tests, then one line `N passed, N failed` summed over all suites.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = JSON.parse(readFileSync('package.json', 'utf8'));
const WORKSPACE_TIMEOUT_MS = 25 * 60_000;
const only = process.argv.slice(2);
const tmp = mkdtempSync(join(tmpdir(), 'optflow-tests-'));
const totals = { passed: 0, failed: 0, skipped: 0 };
const suites = [];

// Static checks count as tests: a type error or lint error fails `npm test` like a failing assertion.
if (only.length === 0 || only.includes('static')) {
  console.log('\n=== static (tsc, eslint, prettier, imports, plugin build) ===');
  // The Grafana plugin brings its own TypeScript and ESLint versions and config; its production build is a check too.
  const checks = [
    ['typecheck', ['npx', '--no-install', 'tsc', '-p', '.']],
    ['lint', ['npx', '--no-install', 'eslint', '.']],
    [
      'format (prettier --check; npm run format writes it)',
      ['npx', '--no-install', 'prettier', '--check', '--log-level', 'warn', '.'],
    ],
    ['imports (no cycles, the data path)', ['node', 'scripts/check-imports.mjs']],
    ['grafana-plugin typecheck', ['npm', 'run', '--silent', 'typecheck', '-w', 'grafana-plugin']],
    ['grafana-plugin lint', ['npm', 'run', '--silent', 'lint', '-w', 'grafana-plugin']],
    ['grafana-plugin production build', ['npm', 'run', '--silent', 'build', '-w', 'grafana-plugin']],
  ];
  const counts = { passed: 0, failed: 0, skipped: 0 };
  for (const [name, command] of checks) {
    const run = spawnSync(command[0], command.slice(1), { stdio: 'inherit' });
    console.log(`${run.status === 0 ? '✔' : '✖'} ${name}`);
    counts[run.status === 0 ? 'passed' : 'failed']++;
  }
  suites.push(`static: ${counts.passed} passed, ${counts.failed} failed`);
  totals.passed += counts.passed;
  totals.failed += counts.failed;
}

for (const workspace of root.workspaces) {
  if (only.length > 0 && !only.includes(workspace)) continue;
  const pkg = JSON.parse(readFileSync(join(workspace, 'package.json'), 'utf8'));
  if (!pkg.scripts?.test) continue;
  const summary = join(tmp, `${workspace.replace(/\W/g, '_')}.json`);
  console.log(`\n=== ${workspace} ===`);
  // A test file that never exits (a handle left open) must fail the run, not hang CI until its limit.
  const run = spawnSync('npm', ['test', '--silent', '-w', workspace], {
    stdio: 'inherit',
    env: { ...process.env, OPTFLOW_TEST_SUMMARY: summary },
    timeout: WORKSPACE_TIMEOUT_MS,
    killSignal: 'SIGKILL',
  });
  if (run.error) console.log(`✖ ${workspace}: ${run.error.message}`);
  let counts = { passed: 0, failed: 0, skipped: 0 };
  try {
    if (existsSync(summary)) counts = JSON.parse(readFileSync(summary, 'utf8'));
  } catch {
    // no counts written: judged by the exit status below
  }
  // A suite that crashed before reporting, or exited non-zero with no failure counted, is one failure.
  if (run.status !== 0 && counts.failed === 0) counts.failed = 1;
  suites.push(`${workspace}: ${counts.passed} passed, ${counts.failed} failed`);
  for (const key of Object.keys(totals)) totals[key] += counts[key] ?? 0;
}
rmSync(tmp, { recursive: true, force: true });

console.log(`\n${suites.join('\n')}`);
const skipped = totals.skipped > 0 ? `, ${totals.skipped} skipped` : '';
console.log(`${totals.passed} passed, ${totals.failed} failed${skipped}`);
process.exit(totals.failed > 0 ? 1 : 0);
