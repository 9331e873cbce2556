import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { FLAT_SCALE, TEST_PRICES, makeRecord, testContext } from '../test-support.js';
import { CapsEstimator, suggestCap } from './caps.js';

const gpt4o = TEST_PRICES.find((p) => p.model === 'gpt-4o')!;

function outputs(e: CapsEstimator, n: number, cap: number, feature = 'support'): void {
  for (let i = 0; i < n; i++) {
    const usage = {
      inputUncached: 10,
      cacheRead: 0,
      cacheWrite5m: 0,
      cacheWrite1h: 0,
      outputText: 100 + i,
      reasoning: 0,
    };
    e.observe(makeRecord({ feature, maxTokens: cap, usage }), 1n, gpt4o);
  }
}

describe('max_tokens caps estimator', () => {
  test('suggests a cap 20% above p99, and counts only brevity as bill savings', () => {
    const e = new CapsEstimator(testContext());
    outputs(e, 20, 1000); // outputs 100..119
    const [s] = e.suggestions();
    assert.ok(s);
    assert.equal(s.p99, 119);
    assert.equal(s.suggestedCap, 144); // ceil(119 × 1.2 / 16) × 16
    assert.equal(s.averageCap, 1000);
    // reserved budget per request: 1000 vs 144 output tokens at $10/1M
    assert.equal(s.reservedPerRequestNow, 10_000_000_000n);
    assert.equal(s.reservedPerRequestSuggested, 1_440_000_000n);
    const o = e.finish(FLAT_SCALE);
    // output cost: (100 + … + 119) = 2,190 tokens × $10/1M = $0.0219; 20% brevity = $0.00438
    assert.equal(o.observed, 4_380_000_000n);
    assert.equal(o.requests, 20);
    assert.ok(o.evidence.some((x) => x.includes('RESERVED')));
  });

  test('a cap close to real outputs, or too few requests, is left alone', () => {
    const e = new CapsEstimator(testContext());
    outputs(e, 20, 200, 'tight'); // 200 < 2 × 119
    outputs(e, 5, 1000, 'rare'); // fewer than 20 requests
    assert.equal(e.suggestions().length, 0);
    assert.equal(e.finish(FLAT_SCALE).observed, 0n);
  });

  test('suggestCap rounds up to 16 tokens and never below 16', () => {
    assert.equal(suggestCap(0), 16);
    assert.equal(suggestCap(100), 128);
  });
});
