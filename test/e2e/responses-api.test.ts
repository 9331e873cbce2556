/**
 * The OpenAI Responses API end to end with the official `openai` client: same-format (an OpenAI provider's
 * own /v1/responses) and cross-format (Claude), streamed and not, tools, structured output, reasoning,
 * previous_response_id and GET /v1/responses/{id} — every body and stream event validated against OpenAI's
 * OpenAPI spec, every request with its ledger entry and exact cost.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import { zodTextFormat } from 'openai/helpers/zod';
import { z } from 'zod';
import { type Harness, startHarness } from './harness.js';
import { assertOpenApi } from './openapi.js';

type Body = Record<string, unknown>;

describe('Responses API with the official openai client', () => {
  let h: Harness;
  let client: OpenAI;
  before(async () => {
    h = await startHarness({ config: { responses: { store: 'memory' } } });
    client = new OpenAI({ apiKey: 'penny', baseURL: `${h.app.url}/v1`, maxRetries: 0 });
  });
  after(() => h.close());

  const entryOf = async (id: string | null) => {
    assert.ok(id);
    const e = (await h.entries()).find((x) => x.id === id);
    assert.ok(e, `ledger entry ${id}`);
    return e;
  };

  test("non-streamed, same format: forwarded to the provider's /v1/responses, priced exactly", async () => {
    h.fake.reset();
    const { data, response } = await client.responses
      .create(
        {
          model: 'gpt-4o-mini',
          instructions: 'Be brief.',
          input: 'Hello Responses #fake:words=6 #fake:cached=1024',
        },
        { headers: { 'x-penny-feature': 'agent' } },
      )
      .withResponse();
    assertOpenApi('Response', data);
    assert.match(data.output_text, /^echo: Hello Responses/);
    assert.equal(data.status, 'completed');
    const sent = h.fake.requests.at(-1)!;
    assert.equal(sent.path, '/v1/responses');
    assert.equal((sent.body as Body).instructions, 'Be brief.');
    const e = await entryOf(response.headers.get('x-penny-request-id'));
    assert.equal(e.dialect, 'responses');
    assert.equal(e.feature, 'agent');
    assert.equal(e.provider, 'openai');
    assert.equal(e.cacheRead, 1024);
    assert.equal(e.inputUncached + e.cacheRead, data.usage!.input_tokens);
    assert.equal(e.outputText, 6);
    const expected = BigInt(e.inputUncached) * 150_000n + 1024n * 75_000n + 6n * 600_000n;
    assert.equal(e.cost, expected);
  });

  test('streamed, same format: typed events pass through, each valid; usage priced', async () => {
    h.fake.reset();
    const stream = await client.responses.create({
      model: 'gpt-4o-mini',
      input: [{ role: 'user', content: 'Stream it #fake:words=5' }],
      stream: true,
    });
    const types: string[] = [];
    let text = '';
    let completed: Body | undefined;
    for await (const ev of stream) {
      assertOpenApi('ResponseStreamEvent', ev);
      types.push(ev.type);
      if (ev.type === 'response.output_text.delta') text += ev.delta;
      if (ev.type === 'response.completed') completed = ev.response as unknown as Body;
    }
    assert.equal(types[0], 'response.created');
    assert.equal(types.at(-1), 'response.completed');
    assert.match(text, /^echo: Stream it/);
    const usage = completed!.usage as { output_tokens: number };
    assert.equal(usage.output_tokens, 5);
    const e = (await h.entries()).at(-1)!;
    assert.equal(e.stream, true);
    assert.equal(e.dialect, 'responses');
    assert.equal(e.outputText, 5);
    assert.equal(e.usageEstimated, false);
    assert.equal(e.cost, BigInt(e.inputUncached) * 150_000n + 5n * 600_000n);
  });

  test('non-streamed, cross format: served by Claude, rendered as a valid Response', async () => {
    h.fake.reset();
    const { data, response } = await client.responses
      .create({
        model: 'claude-haiku-4-5',
        instructions: 'You are terse.',
        input: 'Hi Claude #fake:words=4',
        max_output_tokens: 100,
      })
      .withResponse();
    assertOpenApi('Response', data);
    assert.ok(data.id.startsWith('resp_'));
    assert.match(data.output_text, /^echo: Hi Claude/);
    assert.ok(data.created_at > 1_600_000_000, 'a real creation time');
    const sent = h.fake.requests.at(-1)!;
    assert.equal(sent.path, '/v1/messages');
    assert.equal((sent.body as Body).system, 'You are terse.');
    assert.equal((sent.body as Body).max_tokens, 100);
    const e = await entryOf(response.headers.get('x-penny-request-id'));
    assert.equal(e.provider, 'anthropic');
    assert.equal(e.outputText, 4);
    assert.equal(data.usage!.output_tokens, 4);
    assert.equal(data.usage!.input_tokens, e.inputUncached);
    assert.equal(e.cost, BigInt(e.inputUncached) * 1_000_000n + 4n * 5_000_000n);
  });

  test("streamed, cross format: Claude's stream becomes valid Responses events", async () => {
    h.fake.reset();
    const stream = client.responses.stream({
      model: 'claude-haiku-4-5',
      input: 'Stream from Claude #fake:words=7',
    });
    const seen: string[] = [];
    let last = -1;
    for await (const ev of stream) {
      assertOpenApi('ResponseStreamEvent', ev);
      assert.equal(ev.sequence_number, last + 1, 'sequence numbers count up');
      last = ev.sequence_number;
      seen.push(ev.type);
    }
    const final = await stream.finalResponse();
    assertOpenApi('Response', final);
    assert.match(final.output_text, /^echo: Stream from Claude/);
    for (const t of [
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.content_part.added',
      'response.output_text.delta',
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.completed',
    ])
      assert.ok(seen.includes(t), t);
    const e = (await h.entries()).at(-1)!;
    assert.equal(e.provider, 'anthropic');
    assert.equal(e.stream, true);
    assert.equal(e.outputText, 7);
    assert.equal(final.usage!.output_tokens, 7);
    assert.equal(e.cost, BigInt(e.inputUncached) * 1_000_000n + 7n * 5_000_000n);
  });

  const weather = {
    type: 'function' as const,
    name: 'get_weather',
    description: 'Weather in a city',
    parameters: {
      type: 'object',
      properties: { city: { type: 'string' } },
      required: ['city'],
      additionalProperties: false,
    },
    strict: true,
  };

  for (const model of ['gpt-4o-mini', 'claude-haiku-4-5']) {
    test(`function tools and their outputs over previous_response_id (${model})`, async () => {
      h.fake.reset();
      const first = await client.responses.create({
        model,
        input: 'Weather in Paris?',
        tools: [weather],
        tool_choice: 'required',
      });
      assertOpenApi('Response', first);
      const call = first.output.find((o) => o.type === 'function_call');
      assert.ok(call && call.type === 'function_call');
      assert.equal(call.name, 'get_weather');
      assert.deepEqual(JSON.parse(call.arguments), { city: 'fake' });
      const second = await client.responses.create({
        model,
        previous_response_id: first.id,
        input: [{ type: 'function_call_output', call_id: call.call_id, output: '{"temp": 21}' }],
        tools: [weather],
      });
      assertOpenApi('Response', second);
      assert.equal(second.previous_response_id, first.id);
      assert.match(second.output_text, /^echo: Weather in Paris/);
      const sent = h.fake.requests.at(-1)!.body as Body;
      assert.equal(sent.previous_response_id, undefined, 'Penny expands the history itself');
      const wire = JSON.stringify(sent);
      assert.ok(wire.includes('Weather in Paris?'), 'the first turn is sent again');
      assert.ok(wire.includes(call.call_id), 'the call and its output are sent');
      assert.ok(wire.includes('{\\"temp\\": 21}'));
      const entries = await h.entries();
      assert.equal(entries.at(-1)!.status, 'ok');
      assert.ok(entries.at(-1)!.cost! > 0n);
    });
  }

  test('GET /v1/responses/{id} returns the stored response; store: false is not kept; unknown ids 404', async () => {
    const kept = await client.responses.create({ model: 'gpt-4o-mini', input: 'keep me' });
    const got = await client.responses.retrieve(kept.id);
    assert.deepEqual(got, kept);
    const gone = await client.responses.create({
      model: 'claude-haiku-4-5',
      input: 'forget me',
      store: false,
    });
    assert.equal((gone as unknown as Body).store, false);
    await assert.rejects(client.responses.retrieve(gone.id), (e: unknown) => {
      assert.ok(e instanceof OpenAI.NotFoundError);
      return true;
    });
    await assert.rejects(
      client.responses.create({ model: 'gpt-4o-mini', input: 'x', previous_response_id: 'resp_nope' }),
      (e: unknown) => {
        assert.ok(e instanceof OpenAI.NotFoundError);
        assert.match((e as Error).message, /resp_nope/);
        return true;
      },
    );
    await client.responses.delete(kept.id);
    await assert.rejects(client.responses.retrieve(kept.id), OpenAI.NotFoundError);
  });

  test('streamed responses are stored too, and continue across providers', async () => {
    h.fake.reset();
    const s = client.responses.stream({ model: 'gpt-4o-mini', input: 'first turn #fake:words=3' });
    for await (const _ of s);
    const first = await s.finalResponse();
    const got = await client.responses.retrieve(first.id);
    assert.equal(got.id, first.id);
    const second = await client.responses.create({
      model: 'claude-haiku-4-5',
      previous_response_id: first.id,
      input: 'second turn',
    });
    assertOpenApi('Response', second);
    const sent = h.fake.requests.at(-1)!;
    assert.equal(sent.path, '/v1/messages');
    const messages = (sent.body as { messages: Array<{ role: string }> }).messages;
    assert.deepEqual(
      messages.map((m) => m.role),
      ['user', 'assistant', 'user'],
    );
  });

  test('text.format json_schema: responses.parse with a zod model; Claude gets the schema as an instruction', async () => {
    const Answer = z.object({ city: z.string(), celsius: z.number() });
    h.fake.reset();
    const r = await client.responses.parse({
      model: 'gpt-4o-mini',
      input: 'Weather as JSON',
      text: { format: zodTextFormat(Answer, 'weather') },
    });
    assertOpenApi('Response', r);
    assert.equal(typeof r.output_parsed?.city, 'string');
    assert.equal(typeof r.output_parsed?.celsius, 'number');
    const sentFormat = ((h.fake.requests.at(-1)!.body as Body).text as Body).format as Body;
    assert.equal(sentFormat.type, 'json_schema');
    assert.equal(sentFormat.name, 'weather');
    const c = await client.responses.create({
      model: 'claude-haiku-4-5',
      input: 'Weather as JSON',
      text: { format: zodTextFormat(Answer, 'weather') },
    });
    assertOpenApi('Response', c);
    assert.deepEqual(c.text?.format?.type, 'json_schema', 'the format is echoed');
    const system = JSON.stringify((h.fake.requests.at(-1)!.body as Body).system);
    assert.match(system, /celsius/, 'the schema reaches Claude as an instruction');
  });

  test('reasoning: effort forwarded, reasoning tokens reported and priced as output', async () => {
    h.fake.reset();
    const { data, response } = await client.responses
      .create({
        model: 'o4-mini',
        input: 'Think #fake:words=3 #fake:reasoning=40',
        reasoning: { effort: 'low' },
      })
      .withResponse();
    assertOpenApi('Response', data);
    assert.deepEqual((h.fake.requests.at(-1)!.body as Body).reasoning, { effort: 'low' });
    assert.equal(data.usage!.output_tokens_details.reasoning_tokens, 40);
    assert.ok(
      data.output.some((o) => o.type === 'reasoning'),
      'the reasoning item reaches the client',
    );
    const e = await entryOf(response.headers.get('x-penny-request-id'));
    assert.equal(e.reasoning, 40);
    assert.equal(e.outputText, 3);
    // o4-mini: $1.10 / 1M input, $4.40 / 1M output (reasoning billed as output).
    assert.equal(e.cost, BigInt(e.inputUncached) * 1_100_000n + 43n * 4_400_000n);
  });

  test('bad input gets an OpenAI-shaped 400 naming the field, and a ledger entry', async () => {
    await assert.rejects(
      client.responses.create({ model: 'gpt-4o-mini', input: [{ type: 'function_call_output' }] as never }),
      (e: unknown) => {
        assert.ok(e instanceof OpenAI.BadRequestError);
        assert.match((e as Error).message, /input\[0\]\.call_id/);
        return true;
      },
    );
    const e = (await h.entries()).at(-1)!;
    assert.equal(e.status, 'error');
    assert.equal(e.dialect, 'responses');
  });
});
