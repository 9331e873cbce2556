/**
 * The rest of the surface clients use, end to end with the official SDKs: Anthropic token counting (forwarded
 * or estimated), model listing and lookup in both shapes, Anthropic-shaped errors on Anthropic paths, and the
 * wire details clients read (message_start prompt size, usage: null chunks, real creation times).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { type Harness, startHarness } from './harness.js';
import { assertOpenApi } from './openapi.js';

describe('client surface', () => {
  let h: Harness;
  let openai: OpenAI;
  let anthropic: Anthropic;
  before(async () => {
    h = await startHarness();
    openai = new OpenAI({ apiKey: 'penny', baseURL: `${h.app.url}/v1`, maxRetries: 0 });
    anthropic = new Anthropic({ apiKey: 'penny', baseURL: h.app.url, maxRetries: 0 });
  });
  after(() => h.close());

  const messages = [{ role: 'user' as const, content: 'How many tokens is this prompt, roughly?' }];

  test('count_tokens: forwarded for Claude models, no ledger entry', async () => {
    h.fake.reset();
    const before = (await h.entries()).length;
    const { data, response } = await anthropic.messages
      .countTokens({ model: 'claude-haiku-4-5', messages, system: 'Be exact.' })
      .withResponse();
    const sent = h.fake.requests.at(-1)!;
    assert.equal(sent.path, '/v1/messages/count_tokens');
    // The fake counts characters / 4.
    assert.equal(data.input_tokens, Math.ceil(('Be exact.'.length + messages[0]!.content.length) / 4));
    assert.equal(response.headers.get('x-penny-estimate'), null);
    assert.equal((await h.entries()).length, before);
  });

  test('count_tokens: estimated by Penny for other models, and marked so', async () => {
    h.fake.reset();
    const { data, response } = await anthropic.messages
      .countTokens({ model: 'gpt-4o-mini', messages })
      .withResponse();
    assert.equal(h.fake.requests.length, 0, 'nothing sent upstream');
    assert.ok(data.input_tokens > 5 && data.input_tokens < 40, String(data.input_tokens));
    assert.equal(response.headers.get('x-penny-estimate'), 'true');
    await assert.rejects(
      anthropic.messages.countTokens({ model: 'gpt-4o-mini', messages: 'nope' as never }),
      (e: unknown) =>
        e instanceof Anthropic.BadRequestError &&
        (e as { error?: { type?: string } }).error?.type === 'error',
    );
  });

  test('GET /v1/models lists real, servable models with a real creation time', async () => {
    const list = await openai.models.list();
    const ids = list.data.map((m) => m.id);
    assert.ok(ids.includes('gpt-4o-mini'));
    assert.ok(ids.includes('claude-haiku-4-5'));
    assert.ok(ids.includes('text-embedding-3-small'));
    for (const m of list.data) {
      assertOpenApi('Model', m);
      assert.doesNotMatch(m.id, /(^ft:|:|[-.]$)/, m.id);
      assert.ok(m.created > 1_600_000_000, m.id);
    }
    const ant = await anthropic.models.list();
    assert.ok(ant.data.some((m) => m.id === 'claude-haiku-4-5'));
  });

  test("GET /v1/models/{id} in both shapes; unknown ids 404 in the caller's shape", async () => {
    const m = await openai.models.retrieve('gpt-4o-mini');
    assertOpenApi('Model', m);
    assert.equal(m.owned_by, 'openai');
    const a = await anthropic.models.retrieve('claude-haiku-4-5');
    assert.equal(a.type, 'model');
    assert.equal(a.id, 'claude-haiku-4-5');
    assert.ok(Date.parse(a.created_at) > Date.parse('2020-01-01'));
    await assert.rejects(openai.models.retrieve('no-such-model'), OpenAI.NotFoundError);
    await assert.rejects(anthropic.models.retrieve('no-such-model'), (e: unknown) => {
      assert.ok(e instanceof Anthropic.NotFoundError);
      assert.equal(
        (e as unknown as { error: { error: { type: string } } }).error.error.type,
        'not_found_error',
      );
      return true;
    });
  });

  test("unknown and wrong-method Anthropic paths answer in Anthropic's error shape", async () => {
    const unknown = await fetch(`${h.app.url}/v1/messages/batches_nope`, { method: 'POST', body: '{}' });
    assert.equal(unknown.status, 404);
    assert.deepEqual(Object.keys((await unknown.json()) as object), ['type', 'error']);
    const get = await fetch(`${h.app.url}/v1/messages`, { headers: { 'anthropic-version': '2023-06-01' } });
    assert.equal(get.status, 405);
    const body = (await get.json()) as { type: string; error: { type: string } };
    assert.equal(body.type, 'error');
  });

  test('an Anthropic stream served by OpenAI reports the prompt size in message_start', async () => {
    const stream = anthropic.messages.stream({ model: 'gpt-4o-mini', max_tokens: 50, messages });
    let startInput = -1;
    for await (const ev of stream)
      if (ev.type === 'message_start') startInput = ev.message.usage.input_tokens;
    assert.ok(startInput > 5, String(startInput));
  });

  test('OpenAI chunks served by Claude: usage: null until the usage chunk, real created, valid per the spec', async () => {
    const stream = await openai.chat.completions.create({
      model: 'claude-haiku-4-5',
      messages,
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks: Array<Record<string, unknown>> = [];
    for await (const c of stream) chunks.push(c as unknown as Record<string, unknown>);
    for (const c of chunks) assertOpenApi('CreateChatCompletionStreamResponse', c);
    const last = chunks.at(-1)!;
    assert.ok(last.usage !== null && typeof last.usage === 'object');
    for (const c of chunks.slice(0, -1)) assert.equal(c.usage, null);
    for (const c of chunks) assert.ok((c.created as number) > 1_600_000_000);
    const plain = await openai.chat.completions.create({ model: 'claude-haiku-4-5', messages });
    assertOpenApi('CreateChatCompletionResponse', plain);
    assert.ok(plain.created > 1_600_000_000);
  });
});
