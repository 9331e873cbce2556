import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseUsage, renderUsage } from './convert-usage.js';

test('input_tokens excludes cache: a cache write then a cache read (documented example)', () => {
  const write = {
    cache_creation_input_tokens: 188086,
    cache_read_input_tokens: 0,
    input_tokens: 21,
    output_tokens: 393,
  };
  assert.deepEqual(parseUsage(write), {
    inputUncached: 21,
    cacheRead: 0,
    cacheWrite5m: 188086,
    cacheWrite1h: 0,
    outputText: 393,
    reasoning: 0,
    raw: write,
  });
  const read = {
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: 188086,
    input_tokens: 21,
    output_tokens: 7,
  };
  const u = parseUsage(read);
  assert.equal(u.inputUncached, 21);
  assert.equal(u.cacheRead, 188086);
  assert.equal(u.cacheWrite5m, 0);
});

test('the TTL split comes from cache_creation; an uncovered remainder counts as a 5-minute write', () => {
  const u = parseUsage({
    input_tokens: 5,
    cache_creation_input_tokens: 300,
    cache_creation: { ephemeral_5m_input_tokens: 100, ephemeral_1h_input_tokens: 200 },
    output_tokens: 1,
  });
  assert.equal(u.cacheWrite5m, 100);
  assert.equal(u.cacheWrite1h, 200);
  const partial = parseUsage({
    cache_creation_input_tokens: 300,
    cache_creation: { ephemeral_5m_input_tokens: null, ephemeral_1h_input_tokens: 200 },
  });
  assert.equal(partial.cacheWrite5m, 100);
  assert.equal(partial.cacheWrite1h, 200);
  const nullSplit = parseUsage({ cache_creation_input_tokens: 50, cache_creation: null });
  assert.equal(nullSplit.cacheWrite5m, 50);
});

test('output_tokens includes thinking; thinking is capped at output_tokens', () => {
  const u = parseUsage({
    input_tokens: 1,
    output_tokens: 500,
    output_tokens_details: { thinking_tokens: 380 },
  });
  assert.equal(u.reasoning, 380);
  assert.equal(u.outputText, 120);
  const capped = parseUsage({ output_tokens: 10, output_tokens_details: { thinking_tokens: 99 } });
  assert.equal(capped.reasoning, 10);
  assert.equal(capped.outputText, 0);
});

test('missing or nonsense fields count as zero; raw is kept', () => {
  const u = parseUsage({ input_tokens: 'x', output_tokens: -3 });
  assert.equal(u.inputUncached, 0);
  assert.equal(u.outputText, 0);
  assert.deepEqual(parseUsage(null).raw, null);
});

test('renderUsage is the inverse for the counted fields', () => {
  const raw = {
    input_tokens: 21,
    cache_creation_input_tokens: 300,
    cache_read_input_tokens: 40,
    cache_creation: { ephemeral_5m_input_tokens: 100, ephemeral_1h_input_tokens: 200 },
    output_tokens: 500,
    output_tokens_details: { thinking_tokens: 380 },
  };
  assert.deepEqual(renderUsage(parseUsage(raw)), raw);
  const fromOpenAI = renderUsage({
    inputUncached: 900,
    cacheRead: 100,
    cacheWrite5m: 0,
    cacheWrite1h: 0,
    outputText: 20,
    reasoning: 0,
  });
  assert.deepEqual(fromOpenAI, {
    input_tokens: 900,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: 100,
    cache_creation: { ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: 0 },
    output_tokens: 20,
  });
});
