/**
 * The dashboard in a real headless Chromium (Debian's `chromium`, driven by playwright-core; nothing is
 * ever downloaded). Without Chromium the tests skip with a message on a laptop, and fail in CI (CI=true).
 * PENNY_SCREENSHOTS=1 also writes the screenshots in docs/screenshots/.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import { type Browser, type Page, chromium } from 'playwright-core';
import type { LedgerEntry } from '../../src/core/ledger-entry.js';
import { demoEntries } from '../../src/dashboard/demo-entries.js';
import { ANTHROPIC_KEY, type Harness, OPENAI_KEY, startHarness } from './harness.js';

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const ADMIN_TOKEN = 'dashboard-admin-token-0123456789';
const SCREENSHOTS = process.env.PENNY_SCREENSHOTS === '1' ? join(process.cwd(), 'docs', 'screenshots') : null;

/** PENNY_CHROMIUM, when set, is the only candidate; otherwise Debian's usual paths. */
function findChromium(): string | null {
  const given = process.env.PENNY_CHROMIUM;
  const candidates = given ? [given] : ['/usr/bin/chromium', '/usr/bin/chromium-browser'];
  return candidates.find((c) => existsSync(c)) ?? null;
}

const executablePath = findChromium();
const MISSING =
  'Chromium not found (/usr/bin/chromium): install it with `apt-get install -y chromium` to run the dashboard browser tests';
if (!executablePath && process.env.CI !== 'true')
  console.warn(`SKIPPING dashboard browser tests: ${MISSING}`);

/** Skips on a laptop without Chromium; fails loudly in CI. Returns false when the test must stop. */
function requireBrowser(t: { skip(msg: string): void }): boolean {
  if (executablePath) return true;
  if (process.env.CI === 'true') assert.fail(`CI=true: ${MISSING}`);
  t.skip(MISSING);
  return false;
}

async function launch(): Promise<Browser | null> {
  if (!executablePath) return null;
  return chromium.launch({ executablePath, headless: true, args: CHROMIUM_ARGS });
}

/** The page's globals as these tests read them (test files compile without the DOM library). */
interface PageGlobals {
  document: {
    getElementById(id: string): PageElement | null;
  };
  pennyCharts: Record<string, PageChart>;
  pennyOverview: { totals: { requests: number; cost: string }; days: unknown[] };
}
interface PageElement {
  textContent: string | null;
  width: number;
  height: number;
  scrollIntoView(o: { block: 'start' }): void;
  getContext(kind: '2d'): {
    getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray };
  };
}
interface PageChart {
  config: { type: string };
  data: { labels: string[]; datasets: Array<{ data: number[] }> };
  getDatasetMeta(i: number): { data: Array<{ x: number; y: number; base: number }> };
}

/** Colored pixels of `rgb` (±12 per channel) drawn on a canvas: data, not just axes and grid lines. */
function coloredPixels(page: Page, id: string, rgb: [number, number, number]): Promise<number> {
  return page.evaluate(
    ([canvasId, [r, g, b]]) => {
      const c = (globalThis as unknown as PageGlobals).document.getElementById(canvasId)!;
      const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let i = 0; i < d.length; i += 4) {
        if (
          d[i + 3]! > 200 &&
          Math.abs(d[i]! - r) < 12 &&
          Math.abs(d[i + 1]! - g) < 12 &&
          Math.abs(d[i + 2]! - b) < 12
        )
          n++;
      }
      return n;
    },
    [id, rgb] as const,
  );
}

interface ChartSummary {
  type: string;
  labels: number;
  datasets: number;
  nonZero: number;
}

function chartSummaries(page: Page): Promise<Record<string, ChartSummary>> {
  return page.evaluate(() => {
    const out: Record<string, { type: string; labels: number; datasets: number; nonZero: number }> = {};
    const charts = (globalThis as unknown as PageGlobals).pennyCharts;
    for (const [id, ch] of Object.entries(charts)) {
      out[id] = {
        type: ch.config.type,
        labels: ch.data.labels.length,
        datasets: ch.data.datasets.length,
        nonZero: ch.data.datasets.reduce((s, d) => s + d.data.filter((v) => Number(v) > 0).length, 0),
      };
    }
    return out;
  });
}

const BLUE: [number, number, number] = [0x2f, 0x6f, 0xed];

