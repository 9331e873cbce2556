/**
 * The dashboard shows the batch saving like the other tactics, in a real headless Chromium (Debian's
 * `chromium`, driven by playwright-core). The saving comes from real traffic through the gateway: a
 * micro-batch, a request deferred to the Batch API, and a client's own batch through the pass-through.
 * Without Chromium the test skips with a message on a laptop, and fails in CI (CI=true).
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import OpenAI, { toFile } from 'openai';
import { type Browser, type Page, chromium } from 'playwright-core';
import { moneyToDecimal } from '../../src/core/money.js';
import { type Harness, startHarness } from './harness.js';

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const executablePath = [process.env.PENNY_CHROMIUM ?? '/usr/bin/chromium'].find((c) => existsSync(c)) ?? null;
const MISSING =
  'Chromium not found (/usr/bin/chromium): install it with `apt-get install -y chromium` to run the dashboard browser tests';

const SYSTEM = `Classify the ticket as billing, bug or other. ${'Billing covers refunds, invoices and plans; bugs cover crashes. '.repeat(12)}`;

interface PageGlobals {
  pennyOverview: { savingsByTactic: Array<{ tactic: string; amount: string }>; totals: { savings: string } };
  pennyCharts: Record<
    string,
    { data: { datasets: Array<{ label: string; data: number[]; backgroundColor: string }> } }
  >;
  document: {
    getElementById(id: string): {
      width: number;
      height: number;
      getContext(kind: '2d'): {
        getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray };
      };
    } | null;
  };
}

describe('dashboard: the batch saving beside the other tactics (headless Chromium)', () => {
  let h: Harness;
  let browser: Browser | null = null;
  let page: Page;
  let batchSaving = 0n;
  const pageErrors: string[] = [];

  before(async () => {
    h = await startHarness({
      config: {
        features: {
          tickets: { batch: { maxItems: 3, maxWaitMs: 5000 } },
          nightly: { defer: 'batch' },
        },
        batchJobs: { submitEveryMs: 20, pollEveryMs: 20 },
      },
    });
    const client = new OpenAI({
      apiKey: 'sk-dashboard-batch-client-0123456789',
      baseURL: `${h.app.url}/v1`,
      maxRetries: 0,
    });
    // A micro-batch of three.
    await Promise.all(
      ['refund please', 'the app crashes', 'hello'].map((t) =>
        client.chat.completions.create(
          {
            model: 'gpt-4o-mini',
            messages: [
              { role: 'system', content: SYSTEM },
              { role: 'user', content: t },
            ],
          },
          { headers: { 'x-penny-feature': 'tickets' } },
        ),
      ),
    );
    // A deferred request, answered through the Batch API.
    const queued = (await client.chat.completions.create(
      { model: 'gpt-4o', messages: [{ role: 'user', content: 'summarise the night #fake:words=40' }] },
      { headers: { 'x-penny-feature': 'nightly' } },
    )) as unknown as { id: string };
    for (let i = 0; i < 400; i++) {
      const r = await fetch(`${h.app.url}/v1/penny/jobs/${queued.id}`, {
        headers: { authorization: 'Bearer sk-dashboard-batch-client-0123456789' },
      });
      if (((await r.json()) as { status: string }).status === 'completed') break;
      await new Promise((r) => setTimeout(r, 25));
    }
    // A client's own batch through the pass-through, its results downloaded.
    const file = await client.files.create({
      file: await toFile(
        Buffer.from(
          JSON.stringify({
            custom_id: 'own-1',
            method: 'POST',
            url: '/v1/chat/completions',
            body: { model: 'gpt-4o', messages: [{ role: 'user', content: 'own batch #fake:words=60' }] },
          }),
        ),
        'own.jsonl',
      ),
      purpose: 'batch',
    });
    const b = await client.batches.create({
      input_file_id: file.id,
      endpoint: '/v1/chat/completions',
      completion_window: '24h',
    });
    const done = await client.batches.retrieve(b.id);
    await (await client.files.content(done.output_file_id!)).text();

    const entries = await h.entries();
    const kinds = new Set<string>();
    for (const e of entries) {
      if (e.savings.batch === undefined) continue;
      batchSaving += e.savings.batch;
      if (e.meta?.batch) kinds.add('micro');
      if (e.meta?.defer) kinds.add('defer');
      if (e.meta?.batchPassthrough) kinds.add('passthrough');
    }
    assert.deepEqual(
      [...kinds].sort(),
      ['defer', 'micro', 'passthrough'],
      'all three kinds of batching booked',
    );
    assert.ok(batchSaving > 0n);
    if (executablePath) {
      browser = await chromium.launch({ executablePath, headless: true, args: CHROMIUM_ARGS });
      page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
      page.on('pageerror', (e) => pageErrors.push(e.message));
    }
  });
  after(async () => {
    await browser?.close();
    await h?.close();
  });

  test('"Savings by tactic" has a batch series with exactly the ledger\'s batch saving, drawn', async (t) => {
    if (!executablePath) {
      if (process.env.CI === 'true') assert.fail(`CI=true: ${MISSING}`);
      t.skip(MISSING);
      return;
    }
    const res = await page.goto(`${h.app.url}/dashboard`);
    assert.equal(res?.status(), 200);
    await page.waitForSelector('body[data-state="ready"]');
    const seen = await page.evaluate(() => {
      const g = globalThis as unknown as PageGlobals;
      const tactic = g.pennyOverview.savingsByTactic.find((x) => x.tactic === 'batch');
      const set = g.pennyCharts['chart-savings']?.data.datasets.find((d) => d.label === 'batch');
      return {
        amount: tactic?.amount ?? null,
        series: set ? set.data.reduce((s, v) => s + Number(v), 0) : null,
        color: set?.backgroundColor ?? null,
      };
    });
    assert.equal(seen.amount, moneyToDecimal(batchSaving), 'overview: the batch saving, exact');
    assert.ok(seen.series !== null, 'a "batch" series in the savings chart');
    assert.ok(Math.abs(seen.series - Number(moneyToDecimal(batchSaving))) < 1e-9, `series ${seen.series}`);
    assert.ok(seen.color, 'the series has a colour');
    // Its bars are on the canvas: pixels of the series' colour.
    const drawn = await page.evaluate((color) => {
      const g = globalThis as unknown as PageGlobals;
      const c = g.document.getElementById('chart-savings')!;
      const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})/i.exec(color);
      const rgb = m
        ? [Number.parseInt(m[1]!, 16), Number.parseInt(m[2]!, 16), Number.parseInt(m[3]!, 16)]
        : (color.match(/\d+/g) ?? []).slice(0, 3).map(Number);
      const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let i = 0; i < d.length; i += 4)
        if (
          d[i + 3]! > 200 &&
          Math.abs(d[i]! - rgb[0]!) < 12 &&
          Math.abs(d[i + 1]! - rgb[1]!) < 12 &&
          Math.abs(d[i + 2]! - rgb[2]!) < 12
        )
          n++;
      return n;
    }, seen.color!);
    assert.ok(drawn > 50, `batch bars drawn (${drawn} pixels)`);
    assert.match((await page.textContent('#kpi-savings')) ?? '', /\$/);
    assert.deepEqual(pageErrors, []);
  });
});
