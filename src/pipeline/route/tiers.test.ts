import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { minScoresForShares, pickTier, segmentMinScores } from './tiers.js';

describe('pickTier', () => {
  test('the highest tier whose minimum the score meets; below every minimum, tier 0', () => {
    const mins = [0.3, 0.6, 0.9];
    assert.equal(pickTier(0.1, mins), 0);
    assert.equal(pickTier(0.3, mins), 1); // at the minimum → that tier
    assert.equal(pickTier(0.59, mins), 1);
    assert.equal(pickTier(0.6, mins), 2);
    assert.equal(pickTier(0.95, mins), 3);
  });

  test('two tiers and one threshold is the cheap / strong split', () => {
    assert.equal(pickTier(0.5, [0.5]), 1);
    assert.equal(pickTier(0.49, [0.5]), 0);
    assert.equal(pickTier(-5, [Number.NEGATIVE_INFINITY]), 1);
    assert.equal(pickTier(1e9, [Number.POSITIVE_INFINITY]), 0);
  });

  test('a frontier segment: only its two tiers are reachable', () => {
    const mins = segmentMinScores(4, 1, 0.5);
    assert.deepEqual(mins, [Number.NEGATIVE_INFINITY, 0.5, Number.POSITIVE_INFINITY]);
    assert.equal(pickTier(0, mins), 1);
    assert.equal(pickTier(0.7, mins), 2);
    assert.equal(pickTier(1e9, mins), 2);
  });

  test('shares become score quantiles; a share that grows with the tier is refused', () => {
    const scores = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0];
    const mins = minScoresForShares(scores, [0.5, 0.2]);
    assert.deepEqual(
      mins.map((m) => Math.round(m * 100) / 100),
      [0.55, 0.85],
    );
    const counts = [0, 0, 0];
    for (const s of scores) counts[pickTier(s, mins)]!++;
    assert.deepEqual(counts, [5, 3, 2]);
    assert.throws(() => minScoresForShares(scores, [0.2, 0.5]), /must not increase/);
  });
});
