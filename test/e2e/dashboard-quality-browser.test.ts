/**
 * The dashboard's quality panel in a real headless Chromium (Debian's `chromium`, driven by playwright-core),
 * on real traffic with shadow verdicts, ratings, a guardrail switch and an experiment (quality-traffic.ts).
 * Without Chromium the tests skip with a message on a laptop, and fail in CI (CI=true).
 * PENNY_SCREENSHOTS=1 also writes docs/screenshots/dashboard-quality.png.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type Browser, type Page, chromium } from 'playwright-core';
import { makeEntry } from '../../src/ledger/entry-fixtures.js';
import { wilson } from '../../src/quality/significance.js';
import { ADMIN_TOKEN, type QualityTraffic, startQualityTraffic } from './quality-traffic.js';

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const SCREENSHOTS = process.env.PENNY_SCREENSHOTS === '1' ? join(process.cwd(), 'docs', 'screenshots') : null;
const executablePath =
  (process.env.PENNY_CHROMIUM
    ? [process.env.PENNY_CHROMIUM]
    : ['/usr/bin/chromium', '/usr/bin/chromium-browser']
  ).find((c) => existsSync(c)) ?? null;
const MISSING =
  'Chromium not found (/usr/bin/chromium): install it with `apt-get install -y chromium` to run the dashboard browser tests';

function requireBrowser(t: { skip(msg: string): void }): boolean {
  if (executablePath) return true;
  if (process.env.CI === 'true') assert.fail(`CI=true: ${MISSING}`);
  t.skip(MISSING);
  return false;
}

/** The page's globals as these tests read them (test files compile without the DOM library). */
interface PageGlobals {
  document: {
    getElementById(id: string): {
      width: number;
      height: number;
      getContext(kind: '2d'): {
        getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray };
      };
    } | null;
  };
  pennyCharts: Record<
    string,
    {
      config: { type: string };
      data: { labels: string[]; datasets: Array<{ label: string; data: Array<number | null> }> };
    }
  >;
  pennyQuality: {
    bucket: string;
    series: Array<{ feature: string; tactic: string; points: Array<{ n: number }> }>;
  };
}

const MARKUP = '<img src=x onerror="globalThis.__pwned=1">';
const BLUE: [number, number, number] = [0x2f, 0x6f, 0xed];

function coloredPixels(page: Page, id: string, rgb: [number, number, number]): Promise<number> {
  return page.evaluate(
    ([canvasId, [r, g, b]]) => {
      const c = (globalThis as unknown as PageGlobals).document.getElementById(canvasId)!;
      const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let i = 0; i < d.length; i += 4)
        if (
          d[i + 3]! > 200 &&
          Math.abs(d[i]! - r) < 12 &&
          Math.abs(d[i + 1]! - g) < 12 &&
          Math.abs(d[i + 2]! - b) < 12
        )
          n++;
      return n;
    },
    [id, rgb] as const,
  );
}

