import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { splitByWeight } from './split-share.js';

describe('splitByWeight (largest remainder)', () => {
  test('shares add up exactly to the amount, for many amounts and weights', () => {
    let seed = 7;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    for (let k = 0; k < 500; k++) {
      const weights = Array.from({ length: 1 + rnd(40) }, () => rnd(500));
      const amount = BigInt(rnd(1_000_000_007)) - 1000n;
      const shares = splitByWeight(amount, weights);
      assert.equal(shares.length, weights.length);
      assert.equal(
        shares.reduce((a, b) => a + b, 0n),
        amount,
      );
    }
  });
  test('proportional, leftover picodollars to the largest remainders, ties to the earlier item', () => {
    assert.deepEqual(splitByWeight(10n, [1, 1, 1]), [4n, 3n, 3n]);
    assert.deepEqual(splitByWeight(100n, [1, 3]), [25n, 75n]);
    assert.deepEqual(splitByWeight(7n, [0, 0]), [4n, 3n]);
    assert.deepEqual(splitByWeight(-10n, [1, 1, 1]), [-4n, -3n, -3n]);
  });
});
