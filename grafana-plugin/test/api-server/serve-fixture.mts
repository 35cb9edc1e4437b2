// The real optflow API for the plugin's tests, run with tsx as a child of jest's global setup:
// a migrated test database (embedded TimescaleDB, or a fresh database on OPTFLOW_TEST_DATABASE_URL)
// loaded with the first snapshots of a generated SPX day (and of an NDX day), served on a free port with a token; and a
// second API on an empty database, for the health check's "no data" and "database down" answers.
//
// A control server lets tests load more of the day (`POST /append?batches=N`) and take the empty
// database down (`POST /stop-empty-db`). Prints one JSON line with the URLs when ready; SIGTERM
// closes everything.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listenApi } from '@optflow/api';
import { DEFAULT_SAMPLE, loadFile, sampleDay, writeSampleBatches } from '@optflow/loader';
import type { SampleOptions } from '@optflow/loader';
import { openMigratedTestDatabase } from '@optflow/migrations/testing';

export const FIXTURE_DAY: SampleOptions = {
  ...DEFAULT_SAMPLE,
  strikes: 12,
  expirations: 2,
  snapshotsPerRowGroup: 30,
  seed: 11,
};
const TOKEN = 'plugin-test-token';
const INITIAL_BATCHES = 4;

const batches = [...sampleDay(FIXTURE_DAY)];
const dir = mkdtempSync(join(tmpdir(), 'optflow-plugin-'));
const load = { timeZone: 'America/New_York', overrides: {} };

const loaded = await openMigratedTestDatabase();
const empty = await openMigratedTestDatabase();
let loadedBatches = 0;
let part = 0;
async function append(n: number): Promise<number> {
  const next = batches.slice(loadedBatches, loadedBatches + n);
  if (next.length === 0) return loadedBatches;
  const { path } = writeSampleBatches(join(dir, `SPX.X.2023-05-19.${part++}.parquet`), next);
  const summary = await loadFile(loaded.db, path, load);
  if (summary.status !== 'loaded') throw new Error(`fixture load: ${summary.status}`);
  loadedBatches += next.length;
  return loadedBatches;
}
await append(INITIAL_BATCHES);
// A second underlying, so that choosing one changes the series.
const ndx = writeSampleBatches(
  join(dir, 'NDX.X.2023-05-19.parquet'),
  [...sampleDay({ ...FIXTURE_DAY, underlying: 'NDX', seed: 12 })].slice(0, INITIAL_BATCHES)
);
if ((await loadFile(loaded.db, ndx.path, load)).status !== 'loaded') throw new Error('fixture load: NDX');

const api = await listenApi({ db: loaded.db, token: TOKEN, host: '127.0.0.1', port: 0 });
const emptyApi = await listenApi({ db: empty.db, host: '127.0.0.1', port: 0 });
let emptyDbUp = true;

const control = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://control');
  const reply = (status: number, body: object) =>
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  if (req.method === 'POST' && url.pathname === '/append') {
    append(Number(url.searchParams.get('batches') ?? '1')).then(
      (total) => reply(200, { loadedBatches: total, totalBatches: batches.length }),
      (error: Error) => reply(500, { error: error.message })
    );
  } else if (req.method === 'POST' && url.pathname === '/stop-empty-db') {
    emptyDbUp = false;
    empty.dispose().then(
      () => reply(200, { stopped: true }),
      (error: Error) => reply(500, { error: error.message })
    );
  } else {
    reply(404, { error: 'POST /append?batches=N or /stop-empty-db' });
  }
});
await new Promise<void>((resolve) => control.listen(0, '127.0.0.1', resolve));
const address = control.address();
const controlPort = typeof address === 'object' && address ? address.port : 0;

process.stdout.write(
  `${JSON.stringify({ api: api.url, emptyApi: emptyApi.url, control: `http://127.0.0.1:${controlPort}`, token: TOKEN, loadedBatches, totalBatches: batches.length })}\n`
);

const shutdown = async () => {
  control.close();
  await Promise.allSettled([api.close(), emptyApi.close()]);
  await Promise.allSettled([loaded.dispose(), emptyDbUp ? empty.dispose() : Promise.resolve()]);
  rmSync(dir, { recursive: true, force: true });
  process.exit(0);
};
process.once('SIGTERM', () => void shutdown());
process.once('SIGINT', () => void shutdown());
