import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { flatCost } from '../base-cost.js';
import { FLAT_SCALE, TEST_PRICES, makePrompt, makeRecord, testContext } from '../test-support.js';
import { RoutingEstimator } from './routing.js';

const price = (m: string) => TEST_PRICES.find((p) => p.model === m)!;
const u = (input: number, output: number) => ({
  inputUncached: input,
  cacheRead: 0,
  cacheWrite5m: 0,
  cacheWrite1h: 0,
  outputText: output,
  reasoning: 0,
});

describe('routing estimator', () => {
  test('short and classification-like requests on GPT-4 are priced on gpt-4o-mini', () => {
    const e = new RoutingEstimator(testContext());
    const short = makeRecord({ model: 'gpt-4', usage: u(20, 1) });
    e.observe(short, flatCost(short.usage, price('gpt-4')), price('gpt-4'));
    const classify = makeRecord({
      model: 'gpt-4',
      usage: u(1000, 150),
      prompt: makePrompt('You label tickets.', 'Classify this ticket: my card was charged twice'),
    });
    e.observe(classify, flatCost(classify.usage, price('gpt-4')), price('gpt-4'));
    const long = makeRecord({
      model: 'gpt-4',
      usage: u(2000, 500),
      prompt: makePrompt('sys', 'Write an essay'),
    });
    e.observe(long, flatCost(long.usage, price('gpt-4')), price('gpt-4'));
    const o = e.finish(FLAT_SCALE);
    // short: 20 × $30/M + 1 × $60/M = $0.00066 vs 20 × $0.15/M + 1 × $0.60/M = $0.0000036
    // classify: 1000 × $30/M + 150 × $60/M = $0.039 vs 1000 × $0.15/M + 150 × $0.60/M = $0.00024
    assert.equal(o.observed, 660_000_000n - 3_600_000n + (39_000_000_000n - 240_000_000n));
    assert.equal(o.requests, 2);
    assert.match(o.evidence[0]!, /2 of 3 requests/);
    assert.ok(o.evidence.some((x) => x.startsWith('gpt-4 → gpt-4o-mini: 2 requests')));
  });

  test('Sonnet routes to Haiku; cheap models and unpriced targets are not candidates', () => {
    const e = new RoutingEstimator(testContext());
    const s = makeRecord({ model: 'claude-sonnet-4-5', provider: 'anthropic', usage: u(100, 10) });
    e.observe(s, flatCost(s.usage, price('claude-sonnet-4-5')), price('claude-sonnet-4-5'));
    const mini = makeRecord({ model: 'gpt-4o-mini', usage: u(10, 1) });
    e.observe(mini, flatCost(mini.usage, price('gpt-4o-mini')), price('gpt-4o-mini'));
    const o = e.finish(FLAT_SCALE);
    // 100 × ($3 − $0.80)/1M + 10 × ($15 − $4)/1M = $0.00022 + $0.00011
    assert.equal(o.observed, 330_000_000n);
    assert.equal(o.requests, 1);
  });
});