describe('dashboard quality panel in headless Chromium', () => {
  let q: QualityTraffic;
  let browser: Browser | null = null;
  let page: Page;
  const offSite: string[] = [];
  const pageErrors: string[] = [];

  before(async () => {
    q = await startQualityTraffic({ adminToken: true });
    // A client-chosen feature name with markup, with savings and a verdict: the panel must show it as text.
    q.app.ledger.append(
      makeEntry({ id: 'req_markup_q', ts: Date.now(), feature: MARKUP, savings: { route: 1_000_000n } }),
    );
    await q.app.ledger.flush();
    await q.stores.evaluations.put({
      requestId: 'req_markup_q',
      evaluationId: null,
      ts: Date.now(),
      feature: MARKUP,
      tactic: 'route',
      arm: null,
      verdict: 'agree',
      method: 'structured',
      score: null,
      error: null,
    });
    if (executablePath) {
      browser = await chromium.launch({ executablePath, headless: true, args: CHROMIUM_ARGS });
      page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
      page.on('request', (r) => {
        if (!r.url().startsWith(q.app.url) && !r.url().startsWith('data:')) offSite.push(r.url());
      });
      page.on('pageerror', (e) => pageErrors.push(e.message));
    }
  });
  after(async () => {
    await browser?.close();
    await q.close();
  });

  test('the quality API is admin-guarded and names a bad parameter', async () => {
    const url = `${q.app.url}/dashboard/api/quality?since=7d`;
    assert.equal((await fetch(url)).status, 401);
    assert.equal(
      (await fetch(url, { headers: { authorization: 'Bearer client-token-0123456789abcdef' } })).status,
      401,
      'a client token does not open it',
    );
    const ok = await fetch(url, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    assert.equal(ok.status, 200);
    const doc = (await ok.json()) as { tactics: Array<{ tactic: string; savings: string }> };
    assert.match(
      doc.tactics.find((t) => t.tactic === 'route')!.savings,
      /^0\.\d+$/,
      'money as exact decimals',
    );
    const bad = await fetch(`${url}&bucket=week`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    assert.equal(bad.status, 400);
    assert.deepEqual(((await bad.json()) as { error: { param: string } }).error.param, 'bucket');
  });

  test('retention over time, savings beside quality, the guardrail and the experiment verdict', async (t) => {
    if (!requireBrowser(t)) return;
    await page.goto(`${q.app.url}/dashboard?token=${ADMIN_TOKEN}`);
    await page.waitForSelector('body[data-state="ready"]');

    // The retention chart: one point per day (19/20, 17/20, 6/10) with its Wilson band.
    const chart = await page.evaluate(() => {
      const ch = (globalThis as unknown as PageGlobals).pennyCharts['chart-retention']!;
      return {
        type: ch.config.type,
        labels: ch.data.labels,
        datasets: ch.data.datasets.map((d) => ({ label: d.label, data: d.data })),
      };
    });
    assert.equal(chart.type, 'line');
    assert.equal(chart.labels.length, 4, 'every day from the first verdict to today, gaps included');
    const rate = chart.datasets.find((d) => d.label === 'math · route')!;
    assert.deepEqual(rate.data, [95, 85, null, 60]);
    const lower = chart.datasets.find((d) => d.label === 'math · route lower')!;
    assert.ok(Math.abs(lower.data[3]! - wilson(6, 10).lower * 100) < 1e-9);
    assert.ok((await coloredPixels(page, 'chart-retention', BLUE)) > 150, 'the retention line is drawn');

    // Savings beside retention, the floor and the guardrail's state, per feature and tactic.
    const route =
      (await page.textContent('#quality-table tbody tr[data-feature="math"][data-tactic="route"]')) ?? '';
    for (const part of ['84.0%', '71.5%–91.7%', '50', '50.0%', 'shadow — off', '60.0% (23.1%–88.2%)'])
      assert.ok(route.includes(part), `${part} in "${route}"`);
    assert.match(route, /\$0\.\d+/);
    const none = (await page.textContent('#quality-table tbody tr[data-tactic="(none)"]')) ?? '';
    assert.match(none, /80\.0% \(37\.6%–96\.4%\)/);
    assert.equal(await page.getAttribute('#switches-table tbody tr', 'data-mode'), 'shadow');
    assert.match((await page.textContent('#switches-table tbody tr')) ?? '', /6 \/ 7.*48\.7%.*50\.0%/);

    // The experiment: arms with cost per request, ratings, retention, and the verdict sentence.
    const verdict = (await page.textContent('.experiment[data-experiment="cheap-v1"] .verdict')) ?? '';
    assert.match(
      verdict,
      /^treatment is \d+% cheaper, quality not significantly different \(ratings 60\.0% vs 80\.0%, p = 0\.49; agreement with control's answers as sent 60\.0%, 95% CI 31\.3%–83\.2%\), n = 20$/,
    );
    assert.match((await page.textContent('.experiment tr[data-arm="control"]')) ?? '', /as sent/);
    assert.match(
      (await page.textContent('.experiment tr[data-arm="treatment"]')) ?? '',
      /60\.0% \(31\.3%–83\.2%\)/,
    );
    const arms = await page.evaluate(
      () => (globalThis as unknown as PageGlobals).pennyCharts['chart-arms']!.data.labels,
    );
    assert.deepEqual(arms, ['cheap-v1 / control', 'cheap-v1 / treatment']);

    // Markup in a feature name is text: shown literally, no element made from it, nothing run.
    const markup = await page.evaluate((name) => {
      const g = globalThis as unknown as {
        __pwned?: number;
        document: {
          querySelectorAll(s: string): ArrayLike<{ textContent: string | null }>;
        };
      };
      const rows = Array.from(g.document.querySelectorAll('#quality-table tbody tr')).map(
        (r) => r.textContent ?? '',
      );
      return {
        pwned: g.__pwned ?? null,
        shown: rows.some((r) => r.includes(name)),
        images: g.document.querySelectorAll('#quality img').length,
      };
    }, MARKUP);
    assert.deepEqual(markup, { pwned: null, shown: true, images: 0 });

    assert.deepEqual(offSite, [], 'no request leaves the gateway');
    assert.deepEqual(pageErrors, []);
    if (SCREENSHOTS) {
      mkdirSync(SCREENSHOTS, { recursive: true });
      await page.locator('#quality').screenshot({ path: join(SCREENSHOTS, 'dashboard-quality.png') });
    }
  });

  test('a short range shows retention per hour', async (t) => {
    if (!requireBrowser(t)) return;
    const before = Number(await page.getAttribute('body', 'data-loads'));
    await page.click('button[data-since="24h"]');
    await page.waitForSelector(`body[data-loads="${before + 1}"][data-state="ready"]`);
    const doc = await page.evaluate(() => {
      const g = (globalThis as unknown as PageGlobals).pennyQuality;
      return {
        bucket: g.bucket,
        n: g.series
          .find((s) => s.feature === 'math' && s.tactic === 'route')!
          .points.reduce((a, p) => a + p.n, 0),
      };
    });
    assert.deepEqual(doc, { bucket: 'hour', n: 10 }, 'only the live verdicts, bucketed by hour');
    assert.deepEqual(pageErrors, []);
  });
});
