import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, beforeEach, describe, test } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { type FakeUpstream, startFakeUpstream } from './index.js';

const weatherTool = {
  type: 'function' as const,
  function: {
    name: 'get_weather',
    description: 'Get the weather',
    parameters: {
      type: 'object',
      properties: { city: { type: 'string' }, unit: { type: 'string', enum: ['celsius', 'fahrenheit'] } },
      required: ['city', 'unit'],
    },
  },
};

describe('fake upstream with the official SDKs', () => {
  let fake: FakeUpstream;
  let openai: OpenAI;
  let anthropic: Anthropic;

  before(async () => {
    fake = await startFakeUpstream();
    openai = new OpenAI({ apiKey: 'test-key', baseURL: `${fake.url}/v1`, maxRetries: 0 });
    anthropic = new Anthropic({ apiKey: 'test-key', baseURL: fake.url, maxRetries: 0 });
  });
  after(() => fake.close());
  beforeEach(() => fake.reset());

  describe('OpenAI', () => {
    test('non-streaming: echo text, word-count output tokens, prompt_tokens includes cached', async () => {
      const r = await openai.chat.completions.create({
        model: 'gpt-4o',
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: 'what is two plus two #fake:words=5 #fake:cached=1024' },
        ],
      });
      assert.equal(r.choices[0]?.message.content, 'echo: what is two plus');
      assert.equal(r.choices[0]?.finish_reason, 'stop');
      assert.equal(r.model, 'gpt-4o');
      assert.equal(r.usage?.completion_tokens, 5);
      assert.equal(r.usage?.prompt_tokens_details?.cached_tokens, 1024);
      const uncached = (r.usage?.prompt_tokens ?? 0) - 1024;
      assert.ok(uncached >= 1);
      assert.equal(r.usage?.total_tokens, (r.usage?.prompt_tokens ?? 0) + 5);

      assert.equal(fake.requests.length, 1);
      const rec = fake.requests[0];
      assert.equal(rec?.method, 'POST');
      assert.equal(rec?.path, '/v1/chat/completions');
      assert.equal(rec?.headers.authorization, 'Bearer test-key');
      assert.equal((rec?.body as { model?: string } | undefined)?.model, 'gpt-4o');
      assert.equal(rec?.aborted, false);
      assert.equal(rec?.completed, true);
    });

    test('input tokens are a deterministic function of the prompt text', async () => {
      const ask = (content: string) =>
        openai.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content }] });
      const a = await ask('x'.repeat(40));
      const b = await ask('x'.repeat(40));
      const c = await ask('x'.repeat(80));
      assert.equal(a.usage?.prompt_tokens, 10);
      assert.equal(b.usage?.prompt_tokens, 10);
      assert.equal(c.usage?.prompt_tokens, 20);
      assert.equal(a.choices[0]?.message.content?.split(' ').length, 12);
    });

    test('reasoning tokens are inside completion_tokens', async () => {
      const r = await openai.chat.completions.create({
        model: 'o3-mini',
        messages: [{ role: 'user', content: 'think #fake:words=4 #fake:reasoning=100' }],
      });
      assert.equal(r.usage?.completion_tokens, 104);
      assert.equal(r.usage?.completion_tokens_details?.reasoning_tokens, 100);
    });

    test('streaming: chunks, usage chunk only with include_usage', async () => {
      const withUsage = await openai.chat.completions.create({
        model: 'gpt-4o-mini',
        stream: true,
        stream_options: { include_usage: true },
        messages: [{ role: 'user', content: 'stream me #fake:words=6' }],
      });
      let text = '';
      let contentChunks = 0;
      let usageChunk: OpenAI.CompletionUsage | undefined;
      let finish: string | null = null;
      for await (const chunk of withUsage) {
        const c = chunk.choices[0];
        if (c?.delta.content) {
          text += c.delta.content;
          contentChunks++;
        }
        if (c?.finish_reason) finish = c.finish_reason;
        if (chunk.usage) {
          assert.equal(chunk.choices.length, 0);
          usageChunk = chunk.usage;
        }
      }
      assert.equal(text, 'echo: stream me lorem ipsum dolor');
      assert.equal(contentChunks, 6);
      assert.equal(finish, 'stop');
      assert.equal(usageChunk?.completion_tokens, 6);

      const without = await openai.chat.completions.create({
        model: 'gpt-4o-mini',
        stream: true,
        messages: [{ role: 'user', content: 'stream me' }],
      });
      let sawUsage = false;
      for await (const chunk of without) if (chunk.usage) sawUsage = true;
      assert.equal(sawUsage, false);
    });

    test('tool call when the last user text asks for one, arguments streamed in fragments', async () => {
      const stream = await openai.chat.completions.create({
        model: 'gpt-4o',
        stream: true,
        tools: [weatherTool],
        messages: [{ role: 'user', content: 'weather in Paris? #fake:tool' }],
      });
      let args = '';
      let fragments = 0;
      let name = '';
      let finish: string | null = null;
      for await (const chunk of stream) {
        const call = chunk.choices[0]?.delta.tool_calls?.[0];
        if (call?.function?.name) name = call.function.name;
        if (call?.function?.arguments) {
          args += call.function.arguments;
          fragments++;
        }
        finish = chunk.choices[0]?.finish_reason ?? finish;
      }
      assert.equal(name, 'get_weather');
      assert.ok(fragments >= 2, `expected several fragments, got ${fragments}`);
      assert.deepEqual(JSON.parse(args), { city: 'fake', unit: 'celsius' });
      assert.equal(finish, 'tool_calls');
    });

    test('forced tool_choice answers with a tool call; a tool result turn answers with text', async () => {
      const forced = await openai.chat.completions.create({
        model: 'gpt-4o',
        tools: [weatherTool],
        tool_choice: { type: 'function', function: { name: 'get_weather' } },
        messages: [{ role: 'user', content: 'weather?' }],
      });
      const call = forced.choices[0]?.message.tool_calls?.[0];
      assert.equal(forced.choices[0]?.message.content, null);
      assert.ok(call?.type === 'function');
      assert.equal(call.function.name, 'get_weather');
      assert.equal(forced.usage?.completion_tokens, Math.ceil(call.function.arguments.length / 8));

      const followUp = await openai.chat.completions.create({
        model: 'gpt-4o',
        tools: [weatherTool],
        messages: [
          { role: 'user', content: 'weather? #fake:tool' },
          { role: 'assistant', content: null, tool_calls: [call] },
          { role: 'tool', tool_call_id: call.id, content: 'sunny' },
        ],
      });
      assert.equal(followUp.choices[0]?.finish_reason, 'stop');
      assert.match(followUp.choices[0]?.message.content ?? '', /^echo: weather\?/);
    });

    test('n, logprobs and JSON mode', async () => {
      const r = await openai.chat.completions.create({
        model: 'gpt-4o',
        n: 2,
        logprobs: true,
        top_logprobs: 2,
        messages: [{ role: 'user', content: 'hello #fake:words=3' }],
      });
      assert.equal(r.choices.length, 2);
      assert.equal(r.usage?.completion_tokens, 6);
      const lp = r.choices[1]?.logprobs?.content;
      assert.equal(lp?.length, 3);
      assert.equal(lp?.[0]?.token, 'echo:');
      assert.equal(lp?.[0]?.top_logprobs.length, 2);
      assert.ok((lp?.[0]?.logprob ?? 0) < 0);

      const json = await openai.chat.completions.create({
        model: 'gpt-4o',
        response_format: { type: 'json_object' },
        messages: [{ role: 'user', content: 'give json #fake:words=4' }],
      });
      assert.deepEqual(JSON.parse(json.choices[0]?.message.content ?? ''), {
        answer: 'echo: give json lorem',
      });
      assert.equal(json.usage?.completion_tokens, 4);
    });

    test('max_tokens and #fake:finish=length report a length finish', async () => {
      const capped = await openai.chat.completions.create({
        model: 'gpt-4o',
        max_tokens: 3,
        messages: [{ role: 'user', content: 'a long answer please #fake:words=50' }],
      });
      assert.equal(capped.choices[0]?.message.content, 'echo: a long');
      assert.equal(capped.choices[0]?.finish_reason, 'length');
      const forced = await openai.chat.completions.create({
        model: 'gpt-4o',
        messages: [{ role: 'user', content: 'x #fake:finish=length' }],
      });
      assert.equal(forced.choices[0]?.finish_reason, 'length');
    });

    test('error statuses in OpenAI shape, retry-after on 429', async () => {
      await assert.rejects(
        openai.chat.completions.create({
          model: 'gpt-4o',
          messages: [{ role: 'user', content: 'x #fake:status=429' }],
        }),
        (err: unknown) => {
          assert.ok(err instanceof OpenAI.RateLimitError);
          assert.equal(err.status, 429);
          assert.equal(err.headers?.get('retry-after'), '1');
          assert.equal(err.code, 'rate_limit_exceeded');
          return true;
        },
      );
      await assert.rejects(
        openai.chat.completions.create({
          model: 'gpt-4o',
          messages: [{ role: 'user', content: 'x #fake:status=500' }],
        }),
        (err: unknown) => err instanceof OpenAI.InternalServerError && err.status === 500,
      );
      const bad = new OpenAI({ apiKey: 'bad-key', baseURL: `${fake.url}/v1`, maxRetries: 0 });
      await assert.rejects(
        bad.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }] }),
        (err: unknown) => err instanceof OpenAI.AuthenticationError && err.code === 'invalid_api_key',
      );
    });

    test('setNext forces the next response only', async () => {
      fake.setNext({ status: 503, retryAfter: 0 });
      await assert.rejects(
        openai.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }] }),
        (err: unknown) => err instanceof OpenAI.APIError && err.status === 503,
      );
      const ok = await openai.chat.completions.create({
        model: 'gpt-4o',
        messages: [{ role: 'user', content: 'x' }],
      });
      assert.equal(ok.choices[0]?.finish_reason, 'stop');
    });

    test('break_after: the client sees a broken stream', async () => {
      const stream = await openai.chat.completions.create({
        model: 'gpt-4o',
        stream: true,
        messages: [{ role: 'user', content: 'x #fake:words=20 #fake:break_after=3' }],
      });
      let seen = 0;
      await assert.rejects(async () => {
        for await (const chunk of stream) if (chunk.choices[0]?.delta.content) seen++;
      });
      assert.equal(seen, 3);
      await fake.idle();
      assert.equal(fake.requests[0]?.aborted, false);
      assert.equal(fake.requests[0]?.completed, false);
    });

    test('reset and bad_json surface as client errors', async () => {
      await assert.rejects(
        openai.chat.completions.create({
          model: 'gpt-4o',
          messages: [{ role: 'user', content: 'x #fake:reset' }],
        }),
        (err: unknown) => err instanceof OpenAI.APIConnectionError,
      );
      await assert.rejects(
        openai.chat.completions.create({
          model: 'gpt-4o',
          messages: [{ role: 'user', content: 'x #fake:bad_json' }],
        }),
      );
    });

    test('aborted is recorded when the client goes away mid-stream', async () => {
      const controller = new AbortController();
      const stream = await openai.chat.completions.create(
        {
          model: 'gpt-4o',
          stream: true,
          messages: [{ role: 'user', content: 'x #fake:words=100 #fake:stall_after=2' }],
        },
        { signal: controller.signal },
      );
      let seen = 0;
      try {
        for await (const chunk of stream) {
          if (chunk.choices[0]?.delta.content) seen++;
          if (seen === 2) controller.abort();
        }
      } catch (err) {
        assert.ok(err instanceof OpenAI.APIUserAbortError);
      }
      await fake.idle();
      assert.equal(seen, 2);
      assert.equal(fake.requests[0]?.aborted, true);
    });

    test('aborted is recorded when the client leaves during the delay before headers', async () => {
      const req = request(`${fake.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'Bearer k' },
      });
      req.on('error', () => {});
      req.end(
        JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x #fake:delay=60000' }] }),
      );
      while (fake.requests[0]?.body === undefined) await new Promise((r) => setImmediate(r));
      req.destroy();
      await fake.idle();
      assert.equal(fake.requests[0]?.aborted, true);
      assert.equal(fake.requests[0]?.status, undefined);
    });

    test('delay and chunk_delay still produce the full answer', async () => {
      const stream = await openai.chat.completions.create({
        model: 'gpt-4o',
        stream: true,
        messages: [{ role: 'user', content: 'slow #fake:delay=20 #fake:chunk_delay=2 #fake:words=4' }],
      });
      let text = '';
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
      assert.equal(text, 'echo: slow lorem ipsum');
    });

    test('an unknown directive is a 400 that names it', async () => {
      await assert.rejects(
        openai.chat.completions.create({
          model: 'gpt-4o',
          messages: [{ role: 'user', content: 'x #fake:wrods=3' }],
        }),
        (err: unknown) => err instanceof OpenAI.BadRequestError && /wrods/.test(err.message),
      );
    });

    test('GET /v1/models', async () => {
      const page = await openai.models.list();
      assert.ok(page.data.some((m) => m.id === 'gpt-4o'));
    });
  });

  describe('Anthropic', () => {
    test('non-streaming: input_tokens excludes cache reads and writes', async () => {
      const r = await anthropic.messages.create({
        model: 'claude-sonnet-4-6',
        max_tokens: 100,
        system: 'Be brief.',
        messages: [
          {
            role: 'user',
            content:
              'hello claude #fake:words=4 #fake:cached=2000 #fake:cache_write=300 #fake:cache_write_1h=50',
          },
        ],
      });
      assert.deepEqual(r.content, [{ type: 'text', text: 'echo: hello claude lorem' }]);
      assert.equal(r.stop_reason, 'end_turn');
      assert.equal(r.usage.output_tokens, 4);
      assert.equal(r.usage.cache_read_input_tokens, 2000);
      assert.equal(r.usage.cache_creation_input_tokens, 350);
      assert.deepEqual(r.usage.cache_creation, {
        ephemeral_5m_input_tokens: 300,
        ephemeral_1h_input_tokens: 50,
      });
      assert.ok(r.usage.input_tokens >= 1 && r.usage.input_tokens < 50);
      const rec = fake.requests[0];
      assert.equal(rec?.headers.authorization, 'Bearer test-key'); // how @anthropic-ai/sdk 1.x sends the key
      assert.equal(typeof rec?.headers['anthropic-version'], 'string');
    });

    test('streaming: full event sequence with thinking, usage from message_start and message_delta', async () => {
      const events: string[] = [];
      const stream = anthropic.messages.stream({
        model: 'claude-sonnet-4-6',
        max_tokens: 100,
        messages: [{ role: 'user', content: 'think then answer #fake:words=5 #fake:reasoning=7' }],
      });
      stream.on('streamEvent', (e) => events.push(e.type));
      const final = await stream.finalMessage();
      assert.equal(events[0], 'message_start');
      assert.equal(events.at(-1), 'message_stop');
      assert.ok(events.includes('message_delta'));
      assert.equal(final.content[0]?.type, 'thinking');
      const text = final.content[1];
      assert.ok(text?.type === 'text');
      assert.equal(text.text, 'echo: think then answer lorem');
      assert.equal(final.usage.output_tokens, 12);
      assert.equal(final.stop_reason, 'end_turn');
    });

    test('raw SSE event order (pings included), x-api-key accepted', async () => {
      const res = await fetch(`${fake.url}/v1/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': 'k', 'anthropic-version': '2023-06-01' },
        body: JSON.stringify({
          model: 'claude-haiku-4-5',
          max_tokens: 10,
          stream: true,
          messages: [{ role: 'user', content: 'hi #fake:words=2' }],
        }),
      });
      assert.equal(res.headers.get('content-type'), 'text/event-stream; charset=utf-8');
      const names = [...(await res.text()).matchAll(/^event: (\w+)$/gm)].map((m) => m[1]);
      assert.deepEqual(names, [
        'message_start',
        'ping',
        'content_block_start',
        'content_block_delta',
        'content_block_delta',
        'content_block_stop',
        'message_delta',
        'message_stop',
      ]);
    });

    test('tool_use streamed as input_json_delta fragments', async () => {
      const fragments: string[] = [];
      const stream = anthropic.messages.stream({
        model: 'claude-haiku-4-5',
        max_tokens: 100,
        tools: [
          { name: 'lookup', input_schema: { type: 'object', properties: { query: { type: 'string' } } } },
        ],
        tool_choice: { type: 'any' },
        messages: [{ role: 'user', content: 'find it' }],
      });
      stream.on('inputJson', (partial) => fragments.push(partial));
      const final = await stream.finalMessage();
      const block = final.content[0];
      assert.ok(block?.type === 'tool_use');
      assert.equal(block.name, 'lookup');
      assert.deepEqual(block.input, { query: 'fake' });
      assert.ok(fragments.length >= 2);
      assert.equal(final.stop_reason, 'tool_use');
    });

    test('max_tokens and stop sequences', async () => {
      const capped = await anthropic.messages.create({
        model: 'claude-sonnet-4-6',
        max_tokens: 2,
        messages: [{ role: 'user', content: 'one two three' }],
      });
      assert.equal(capped.stop_reason, 'max_tokens');
      assert.equal(capped.usage.output_tokens, 2);
      const stopped = await anthropic.messages.create({
        model: 'claude-sonnet-4-6',
        max_tokens: 100,
        stop_sequences: ['three'],
        messages: [{ role: 'user', content: 'one two three four' }],
      });
      assert.equal(stopped.stop_reason, 'stop_sequence');
      assert.equal(stopped.stop_sequence, 'three');
      assert.deepEqual(stopped.content, [{ type: 'text', text: 'echo: one two ' }]);
    });

    test('errors in Anthropic shape: 429, bad key, missing anthropic-version', async () => {
      await assert.rejects(
        anthropic.messages.create({
          model: 'claude-sonnet-4-6',
          max_tokens: 10,
          messages: [{ role: 'user', content: 'x #fake:status=429' }],
        }),
        (err: unknown) => {
          assert.ok(err instanceof Anthropic.RateLimitError);
          assert.equal(err.headers?.get('retry-after'), '1');
          assert.deepEqual((err.error as { error: { type: string } }).error.type, 'rate_limit_error');
          return true;
        },
      );
      const bad = new Anthropic({ apiKey: 'bad-key', baseURL: fake.url, maxRetries: 0 });
      await assert.rejects(
        bad.messages.create({
          model: 'claude-sonnet-4-6',
          max_tokens: 10,
          messages: [{ role: 'user', content: 'x' }],
        }),
        (err: unknown) => err instanceof Anthropic.AuthenticationError,
      );
      const res = await fetch(`${fake.url}/v1/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': 'k' },
        body: JSON.stringify({
          model: 'claude-sonnet-4-6',
          max_tokens: 10,
          messages: [{ role: 'user', content: 'x' }],
        }),
      });
      assert.equal(res.status, 400);
      assert.deepEqual(await res.json(), {
        type: 'error',
        error: { type: 'invalid_request_error', message: 'anthropic-version: header is required' },
        request_id: `req_fake_${3}`,
      });
      const noKey = await fetch(`${fake.url}/v1/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
        body: '{}',
      });
      assert.equal(noKey.status, 401);
      assert.equal(((await noKey.json()) as { error: { type: string } }).error.type, 'authentication_error');
    });

    test('break_after fails the SDK stream; models and count_tokens answer', async () => {
      const stream = anthropic.messages.stream({
        model: 'claude-sonnet-4-6',
        max_tokens: 100,
        messages: [{ role: 'user', content: 'x #fake:words=30 #fake:break_after=2' }],
      });
      await assert.rejects(stream.finalMessage());
      const models = await anthropic.models.list();
      assert.ok(models.data.some((m) => m.id.startsWith('claude')));
      const counted = await anthropic.messages.countTokens({
        model: 'claude-sonnet-4-6',
        messages: [{ role: 'user', content: 'x'.repeat(40) }],
      });
      assert.equal(counted.input_tokens, 10);
    });
  });

  test('close() ends stalled streams instead of hanging', async () => {
    const own = await startFakeUpstream();
    const client = new OpenAI({ apiKey: 'k', baseURL: `${own.url}/v1`, maxRetries: 0 });
    const stream = await client.chat.completions.create({
      model: 'gpt-4o',
      stream: true,
      messages: [{ role: 'user', content: 'x #fake:stall_after=1' }],
    });
    const it = stream[Symbol.asyncIterator]();
    await it.next(); // role chunk
    await it.next(); // first word
    const pending = it.next();
    await own.close();
    await assert.rejects(pending);
    assert.equal(own.requests[0]?.aborted, false);
  });
});

