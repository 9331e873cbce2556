import assert from 'node:assert/strict';
import { test } from 'node:test';
import { normalCdf, significanceVerdict, twoProportionTest, wilson } from './significance.js';

const close = (a: number, b: number, eps = 1e-4) => assert.ok(Math.abs(a - b) < eps, `${a} ≉ ${b}`);

test('Wilson interval of 95 of 100, computed by hand', () => {
  // p = .95, z² = 3.8415; denom = 1.038415; centre = (.95 + .019208) / denom = .933353;
  // margin = 1.96 · √(.000475 + .00009604) / denom = .045104 → [.888249, .978457]
  const w = wilson(95, 100);
  close(w.lower, 0.88825);
  close(w.upper, 0.97846);
  assert.equal(w.rate, 0.95);
  assert.deepEqual(wilson(0, 0), { rate: 0, lower: 0, upper: 1, n: 0 });
  close(wilson(10, 10).upper, 1, 1e-12);
  assert.ok(wilson(10, 10).lower > 0.69 && wilson(10, 10).lower < 0.73);
});

test('the normal CDF at known points', () => {
  close(normalCdf(0), 0.5, 1e-7);
  close(normalCdf(1.959964), 0.975, 1e-6);
  close(normalCdf(-1), 0.158655, 1e-6);
});

test('two-proportion z-test, computed by hand: 45/50 against 40/50', () => {
  // pooled p = .85; se = √(.85 · .15 · (1/50 + 1/50)) = √.0051 = .0714143; z = −.1 / se = −1.40028;
  // p = 2 · (1 − Φ(1.40028)) = .16143
  const t = twoProportionTest(45, 50, 40, 50);
  close(t.diff, -0.1, 1e-12);
  close(t.z, -1.40028);
  close(t.p, 0.16143);
  // Significant: 90/100 against 70/100 → z = −3.536, p = .000407
  const s = twoProportionTest(90, 100, 70, 100);
  close(s.z, -3.53553);
  close(s.p, 0.000407, 1e-5);
  assert.deepEqual(twoProportionTest(0, 0, 1, 1), { diff: 0, z: 0, p: 1 });
  assert.equal(twoProportionTest(5, 5, 7, 7).p, 1);
});

test('significance verdict: cheaper and not significantly different, with n', () => {
  assert.equal(
    significanceVerdict(
      { name: 'control', costPerRequest: 0.01, good: 45, rated: 50 },
      { name: 'treatment', costPerRequest: 0.0059, good: 40, rated: 50 },
    ),
    'treatment is 41% cheaper, quality not significantly different (p = 0.16), n = 100',
  );
  assert.equal(
    significanceVerdict(
      { name: 'A', costPerRequest: 0.01, good: 900, rated: 1000 },
      { name: 'B', costPerRequest: 0.005, good: 700, rated: 1000 },
    ),
    'B is 50% cheaper, quality significantly lower (p = < 0.001), n = 2,000',
  );
  assert.match(
    significanceVerdict(
      { name: 'A', costPerRequest: null, good: 0, rated: 0 },
      { name: 'B', costPerRequest: 1, good: 0, rated: 3 },
    ),
    /cost against A is unknown, quality not yet measured .*, n = 3$/,
  );
});
