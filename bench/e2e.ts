// npm run bench:e2e — file complete → visible in the live view, in Chromium: `optflow start --demo`
// on the embedded default (a temporary OPTFLOW_HOME), the page live on the demo day, then
// OPTFLOW_BENCH_E2E_SNAPSHOTS (default 12) snapshots written one by one into the watched directory
// as a collector writes them (renamed into place). Each latency runs from the rename to the moment
// the net-volume panel shows the snapshot's minute (a MutationObserver in the page; one clock).
// A collector writes a snapshot a minute; the bench writes the next one as soon as the page has
// taken the last one in (both its long-polls held again), so each latency is one snapshot's, not
// that of a queue of snapshots written faster than any collector writes them. Target: p95 ≤ 1 s.
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

/** Waits until the API holds `count` long-polls (its /metrics gauge): the page is waiting for news again. */
async function untilLongPollsHeld(url: string, count: number): Promise<void> {
  for (const started = Date.now(); Date.now() - started < 60_000; await new Promise((r) => setTimeout(r, 50))) {
    const metrics = await (await fetch(new URL('/metrics', url))).text();
    if (Number(/^optflow_api_longpoll_waiting (\d+)/m.exec(metrics)?.[1] ?? 0) >= count) return;
  }
  throw new Error(`the page's ${count} long-polls were not held again within 60 s`);
}
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
    await untilLongPollsHeld(url, 2);
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
