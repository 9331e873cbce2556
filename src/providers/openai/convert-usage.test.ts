import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseUsage, renderUsage } from './convert-usage.js';

test('prompt_tokens includes cached tokens; completion_tokens includes reasoning', () => {
  const raw = {
    prompt_tokens: 2006,
    completion_tokens: 300,
    total_tokens: 2306,
    prompt_tokens_details: { cached_tokens: 1920, audio_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: 100, accepted_prediction_tokens: 0 },
  };
  assert.deepEqual(parseUsage(raw), {
    inputUncached: 86,
    cacheRead: 1920,
    cacheWrite5m: 0,
    cacheWrite1h: 0,
    outputText: 200,
    reasoning: 100,
    raw,
  });
});

test('cache_write_tokens (GPT-5.6+) are also part of prompt_tokens', () => {
  const u = parseUsage({
    prompt_tokens: 5000,
    completion_tokens: 10,
    prompt_tokens_details: { cached_tokens: 1000, cache_write_tokens: 3000 },
  });
  assert.equal(u.inputUncached, 1000);
  assert.equal(u.cacheRead, 1000);
  assert.equal(u.cacheWrite5m, 3000);
  assert.equal(u.outputText, 10);
  assert.equal(u.reasoning, 0);
});

test('missing details and junk count as zero, never negative', () => {
  assert.deepEqual(parseUsage({ prompt_tokens: 12, completion_tokens: 3 }), {
    inputUncached: 12,
    cacheRead: 0,
    cacheWrite5m: 0,
    cacheWrite1h: 0,
    outputText: 3,
    reasoning: 0,
    raw: { prompt_tokens: 12, completion_tokens: 3 },
  });
  const bad = parseUsage({
    prompt_tokens: 5,
    prompt_tokens_details: { cached_tokens: 9 },
    completion_tokens: 'x',
  });
  assert.equal(bad.inputUncached, 0);
  assert.equal(bad.outputText, 0);
  assert.equal(parseUsage(null).inputUncached, 0);
});

test('renders canonical usage back to the same OpenAI numbers, keeping other raw details', () => {
  const raw = {
    prompt_tokens: 2006,
    completion_tokens: 300,
    total_tokens: 2306,
    prompt_tokens_details: { cached_tokens: 1920, audio_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: 100, accepted_prediction_tokens: 0 },
  };
  assert.deepEqual(renderUsage(parseUsage(raw)), raw);
});

test('renders usage from another dialect with every input token counted in prompt_tokens', () => {
  const out = renderUsage({
    inputUncached: 10,
    cacheRead: 100,
    cacheWrite5m: 20,
    cacheWrite1h: 5,
    outputText: 7,
    reasoning: 3,
    raw: { input_tokens: 10, cache_read_input_tokens: 100 },
  });
  assert.deepEqual(out, {
    prompt_tokens: 135,
    completion_tokens: 10,
    total_tokens: 145,
    prompt_tokens_details: { cached_tokens: 100, cache_write_tokens: 25 },
    completion_tokens_details: { reasoning_tokens: 3 },
  });
});

test('bare counts from an OpenAI-compatible server render back bare', () => {
  const raw = { prompt_tokens: 12, completion_tokens: 6, total_tokens: 18 };
  assert.deepEqual(renderUsage(parseUsage(raw)), raw);
});
