/**
 * @jest-environment node
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { selectors } from '../src/components/selectors';
import { fixture } from './support/api-fixture';

/**
 * The preview page (preview/: the plugin's editors and a @grafana/ui time-series panel) served by
 * Vite against the real API, driven in Debian's Chromium. Screenshots go to test-artifacts/.
 */
const ARTIFACTS = join(__dirname, '..', 'test-artifacts');
const CHROMIUM = process.env.OPTFLOW_CHROMIUM ?? '/usr/bin/chromium';

interface Series {
  name: string;
  points: number;
  sum: number;
}

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });

let vite: ChildProcess;
let browser: Browser;
let page: Page;
let url: string;
const pageErrors: string[] = [];

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  const port = await freePort();
  url = `http://127.0.0.1:${port}/`;
  vite = spawn(
    process.execPath,
    [
      join(require.resolve('vite/package.json'), '..', 'bin', 'vite.js'),
      '--config',
      'preview/vite.config.mts',
      '--port',
      String(port),
      '--strictPort',
    ],
    {
      cwd: join(__dirname, '..'),
      env: {
        ...process.env,
        OPTFLOW_PREVIEW_API: fixture().api,
        OPTFLOW_PREVIEW_TOKEN: fixture().token,
        VITE_CONFIG_NATIVE_IGNORE_WARNING: 'true',
      },
      stdio: ['ignore', 'inherit', 'inherit'],
    }
  );
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(url)).ok) {
        break;
      }
    } catch {
      if (i > 300) {
        throw new Error(`vite did not serve ${url}`);
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  browser = await chromium.launch({
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
  page = await browser.newPage({ viewport: { width: 1100, height: 1100 } });
  page.on('pageerror', (error) => pageErrors.push(error.message));
}, 120_000);

afterAll(async () => {
  await browser?.close();
  vite?.kill('SIGTERM');
});

const series = async (): Promise<Series[]> =>
  JSON.parse((await page.getByTestId('optflow-preview-panel').getAttribute('data-series')) ?? '[]') as Series[];

async function seriesNamed(name: string): Promise<Series> {
  for (let i = 0; i < 200; i++) {
    const found = (await series()).find((s) => s.name === name);
    if (found) {
      return found;
    }
    await page.waitForTimeout(100);
  }
  throw new Error(`no series "${name}"; the panel shows ${JSON.stringify(await series())}`);
}

async function choose(testId: string, option: string) {
  await page.getByTestId(testId).click();
  await page.getByRole('option', { name: option, exact: true }).click();
}

test('the editors drive the panel: choosing metric and underlying changes the series', async () => {
  await page.goto(url);
  await page.getByTestId('optflow-preview-panel').waitFor({ timeout: 60_000 });
  const initial = await seriesNamed('SPX Net volume');
  expect(initial.points).toBeGreaterThan(60);
  // uPlot drew the series and the legend names it.
  await expect(page.locator('[data-testid="optflow-preview-panel"] canvas').count()).resolves.toBeGreaterThan(0);
  await expect(page.getByText('SPX Net volume', { exact: true }).first().isVisible()).resolves.toBe(true);
  await expect(page.getByTestId(selectors.config.apiUrl).inputValue()).resolves.toBe('http://optflow-api:3100');
  await page.screenshot({ path: join(ARTIFACTS, 'preview-net-volume.png'), fullPage: true });

  // The strike ladder beside it: a row per strike and the spot line.
  await expect(page.locator('[data-testid^="optflow-ladder-row-"]').count()).resolves.toBeGreaterThan(1);
  await expect(page.getByTestId('optflow-ladder-spot').isVisible()).resolves.toBe(true);
  await page.getByTestId('optflow-strike-ladder').screenshot({ path: join(ARTIFACTS, 'preview-strike-ladder.png') });

  await choose(selectors.query.metric, 'call premium');
  const premium = await seriesNamed('SPX Call premium');
  expect(premium.sum).toBeGreaterThan(0);
  expect(premium.sum).not.toBe(initial.sum);

  await choose(selectors.query.underlying, 'NDX');
  const ndx = await seriesNamed('NDX Call premium');
  expect(ndx.sum).not.toBe(premium.sum);
  await page.screenshot({ path: join(ARTIFACTS, 'preview-ndx-call-premium.png'), fullPage: true });
  expect(pageErrors).toEqual([]);
}, 120_000);