describe('dashboard in headless Chromium', () => {
  let h: Harness;
  let browser: Browser | null;
  let page: Page;
  let seeded: LedgerEntry[];
  const offSite: string[] = [];
  const pageErrors: string[] = [];

  before(async () => {
    h = await startHarness();
    const now = Date.now();
    seeded = demoEntries({ now });
    for (const e of seeded) h.app.ledger.append(e);
    // And one real request through the gateway.
    const client = new OpenAI({ apiKey: 'penny', baseURL: `${h.app.url}/v1`, maxRetries: 0 });
    await client.chat.completions.create(
      { model: 'gpt-4o', messages: [{ role: 'user', content: 'hello #fake:words=4' }] },
      { headers: { 'x-penny-feature': 'live-check', 'x-penny-user': 'u_ana' } },
    );
    await h.entries();
    browser = await launch();
    if (browser) {
      page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
      page.on('request', (r) => {
        if (!r.url().startsWith(h.app.url) && !r.url().startsWith('data:')) offSite.push(r.url());
      });
      page.on('pageerror', (e) => pageErrors.push(e.message));
    }
  });
  after(async () => {
    await browser?.close();
    await h.close();
  });

  test('the charts render with data, served entirely by the gateway', async (t) => {
    if (!requireBrowser(t)) return;
    const res = await page.goto(`${h.app.url}/dashboard`);
    assert.equal(res?.status(), 200);
    await page.waitForSelector('body[data-state="ready"]');
    const charts = await chartSummaries(page);
    for (const id of [
      'chart-spend',
      'chart-savings',
      'chart-features',
      'chart-models',
      'chart-users',
      'chart-distribution',
      'chart-tokens',
      'chart-cache',
    ]) {
      assert.ok(charts[id], `${id} exists`);
      assert.ok(charts[id]!.nonZero > 0, `${id} has data: ${JSON.stringify(charts[id])}`);
    }
    assert.equal(charts['chart-spend']!.labels, 31, '30 days back to today');
    assert.ok(charts['chart-savings']!.datasets >= 4, 'one stacked series per tactic');
    assert.ok(charts['chart-features']!.labels >= 6, 'every feature, including (none) and live-check');
    // The pixels: the spend line and the first feature bar are drawn in the first palette colour.
    assert.ok((await coloredPixels(page, 'chart-spend', BLUE)) > 400, 'spend line drawn');
    assert.ok((await coloredPixels(page, 'chart-features', BLUE)) > 2000, 'feature bars drawn');
    assert.ok((await coloredPixels(page, 'chart-distribution', BLUE)) > 2000, 'doughnut drawn');

    // The KPIs and tables show the unpriced model, the budgets message, the cascade rate.
    assert.match((await page.textContent('#kpi-unpriced')) ?? '', /unpriced request/);
    assert.match((await page.textContent('#budgets')) ?? '', /no budgets configured/);
    assert.match((await page.textContent('#kpi-cascade-note')) ?? '', /of \d+ cascaded/);
    const topRows = await page.$$eval('#top-table tbody tr', (rows) => rows.length);
    assert.equal(topRows, 20);
    const featureRow = await page.textContent('#features-table tbody tr[data-feature="search-rerank"]');
    assert.match(featureRow ?? '', /unpriced/);

    assert.deepEqual(offSite, [], 'no request leaves the gateway (no CDN)');
    assert.deepEqual(pageErrors, []);
    const html = await page.content();
    for (const secret of [OPENAI_KEY, ANTHROPIC_KEY]) assert.equal(html.includes(secret), false);
    if (SCREENSHOTS) {
      mkdirSync(SCREENSHOTS, { recursive: true });
      await page.screenshot({ path: join(SCREENSHOTS, 'dashboard.png'), fullPage: true });
    }
  });

  test('drill-down from a feature lists its requests (table row and chart bar)', async (t) => {
    if (!requireBrowser(t)) return;
    await page.click('#features-table tbody tr[data-feature="support-chat"]');
    await page.waitForSelector('#drill[data-state="ready"][data-feature="support-chat"]');
    const ids = await page.$$eval('#drill-table tbody tr[data-request-id]', (rows) =>
      rows.map((r) => r.getAttribute('data-request-id') ?? ''),
    );
    const byId = new Map(seeded.map((e) => [e.id, e]));
    const inRange = seeded.filter((e) => e.feature === 'support-chat');
    assert.equal(ids.length, Math.min(200, inRange.length));
    for (const id of ids) assert.equal(byId.get(id)?.feature, 'support-chat', id);
    assert.match((await page.textContent('#drill-summary')) ?? '', /requests · \$/);
    if (SCREENSHOTS) {
      await page.evaluate(() =>
        (globalThis as unknown as PageGlobals).document
          .getElementById('drill')!
          .scrollIntoView({ block: 'start' }),
      );
      const box = (await page.locator('#drill').boundingBox())!;
      const clip = { x: box.x, y: box.y, width: box.width, height: Math.min(box.height, 560) };
      await page.screenshot({ path: join(SCREENSHOTS, 'dashboard-drilldown.png'), clip });
    }

    // Clicking the bar of a feature in the chart opens that feature.
    await page.locator('#chart-features').scrollIntoViewIfNeeded();
    const target = await page.evaluate(() => {
      const ch = (globalThis as unknown as PageGlobals).pennyCharts['chart-features']!;
      const i = ch.data.labels.indexOf('summarize');
      const bar = ch.getDatasetMeta(0).data[i]!;
      return { x: (bar.x + bar.base) / 2, y: bar.y };
    });
    const box = (await page.locator('#chart-features').boundingBox())!;
    await page.mouse.click(box.x + target.x, box.y + target.y);
    await page.waitForSelector('#drill[data-state="ready"][data-feature="summarize"]');
    const first = await page.getAttribute('#drill-table tbody tr[data-request-id]', 'data-request-id');
    assert.equal(byId.get(first!)?.feature, 'summarize');
  });

  test('the time-range filter changes the numbers', async (t) => {
    if (!requireBrowser(t)) return;
    const read = () =>
      page.evaluate(() => {
        const g = globalThis as unknown as PageGlobals;
        const ov = g.pennyOverview;
        return {
          requests: ov.totals.requests,
          cost: ov.totals.cost,
          days: ov.days.length,
          shown: g.document.getElementById('kpi-requests')!.textContent,
        };
      });
    const loads = async () => Number(await page.getAttribute('body', 'data-loads'));
    const month = await read();
    assert.equal(month.requests, seeded.length + 1);
    assert.equal(month.shown, month.requests.toLocaleString('en-US'));

    let before = await loads();
    await page.click('button[data-since="24h"]');
    await page.waitForSelector(`body[data-loads="${before + 1}"][data-state="ready"]`);
    const day = await read();
    assert.ok(
      day.requests > 0 && day.requests < month.requests,
      `24h ${day.requests} < 30d ${month.requests}`,
    );
    assert.notEqual(day.cost, month.cost);
    assert.equal(day.shown, day.requests.toLocaleString('en-US'));
    assert.ok(day.days <= 2);
    const drillIds = await page.$$eval('#drill-table tbody tr[data-request-id]', (rows) => rows.length);
    assert.ok(drillIds < 200, 'the open drill-down follows the range');

    // A custom range with no traffic shows zeros gracefully.
    before = await loads();
    await page.fill('#custom-range input[name="from"]', '2020-01-01');
    await page.fill('#custom-range input[name="to"]', '2020-01-07');
    await page.click('#custom-range button[type="submit"]');
    await page.waitForSelector(`body[data-loads="${before + 1}"][data-state="ready"]`);
    const empty = await read();
    assert.equal(empty.requests, 0);
    assert.equal(empty.days, 7);
    assert.equal(await page.textContent('#kpi-cost'), '$0.00');
    assert.match((await page.textContent('#cache-note')) ?? '', /No cache hits yet/);
    assert.deepEqual(pageErrors, []);
  });
});

