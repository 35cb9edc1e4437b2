import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { testBackend } from '@optflow/db/testing';
import { childDatabase } from './src/child-database.ts';
import type { ChildDatabase } from './src/child-database.ts';
import { OPTFLOW_BIN, startChild } from './src/processes.ts';

const backend = await testBackend();

describe(`optflow serve (${backend})`, () => {
  const home = mkdtempSync(join(tmpdir(), 'optflow-cli-serve-'));
  let target: ChildDatabase;
  before(async () => {
    target = await childDatabase(home);
  });
  after(async () => {
    await target.dispose();
    rmSync(home, { recursive: true, force: true });
  });
  const optflow = (...args: string[]) =>
    spawnSync(process.execPath, [OPTFLOW_BIN, ...args], { env: { ...process.env, ...target.env }, encoding: 'utf8' });

  test('without the schema: exit 2 and what to run', () => {
    const run = optflow('serve', '--port', '0');
    assert.equal(run.status, 2);
    assert.match(run.stderr, /the optflow schema is missing: run "optflow migrate"/);
  });

  test('serves the loaded data with a token, logs requests as JSON lines, stops on SIGTERM', async () => {
    const data = join(home, 'data');
    mkdirSync(data);
    assert.equal(
      optflow('sample', '--strikes', '3', '--expirations', '1', '--interval', '600', '--out', data, '--quiet').status,
      0
    );
    const load = optflow('load', data, '--quiet');
    assert.equal(load.status, 0, load.stderr);

    const child = startChild([OPTFLOW_BIN, 'serve', '--port', '0'], { ...target.env, OPTFLOW_API_TOKEN: 'let-me-in' });
    const [, url] = await child.waitFor(/query API at (http:\/\/\S+)\/api /);
    assert.equal((await fetch(`${url}/api/health`)).status, 200, 'health needs no token');
    assert.equal((await fetch(`${url}/api/underlyings`)).status, 401);
    const underlyings = await fetch(`${url}/api/underlyings`, { headers: { authorization: 'Bearer let-me-in' } });
    assert.deepEqual(await underlyings.json(), { underlyings: ['SPX'] });
    await child.waitFor(/\{"level":30,.*"url":"\/api\/underlyings"/);
    await child.waitFor(/\{"level":30,.*"res":\{"statusCode":200\}.*"msg":"request completed"/);
    assert.equal(await child.stop('SIGTERM'), 0);
  });
});
