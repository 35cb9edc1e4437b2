import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { testServerUrl, withClient } from '@optflow/db/testing';
import { startChild } from './src/processes.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const home = mkdtempSync(join(tmpdir(), 'optflow-npm-start-'));
after(() => rmSync(home, { recursive: true, force: true }));

// The main job on the embedded default (what a fresh checkout runs); the server run of the suite
// has nothing to add here, the process never touches the server.
describe(
  'npm start --demo (embedded)',
  { skip: testServerUrl() ? 'runs on the embedded database only (the suite runs it in the embedded pass)' : false },
  () => {
    test('writes a sample day, loads it, answers flow over HTTP and flow_1m over the PostgreSQL socket; SIGINT stops it', async () => {
      const data = join(home, 'data');
      const child = startChild(
        ['start', '--', '--demo', '--data', data, '--port', '0'],
        { OPTFLOW_HOME: join(home, 'optflow'), OPTFLOW_PG_PORT: '0', DATABASE_URL: '' },
        { command: 'npm', cwd: ROOT, group: true }
      );
      const [, api] = await child.waitFor(/query API: (http:\/\/\S+)\/api /);
      const [, socketUrl] = await child.waitFor(/PostgreSQL socket: (\S+)/);
      assert.deepEqual(
        readdirSync(data),
        ['SPX.X.2023-05-19.parquet'],
        'the demo day was written to the data directory'
      );
      await child.waitFor(/loaded \S+SPX\.X\.2023-05-19\.parquet: 977,500 rows/, 300_000);

      const response = await fetch(`${api}/api/query`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          range: { from: '2023-05-19T13:30:00Z', to: '2023-05-19T20:01:00Z' },
          queries: [
            { refId: 'A', type: 'flow', interval: '1h', options: { underlying: 'SPX', metric: 'call_volume' } },
          ],
        }),
      });
      assert.equal(response.status, 200);
      const { results } = (await response.json()) as {
        results: Array<{ frames: Array<{ fields: Array<{ values: number[] }> }> }>;
      };
      const hourly = results[0]!.frames[0]!.fields[1]!.values;
      assert.equal(hourly.length, 8, 'snapshots 09:30-16:00 New York fall in the UTC hours 13:00 to 20:00');
      await withClient(socketUrl!, async (c) => {
        const { rows } = await c.query(
          `SELECT sum(call_volume)::float8 AS calls FROM optflow.flow_1m WHERE underlying = 'SPX'`
        );
        assert.equal(
          rows[0].calls,
          hourly.reduce((a, b) => a + b, 0),
          'psql through the socket sees the same flow'
        );
      });
      // Ctrl-C reaches npm and optflow alike; npm then exits by the signal (code null), optflow cleanly.
      await child.stop('SIGINT');
      assert.match(child.output(), /SIGINT: stopping[\s\S]*optflow: stopped/);
      assert.doesNotMatch(child.output(), /error while shutting down/);
    });
  }
);
