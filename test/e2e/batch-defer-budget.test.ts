/**
 * Deferred jobs under budgets: the job's worst case at batch rates is reserved when it is queued (a budget
 * that cannot hold it refuses the enqueue with the usual 429), and settled to the answer's cost when it is
 * answered.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import { moneyToDecimal } from '../../src/core/money.js';
import { computeCost } from '../../src/pricing/cost.js';
import { picoToNanoCeil } from '../../src/governance/units.js';
import { type Harness, startHarness } from './harness.js';

const KEY = 'sk-defer-budget-client-0123456789';

describe('deferred jobs reserve and settle on budgets', () => {
  let h: Harness;
  let client: OpenAI;
  const row = async (name: string) => (await h.app.governance.rows()).find((r) => r.name === name)!;
  const defer = (feature: string, text: string) =>
    client.chat.completions
      .create(
        { model: 'gpt-4o-mini', max_tokens: 200, messages: [{ role: 'user', content: text }] },
        { headers: { 'x-penny-feature': feature, 'x-penny-defer': 'batch' } },
      )
      .withResponse();

  before(async () => {
    h = await startHarness({
      config: {
        batchJobs: { submitEveryMs: 20, pollEveryMs: 20 },
        governance: {
          budgets: [
            { name: 'tiny', match: { feature: 'starved' }, limit: 0.000001, window: 'day' },
            { name: 'room', match: { feature: 'nightly' }, limit: 10, window: 'day' },
          ],
        },
      },
    });
    client = new OpenAI({ apiKey: KEY, baseURL: `${h.app.url}/v1`, maxRetries: 0 });
  });
  after(() => h?.close());

  test('a budget that cannot hold the job refuses the enqueue: 429 naming it, no job', async () => {
    const err = await defer('starved', 'too dear').catch((e: unknown) => e);
    assert.ok(err instanceof OpenAI.APIError);
    assert.equal(err.status, 429);
    assert.match(err.message, /tiny/);
    const entries = (await h.entries()).filter((e) => e.feature === 'starved');
    assert.equal(entries.length, 1);
    assert.equal(entries[0]!.errorClass, 'budget_exceeded');
    assert.ok(!entries[0]!.flags.includes('deferred'));
  });

  test('queued: the worst case at batch rates is reserved; answered: settled to the batch-rate cost', async () => {
    // The provider keeps the batch in progress until the test lets it end, so the reservation can be seen.
    h.fake.batchApi.delayMs = 600_000;
    const { data, response } = await defer('nightly', 'summarise the night');
    assert.equal(response.status, 202);
    const id = (data as unknown as { id: string }).id;
    const held = await row('room');
    const price = h.app.catalog.lookup('gpt-4o-mini');
    const zero = { inputUncached: 0, cacheRead: 0, cacheWrite5m: 0, cacheWrite1h: 0, reasoning: 0 };
    // At most 200 output tokens: at batch rates the whole worst case is below 200 output tokens at standard rates.
    const standardOut = computeCost({ ...zero, outputText: 200 }, price).cost!;
    const batchOut = computeCost({ ...zero, outputText: 200 }, price, { batch: true }).cost!;
    const reserved = Number(held.reserved);
    assert.ok(
      reserved >= Number(moneyToDecimal(batchOut)),
      `reserved ${held.reserved} holds the output bound`,
    );
    assert.ok(reserved < Number(moneyToDecimal(standardOut)), `reserved ${held.reserved} is at batch rates`);
    assert.equal(Number(held.spent), 0);

    h.fake.batchApi.delayMs = 0;
    for (let i = 0; i < 400; i++) {
      const r = await fetch(`${h.app.url}/v1/penny/jobs/${id}`, {
        headers: { authorization: `Bearer ${KEY}` },
      });
      if (((await r.json()) as { status: string }).status === 'completed') break;
      await new Promise((r) => setTimeout(r, 25));
    }
    const entry = (await h.entries()).find((e) => e.id === id);
    assert.equal(entry?.status, 'ok');
    assert.ok(entry!.cost! > 0n);
    let after = await row('room');
    for (let i = 0; i < 100 && Number(after.reserved) !== 0; i++) {
      await new Promise((r) => setTimeout(r, 20));
      after = await row('room');
    }
    assert.equal(Number(after.reserved), 0);
    assert.equal(Number(after.spent), Number(moneyToDecimal(BigInt(picoToNanoCeil(entry!.cost!)) * 1000n)));
  });
});
