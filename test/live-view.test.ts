import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Browser, Page, Request } from 'playwright-core';
import { testServerUrl } from '@optflow/db/testing';
import type { Child } from './src/processes.ts';
import {
  bucketOf,
  launchChromium,
  panelHasData,
  seenAt,
  waitInPage,
  startDemo,
  watchNetVolume,
  writeLateSnapshot,
} from './src/live-view.ts';

const ARTIFACTS = fileURLToPath(new URL('../test-artifacts/', import.meta.url));
/** The liveness bound, generous on a loaded machine (bench:e2e measures p50/p95). */
const LIVE_BOUND_MS = Number(process.env.OPTFLOW_LIVE_BOUND_MS ?? 1000);
const TOKEN = 'live-view-test-token';
const PANELS = {
  netVolume: 'optflow-live-net-volume',
  netPremium: 'optflow-live-net-premium',
  ladder: 'optflow-live-ladder',
  gex: 'optflow-live-gex',
  active: 'optflow-live-active',
};
/** Which of the page's queries each panel shows. */
const PANEL_QUERIES: Record<keyof typeof PANELS, string[]> = {
  netVolume: ['netVolume', 'cumulative', 'spot'],
  netPremium: ['netPremium'],
  ladder: ['ladder'],
  gex: ['gex'],
  active: ['active'],
};

interface PlainFrame {
  name?: string;
  fields: Array<{ name: string; values: unknown[] }>;
}
interface QueryBody {
  queries: Array<{ refId: string; cursor?: string }>;
  wait?: number;
}
interface QueryAnswer {
  results: Array<{ refId: string; reset: boolean; frames: PlainFrame[] }>;
}

const home = mkdtempSync(join(tmpdir(), 'optflow-live-view-'));
after(() => rmSync(home, { recursive: true, force: true }));

