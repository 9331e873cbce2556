import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CanonicalRequest } from '../core/request.js';
import { countOutputTokens } from './count-text.js';
import { countRequestTokens } from './count-request.js';
import { encoderLoaded } from './encoders.js';
import { estimateTokens } from './estimate-tokens.js';

const request: CanonicalRequest = {
  dialect: 'openai',
  model: 'gpt-4o',
  system: [{ type: 'text', text: 'You are a helpful assistant. <|endoftext|> is plain text here.' }],
  messages: [
    { role: 'user', content: [{ type: 'text', text: 'Hello, how are you? Ünïcödé, 漢字, emoji 🎉.' }] },
    { role: 'assistant', content: [{ type: 'text', text: 'Fine, thanks.' }] },
  ],
  tools: [
    {
      name: 'get_weather',
      description: 'Weather in a city',
      parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
    },
  ],
  stream: true,
  extra: {},
};
const output = 'The weather in Paris is 21 °C and sunny; 東京 is 18 °C.';
const models = ['gpt-4o', 'gpt-4', 'claude-sonnet-4-5', 'gemini-2.5-pro', 'some-unknown-model'];

test('estimates are counted in the worker thread, with the same numbers as counting in-process', async () => {
  const fromWorker = [];
  for (const model of models) fromWorker.push(await estimateTokens(request, output, model));
  const onlyOutput = await estimateTokens(null, output, 'claude-sonnet-4-5');
  // The rank tables were never loaded on this (the gateway's) thread.
  assert.equal(encoderLoaded('o200k_base'), false);
  assert.equal(encoderLoaded('cl100k_base'), false);

  const here = models.map((model) => ({
    input: countRequestTokens(request, model).tokens,
    output: countOutputTokens(output, model).tokens,
  }));
  assert.deepEqual(fromWorker, here);
  assert.deepEqual(onlyOutput, { input: null, output: here[2]!.output });
  assert.ok(here.every((c) => c.input > 20 && c.output > 10));
  // Once the encoder lives here, the count stays in-process and agrees.
  assert.deepEqual(await estimateTokens(request, output, 'gpt-4o'), here[0]);
});

test('nothing to count resolves at once', async () => {
  assert.deepEqual(await estimateTokens(null, '', 'gpt-4o'), { input: null, output: 0 });
});
