import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CanonicalRequest } from '../core/request.js';
import { countOutputTokens } from './count-text.js';
import { countRequestTokens } from './count-request.js';
import { encoderLoaded } from './encoders.js';
import { type EstimatedTokens, estimateTokens } from './estimate-tokens.js';

const request: CanonicalRequest = {
  dialect: 'openai',
  model: 'gpt-4o',
  system: [{ type: 'text', text: 'You are a helpful assistant. <|endoftext|> is plain text here.' }],
  messages: [
    { role: 'user', content: [{ type: 'text', text: 'Hello, how are you? Ünïcödé, 漢字, emoji 🎉.' }] },
    {
      role: 'assistant',
      name: 'helper',
      content: [
        { type: 'text', text: 'Fine, thanks.' },
        { type: 'tool_call', id: 'c1', name: 'get_weather', arguments: '{"city":"Paris"}' },
      ],
    },
  ],
  tools: [
    {
      name: 'get_weather',
      description: 'Weather in a city.',
      parameters: {
        type: 'object',
        properties: { city: { type: 'string', description: 'The city.' }, unit: { enum: ['C', 'F'] } },
        required: ['city'],
      },
    },
  ],
  responseFormat: { type: 'json_schema', name: 'answer', schema: { type: 'object' } },
  stream: true,
  extra: {},
};
const output = 'The weather in Paris is 21 °C and sunny; 東京 is 18 °C.';
const models = ['gpt-4o', 'gpt-4', 'claude-sonnet-4-5', 'gemini-2.5-pro', 'some-unknown-model'];

/** Resolves `p`, counting the turns of the event loop (setImmediate) that ran before it settled. */
async function turnsUntil<T>(p: Promise<T>): Promise<{ value: T; turns: number }> {
  let turns = 0;
  let settled = false;
  const spin = () => {
    if (settled) return;
    turns++;
    setImmediate(spin);
  };
  setImmediate(spin);
  const value = await p;
  settled = true;
  return { value, turns };
}

test('a rank table is built on this thread a slice at a time, with the event loop turning between', async () => {
  assert.equal(encoderLoaded('cl100k_base'), false);
  const { value, turns } = await turnsUntil(estimateTokens(null, output, 'gpt-4'));
  assert.deepEqual(value, { input: null, output: countOutputTokens(output, 'gpt-4').tokens });
  assert.equal(encoderLoaded('cl100k_base'), true);
  // cl100k_base has 100,256 lines, 4,000 per slice: ~25 slices, each after a turn of the loop.
  assert.ok(turns >= 20, `${turns} turns`);
});

test('estimates give the numbers of counting at once, for every kind of model', async () => {
  const estimated: EstimatedTokens[] = await Promise.all(
    models.map((model) => estimateTokens(request, output, model)),
  );
  const here = models.map((model) => ({
    input: countRequestTokens(request, model).tokens,
    output: countOutputTokens(output, model).tokens,
  }));
  assert.deepEqual(estimated, here);
  assert.ok(here.every((c) => c.input > 20 && c.output > 10));
  assert.deepEqual(await estimateTokens(null, output, 'claude-sonnet-4-5'), {
    input: null,
    output: here[2]!.output,
  });
  assert.deepEqual(await estimateTokens(request, '', 'gpt-4o'), { input: here[0]!.input, output: 0 });
});

test('a long text is counted a slice at a time, to the same count', async () => {
  await estimateTokens(null, 'warm', 'gpt-4o'); // the table is loaded
  const long = `${'Ünïcödé text, 漢字 and numbers 12345 — '.repeat(4000)}end.`;
  const { value, turns } = await turnsUntil(estimateTokens(null, long, 'gpt-4o'));
  assert.deepEqual(value, { input: null, output: countOutputTokens(long, 'gpt-4o').tokens });
  // 160,004 characters, 8,000 per slice.
  assert.ok(turns >= 15, `${turns} turns`);
  // A short one with its table loaded is counted before estimateTokens returns.
  const short = await turnsUntil(estimateTokens(null, output, 'gpt-4o'));
  assert.equal(short.turns, 0);
});

test('estimates queued behind a long one resolve in order, each with its own count', async () => {
  const long = 'word '.repeat(30_000);
  const order: number[] = [];
  const jobs = [long, output, 'short', long.slice(0, 9_000)].map((text, i) =>
    estimateTokens(null, text, 'gpt-4o').then((r) => {
      order.push(i);
      return r.output;
    }),
  );
  const counts = await Promise.all(jobs);
  assert.deepEqual(order, [0, 1, 2, 3]);
  assert.deepEqual(
    counts,
    [long, output, 'short', long.slice(0, 9_000)].map((t) => countOutputTokens(t, 'gpt-4o').tokens),
  );
});

test('nothing to count resolves at once, without a table', async () => {
  assert.deepEqual(await estimateTokens(null, '', 'gpt-4o'), { input: null, output: 0 });
});
