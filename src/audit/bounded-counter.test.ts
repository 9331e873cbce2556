import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { BoundedCounter, CappedMap } from './bounded-counter.js';
import { CountMinSketch } from './count-min.js';
import { TokenHistogram } from './histogram.js';

describe('bounded structures', () => {
  test('BoundedCounter is exact up to its key limit, then falls back to the sketch', () => {
    const c = new BoundedCounter(3);
    assert.equal(c.add(10), 0);
    assert.equal(c.add(10), 1);
    assert.equal(c.add(2 ** 52 + 7), 0);
    assert.equal(c.add(0), 0);
    assert.equal(c.approximate, false);
    assert.equal(c.add(99), 0); // past the limit: the sketch starts
    assert.equal(c.add(99), 1);
    assert.equal(c.approximate, true);
    assert.equal(c.add(10), 2); // held keys stay exact
    assert.equal(c.count(2 ** 52 + 7), 1);
    assert.equal(c.exactKeys, 3);
  });

  test('count-min never under-counts', () => {
    const s = new CountMinSketch(16, 3);
    for (let k = 0; k < 100; k++) s.add(k * 7919, k % 5);
    for (let k = 0; k < 100; k++) assert.ok(s.estimate(k * 7919) >= k % 5);
  });

  test('CappedMap sums keys past its limit into the overflow key', () => {
    const m = new CappedMap<{ n: number }>(2, '(other)');
    for (const k of ['a', 'b', 'c', 'd', 'a']) m.slot(k, () => ({ n: 0 })).n++;
    assert.deepEqual(Object.fromEntries([...m.entries()].map(([k, v]) => [k, v.n])), {
      a: 2,
      b: 1,
      '(other)': 2,
    });
    assert.equal(m.overflowed, true);
  });

  test('histogram quantiles: exact below 1024, within 2% (never below) above', () => {
    const h = new TokenHistogram();
    for (let i = 1; i <= 100; i++) h.add(i);
    assert.equal(h.quantile(0.5), 50);
    assert.equal(h.quantile(0.99), 99);
    const big = new TokenHistogram();
    for (let i = 0; i < 100; i++) big.add(5000);
    const q = big.quantile(0.99);
    assert.ok(q >= 5000 && q <= 5000 * 1.02, String(q));
    assert.equal(new TokenHistogram().quantile(0.99), 0);
  });
});
