import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { CanonicalRequest } from '../core/request.js';
import type { PriceEntry } from '../pricing/price.js';
import { countRequestTokens } from '../tokens/index.js';
import { picoToNanoCeil } from './units.js';
import {
  CHEAP_BOUND_TOKENS,
  outputBound,
  presetPromptTokens,
  promptTokens,
  worstCase,
} from './worst-case.js';

const price: PriceEntry = {
  model: 'm',
  provider: 'openai',
  source: 'test',
  input: 2_500_000n, // $2.50 / 1M
  output: 10_000_000n, // $10 / 1M
  cacheWrite5m: 3_125_000n,
  cacheWrite1h: 5_000_000n,
  maxOutput: 16_384,
  contextWindow: 128_000,
};

const req = (over: Partial<CanonicalRequest> = {}): CanonicalRequest => ({
  dialect: 'openai',
  model: 'gpt-4o',
  system: [],
  messages: [{ role: 'user', content: [{ type: 'text', text: 'What is the capital of France?' }] }],
  stream: false,
  extra: {},
  ...over,
});
const opts = { inputMargin: 0.1, defaultMaxOutput: 4096 };

describe('worst-case cost of a call', () => {
  test('a short prompt is bounded by its bytes, never below the count; a long one is counted', () => {
    const short = req();
    const bound = countRequestTokens(short, 'gpt-4o', { upperBound: true }).tokens;
    assert.ok(bound >= countRequestTokens(short, 'gpt-4o').tokens);
    assert.equal(promptTokens(short, 'gpt-4o'), bound);
    for (const text of ['héllo wörld ✓ 你好 🙂'.repeat(20), 'a'.repeat(900), '<|endoftext|> x'.repeat(30)]) {
      const r = req({ messages: [{ role: 'user', content: [{ type: 'text', text }] }] });
      for (const model of ['gpt-4o', 'claude-sonnet-4-5', 'gemini-2.5-flash'])
        assert.ok(
          countRequestTokens(r, model, { upperBound: true }).tokens >= countRequestTokens(r, model).tokens,
          `${model}: the bound is above the count`,
        );
    }
    const long = req({
      messages: [{ role: 'user', content: [{ type: 'text', text: 'The quick brown fox. '.repeat(200) }] }],
    });
    assert.ok(countRequestTokens(long, 'gpt-4o', { upperBound: true }).tokens > CHEAP_BOUND_TOKENS);
    assert.equal(promptTokens(long, 'gpt-4o'), countRequestTokens(long, 'gpt-4o').tokens);
  });

  test('counts are per request and model, interleaved; a preset count replaces one already made', () => {
    const a = req();
    const b = req({ messages: [{ role: 'user', content: [{ type: 'text', text: 'x'.repeat(5000) }] }] });
    const na = promptTokens(a, 'gpt-4o');
    const nb = promptTokens(b, 'gpt-4o');
    assert.notEqual(na, nb);
    assert.equal(promptTokens(a, 'gpt-4o'), na);
    assert.equal(promptTokens(b, 'gpt-4o'), nb);
    assert.equal(promptTokens(b, 'claude-sonnet-4-5'), countRequestTokens(b, 'claude-sonnet-4-5').tokens);
    presetPromptTokens(b, 7);
    assert.equal(promptTokens(b, 'claude-sonnet-4-5'), 7);
    assert.equal(promptTokens(b, 'gpt-4o'), 7);
  });

  test('prompt (+margin) at the input rate plus max_tokens at the output rate', () => {
    const r = req({ maxTokens: 100 });
    const counted = promptTokens(r, 'gpt-4o');
    const w = worstCase(r, 'gpt-4o', price, opts);
    const input = Math.ceil(counted * 1.1);
    assert.equal(w.inputTokens, input);
    assert.equal(w.outputTokens, 100);
    assert.equal(w.cost, BigInt(input) * 2_500_000n + 100n * 10_000_000n);
  });

  test('without max_tokens: the model maximum output; n multiplies it; unknown model limits use the default', () => {
    assert.equal(outputBound(req(), price, 10, 4096), 16_384);
    assert.equal(outputBound(req({ n: 3, maxTokens: 50 }), price, 10, 4096), 150);
    assert.equal(outputBound(req(), { ...price, maxOutput: undefined }, 1000, 4096), 127_000);
    assert.equal(outputBound(req(), undefined, 10, 4096), 4096);
  });

  test('cache_control makes the dearest cache-write rate the input worst case', () => {
    const r = req({
      maxTokens: 10,
      system: [{ type: 'text', text: 'Be brief.', cacheControl: { type: 'ephemeral' } }],
    });
    const w = worstCase(r, 'gpt-4o', price, opts);
    assert.equal(w.cost, BigInt(w.inputTokens) * 5_000_000n + 10n * 10_000_000n);
  });

  test('an unpriced model has no worst case; rounding up to nanodollars never rounds down', () => {
    assert.equal(worstCase(req(), 'x', undefined, opts).cost, null);
    assert.equal(picoToNanoCeil(1n), 1);
    assert.equal(picoToNanoCeil(1000n), 1);
    assert.equal(picoToNanoCeil(1001n), 2);
    assert.equal(picoToNanoCeil(0n), 0);
  });
});
