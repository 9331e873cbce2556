/**
 * The micro-batch's shared call goes through the same checks as any upstream call: each item's budget
 * reserves before the call and settles to the item's share after; the target's circuit breaker refuses the
 * call while open.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import type { LedgerEntry } from '../../src/core/ledger-entry.js';
import { moneyToDecimal } from '../../src/core/money.js';
import { type Harness, startHarness } from './harness.js';

const SYSTEM = `Classify the ticket as billing, bug or other. ${'Billing covers refunds and invoices. '.repeat(10)}`;

describe('micro-batching under budgets and the circuit breaker', () => {
  let h: Harness;
  let openai: OpenAI;
  const chatCalls = () => h.fake.requests.filter((r) => r.path.endsWith('/chat/completions'));
  const ask = (text: string, feature: string, model = 'gpt-4o-mini') =>
    openai.chat.completions.create(
      {
        model,
        max_tokens: 50,
        messages: [
          { role: 'system', content: SYSTEM },
          { role: 'user', content: text },
        ],
      },
      { headers: { 'x-penny-feature': feature } },
    );
  const batchOf = (e: LedgerEntry) => e.meta?.batch as { status: string; reason?: string; callId?: string };

  before(async () => {
    h = await startHarness({
      config: {
        circuitBreaker: { enabled: true, failureThreshold: 1, coolDownMs: 600_000 },
        features: {
          broke: { batch: { maxItems: 3, maxWaitMs: 2000 } },
          roomy: { batch: { maxItems: 3, maxWaitMs: 2000 } },
          tripped: { batch: { maxItems: 3, maxWaitMs: 2000 } },
        },
        governance: {
          budgets: [
            // One item's worst case (50 output tokens on gpt-4o-mini) is far above a millionth of a dollar.
            { name: 'tiny', match: { feature: 'broke' }, limit: 0.000001, window: 'day' },
            { name: 'room', match: { feature: 'roomy' }, limit: 10, window: 'day' },
          ],
        },
      },
    });
    openai = new OpenAI({ apiKey: 'penny', baseURL: `${h.app.url}/v1`, maxRetries: 0 });
  });
  after(() => h?.close());

  test('a reject budget that cannot hold the items blocks the shared call: 429s, nothing sent', async () => {
    const before = chatCalls().length;
    const results = await Promise.allSettled([
      ask('refund please', 'broke'),
      ask('app crashes', 'broke'),
      ask('hello', 'broke'),
    ]);
    for (const r of results) {
      assert.equal(r.status, 'rejected');
      const e = (r as PromiseRejectedResult).reason;
      assert.ok(e instanceof OpenAI.APIError);
      assert.equal(e.status, 429);
      assert.match(e.message, /tiny/);
    }
    assert.equal(chatCalls().length, before, 'no upstream call');
    const refused = (await h.entries()).filter((e) => e.feature === 'broke');
    assert.equal(refused.length, 3);
    for (const e of refused) {
      assert.equal(e.errorClass, 'budget_exceeded');
      assert.equal(batchOf(e)?.reason, 'budget');
    }
  });

  test('a budget that holds them: one shared call, each item settles its share on the budget', async () => {
    const before = chatCalls().length;
    const answers = await Promise.all([ask('refund', 'roomy'), ask('crash', 'roomy'), ask('hi', 'roomy')]);
    assert.equal(answers.length, 3);
    assert.equal(chatCalls().length, before + 1, 'one shared call');
    const items = (await h.entries()).filter((e) => e.feature === 'roomy');
    assert.equal(items.length, 3);
    assert.ok(items.every((e) => batchOf(e)?.status === 'answered'));
    const total = items.reduce((s, e) => s + e.cost!, 0n);
    assert.ok(total > 0n);
    // Settled to the shares (rounded up to whole nano-dollars per item), nothing left reserved.
    let row: { spent: string; reserved: string } | undefined;
    for (let i = 0; i < 100; i++) {
      row = (await h.app.governance.rows()).find((r) => r.name === 'room');
      if (row && Number(row.reserved) === 0 && Number(row.spent) > 0) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.equal(Number(row?.reserved), 0);
    const spent = Number(row?.spent);
    const exact = Number(moneyToDecimal(total));
    assert.ok(spent >= exact && spent <= exact + 3e-9, `spent ${spent} vs shares ${exact}`);
  });

  test('an open circuit refuses the shared call: each item gets the 503 a call of its own gets', async () => {
    // One failure opens gpt-4o's circuit (failureThreshold 1); the batch then never reaches the provider.
    await assert.rejects(
      openai.chat.completions.create({
        model: 'gpt-4o',
        messages: [{ role: 'user', content: 'x #fake:status=500' }],
      }),
    );
    const before = chatCalls().length;
    const results = await Promise.allSettled([
      ask('a', 'tripped', 'gpt-4o'),
      ask('b', 'tripped', 'gpt-4o'),
      ask('c', 'tripped', 'gpt-4o'),
    ]);
    for (const r of results) {
      assert.equal(r.status, 'rejected');
      const e = (r as PromiseRejectedResult).reason as InstanceType<typeof OpenAI.APIError>;
      assert.equal(e.status, 503);
      assert.match(e.message, /failing|circuit/i);
    }
    assert.equal(chatCalls().length, before, 'nothing sent while the circuit is open');
    const items = (await h.entries()).filter((e) => e.feature === 'tripped');
    assert.equal(items.length, 3);
    assert.ok(items.every((e) => batchOf(e)?.reason === 'circuit_open' && e.errorClass === 'circuit_open'));
  });
});
