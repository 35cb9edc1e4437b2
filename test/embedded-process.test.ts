import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { withClient } from '@optflow/db/testing';
import { OPTFLOW_BIN, startChild } from './src/processes.ts';

const home = mkdtempSync(join(tmpdir(), 'optflow-embedded-'));
after(() => rmSync(home, { recursive: true, force: true }));

describe('optflow start (embedded)', () => {
  const env = { OPTFLOW_HOME: join(home, 'start'), OPTFLOW_PG_PORT: '0', DATABASE_URL: '' };
  // The test writes through the socket, as a client opting in to --socket-role writer may.
  const start = [OPTFLOW_BIN, 'start', '--port', '0', '--data', join(home, 'data'), '--socket-role', 'writer'];

  test('serves TimescaleDB on the socket; SIGTERM stops cleanly; data survives a restart', async () => {
    const first = startChild(start, env);
    const [, url] = await first.waitFor(/PostgreSQL socket: (\S+)/);
    await first.waitFor(/ready/);
    await withClient(url!, async (c) => {
      const ext = await c.query(`SELECT extversion FROM pg_extension WHERE extname = 'timescaledb'`);
      assert.match(ext.rows[0].extversion, /^2\./);
      await c.query(
        `INSERT INTO optflow.files (path, size, mtime, status) VALUES ('SPX.X.2023-05-19.parquet', 42, now(), 'loaded')`
      );
      await c.query(
        `INSERT INTO optflow.quotes (quote_time, contract, source_symbol, underlying, root, expiration, put_call, strike, volume, premium)
         VALUES ('2023-05-19T13:30:00Z', 'SPXW  230519C04200000', 'SPXW_051923C4200', 'SPX', 'SPXW', '2023-05-19', 'C', 4200, 7, 700)`
      );
    });
    assert.equal(await first.stop('SIGTERM'), 0);
    assert.match(first.output(), /SIGTERM: stopping[\s\S]*stopped/);

    const second = startChild(start, env);
    const [, url2] = await second.waitFor(/PostgreSQL socket: (\S+)/);
    await second.waitFor(/ready/);
    assert.match(second.output(), /migrations up to date/);
    await withClient(url2!, async (c) => {
      const files = await c.query('SELECT path, size FROM optflow.files');
      assert.deepEqual(files.rows, [{ path: 'SPX.X.2023-05-19.parquet', size: '42' }]);
      const flow = await c.query('SELECT call_volume, net_premium FROM optflow.flow_1m');
      assert.deepEqual(flow.rows, [{ call_volume: '7', net_premium: 700 }]);
    });
    assert.equal(await second.stop('SIGINT'), 0);
  });

  test('a second instance on a port in use fails with a clear message', async () => {
    const first = startChild(start, { ...env, OPTFLOW_HOME: join(home, 'port-a') });
    const [, port] = await first.waitFor(/PostgreSQL socket: \S+:(\d+)\//);
    const second = startChild(start, { ...env, OPTFLOW_HOME: join(home, 'port-b'), OPTFLOW_PG_PORT: port! });
    assert.equal(await second.exited, 2);
    assert.match(second.output(), new RegExp(`cannot serve the embedded database on 127\\.0\\.0\\.1:${port}`));
    assert.equal(await first.stop(), 0);
  });
});

describe('embedded database shared between in-process writes and socket clients', () => {
  const writer = fileURLToPath(new URL('./fixtures/embedded-writer.ts', import.meta.url));
  const contracts = 50;

  test('a socket client reading while the process writes sees only whole transactions; SIGTERM keeps every commit', async () => {
    const dataDir = join(home, 'writer');
    const child = startChild(['--import', 'tsx', writer, dataDir, String(contracts)]);
    const [, url] = await child.waitFor(/socket (\S+)/);
    const seen: number[] = [];
    await withClient(url!, async (c) => {
      while (seen.length < 40) {
        const { rows } = await c.query(
          `SELECT (SELECT count(*) FROM optflow.quotes)::int AS quotes, (SELECT count(*) FROM optflow.snapshots)::int AS snapshots`
        );
        const { quotes, snapshots } = rows[0];
        assert.equal(quotes, snapshots * contracts, 'quotes and their snapshot row commit together');
        seen.push(snapshots);
      }
    });
    assert.ok(seen.at(-1)! > seen[0]!, `the writer made progress while we read: ${seen.join(',')}`);
    assert.deepEqual(
      seen,
      [...seen].sort((a, b) => a - b),
      'counts never go backwards'
    );

    assert.equal(await child.stop('SIGTERM'), 0);
    const [, stoppedAfter] = /stopped after (\d+)/.exec(child.output()) ?? [];
    const committed = Number(stoppedAfter);
    assert.ok(committed >= seen.at(-1)!);

    const again = startChild(['--import', 'tsx', writer, dataDir, String(contracts)]);
    const [, url2] = await again.waitFor(/socket (\S+)/);
    // Read immediately: the restarted writer is already adding batches, so compare with its first commit.
    const [, firstNew] = await again.waitFor(/committed (\d+)/);
    assert.equal(Number(firstNew), committed + 1, 'the restart continued from exactly what was committed');
    await withClient(url2!, async (c) => {
      const { rows } = await c.query(
        `SELECT count(DISTINCT quote_time)::int AS times, count(*)::int AS quotes FROM optflow.quotes`
      );
      assert.ok(rows[0].times >= committed + 1);
      assert.equal(rows[0].quotes, rows[0].times * contracts);
    });
    assert.equal(await again.stop('SIGTERM'), 0);
  });
});
