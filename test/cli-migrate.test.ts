import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { testServerUrl } from '@optflow/db/testing';
import { childDatabase } from './src/child-database.ts';
import type { ChildDatabase } from './src/child-database.ts';
import { OPTFLOW_BIN } from './src/processes.ts';

describe(`optflow migrate (${testServerUrl() ? 'server' : 'embedded'})`, () => {
  let env: NodeJS.ProcessEnv;
  let target: ChildDatabase;
  const home = mkdtempSync(join(tmpdir(), 'optflow-migrate-'));
  before(async () => {
    target = await childDatabase(home);
    env = { ...process.env, ...target.env };
  });
  after(async () => {
    await target.dispose();
    rmSync(home, { recursive: true, force: true });
  });
  const optflow = (...args: string[]) => spawnSync(process.execPath, [OPTFLOW_BIN, ...args], { env, encoding: 'utf8' });

  test('up, up again, down one, down --all: JSON summaries and exit 0', () => {
    const up = optflow('migrate', '--json');
    assert.equal(up.status, 0, up.stderr);
    const summary = JSON.parse(up.stdout);
    assert.deepEqual(summary.migrations, ['1_schema', '2_flow-aggregates', '3_policies', '4_contract-sessions', '5_snapshot-commits', '6_ingest-epoch', '7_contract-sessions-fillfactor']);
    assert.equal(summary.direction, 'up');
    assert.equal(typeof summary.timescaledb === 'string', !testServerUrl(), 'TimescaleDB reported when present');

    assert.deepEqual(JSON.parse(optflow('migrate', 'up', '--json').stdout).migrations, []);
    assert.deepEqual(JSON.parse(optflow('migrate', 'down', '--json').stdout).migrations, ['7_contract-sessions-fillfactor']);
    assert.deepEqual(JSON.parse(optflow('migrate', 'down', '--all', '--json').stdout).migrations, ['6_ingest-epoch', '5_snapshot-commits', '4_contract-sessions', '3_policies', '2_flow-aggregates', '1_schema']);
    const human = optflow('migrate');
    assert.equal(human.status, 0);
    assert.match(human.stdout, /applied: 1_schema, 2_flow-aggregates, 3_policies, 4_contract-sessions, 5_snapshot-commits, 6_ingest-epoch, 7_contract-sessions-fillfactor/);
  });

  test('a bad direction is a usage error (exit 2); an unreachable server exit 3', () => {
    const bad = optflow('migrate', 'sideways');
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /direction must be "up" or "down", got "sideways"/);
    const down = spawnSync(process.execPath, [OPTFLOW_BIN, 'migrate'], {
      env: { ...process.env, DATABASE_URL: 'postgres://optflow:secret@127.0.0.1:1/none' },
      encoding: 'utf8',
    });
    assert.equal(down.status, 3);
    assert.match(down.stderr, /cannot open postgres:\/\/optflow:\*\*\*@127\.0\.0\.1:1\/none: .*ECONNREFUSED/);
  });
});
