import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import { type Harness, OPENAI_KEY, startHarness, until } from './harness.js';

describe('gateway with the official openai client', () => {
  let h: Harness;
  let client: OpenAI;
  before(async () => {
    h = await startHarness();
    client = new OpenAI({ apiKey: 'penny', baseURL: `${h.app.url}/v1`, maxRetries: 0 });
  });
  after(() => h.close());

  test('non-streamed chat completion: answer, headers, and one priced ledger entry', async () => {
    h.fake.reset();
    const { data, response } = await client.chat.completions
      .create(
        {
          model: 'gpt-4o-mini',
          messages: [{ role: 'user', content: 'Hello there #fake:words=7 #fake:cached=1024' }],
        },
        { headers: { 'x-penny-feature': 'greeting', 'x-penny-user': 'u-1' } },
      )
      .withResponse();
    assert.match(data.choices[0]!.message.content ?? '', /^echo:/);
    const id = response.headers.get('x-penny-request-id');
    assert.ok(id?.startsWith('req_'));
    assert.equal(response.headers.get('x-penny-provider'), 'openai');
    const sent = h.fake.requests.at(-1)!;
    assert.equal(
      sent.headers.authorization,
      `Bearer ${OPENAI_KEY}`,
      'the configured key is used, not the placeholder',
    );
    const e = (await h.entries()).find((x) => x.id === id)!;
    assert.equal(e.feature, 'greeting');
    assert.equal(e.user, 'u-1');
    assert.equal(e.provider, 'openai');
    assert.equal(e.requestedModel, 'gpt-4o-mini');
    assert.equal(e.status, 'ok');
    assert.equal(e.outputText, data.usage!.completion_tokens);
    // OpenAI prompt_tokens INCLUDES cached tokens: the ledger splits them.
    assert.equal(e.cacheRead, 1024);
    assert.equal(e.inputUncached + e.cacheRead, data.usage!.prompt_tokens);
    // gpt-4o-mini: $0.15 / 1M input, $0.075 cached, $0.60 output → picodollars per token 150_000 / 75_000 / 600_000.
    const expected = BigInt(e.inputUncached) * 150_000n + 1024n * 75_000n + BigInt(e.outputText) * 600_000n;
    assert.equal(e.cost, expected);
    assert.equal(e.baselineCost, expected);
    assert.deepEqual(e.savings, {});
    assert.equal(
      response.headers.get('x-penny-cost-usd'),
      (Number(expected) / 1e12).toFixed(12).replace(/0+$/, ''),
    );
  });

  test('streamed: usage is captured upstream but hidden from a client that did not ask for it', async () => {
    h.fake.reset();
    const stream = await client.chat.completions.create({
      model: 'gpt-4o',
      stream: true,
      messages: [{ role: 'user', content: 'Stream please #fake:words=12' }],
    });
    let text = '';
    let sawUsage = false;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta?.content ?? '';
      if (chunk.usage) sawUsage = true;
    }
    assert.match(text, /^echo: Stream please/);
    assert.equal(sawUsage, false);
    const sent = h.fake.requests.at(-1)!.body as { stream_options?: { include_usage?: boolean } };
    assert.equal(sent.stream_options?.include_usage, true, 'Penny asks upstream for usage');
    const e = (await h.entries()).at(-1)!;
    assert.equal(e.stream, true);
    assert.equal(e.outputText, 12);
    assert.equal(e.usageEstimated, false);
    assert.ok(e.cost !== null && e.cost > 0n);
    assert.ok(e.ttftMs !== null && e.ttftMs >= 0);
  });

  test('streamed with include_usage: the client gets the usage chunk; streamed and non-streamed cost the same', async () => {
    const msg = [{ role: 'user' as const, content: 'Same cost either way #fake:words=9' }];
    const stream = await client.chat.completions.create({
      model: 'gpt-4o',
      stream: true,
      stream_options: { include_usage: true },
      messages: msg,
    });
    let usage: OpenAI.CompletionUsage | undefined;
    for await (const chunk of stream) if (chunk.usage) usage = chunk.usage;
    assert.equal(usage?.completion_tokens, 9);
    await client.chat.completions.create({ model: 'gpt-4o', messages: msg });
    const [a, b] = (await h.entries()).slice(-2);
    assert.equal(a!.cost, b!.cost);
    assert.equal(a!.inputUncached, b!.inputUncached);
  });

  test('tools, tool results, n, logprobs, stop, json mode and unknown fields pass through untouched', async () => {
    h.fake.reset();
    const tools: OpenAI.ChatCompletionTool[] = [
      {
        type: 'function',
        function: {
          name: 'get_weather',
          description: 'Weather',
          parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
        },
      },
    ];
    const body = {
      model: 'gpt-4o',
      messages: [
        { role: 'system' as const, content: 'Be brief.' },
        {
          role: 'user' as const,
          content: [
            { type: 'text' as const, text: 'Weather?' },
            {
              type: 'image_url' as const,
              image_url: { url: 'data:image/png;base64,iVBORw0KGgo=', detail: 'low' as const },
            },
          ],
        },
        {
          role: 'assistant' as const,
          content: null,
          tool_calls: [
            {
              id: 'call_1',
              type: 'function' as const,
              function: { name: 'get_weather', arguments: '{"city":"Paris"}' },
            },
          ],
        },
        { role: 'tool' as const, tool_call_id: 'call_1', content: '{"temp":21}' },
        { role: 'user' as const, content: 'And now? #fake:words=3' },
      ],
      tools,
      tool_choice: 'auto' as const,
      n: 2,
      logprobs: true,
      top_logprobs: 2,
      stop: ['###'],
      response_format: { type: 'json_object' as const },
      seed: 7,
      some_vendor_field: { keep: true },
    };
    const res = await client.chat.completions.create(body as OpenAI.ChatCompletionCreateParamsNonStreaming);
    assert.equal(res.choices.length, 2);
    const sent = h.fake.requests.at(-1)!.body as Record<string, unknown>;
    const { model: _m, ...rest } = body;
    for (const [k, v] of Object.entries(rest)) assert.deepEqual(sent[k], v, `field ${k} passed through`);
  });

  test('a client that goes away mid-stream aborts the upstream at once; the tokens so far are priced', async () => {
    h.fake.reset();
    const ac = new AbortController();
    const stream = await client.chat.completions.create(
      {
        model: 'gpt-4o',
        stream: true,
        messages: [{ role: 'user', content: 'Long answer #fake:words=400 #fake:chunk_delay=5' }],
      },
      { signal: ac.signal },
    );
    let got = 0;
    // The SDK ends the iteration (or throws APIUserAbortError, depending on timing) once aborted.
    await (async () => {
      for await (const chunk of stream) {
        if (chunk.choices[0]?.delta?.content) got++;
        if (got === 5) ac.abort();
      }
    })().catch((e: unknown) => assert.equal((e as Error).name, 'APIUserAbortError'));
    // Chunks already parsed from the last network read may still be yielded after the abort.
    assert.ok(got >= 5 && got < 400, `the stream ended soon after the abort (${got} chunks)`);
    await until(() => h.fake.requests.at(-1)?.aborted === true);
    const e = (await h.entries()).at(-1)!;
    assert.equal(e.status, 'aborted');
    assert.ok(e.flags.includes('client_aborted'));
    assert.equal(e.usageEstimated, true);
    assert.ok(e.outputText > 0 && e.outputText < 400, `output so far is priced (${e.outputText})`);
    assert.ok(e.inputUncached > 0);
    assert.ok(e.cost !== null && e.cost > 0n);
  });
});
