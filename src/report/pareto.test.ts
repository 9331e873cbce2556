import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { SummaryRow } from '../ledger/ledger.js';
import { emptySummaryRow } from '../ledger/summary-accumulator.js';
import { paretoView } from './pareto.js';

function feature(name: string, cost: bigint, unpriced = 0): SummaryRow {
  return { ...emptySummaryRow({ feature: name }), requests: Math.max(1, unpriced), cost, unpriced };
}

test('the core is the smallest set of costliest features reaching 80%', () => {
  const p = paretoView([
    feature('c', 100n),
    feature('a', 500n),
    feature('b', 310n),
    feature('d', 90n),
    feature('e', 0n, 4),
  ]);
  assert.deepEqual(
    p.features.map((f) => [f.feature, f.inCore]),
    [
      ['a', true],
      ['b', true],
      ['c', false],
      ['d', false],
      ['e', false],
    ],
  );
  assert.equal(p.coreCount, 2);
  assert.equal(p.totalCount, 5);
  assert.equal(p.coreCost, 810n);
  assert.equal(p.corePercent, 81);
  assert.equal(p.headline, '2 of 5 features make 81% of spend');
  assert.equal(p.features[0]?.share, 0.5);
  assert.equal(p.features[1]?.cumulativeShare, 0.81);
  assert.equal(p.features[3]?.cumulativeShare, 1);
});

test('exactly 80% closes the core; the percent is rounded down, never up', () => {
  const exact = paretoView([feature('a', 80n), feature('b', 20n)]);
  assert.equal(exact.coreCount, 1);
  assert.equal(exact.headline, '1 of 2 features makes 80% of spend');
  const justBelow = paretoView([feature('a', 7999n), feature('b', 2001n)]);
  assert.equal(justBelow.coreCount, 2);
  const rounding = paretoView([feature('a', 8199n), feature('b', 1801n)]);
  assert.equal(rounding.corePercent, 81, '81.99% is reported as 81%');
});

test('no priced spend and no features give honest headlines', () => {
  assert.equal(paretoView([]).headline, 'no requests in this range');
  const unpriced = paretoView([feature('x', 0n, 3)]);
  assert.equal(unpriced.headline, 'no priced spend in this range');
  assert.equal(unpriced.coreCount, 0);
  assert.equal(unpriced.features[0]?.inCore, false);
});

test('shares stay exact for amounts beyond 2^53 picodollars', () => {
  const p = paretoView([
    feature('big', 9_007_199_254_740_993n * 3n),
    feature('small', 9_007_199_254_740_993n),
  ]);
  assert.equal(p.features[0]?.share, 0.75);
  assert.equal(p.coreCount, 2, '75% is below the 80% threshold');
  assert.equal(p.coreCost, 36_028_797_018_963_972n);
});
