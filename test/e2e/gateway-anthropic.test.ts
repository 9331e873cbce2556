import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { ANTHROPIC_KEY, type Harness, startHarness } from './harness.js';

describe('gateway with the official Anthropic client, and cross-format', () => {
  let h: Harness;
  let anthropic: Anthropic;
  let openai: OpenAI;
  before(async () => {
    h = await startHarness();
    anthropic = new Anthropic({ apiKey: 'penny', baseURL: h.app.url, maxRetries: 0 });
    openai = new OpenAI({ apiKey: 'penny', baseURL: `${h.app.url}/v1`, maxRetries: 0 });
  });
  after(() => h.close());

  test('non-streamed message with cache reads and writes: Anthropic input_tokens EXCLUDES cache tokens', async () => {
    h.fake.reset();
    const msg = await anthropic.messages.create(
      {
        model: 'claude-sonnet-4-6',
        max_tokens: 256,
        system: [{ type: 'text', text: 'You are terse.', cache_control: { type: 'ephemeral' } }],
        messages: [{ role: 'user', content: 'Hi #fake:words=5 #fake:cached=2000 #fake:cache_write=1000' }],
        metadata: { user_id: 'end-user-9' },
      },
      { headers: { 'x-penny-feature': 'support' } },
    );
    assert.equal(msg.type, 'message');
    assert.equal(msg.usage.cache_read_input_tokens, 2000);
    const sent = h.fake.requests.at(-1)!;
    assert.equal(sent.headers['x-api-key'], ANTHROPIC_KEY);
    const e = (await h.entries()).at(-1)!;
    assert.equal(e.user, 'end-user-9', 'metadata.user_id attributes the request');
    assert.equal(e.feature, 'support');
    assert.equal(e.inputUncached, msg.usage.input_tokens);
    assert.equal(e.cacheRead, 2000);
    assert.equal(e.cacheWrite5m, 1000);
    // Sonnet 4.6: input $3, cache read $0.30, 5m write $3.75, output $15 per 1M tokens.
    const expected =
      BigInt(e.inputUncached) * 3_000_000n +
      2000n * 300_000n +
      1000n * 3_750_000n +
      BigInt(e.outputText) * 15_000_000n;
    assert.equal(e.cost, expected);
  });

  test('streamed message through the SDK helper: final message and usage', async () => {
    const stream = anthropic.messages.stream({
      model: 'claude-haiku-4-5',
      max_tokens: 100,
      messages: [{ role: 'user', content: 'Go #fake:words=10' }],
    });
    const final = await stream.finalMessage();
    const text = final.content.map((b) => (b.type === 'text' ? b.text : '')).join('');
    assert.match(text, /^echo: Go/);
    assert.equal(final.usage.output_tokens, 10);
    const e = (await h.entries()).at(-1)!;
    assert.equal(e.stream, true);
    assert.equal(e.outputText, 10);
    assert.ok(e.cost !== null && e.cost > 0n);
  });

  test('OpenAI-format request served by an Anthropic model: system, tools and tool results translated', async () => {
    h.fake.reset();
    const res = await openai.chat.completions.create({
      model: 'claude-haiku-4-5',
      max_tokens: 200,
      messages: [
        { role: 'system', content: 'Use tools.' },
        { role: 'user', content: 'Weather in Paris?' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            { id: 'toolu_1', type: 'function', function: { name: 'weather', arguments: '{"city":"Paris"}' } },
          ],
        },
        { role: 'tool', tool_call_id: 'toolu_1', content: 'sunny' },
        { role: 'user', content: 'Thanks, and Lyon?' },
      ],
      tools: [
        {
          type: 'function',
          function: {
            name: 'weather',
            parameters: { type: 'object', properties: { city: { type: 'string' } } },
          },
        },
      ],
      tool_choice: { type: 'function', function: { name: 'weather' } },
    });
    const sent = h.fake.requests.at(-1)!;
    assert.equal(sent.path, '/v1/messages');
    const body = sent.body as {
      system?: unknown;
      messages: Array<{ role: string; content: unknown }>;
      tools: Array<{ name: string; input_schema: unknown }>;
    };
    assert.ok(JSON.stringify(body.system).includes('Use tools.'));
    assert.equal(body.tools[0]!.name, 'weather');
    assert.deepEqual((sent.body as { tool_choice: unknown }).tool_choice, { type: 'tool', name: 'weather' });
    const toolResultTurn = body.messages.find((m) => JSON.stringify(m.content).includes('tool_result'));
    assert.equal(toolResultTurn?.role, 'user');
    assert.equal(res.choices[0]!.finish_reason, 'tool_calls');
    const call = res.choices[0]!.message.tool_calls![0]!;
    assert.equal(call.type, 'function');
    assert.doesNotThrow(() => JSON.parse((call as { function: { arguments: string } }).function.arguments));
    assert.ok(res.usage!.prompt_tokens > 0);
    const e = (await h.entries()).at(-1)!;
    assert.equal(e.dialect, 'openai');
    assert.equal(e.provider, 'anthropic');
  });

  test('OpenAI-format STREAM served by an Anthropic model, and Anthropic-format stream served by an OpenAI model', async () => {
    const s1 = await openai.chat.completions.create({
      model: 'claude-haiku-4-5',
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: 'user', content: 'x #fake:words=6' }],
    });
    let text = '';
    let finish: string | null | undefined;
    let usage: OpenAI.CompletionUsage | undefined;
    for await (const c of s1) {
      text += c.choices[0]?.delta?.content ?? '';
      finish = c.choices[0]?.finish_reason ?? finish;
      if (c.usage) usage = c.usage;
    }
    assert.match(text, /^echo: x/);
    assert.equal(finish, 'stop');
    assert.equal(usage?.completion_tokens, 6);

    const s2 = anthropic.messages.stream({
      model: 'gpt-4o-mini',
      max_tokens: 50,
      messages: [{ role: 'user', content: 'y #fake:words=4' }],
    });
    const final = await s2.finalMessage();
    assert.equal(final.stop_reason, 'end_turn');
    assert.equal(final.usage.output_tokens, 4);
    const e = (await h.entries()).at(-1)!;
    assert.equal(e.dialect, 'anthropic');
    assert.equal(e.provider, 'openai');
    assert.equal(e.outputText, 4);
  });

  test('GET /v1/models answers in both dialects', async () => {
    const list = await openai.models.list();
    assert.ok(list.data.some((m) => m.id === 'gpt-4o'));
    const alist = await anthropic.models.list();
    assert.ok(alist.data.some((m) => m.id.startsWith('claude-')));
  });
});
