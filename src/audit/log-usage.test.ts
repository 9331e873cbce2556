import assert from 'node:assert/strict';
import { test } from 'node:test';
import { anthropicLogUsage, openAiLogUsage } from './log-usage.js';

test('Anthropic log usage keeps the thinking split and the cache TTL split (the providers’ converter)', () => {
  assert.deepEqual(
    anthropicLogUsage({
      input_tokens: 100,
      cache_read_input_tokens: 40,
      cache_creation_input_tokens: 30,
      cache_creation: { ephemeral_5m_input_tokens: 10, ephemeral_1h_input_tokens: 20 },
      output_tokens: 50,
      output_tokens_details: { thinking_tokens: 20 },
    }),
    { inputUncached: 100, cacheRead: 40, cacheWrite5m: 10, cacheWrite1h: 20, outputText: 30, reasoning: 20 },
  );
});

test('OpenAI log usage: Chat Completions and Responses names, digit strings read as numbers', () => {
  const expected = {
    inputUncached: 70,
    cacheRead: 30,
    cacheWrite5m: 0,
    cacheWrite1h: 0,
    outputText: 15,
    reasoning: 5,
  };
  assert.deepEqual(
    openAiLogUsage({
      prompt_tokens: '100',
      completion_tokens: 20,
      prompt_tokens_details: { cached_tokens: '30' },
      completion_tokens_details: { reasoning_tokens: 5 },
    }),
    expected,
  );
  assert.deepEqual(
    openAiLogUsage({
      input_tokens: 100,
      output_tokens: 20,
      input_tokens_details: { cached_tokens: 30 },
      output_tokens_details: { reasoning_tokens: 5 },
    }),
    expected,
  );
});
