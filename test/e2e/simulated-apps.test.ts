/**
 * The offline try-out covers what real apps do: with no provider configured, the simulated upstream calls
 * offered tools (honouring tool_choice, arguments valid against the tool's schema), answers a JSON schema
 * with valid JSON (`chat.completions.parse` / `responses.parse` with zod work), returns logprobs when asked,
 * and serves the Responses API — every entry marked simulated.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import { Ajv2020 } from 'ajv/dist/2020.js';
import OpenAI from 'openai';
import { zodResponseFormat, zodTextFormat } from 'openai/helpers/zod';
import { z } from 'zod';
import { type Harness, startHarness } from './harness.js';
import { assertOpenApi } from './openapi.js';

const ajv = new Ajv2020({ strict: false });

const weatherParams = {
  type: 'object',
  properties: {
    city: { type: 'string', minLength: 2 },
    unit: { type: 'string', enum: ['celsius', 'fahrenheit'] },
    days: { type: 'integer', minimum: 1, maximum: 5 },
  },
  required: ['city', 'unit', 'days'],
  additionalProperties: false,
};
const tools = [
  {
    type: 'function' as const,
    function: { name: 'get_time', parameters: { type: 'object', properties: {} } },
  },
  { type: 'function' as const, function: { name: 'get_weather', parameters: weatherParams } },
];

describe('offline try-out (simulated upstream) for real apps', () => {
  let h: Harness;
  let openai: OpenAI;
  before(async () => {
    h = await startHarness({ noProviders: true });
    openai = new OpenAI({ apiKey: 'penny', baseURL: `${h.app.url}/v1`, maxRetries: 0 });
  });
  after(() => h.close());

  test('tools offered: a tool call honouring tool_choice, arguments valid against the schema', async () => {
    const forced = await openai.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'Weather in Oslo?' }],
      tools,
      tool_choice: { type: 'function', function: { name: 'get_weather' } },
    });
    assertOpenApi('CreateChatCompletionResponse', forced);
    const call = forced.choices[0]!.message.tool_calls![0]!;
    assert.equal(forced.choices[0]!.finish_reason, 'tool_calls');
    assert.ok(call.type === 'function' && call.function.name === 'get_weather');
    const args = JSON.parse(call.function.arguments);
    assert.ok(ajv.validate(weatherParams, args), ajv.errorsText());
    const auto = await openai.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'What time is it?' }],
      tools,
    });
    assert.equal(auto.choices[0]!.message.tool_calls?.[0]?.type, 'function');
    const none = await openai.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'No tools please' }],
      tools,
      tool_choice: 'none',
    });
    assert.equal(none.choices[0]!.message.tool_calls, undefined);
    assert.match(none.choices[0]!.message.content ?? '', /simulated/);
    const followUp = await openai.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [
        { role: 'user', content: 'Weather in Oslo?' },
        { role: 'assistant', content: null, tool_calls: [call] },
        { role: 'tool', tool_call_id: call.id, content: '{"temp": 3}' },
      ],
      tools,
    });
    assert.equal(followUp.choices[0]!.finish_reason, 'stop', 'after a tool result the model answers');
    const e = (await h.entries()).at(-1)!;
    assert.equal(e.simulated, true);
  });

  test('streamed tool call and Anthropic tool_use, arguments valid', async () => {
    const stream = openai.chat.completions.stream({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'Weather?' }],
      tools,
      tool_choice: 'required',
    });
    const final = await stream.finalChatCompletion();
    assert.equal(final.choices[0]!.message.tool_calls?.[0]?.type, 'function');
    const anthropic = new Anthropic({ apiKey: 'penny', baseURL: h.app.url, maxRetries: 0 });
    const msg = await anthropic.messages.create({
      model: 'claude-haiku-4-5',
      max_tokens: 200,
      messages: [{ role: 'user', content: 'Weather in Oslo?' }],
      tools: [{ name: 'get_weather', input_schema: weatherParams as Anthropic.Tool.InputSchema }],
      tool_choice: { type: 'tool', name: 'get_weather' },
    });
    const use = msg.content.find((b) => b.type === 'tool_use');
    assert.ok(use && use.type === 'tool_use');
    assert.ok(ajv.validate(weatherParams, use.input), ajv.errorsText());
    assert.equal(msg.stop_reason, 'tool_use');
  });

  test('structured output: chat.completions.parse and responses.parse with zod models', async () => {
    const Plan = z.object({
      title: z.string(),
      steps: z.array(z.object({ n: z.number().int(), what: z.string() })),
      priority: z.enum(['low', 'high']),
      due: z.string().nullable(),
    });
    const chat = await openai.chat.completions.parse({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'Plan my week' }],
      response_format: zodResponseFormat(Plan, 'plan'),
    });
    const parsed = chat.choices[0]!.message.parsed;
    assert.ok(parsed);
    assert.equal(Plan.safeParse(parsed).success, true);
    const resp = await openai.responses.parse({
      model: 'gpt-4o-mini',
      input: 'Plan my week',
      text: { format: zodTextFormat(Plan, 'plan') },
    });
    assertOpenApi('Response', resp);
    assert.equal(Plan.safeParse(resp.output_parsed).success, true);
  });

  test('logprobs when asked', async () => {
    const r = await openai.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'Hi' }],
      logprobs: true,
      top_logprobs: 2,
    });
    const lp = r.choices[0]!.logprobs!.content!;
    assert.ok(lp.length > 3);
    assert.equal(lp.map((t) => t.token).join(''), r.choices[0]!.message.content);
    assert.equal(lp[0]!.top_logprobs.length, 2);
    assertOpenApi('CreateChatCompletionResponse', r);
  });

  test('the Responses API offline: created and streamed, tools included, entries simulated', async () => {
    const r = await openai.responses.create({ model: 'gpt-4o-mini', input: 'Hello offline' });
    assertOpenApi('Response', r);
    assert.match(r.output_text, /simulated/);
    const s = openai.responses.stream({
      model: 'gpt-4o-mini',
      input: 'Weather in Oslo?',
      tools: [{ type: 'function', name: 'get_weather', parameters: weatherParams, strict: true }],
    });
    for await (const ev of s) assertOpenApi('ResponseStreamEvent', ev);
    const final = await s.finalResponse();
    const call = final.output.find((o) => o.type === 'function_call');
    assert.ok(call && call.type === 'function_call');
    assert.ok(ajv.validate(weatherParams, JSON.parse(call.arguments)), ajv.errorsText());
    const next = await openai.responses.create({
      model: 'gpt-4o-mini',
      previous_response_id: final.id,
      input: [{ type: 'function_call_output', call_id: call.call_id, output: '{"temp": 3}' }],
    });
    assert.match(next.output_text, /tool results/);
    const e = (await h.entries()).at(-1)!;
    assert.equal(e.simulated, true);
    assert.equal(e.dialect, 'responses');
  });
});
