import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { FLAT_SCALE, TEST_PRICES, makePrompt, makeRecord, testContext } from '../test-support.js';
import { PromptCacheEstimator } from './prompt-cache.js';

const gpt4o = TEST_PRICES.find((p) => p.model === 'gpt-4o')!;
const sonnet = TEST_PRICES.find((p) => p.model === 'claude-sonnet-4-5')!;
const gpt4 = TEST_PRICES.find((p) => p.model === 'gpt-4')!;
const LONG = 'x'.repeat(8000); // ≈ 2,000 tokens at 4 characters a token
const usage = {
  inputUncached: 2100,
  cacheRead: 0,
  cacheWrite5m: 0,
  cacheWrite1h: 0,
  outputText: 10,
  reasoning: 0,
};

describe('prompt caching estimator', () => {
  test('OpenAI: repeats of a long prefix save prefix tokens × (input − cached input)', () => {
    const e = new PromptCacheEstimator(testContext());
    const r = () => makeRecord({ prompt: makePrompt(LONG, 'q', 99), usage });
    e.observe(r(), 1n, gpt4o);
    e.observe(r(), 1n, gpt4o);
    e.observe(r(), 1n, gpt4o);
    // a repeat that already read from the cache is not counted
    e.observe(
      makeRecord({ prompt: makePrompt(LONG, 'q', 99), usage: { ...usage, cacheRead: 2000 } }),
      1n,
      gpt4o,
    );
    // a short prefix is below the 1,024-token minimum
    e.observe(makeRecord({ prompt: makePrompt('short', 'q', 5) }), 1n, gpt4o);
    e.observe(makeRecord({ prompt: makePrompt('short', 'q', 5) }), 1n, gpt4o);
    const o = e.finish(FLAT_SCALE);
    // 2 repeats × 2,000 tokens × ($2.50 − $1.25)/1M = $0.005
    assert.equal(o.observed, 2n * 2000n * 1_250_000n);
    assert.equal(o.requests, 2);
    assert.ok(o.evidence.some((x) => x.includes('1 repeats already read from the cache')));
  });

  test('Anthropic: one 1.25× cache-write premium per distinct prefix is subtracted', () => {
    const e = new PromptCacheEstimator(testContext());
    for (let i = 0; i < 3; i++) {
      e.observe(
        makeRecord({ model: 'claude-sonnet-4-5', prompt: makePrompt(LONG, 'q', 7), usage }),
        1n,
        sonnet,
      );
    }
    // 2 repeats × 2,000 × ($3 − $0.30)/1M − 2,000 × ($3.75 − $3)/1M = $0.0108 − $0.0015
    assert.equal(e.finish(FLAT_SCALE).observed, 9_300_000_000n);
  });

  test('models without a cached-input price are reported, not priced', () => {
    const e = new PromptCacheEstimator(testContext());
    e.observe(makeRecord({ model: 'gpt-4', prompt: makePrompt(LONG, 'q', 3), usage }), 1n, gpt4);
    e.observe(makeRecord({ model: 'gpt-4', prompt: makePrompt(LONG, 'q', 3), usage }), 1n, gpt4);
    const o = e.finish(FLAT_SCALE);
    assert.equal(o.observed, 0n);
    assert.ok(o.evidence.some((x) => x.includes('without a cached-input price')));
  });

  test('a price entry’s own caching minimum wins over the default', () => {
    const e = new PromptCacheEstimator(testContext());
    const strict = { ...gpt4o, promptCacheMinTokens: 4096 };
    e.observe(makeRecord({ prompt: makePrompt(LONG, 'q', 1), usage }), 1n, strict);
    e.observe(makeRecord({ prompt: makePrompt(LONG, 'q', 1), usage }), 1n, strict);
    assert.equal(e.finish(FLAT_SCALE).requests, 0);
  });
});