describe('fake upstream fast path', () => {
  let fake: FakeUpstream;
  before(async () => {
    fake = await startFakeUpstream({ fast: true, record: false });
  });
  after(() => fake.close());

  test('plain requests get the pre-rendered answer, directives still work', async () => {
    const openai = new OpenAI({ apiKey: 'k', baseURL: `${fake.url}/v1`, maxRetries: 0 });
    const a = await openai.chat.completions.create({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'q1' }],
    });
    const b = await openai.chat.completions.create({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'q2' }],
    });
    assert.equal(a.choices[0]?.message.content, 'echo: fast path lorem ipsum dolor');
    assert.deepEqual(a, b);
    assert.equal(a.usage?.prompt_tokens, 16);

    const stream = await openai.chat.completions.create({
      model: 'gpt-4o',
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: 'user', content: 'q3' }],
    });
    let text = '';
    let usage = 0;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      if (chunk.usage) usage = chunk.usage.completion_tokens;
    }
    assert.equal(text, 'echo: fast path lorem ipsum dolor');
    assert.equal(usage, 6);

    const directed = await openai.chat.completions.create({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'q4 #fake:words=2' }],
    });
    assert.equal(directed.choices[0]?.message.content, 'echo: q4');

    const anthropic = new Anthropic({ apiKey: 'k', baseURL: fake.url, maxRetries: 0 });
    const m = await anthropic.messages
      .stream({ model: 'claude-sonnet-4-6', max_tokens: 64, messages: [{ role: 'user', content: 'q5' }] })
      .finalMessage();
    assert.deepEqual(m.content, [{ type: 'text', text: 'echo: fast path lorem ipsum dolor' }]);
    assert.equal(m.usage.output_tokens, 6);

    assert.equal(fake.requests.length, 0);
    assert.equal(fake.count, 5);
  });
});
