import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { createPenny, type Penny } from '../../src/index.js';
import { type FakeUpstream, startFakeUpstream } from '../fake-upstream/index.js';

describe('penny.fetch as the fetch of the official SDKs (no server)', () => {
  let fake: FakeUpstream;
  let penny: Penny;
  before(async () => {
    fake = await startFakeUpstream();
    penny = createPenny({
      object: {
        providers: {
          openai: { type: 'openai', baseUrl: `${fake.url}/v1`, apiKey: 'sk-lib-openai-0123456789abcdef' },
          anthropic: { type: 'anthropic', baseUrl: fake.url, apiKey: 'sk-ant-lib-0123456789abcdef' },
        },
      },
      env: {},
      ledger: 'memory',
    });
  });
  after(async () => {
    await penny.close();
    await fake.close();
  });

  test('openai client: non-streamed and streamed, same pipeline, same ledger', async () => {
    const client = new OpenAI({ apiKey: 'penny', fetch: penny.fetch, maxRetries: 0 });
    const res = await client.chat.completions.create(
      { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi #fake:words=4' }] },
      { headers: { 'x-penny-feature': 'lib' } },
    );
    assert.match(res.choices[0]!.message.content ?? '', /^echo: hi/);
    const stream = await client.chat.completions.create({
      model: 'claude-haiku-4-5',
      max_tokens: 20,
      stream: true,
      messages: [{ role: 'user', content: 'yo #fake:words=5' }],
    });
    let text = '';
    for await (const c of stream) text += c.choices[0]?.delta?.content ?? '';
    assert.match(text, /^echo: yo/);
    await penny.gateway.drain();
    const entries = await penny.ledger.query({});
    assert.equal(entries.length, 2);
    assert.equal(entries.find((e) => e.requestedModel === 'gpt-4o-mini')?.feature, 'lib');
    assert.ok(entries.every((e) => e.cost !== null && e.cost > 0n));
  });

  test('anthropic client: streamed message, and an error in Anthropic shape', async () => {
    const client = new Anthropic({ apiKey: 'penny', fetch: penny.fetch, maxRetries: 0 });
    const final = await client.messages
      .stream({
        model: 'claude-haiku-4-5',
        max_tokens: 30,
        messages: [{ role: 'user', content: 'go #fake:words=3' }],
      })
      .finalMessage();
    assert.equal(final.usage.output_tokens, 3);
    await assert.rejects(
      client.messages.create({
        model: 'claude-haiku-4-5',
        max_tokens: 30,
        messages: [{ role: 'user', content: 'x #fake:status=429' }],
      }),
      (e: unknown) => e instanceof Anthropic.RateLimitError,
    );
    await penny.gateway.drain();
    assert.equal(penny.lastEntry?.errorClass, 'upstream_rate_limited');
  });
});
