import assert from 'node:assert/strict';
import { test } from 'node:test';
import OpenAI from 'openai';
import { startHarness } from './harness.js';

test('with no provider configured the gateway serves from the simulated upstream, marked as such', async () => {
  const h = await startHarness({ noProviders: true });
  try {
    const client = new OpenAI({ apiKey: 'penny', baseURL: `${h.app.url}/v1`, maxRetries: 0 });
    const { data, response } = await client.chat.completions
      .create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hello Penny' }] })
      .withResponse();
    assert.equal(response.headers.get('x-penny-simulated'), 'true');
    assert.match(data.choices[0]!.message.content ?? '', /simulated/);
    const stream = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      stream: true,
      messages: [{ role: 'user', content: 'Stream it' }],
    });
    let text = '';
    for await (const c of stream) text += c.choices[0]?.delta?.content ?? '';
    assert.match(text, /Stream it/);
    const entries = await h.entries();
    assert.equal(entries.length, 2);
    for (const e of entries) {
      assert.equal(e.simulated, true);
      assert.ok(e.flags.includes('simulated'));
      assert.equal(e.provider, 'simulated');
      assert.ok(e.cost !== null && e.cost > 0n, 'priced as the requested model would be');
    }
    assert.equal(h.fake.requests.length, 0);
  } finally {
    await h.close();
  }
});

test('with no provider configured, budgets reserve on the simulated upstream like on a real one', async () => {
  // $0.0001 covers a short gpt-4o-mini call with max_tokens 50 ($0.60/M output), not one with 10,000.
  const h = await startHarness({
    noProviders: true,
    config: { governance: { budgets: [{ name: 'trial', limit: '0.0001', window: 'day' }] } },
  });
  try {
    const client = new OpenAI({ apiKey: 'penny', baseURL: `${h.app.url}/v1`, maxRetries: 0 });
    const ok = await client.chat.completions
      .create({ model: 'gpt-4o-mini', max_tokens: 50, messages: [{ role: 'user', content: 'Hello Penny' }] })
      .withResponse();
    assert.equal(ok.response.headers.get('x-penny-simulated'), 'true');
    const refused = await client.chat.completions
      .create({
        model: 'gpt-4o-mini',
        max_tokens: 10_000,
        messages: [{ role: 'user', content: 'Hello Penny' }],
      })
      .then(
        () => null,
        (e: { status?: number; error?: { code?: string; details?: { budget?: string } } }) => e,
      );
    assert.equal(refused?.status, 429);
    assert.equal(refused?.error?.code, 'budget_exceeded');
    assert.equal(refused?.error?.details?.budget, 'trial');
    const rows = await h.app.governance.rows();
    const trial = rows.find((r) => r.name === 'trial')!;
    const entries = await h.entries();
    const served = entries.filter((e) => e.status === 'ok');
    assert.equal(served.length, 1);
    assert.ok(Number(trial.spent) > 0, 'the simulated call was settled against the budget');
    assert.equal(h.fake.requests.length, 0);
  } finally {
    await h.close();
  }
});
