import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { cdfAt, quantileTable } from './quantile-table.js';

describe('quantile tables', () => {
  test('keeps every value when there are few, evenly spaced order statistics when many', () => {
    assert.deepEqual(quantileTable([3, 1, 2]), [1, 2, 3]);
    const t = quantileTable(
      Array.from({ length: 1001 }, (_, i) => 1000 - i),
      11,
    );
    assert.deepEqual(t, [0, 100, 200, 300, 400, 500, 600, 700, 800, 900, 1000]);
    assert.throws(() => quantileTable([]), /no values/);
    assert.throws(() => quantileTable([1, Number.NaN]), /not finite/);
  });

  test('cdfAt interpolates, clamps, and puts a run of ties at its middle', () => {
    const t = [0, 10, 20, 30, 40];
    assert.equal(cdfAt(t, -5), 0);
    assert.equal(cdfAt(t, 45), 1);
    assert.equal(cdfAt(t, 20), 0.5);
    assert.equal(cdfAt(t, 25), 0.625);
    assert.equal(cdfAt([1, 2, 2, 2, 3], 2), 0.5);
    assert.equal(cdfAt([1, 1, 1, 1, 5], 1), 0.375);
    assert.equal(cdfAt([7], 7), 0.5);
    // Monotone: a larger score never gets a smaller rank.
    let prev = -1;
    for (let x = -1; x <= 41; x += 0.5) {
      const c = cdfAt(t, x);
      assert.ok(c >= prev);
      prev = c;
    }
  });
});
