import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SpendAggregator, pareto } from './spend.js';
import { makeRecord } from './test-support.js';

describe('SpendAggregator', () => {
  test('sums stay exact past 2^53 picodollars', () => {
    const s = new SpendAggregator();
    const costs = [4_000_000_000_000_001n, 5_000_000_000_000_003n, 1n, 9_007_199_254_740_993n, 7n];
    let expected = 0n;
    for (const c of costs) {
      s.add(makeRecord({ feature: 'f' }), c);
      expected += c;
    }
    s.add(makeRecord({ feature: 'f' }), null);
    assert.equal(s.total, expected);
    const [row] = s.byFeature();
    assert.equal(row!.cost, expected);
    assert.equal(row!.unpriced, 1);
    assert.equal(row!.requests, 6);
  });

  test('pareto: features needed for 80% and the top-20% share', () => {
    const s = new SpendAggregator();
    for (const [f, c] of [
      ['a', 70n],
      ['b', 20n],
      ['c', 5n],
      ['d', 5n],
      ['e', 0n],
    ] as const)
      s.add(makeRecord({ feature: f }), c);
    const p = pareto(s.byFeature());
    assert.equal(p.featuresFor80, 2);
    assert.equal(p.featureCount, 5);
    assert.equal(p.top20Share, 0.7);
    assert.deepEqual(
      p.points.map((x) => x.cumulative),
      [70n, 90n, 95n, 100n, 100n],
    );
  });
});
