import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { openTestDatabase, testServerUrl } from '@optflow/db/testing';
import type { TestDatabase } from '@optflow/db/testing';
import { DEFAULT_SAMPLE, sampleDay, writeSampleBatches } from '@optflow/loader';
import { OPTFLOW_BIN, startChild } from './src/processes.ts';

/** A TCP proxy to the database that the test can take down (dropping every connection) and bring back. */
class Outage {
  #server: net.Server | undefined;
  #sockets = new Set<net.Socket>();
  port = 0;
  readonly #target: { host: string; port: number };

  constructor(target: { host: string; port: number }) {
    this.#target = target;
  }

  async up(): Promise<void> {
    this.#server = net.createServer((client) => {
      const upstream = net.connect(this.#target.port, this.#target.host);
      for (const s of [client, upstream]) {
        this.#sockets.add(s);
        s.on('close', () => this.#sockets.delete(s));
        s.on('error', () => undefined);
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((r) => this.#server!.listen(this.port, '127.0.0.1', r));
    this.port = (this.#server.address() as net.AddressInfo).port;
  }

  async down(): Promise<void> {
    for (const s of this.#sockets) s.destroy();
    const server = this.#server;
    this.#server = undefined;
    if (server) await new Promise<void>((r) => server.close(() => r()));
  }
}

describe('optflow watch across a database restart', () => {
  const home = mkdtempSync(join(tmpdir(), 'optflow-restart-'));
  let db: TestDatabase | undefined;
  let outage: Outage | undefined;
  after(async () => {
    await outage?.down(); // a listening proxy would keep the test process alive
    await db?.dispose();
    rmSync(home, { recursive: true, force: true });
  });

  test('a file written while the database is down loads once it is back, exactly once', async (t) => {
    if (!testServerUrl()) return t.skip('the embedded database runs in-process: it cannot restart under the watcher');
    db = await openTestDatabase();
    const url = new URL(db.url!);
    outage = new Outage({ host: url.hostname, port: Number(url.port || 5432) });
    await outage.up();
    url.hostname = '127.0.0.1';
    url.port = String(outage.port);

    const data = join(home, 'data');
    mkdirSync(data);
    const day = (date: string) => [
      ...sampleDay({
        ...DEFAULT_SAMPLE,
        date,
        strikes: 2,
        expirations: 1,
        intervalSeconds: 600,
        snapshotsPerRowGroup: 10,
      }),
    ];
    const write = (name: string, batches: ReturnType<typeof day>) => writeSampleBatches(join(data, name), batches);
    const child = startChild([OPTFLOW_BIN, 'watch', data, '--json', '--poll', '100'], { DATABASE_URL: url.toString() });
    write('SPX.X.2023-05-18.parquet', day('2023-05-18'));
    await child.waitFor(/"status":"loaded"/);

    await outage.down();
    write('SPX.X.2023-05-19.parquet', day('2023-05-19'));
    await child.waitFor(/retrying in/);
    await outage.up();
    await child.waitFor(/"status":"loaded"[\s\S]*"status":"loaded"/, 60_000);
    assert.equal(await child.stop('SIGTERM'), 0, child.output());

    const { rows } = await db.db.query<{ day: string; n: number }>(
      `SELECT to_char(quote_time AT TIME ZONE 'America/New_York', 'YYYY-MM-DD') AS day, count(*)::int AS n FROM optflow.quotes GROUP BY 1 ORDER BY 1`
    );
    assert.deepEqual(rows, [
      { day: '2023-05-18', n: 4 * 40 },
      { day: '2023-05-19', n: 4 * 40 },
    ]);
  });
});
