import { join } from 'node:path';
import { chromium } from 'playwright-core';
import type { Browser, Page } from 'playwright-core';
import { SESSION_TIME_ZONE, wallTimeToUtc } from '@optflow/contract';
import { DEFAULT_SAMPLE, SAMPLE_COLUMNS, sampleDay, sampleFileName, writeSampleBatches } from '@optflow/loader';
import type { SampleBatch } from '@optflow/loader';
import { OPTFLOW_BIN, startChild } from './processes.ts';
import type { Child } from './processes.ts';

/**
 * What the live view's browser test and `npm run bench:e2e` share: `optflow start --demo` as a
 * process, Debian's Chromium, the snapshots a collector would write after the demo day, and a
 * watch in the page for when one shows in the net-volume panel.
 */
export const CHROMIUM = process.env.OPTFLOW_CHROMIUM ?? '/usr/bin/chromium';
const MINUTE_MS = 60_000;

/** `optflow start --demo` on the embedded database under `home`, any free ports; resolves once the day is loaded. */
export async function startDemo(
  home: string,
  env: NodeJS.ProcessEnv = {}
): Promise<{ child: Child; url: string; data: string }> {
  const data = join(home, 'data');
  const child = startChild([OPTFLOW_BIN, 'start', '--demo', '--data', data, '--port', '0'], {
    OPTFLOW_HOME: join(home, 'optflow'),
    OPTFLOW_PG_PORT: '0',
    DATABASE_URL: '',
    ...env,
  });
  const [, url] = await child.waitFor(/live view: (http:\/\/\S+\/) /, 120_000);
  await child.waitFor(/loaded \S+SPX\.X\.2023-05-19\.parquet: 977,500 rows/, 300_000);
  return { child, url: url!, data };
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

let lastOfDay: SampleBatch | undefined;

/**
 * The demo day's 16:00 snapshot moved `n` minutes later, each contract's total volume grown by
 * 10 to 50 contracts a minute, calls a little more than puts (index options trade until 16:15).
 */
export function lateSnapshot(n: number): { batch: SampleBatch; time: number } {
  if (!lastOfDay) {
    for (const batch of sampleDay({ ...DEFAULT_SAMPLE, snapshotsPerRowGroup: DEFAULT_SAMPLE.snapshotsPerRowGroup }))
      lastOfDay = batch;
    const rows = lastOfDay!.symbol.length;
    const last = lastOfDay!.quoteTimeInLong[rows - 1]!;
    const from = lastOfDay!.quoteTimeInLong.findIndex((t) => t === last);
    lastOfDay = Object.fromEntries(
      SAMPLE_COLUMNS.map((c) => [c, (lastOfDay![c] as unknown[]).slice(from)])
    ) as unknown as SampleBatch;
  }
  const base = lastOfDay;
  const shift = n * MINUTE_MS;
  const batch: SampleBatch = {
    ...base,
    totalVolume: base.totalVolume.map(
      (v, i) => v + BigInt(n * (10 * (1 + (i % 4)) + (base.putCall[i] === 'CALL' ? 10 : 0)))
    ),
    quoteTimeInLong: base.quoteTimeInLong.map((t) => t + BigInt(shift)),
    processDateTime: base.processDateTime.map((d) => new Date(d.getTime() + shift)),
  };
  // The snapshot's time is processDateTime (naive New York wall time): quoteTimeInLong is each quote's own, earlier.
  return { batch, time: wallTimeToUtc(base.processDateTime[0]!.getTime(), SESSION_TIME_ZONE) + shift };
}

/** Writes snapshot `n` after the close into `dir` as a collector does (a temporary file renamed into place). */
export function writeLateSnapshot(dir: string, n: number): { path: string; time: number } {
  const { batch, time } = lateSnapshot(n);
  const path = join(
    dir,
    sampleFileName(DEFAULT_SAMPLE).replace('.parquet', `.late-${String(n).padStart(2, '0')}.parquet`)
  );
  writeSampleBatches(path, [batch]);
  return { path, time };
}

/** Whether the panel `testId` shows data (page code as strings: the tests are compiled without the DOM's types). */
export const panelHasData = (testId: string) =>
  `(() => { const p = document.querySelector('[data-testid="${testId}"]'); return !!p && (p.getAttribute('data-frames') || '[]').includes('"values":[') && !p.textContent.includes('No data'); })()`;

/** The minute bucket a snapshot lands in. */
export const bucketOf = (time: number) => Math.floor(time / MINUTE_MS) * MINUTE_MS;

/**
 * Records in the page, as the DOM changes, when the net-volume panel first shows each minute
 * (Date.now() in the browser, the same clock as the test's): `seenAt(page, minute)` reads it.
 */
export async function watchNetVolume(page: Page): Promise<void> {
  // A string: tsx would wrap a function's inner names in a helper the page does not have.
  await page.evaluate(`(() => {
    const seen = (window.optflowSeen = {});
    function check() {
      const panel = document.querySelector('[data-testid="optflow-live-net-volume"]');
      const frames = JSON.parse((panel && panel.getAttribute('data-frames')) || '[]');
      const times = (frames[0] && frames[0].fields[0] && frames[0].fields[0].values) || [];
      const now = Date.now();
      for (const t of times) if (seen[String(t)] === undefined) seen[String(t)] = now;
    }
    check();
    new MutationObserver(check).observe(document.body, { subtree: true, attributes: true, attributeFilter: ['data-frames'] });
  })()`);
}

/**
 * Resolves with the first truthy value of `expression` evaluated in the page every 50 ms (through
 * the DevTools protocol: waitForFunction would eval in the page, which its CSP forbids).
 */
export async function waitInPage<T>(page: Page, expression: string, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = (await page.evaluate(expression)) as T;
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting in the page for ${expression}`);
    await page.waitForTimeout(50);
  }
}

export const seenAt = (page: Page, minute: number, timeoutMs = 30_000) =>
  waitInPage<number>(page, `window.optflowSeen['${minute}']`, timeoutMs);
