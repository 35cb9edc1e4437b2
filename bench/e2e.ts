// npm run bench:e2e — file complete → visible in the live view, in Chromium: `optflow start --demo`
// on the embedded default (a temporary OPTFLOW_HOME), the page live on the demo day, then
// OPTFLOW_BENCH_E2E_SNAPSHOTS (default 12) snapshots written one by one into the watched directory
// as a collector writes them (renamed into place). Each latency runs from the rename to the moment
// the net-volume panel shows the snapshot's minute (a MutationObserver in the page; one clock).
// Target: p95 ≤ 1 s.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  bucketOf,
  launchChromium,
  panelHasData,
  seenAt,
  waitInPage,
  startDemo,
  watchNetVolume,
  writeLateSnapshot,
} from '../test/src/live-view.ts';

const SNAPSHOTS = Number(process.env.OPTFLOW_BENCH_E2E_SNAPSHOTS ?? 12);
const percentile = (values: number[], p: number) =>
  [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor((p / 100) * values.length))]!;
const home = mkdtempSync(join(tmpdir(), 'optflow-bench-e2e-'));
const { child, url, data } = await startDemo(home);
const browser = await launchChromium();
try {
  const page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
  await page.goto(`${url}?live=1`);
  await waitInPage(page, panelHasData('optflow-live-net-volume'));
  await watchNetVolume(page);
  const latencies: number[] = [];
  for (let n = 1; n <= SNAPSHOTS; n++) {
    const { time } = writeLateSnapshot(data, n);
    const complete = Date.now(); // renamed into place: the file is complete
    latencies.push((await seenAt(page, bucketOf(time))) - complete);
    await page.waitForTimeout(500); // the next snapshot a little later, as a collector's next poll
  }
  const f = (ms: number) => Math.round(ms).toLocaleString('en-US');
  console.log(
    `file complete → visible in the live view (embedded, watcher poll 250 ms): p50 ${f(percentile(latencies, 50))} ms, p95 ${f(percentile(latencies, 95))} ms over ${latencies.length} snapshots (target p95 ≤ 1,000 ms)`
  );
  console.log(`  each: ${latencies.map(f).join(', ')} ms`);
} finally {
  await browser.close();
  await child.stop('SIGTERM');
  rmSync(home, { recursive: true, force: true });
}
