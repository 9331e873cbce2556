/**
 * Markup in client-supplied names (feature, user, model) is rendered inert by the dashboard, checked in a
 * real headless Chromium (Debian's; nothing downloaded): the text shows literally, no element is created
 * from it, no handler runs.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { chromium } from 'playwright-core';
import { makeEntry } from '../../src/ledger/entry-fixtures.js';
import { type Harness, startHarness } from './harness.js';

const EXECUTABLE = process.env.PENNY_CHROMIUM ?? '/usr/bin/chromium';
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const FEATURE = '<img src=x onerror="globalThis.__pwned=1">';
const USER = '<script>globalThis.__pwned=2</script>';
const MODEL = '"><svg onload="globalThis.__pwned=3">';

describe('dashboard: markup in names is inert', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
    const now = Date.now();
    for (let i = 0; i < 5; i++)
      h.app.ledger.append(
        makeEntry({
          id: `req_markup_${i}`,
          ts: now - i * 60_000,
          feature: FEATURE,
          user: USER,
          servedModel: MODEL,
          requestedModel: MODEL,
        }),
      );
    // And one through the gateway, with the markup in the attribution headers.
    await fetch(`${h.app.url}/v1/chat/completions`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-penny-feature': FEATURE,
        'x-penny-user': 'u<b>bold</b>',
      },
      body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
    });
    await h.entries();
  });
  after(async () => {
    await h.close();
  });

  test('overview, tables and drill-down show the names as text and run nothing', async (t) => {
    if (!existsSync(EXECUTABLE)) {
      if (process.env.CI === 'true') assert.fail(`CI=true: Chromium not found at ${EXECUTABLE}`);
      t.skip(`Chromium not found at ${EXECUTABLE}: apt-get install -y chromium`);
      return;
    }
    const browser = await chromium.launch({ executablePath: EXECUTABLE, headless: true, args: ARGS });
    try {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(`${h.app.url}/dashboard`);
      await page.waitForSelector('body[data-state="ready"]');
      const row = page.locator('#features-table tbody tr', { hasText: 'onerror' }).first();
      await row.click();
      await page.waitForSelector('#drill[data-state="ready"]');
      const state = await page.evaluate(() => {
        const g = globalThis as unknown as {
          __pwned?: number;
          document: { querySelectorAll(s: string): { length: number }; body: { textContent: string } };
        };
        return {
          pwned: g.__pwned ?? null,
          injected: g.document.querySelectorAll('img[onerror], svg[onload], script:not([src]), b').length,
          text: g.document.body.textContent,
        };
      });
      assert.equal(state.pwned, null, 'no injected handler ran');
      assert.equal(state.injected, 0, 'no element was created from a name');
      assert.ok(state.text.includes('<img src=x onerror='), 'the feature name is shown literally');
      assert.deepEqual(errors, []);
    } finally {
      await browser.close();
    }
  });
});
