import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { flatCost } from '../base-cost.js';
import { FLAT_SCALE, TEST_PRICES, makeRecord, testContext } from '../test-support.js';
import { BatchEstimator } from './batch.js';

const mini = TEST_PRICES.find((p) => p.model === 'gpt-4o-mini')!;
const usage = {
  inputUncached: 1000,
  cacheRead: 0,
  cacheWrite5m: 0,
  cacheWrite1h: 0,
  outputText: 100,
  reasoning: 0,
};
const cost = flatCost(usage, mini)!; // 1000 × $0.15/M + 100 × $0.60/M = $0.00021

describe('batch estimator', () => {
  test('tagged traffic and night-time features save the batch discount; batch traffic is skipped', () => {
    const e = new BatchEstimator(testContext());
    e.observe(makeRecord({ model: 'gpt-4o-mini', usage, deferrable: true }), cost, mini);
    e.observe(makeRecord({ model: 'gpt-4o-mini', usage, batch: true }), cost, mini);
    const night = Date.UTC(2025, 0, 1, 2, 30);
    const noon = Date.UTC(2025, 0, 1, 12, 0);
    for (let i = 0; i < 20; i++)
      e.observe(makeRecord({ model: 'gpt-4o-mini', usage, feature: 'digest', ts: night }), cost, mini);
    for (let i = 0; i < 20; i++)
      e.observe(makeRecord({ model: 'gpt-4o-mini', usage, feature: 'chat', ts: noon }), cost, mini);
    const o = e.finish(FLAT_SCALE);
    assert.equal(cost, 210_000_000n);
    // batch: 1000 × $0.075/M + 100 × $0.30/M = $0.000105 → saving $0.000105 a request, 21 requests
    assert.equal(o.observed, 21n * 105_000_000n);
    assert.equal(o.requests, 21);
    assert.ok(o.evidence.some((x) => x.includes('1 requests already use a Batch API')));
    assert.ok(o.examples.some((x) => x.startsWith('digest: 20 of 20 requests at night')));
    // The config that captures it, naming the features found.
    assert.ok(
      o.evidence.some((x) => x.includes('features.digest.defer: batch') && x.includes('x-penny-defer')),
    );
  });
});