describe('dashboard sign-in in headless Chromium (gateway beyond loopback)', () => {
  let h: Harness;
  let browser: Browser | null;
  let base: string;
  before(async () => {
    h = await startHarness({
      config: {
        server: {
          host: '0.0.0.0',
          port: 0,
          authTokens: { app: 'client-token-0123456789abcdef' },
          adminToken: ADMIN_TOKEN,
        },
      },
    });
    base = h.app.url.replace('0.0.0.0', '127.0.0.1');
    for (const e of demoEntries({ now: Date.now(), days: 3 })) h.app.ledger.append(e);
    await h.app.ledger.flush();
    browser = await launch();
  });
  after(async () => {
    await browser?.close();
    await h.close();
  });

  test('the page asks for the admin token; signing in opens the dashboard with an HttpOnly cookie', async (t) => {
    if (!requireBrowser(t)) return;
    const context = await browser!.newContext({ viewport: { width: 1000, height: 700 } });
    const page = await context.newPage();
    const res = await page.goto(`${base}/dashboard`);
    assert.equal(res?.status(), 401);
    assert.match((await page.textContent('#login-message')) ?? '', /admin token required/);
    const api = await page.evaluate(async () => (await fetch('/dashboard/api/overview')).status);
    assert.equal(api, 401, 'the API refuses too');
    if (SCREENSHOTS) await page.screenshot({ path: join(SCREENSHOTS, 'dashboard-sign-in.png') });

    await page.fill('#token', 'not-the-admin-token-000');
    await page.click('button[type="submit"]');
    assert.match((await page.textContent('#login-message')) ?? '', /not the admin token/);

    await page.fill('#token', ADMIN_TOKEN);
    await page.click('button[type="submit"]');
    await page.waitForSelector('body[data-state="ready"]');
    assert.equal(page.url(), `${base}/dashboard`, 'the token is not left in the address bar');
    const charts = await chartSummaries(page);
    assert.ok(charts['chart-spend']!.nonZero > 0);
    const [cookie] = await context.cookies();
    assert.equal(cookie?.httpOnly, true);
    assert.equal(cookie?.value.includes(ADMIN_TOKEN), false);
    await context.close();
  });
});