// Started as a new user does, on the embedded default; the server passes have nothing to add.
describe(
  'the live view of optflow start --demo, in Chromium (embedded)',
  { skip: testServerUrl() ? 'runs on the embedded database only (the suite runs it in the embedded pass)' : false },
  () => {
    let child: Child;
    let url: string;
    let data: string;
    let browser: Browser;
    before(async () => {
      mkdirSync(ARTIFACTS, { recursive: true });
      ({ child, url, data } = await startDemo(home, { OPTFLOW_API_TOKEN: TOKEN }));
      browser = await launchChromium();
    });
    after(async () => {
      await browser?.close();
      await child?.stop('SIGTERM');
    });

    const framesOf = async (page: Page, testId: string) =>
      JSON.parse((await page.getByTestId(testId).getAttribute('data-frames')) ?? '[]') as PlainFrame[];
    const plain = (frames: PlainFrame[]) =>
      frames.map((f) => ({ name: f.name, fields: f.fields.map((x) => ({ name: x.name, values: x.values })) }));

    test('prints the live view first; the static files are public, cached by content and under a strict CSP', async () => {
      assert.match(child.output().split('\n')[0]!, /^optflow: live view: http:\/\/127\.0\.0\.1:\d+\/ /);
      const page = await fetch(url);
      assert.equal(page.status, 200);
      assert.equal(page.headers.get('cache-control'), 'no-cache');
      assert.match(page.headers.get('content-security-policy') ?? '', /default-src 'none'; script-src 'self';/);
      const script = /src="(\/assets\/[^"]+\.js)"/.exec(await page.text())?.[1];
      assert.ok(script, 'the page loads its bundle from /assets/');
      const bundle = await fetch(new URL(script, url), { headers: { 'accept-encoding': 'gzip' } });
      assert.equal(bundle.status, 200);
      assert.equal(bundle.headers.get('cache-control'), 'public, max-age=31536000, immutable');
      const etag = bundle.headers.get('etag')!;
      assert.equal((await fetch(new URL(script, url), { headers: { 'if-none-match': etag } })).status, 304);
      assert.equal((await fetch(new URL('/assets/nothing.js', url))).status, 404);
      assert.equal((await fetch(new URL('/api/underlyings', url))).status, 401, 'the data still needs the token');
    });

    test("asks for the token once; every panel shows the API's answer; a new snapshot appears within 1 s of its commit through the long-poll, without re-querying history", async () => {
      const page = await browser.newPage({ viewport: { width: 1440, height: 1500 } });
      const problems: string[] = [];
      page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
      // 401s are the token prompt's business; anything else logged as an error is a problem.
      page.on('console', (m) => m.type() === 'error' && !/401/.test(m.text()) && problems.push(`console: ${m.text()}`));
      page.on('response', (r) => r.status() === 404 && problems.push(`404: ${r.url()}`));
      const requests: Request[] = [];
      page.on('request', (r) => requests.push(r));
      const answers: Array<{ request: Request; body: QueryAnswer }> = [];
      page.on('response', async (r) => {
        if (r.url().endsWith('/api/query') && r.status() === 200)
          answers.push({ request: r.request(), body: (await r.json()) as QueryAnswer });
      });
      await page.goto(`${url}?live=1`);

      // The token: asked for, a wrong one refused, the right one kept in this tab's session only.
      await page.getByTestId('optflow-token-input').fill('wrong');
      await page.getByRole('button', { name: 'Open the live view' }).click();
      await page.getByText('The API refused this token').waitFor();
      await page.getByTestId('optflow-token-input').fill(TOKEN);
      await page.getByRole('button', { name: 'Open the live view' }).click();
      for (const id of Object.values(PANELS)) await waitInPage(page, panelHasData(id));
      assert.deepEqual(
        await page.evaluate(`[sessionStorage.getItem('optflow-api-token'), localStorage.length, document.cookie]`),
        [TOKEN, 0, '']
      );
      assert.ok(
        requests
          .filter((r) => r.url().includes('/api/') && !r.url().endsWith('/api/health'))
          .slice(-3)
          .every((r) => r.headers().authorization === `Bearer ${TOKEN}`),
        'data calls carry the token'
      );

      // The page's first queries (flow and quotes: each live stream asks once, then long-polls),
      // asked again by the test: each panel shows exactly their answer.
      const plainOnes = answers
        .map((a) => JSON.parse(a.request.postData()!) as QueryBody)
        .filter((b) => b.queries.every((q) => q.cursor === undefined));
      assert.ok(
        plainOnes.length >= 1 && plainOnes.every((b) => b.wait === undefined),
        'the first queries are plain ones'
      );
      const answer: QueryAnswer = { results: [] };
      for (const body of plainOnes) {
        const replay = await fetch(new URL('/api/query', url), {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
          body: JSON.stringify(body),
        });
        answer.results.push(...((await replay.json()) as QueryAnswer).results);
      }
      for (const [panel, refIds] of Object.entries(PANEL_QUERIES) as Array<[keyof typeof PANELS, string[]]>) {
        const expected = refIds.flatMap((refId) => answer.results.find((r) => r.refId === refId)!.frames);
        assert.ok(
          expected.some((f) => f.fields.some((x) => x.values.length > 0)),
          `${panel}: the API has data for it`
        );
        assert.deepEqual(await framesOf(page, PANELS[panel]), plain(expected), `${panel} shows the API's answer`);
      }
      assert.ok(
        (await page.locator(`[data-testid="${PANELS.netVolume}"] canvas`).count()) > 0,
        'uPlot drew the net-volume chart'
      );
      assert.ok((await page.locator('[data-testid^="optflow-ladder-row-"]').count()) > 1, 'ladder rows');
      assert.ok((await page.getByTestId('optflow-gex-row').count()) > 1, 'GEX bars');
      assert.ok(
        (await page.getByTestId('optflow-gex-call-wall').count()) +
          (await page.getByTestId('optflow-gex-put-wall').count()) >
          0,
        'a GEX wall'
      );
      assert.match(
        (await page.getByTestId('optflow-live-freshness').textContent()) ?? '',
        /last snapshot 2023-05-19 16:00:00 ET, \d+ days ago/
      );
      // Years old: stale while the market is open (a weekday, 09:30-16:15 New York), not otherwise.
      const [weekday, hhmm] = new Intl.DateTimeFormat('en-US', {
        timeZone: 'America/New_York',
        weekday: 'short',
        hour: '2-digit',
        minute: '2-digit',
        hourCycle: 'h23',
      })
        .format(Date.now())
        .split(' ');
      const open = !['Sat', 'Sun'].includes(weekday!.replace(',', '')) && hhmm! >= '09:30' && hhmm! < '16:15';
      const stale = page.getByTestId('optflow-live-stale');
      assert.equal(await stale.count(), open ? 1 : 0, 'the stale badge during market hours only');
      if (open) assert.match((await stale.getAttribute('title')) ?? '', /^Stale: the latest snapshot is \d+ days old/);
      assert.deepEqual(
        requests.filter((r) => !r.url().startsWith(url)).map((r) => r.url()),
        [],
        'no third-party requests'
      );

      await page.screenshot({ path: join(ARTIFACTS, 'live-view.png'), fullPage: true });
      for (const [name, id] of Object.entries(PANELS))
        await page.getByTestId(id).screenshot({ path: join(ARTIFACTS, `live-view-${name}.png`) });

      // Live: a snapshot committed now reaches the panel through the held long-poll.
      await watchNetVolume(page);
      // The plain query answered, the long-poll is held (sent right after it).
      while (requests.filter((r) => r.url().endsWith('/api/query')).length < answers.length + 1)
        await page.waitForTimeout(50);
      const before = requests.length;
      const { time } = writeLateSnapshot(data, 1);
      assert.ok(
        !(await framesOf(page, PANELS.netVolume))[0]!.fields[0]!.values.includes(bucketOf(time)),
        'a minute the page did not have'
      );
      const [, loadedLine] = await child.waitFor(/loaded \S+late-01\.parquet: ([\d,]+) rows/, 60_000);
      const committedBy = Date.now(); // the loader prints after its commit
      assert.ok(Number(loadedLine!.replace(/,/g, '')) > 0);
      const visible = await seenAt(page, bucketOf(time));
      assert.ok(
        visible - committedBy <= LIVE_BOUND_MS,
        `visible ${visible - committedBy} ms after the commit was reported (bound ${LIVE_BOUND_MS} ms)`
      );

      // No full re-query: only long-polls that carry every cursor, and the answer that brought the
      // minute held the new bucket alone for the flow series.
      await page.waitForTimeout(300);
      const since = requests.slice(before).filter((r) => r.url().endsWith('/api/query'));
      // The next long-poll; one more at most if a held one timed out (25 s) meanwhile.
      assert.ok(since.length >= 1 && since.length <= 2, `${since.length} queries sent after the commit`);
      for (const r of since) {
        const sent = JSON.parse(r.postData()!) as QueryBody;
        assert.ok(
          sent.wait! > 0 && sent.queries.every((q) => typeof q.cursor === 'string'),
          'a long-poll with every cursor'
        );
      }
      const increment = answers.find((a) =>
        a.body.results.some((r) => r.refId === 'netVolume' && r.frames[0]?.fields[0]?.values.includes(bucketOf(time)))
      );
      assert.ok(increment, 'an answer brought the new minute');
      const carried = JSON.parse(increment.request.postData()!) as QueryBody;
      assert.ok(
        carried.wait! > 0 && carried.queries.every((q) => typeof q.cursor === 'string'),
        'the held long-poll brought it'
      );
      const netVolume = increment.body.results.find((r) => r.refId === 'netVolume')!;
      assert.equal(netVolume.reset, false);
      assert.ok(netVolume.frames[0]!.fields[0]!.values.length <= 2, 'the increment holds only the newest minutes');
      const shown = await framesOf(page, PANELS.netVolume);
      assert.ok(shown[0]!.fields[0]!.values.length > 300, 'the history is still held');
      assert.deepEqual(problems, []);
      await page
        .getByTestId(PANELS.netVolume)
        .screenshot({ path: join(ARTIFACTS, 'live-view-netVolume-after-commit.png') });

      // Asked once per tab session: a reload goes straight to the panels.
      await page.reload();
      await page.getByTestId(PANELS.netVolume).waitFor();
      assert.equal(await page.getByTestId('optflow-token-prompt').count(), 0);
      await page.close();
    });
  }
);
