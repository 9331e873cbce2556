import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { FLAT_SCALE, makePrompt, makeRecord, testContext } from '../test-support.js';
import { ResponseCacheEstimator } from './response-cache.js';

describe('response cache estimator', () => {
  test('savings are the cost of every repeat; the first occurrence is paid', () => {
    const e = new ResponseCacheEstimator(testContext());
    const prompt = makePrompt('sys', 'What is your refund policy?');
    e.observe(makeRecord({ promptKey: 42, prompt }), 100n);
    e.observe(makeRecord({ promptKey: 42, prompt }), 200n);
    e.observe(makeRecord({ promptKey: 42, prompt }), 300n);
    e.observe(makeRecord({ promptKey: 7, prompt }), 1000n);
    e.observe(makeRecord({ promptKey: 42, prompt }), null); // unpriced repeat: counted, not priced
    const o = e.finish(FLAT_SCALE);
    assert.equal(o.observed, 500n);
    assert.equal(o.monthly, 500n);
    assert.equal(o.requests, 3);
    assert.ok(o.applicable);
    assert.match(o.evidence[0]!, /^3 of 5 requests/);
    assert.match(o.examples[0]!, /^4× gpt-4o .*refund policy/);
  });

  test('scales to 30 days by the log span', () => {
    const e = new ResponseCacheEstimator(testContext());
    e.observe(makeRecord({ promptKey: 1 }), 10n);
    e.observe(makeRecord({ promptKey: 1 }), 10n);
    const day = 86_400_000;
    const o = e.finish({ span: { from: 0, to: 15 * day, days: 15, assumed: false }, monthly: (m) => m * 2n });
    assert.equal(o.monthly, 20n);
  });

  test('not applicable without prompts or prompt hashes', () => {
    const e = new ResponseCacheEstimator(testContext());
    e.observe(makeRecord(), 10n);
    assert.equal(e.finish(FLAT_SCALE).applicable, false);
  });
});
