/**
 * Budgets hold with no provider configured (the simulated upstream answers): the legacy `/v1/completions`
 * and `/v1/embeddings` reserve their worst case before the simulated call and settle after, exactly as chat
 * does — a budget stops them with a 429 naming it, the ledger's settled spend never passes it, and the
 * budget's counter matches the ledger.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import type { LedgerEntry } from '../../src/core/ledger-entry.js';
import { usd } from '../../src/core/money.js';
import { type Harness, startHarness } from './harness.js';

const costOf = (entries: LedgerEntry[]) => entries.reduce((s, e) => s + (e.cost ?? 0n), 0n);

async function refusal(p: Promise<unknown>): Promise<InstanceType<typeof OpenAI.APIError> | null> {
  try {
    await p;
    return null;
  } catch (e) {
    if (e instanceof OpenAI.APIError) return e;
    throw e;
  }
}

describe('budgets in simulated mode (no provider configured)', () => {
  let h: Harness;
  let client: OpenAI;
  const feature = (f: string) => ({ headers: { 'x-penny-feature': f } });

  before(async () => {
    h = await startHarness({
      noProviders: true,
      config: {
        governance: {
          refreshMs: 0,
          budgets: [
            { name: 'sim-cmp', match: { feature: 'sim-cmp' }, limit: '0.0002', window: 'day' },
            { name: 'sim-emb', match: { feature: 'sim-emb' }, limit: '0.00001', window: 'day' },
          ],
        },
      },
    });
    client = new OpenAI({ apiKey: 'penny', baseURL: `${h.app.url}/v1`, maxRetries: 0 });
  });
  after(() => h.close());

  test('legacy completions: the worst case is reserved, the budget refuses with a 429, spend stays under it', async () => {
    let served = 0;
    let refused: InstanceType<typeof OpenAI.APIError> | null = null;
    for (let i = 0; i < 60 && !refused; i++) {
      const stream = i % 2 === 1;
      const p = stream
        ? client.completions
            .create(
              { model: 'gpt-3.5-turbo-instruct', prompt: 'Say hi', max_tokens: 20, stream: true },
              feature('sim-cmp'),
            )
            .then(async (s) => {
              for await (const _ of s) {
                // drain
              }
            })
        : client.completions
            .create({ model: 'gpt-3.5-turbo-instruct', prompt: 'Say hi', max_tokens: 20 }, feature('sim-cmp'))
            .then((r) => {
              assert.ok(r.usage!.completion_tokens <= 20, 'the simulated answer stops at max_tokens');
            });
      refused = await refusal(p);
      if (!refused) served++;
    }
    assert.ok(refused, `the budget refused (served ${served})`);
    assert.ok(served >= 2, `served ${served} before the refusal`);
    assert.equal(refused.status, 429);
    assert.match(refused.message, /budget "sim-cmp"/);
    assert.ok(refused.headers?.get('retry-after'), 'retry-after on the refusal');
    await h.app.governance.drain();
    const entries = (await h.entries()).filter((e) => e.feature === 'sim-cmp');
    const ok = entries.filter((e) => e.status === 'ok');
    assert.equal(ok.length, served);
    assert.ok(ok.every((e) => e.simulated && e.meta?.endpoint === 'completions'));
    assert.ok(costOf(entries) > 0n, 'simulated completions are priced');
    assert.ok(costOf(entries) <= usd('0.0002'), 'settled spend ≤ the budget');
    assert.ok(entries.some((e) => e.errorClass === 'budget_exceeded' && e.httpStatus === 429));
    const [row] = (await h.app.governance.rows()).filter((r) => r.name === 'sim-cmp');
    assert.ok(row, 'the budget has a row');
    // The counter counts whole nanodollars, each call's cost rounded up: the ledger's spend within one per call.
    const counted = usd(row.spent);
    assert.ok(
      counted >= costOf(entries) && counted - costOf(entries) < BigInt(served) * 1000n,
      `the budget counter (${row.spent}) settled the ledger's spend`,
    );
    assert.equal(Number(row.reserved), 0, 'nothing left reserved');
    // Without max_tokens the model's maximum output is reserved: far more than the budget has left.
    const unbounded = await refusal(
      client.completions.create({ model: 'gpt-3.5-turbo-instruct', prompt: 'Go' }, feature('sim-cmp')),
    );
    assert.equal(unbounded?.status, 429);
  });

  test('embeddings: reserved and settled against the budget, refused once it is spent', async () => {
    let served = 0;
    let refused: InstanceType<typeof OpenAI.APIError> | null = null;
    for (let i = 0; i < 200 && !refused; i++) {
      refused = await refusal(
        client.embeddings.create(
          { model: 'text-embedding-3-small', input: `a sentence of several words to embed ${i}` },
          feature('sim-emb'),
        ),
      );
      if (!refused) served++;
    }
    assert.ok(refused, `the budget refused (served ${served})`);
    assert.ok(served >= 2, `served ${served} before the refusal`);
    assert.equal(refused.status, 429);
    assert.match(refused.message, /budget "sim-emb"/);
    const entries = (await h.entries()).filter((e) => e.feature === 'sim-emb');
    assert.equal(entries.filter((e) => e.status === 'ok').length, served);
    assert.ok(costOf(entries) <= usd('0.00001'), 'settled spend ≤ the budget');
  });
});
