/**
 * penny.fetch serves the whole surface `penny serve` serves to the SDKs, in-process: the Responses API with
 * stored conversations (create, stream, retrieve, input_items, previous_response_id across providers),
 * embeddings, legacy completions (streamed and not) and count_tokens — each with its ledger entry.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { type Penny, createPenny } from '../../src/index.js';
import { type FakeUpstream, startFakeUpstream } from '../fake-upstream/index.js';
import { assertOpenApi } from './openapi.js';

describe('penny.fetch: Responses API, embeddings, completions, count_tokens (no server)', () => {
  let fake: FakeUpstream;
  let penny: Penny;
  let openai: OpenAI;
  before(async () => {
    fake = await startFakeUpstream();
    penny = createPenny({
      object: {
        providers: {
          openai: { type: 'openai', baseUrl: `${fake.url}/v1`, apiKey: 'sk-lib-openai-0123456789abcdef' },
          anthropic: { type: 'anthropic', baseUrl: fake.url, apiKey: 'sk-ant-lib-0123456789abcdef' },
        },
        responses: { store: 'memory' },
      },
      env: {},
      ledger: 'memory',
    });
    openai = new OpenAI({ apiKey: 'penny', fetch: penny.fetch, maxRetries: 0 });
  });
  after(async () => {
    await penny.close();
    await fake.close();
  });

  test('Responses API: create, stream, retrieve, input_items, continue on another provider', async () => {
    const first = await openai.responses.create({ model: 'gpt-4o-mini', input: 'first turn #fake:words=3' });
    assertOpenApi('Response', first);
    assert.match(first.output_text, /^echo: first turn/);
    const got = await openai.responses.retrieve(first.id);
    assert.equal(got.id, first.id);
    const s = openai.responses.stream({
      model: 'claude-haiku-4-5',
      previous_response_id: first.id,
      input: 'second turn #fake:words=2',
    });
    for await (const ev of s) assertOpenApi('ResponseStreamEvent', ev);
    const second = await s.finalResponse();
    assert.equal(second.previous_response_id, first.id);
    const items = [];
    for await (const it of openai.responses.inputItems.list(second.id, { order: 'asc' })) items.push(it);
    assert.deepEqual(
      items.map((i) => i.type),
      ['message', 'message', 'message'],
      'the first turn, its answer and the second turn',
    );
    await assert.rejects(openai.responses.retrieve('resp_unknown'), OpenAI.NotFoundError);
    await penny.gateway.drain();
    const entries = await penny.ledger.query({});
    const resp = entries.filter((e) => e.dialect === 'responses');
    assert.equal(resp.length, 2);
    assert.ok(resp.every((e) => e.status === 'ok' && e.cost !== null && e.cost > 0n));
  });

  test('embeddings and legacy completions (streamed and not) are priced; count_tokens answers', async () => {
    const emb = await openai.embeddings.create(
      { model: 'text-embedding-3-small', input: ['one', 'two'] },
      { headers: { 'x-penny-feature': 'lib-embed' } },
    );
    assert.equal(emb.data.length, 2);
    const c = await openai.completions.create({
      model: 'gpt-3.5-turbo-instruct',
      prompt: 'Say hi',
      max_tokens: 5,
    });
    assert.equal(c.object, 'text_completion');
    const stream = await openai.completions.create({
      model: 'gpt-3.5-turbo-instruct',
      prompt: 'Stream hi',
      max_tokens: 5,
      stream: true,
    });
    let streamed = '';
    for await (const chunk of stream) streamed += chunk.choices[0]?.text ?? '';
    assert.ok(streamed.length > 0);
    const anthropic = new Anthropic({ apiKey: 'penny', fetch: penny.fetch, maxRetries: 0 });
    const counted = await anthropic.messages.countTokens({
      model: 'claude-haiku-4-5',
      messages: [{ role: 'user', content: 'count these words please' }],
    });
    assert.ok(counted.input_tokens > 0);
    await assert.rejects(
      openai.embeddings.create({ model: 'text-embedding-3-small', input: [] as string[] }),
      OpenAI.BadRequestError,
    );
    const entries = await penny.ledger.query({});
    const embedded = entries.find((e) => e.feature === 'lib-embed');
    assert.ok(embedded && embedded.status === 'ok' && embedded.cost !== null && embedded.cost > 0n);
    const legacy = entries.filter((e) => e.requestedModel === 'gpt-3.5-turbo-instruct');
    assert.equal(legacy.length, 2);
    assert.ok(legacy.every((e) => e.status === 'ok' && e.cost !== null && e.cost > 0n));
  });

  test('an unknown path is a 404 that names what penny.fetch serves', async () => {
    const res = await penny.fetch('http://penny.local/v1/images/generations', { method: 'POST', body: '{}' });
    assert.equal(res.status, 404);
    assert.match(await res.text(), /responses.*embeddings/);
  });
});
