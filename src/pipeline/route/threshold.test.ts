import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { routeByThreshold, strongFraction, thresholdForStrongFraction } from './threshold.js';

describe('threshold', () => {
  const scores = [0.1, 0.9, 0.4, 0.7, 0.2, 0.8, 0.3, 0.6, 0.5, 0.05];

  test('hits the target fraction on the calibration scores', () => {
    for (const f of [0.1, 0.3, 0.5, 0.8]) {
      const t = thresholdForStrongFraction(scores, f);
      assert.equal(strongFraction(scores, t), f);
    }
  });

  test('uses the midpoint between the straddling scores', () => {
    assert.ok(Math.abs(thresholdForStrongFraction(scores, 0.3) - 0.65) < 1e-12);
  });

  test('edge fractions never or always go strong', () => {
    assert.equal(thresholdForStrongFraction(scores, 0), Number.POSITIVE_INFINITY);
    assert.equal(thresholdForStrongFraction(scores, 1), Number.NEGATIVE_INFINITY);
    assert.equal(routeByThreshold(0.99, Number.POSITIVE_INFINITY), 'weak');
    assert.equal(routeByThreshold(-5, Number.NEGATIVE_INFINITY), 'strong');
  });

  test('ties at the cut keep the tied value as the threshold', () => {
    assert.equal(thresholdForStrongFraction([0.5, 0.5, 0.5, 0.1], 0.5), 0.5);
  });

  test('rejects bad input', () => {
    assert.throws(() => thresholdForStrongFraction(scores, 1.5), RangeError);
    assert.throws(() => thresholdForStrongFraction([], 0.5), RangeError);
    assert.equal(routeByThreshold(0.5, 0.5), 'strong');
  });
});
