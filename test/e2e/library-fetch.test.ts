import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { createPenny, type Penny } from '../../src/index.js';
import { SqliteLedger } from '../../src/ledger/sqlite/sqlite-ledger.js';
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

describe('penny.fetch after close()', () => {
  test('answers 503 shutting_down in the dialect and never calls the upstream (it could not be recorded)', async () => {
    const fake = await startFakeUpstream();
    const dir = mkdtempSync(join(tmpdir(), 'penny-lib-close-'));
    try {
      const penny = createPenny({
        object: {
          providers: {
            openai: { type: 'openai', baseUrl: `${fake.url}/v1`, apiKey: 'sk-lib-openai-0123456789abcdef' },
          },
          ledger: { path: join(dir, 'ledger.db') },
        },
        env: {},
      });
      const client = new OpenAI({ apiKey: 'penny', fetch: penny.fetch, maxRetries: 0 });
      const inFlight = client.chat.completions.create({
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: 'before #fake:delay=200' }],
      });
      await new Promise((r) => setTimeout(r, 50));
      const closing = penny.close();
      // In flight when close() began: finished and recorded.
      assert.match((await inFlight).choices[0]!.message.content ?? '', /^echo: before/);
      // Started while closing, and after: refused in the dialect's shape, without an upstream call.
      const during = await client.chat.completions
        .create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'during' }] })
        .then(
          () => assert.fail('expected a 503'),
          (e: unknown) => e,
        );
      assert.ok(during instanceof OpenAI.APIError);
      assert.equal(during.status, 503);
      assert.equal(during.code, 'shutting_down');
      await closing;
      const anthropic = new Anthropic({ apiKey: 'penny', fetch: penny.fetch, maxRetries: 0 });
      const afterClose = await anthropic.messages
        .create({ model: 'claude-haiku-4-5', max_tokens: 5, messages: [{ role: 'user', content: 'after' }] })
        .then(
          () => assert.fail('expected a 503'),
          (e: unknown) => e,
        );
      assert.ok(afterClose instanceof Anthropic.APIError);
      assert.equal(afterClose.status, 503);
      assert.equal(fake.requests.length, 1, 'only the request made before close() reached the upstream');
      const ledger = SqliteLedger.open(join(dir, 'ledger.db'));
      const entries = await ledger.query({});
      await ledger.close();
      assert.deepEqual(entries.map((e) => e.status).sort(), ['error', 'ok']);
    } finally {
      await fake.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
