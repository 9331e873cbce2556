import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compareArms, normalCdf, significanceVerdict, twoProportionTest, wilson } from './significance.js';

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
    'treatment is 41% cheaper, quality not significantly different (ratings 80.0% vs 90.0%, p = 0.16), n = 100',
  );
  assert.equal(
    significanceVerdict(
      { name: 'A', costPerRequest: 0.01, good: 900, rated: 1000 },
      { name: 'B', costPerRequest: 0.005, good: 700, rated: 1000 },
    ),
    'B is 50% cheaper, quality significantly lower (ratings 70.0% vs 90.0%, p < 0.001), n = 2,000',
  );
  assert.match(
    significanceVerdict(
      { name: 'A', costPerRequest: null, good: 0, rated: 0 },
      { name: 'B', costPerRequest: 1, good: 0, rated: 3 },
    ),
    /cost against A is unknown, quality not yet measured .*, n = 3$/,
  );
});

test('arms compared on ratings and shadow agreement, computed by hand', () => {
  // Cost: (0.0059 − 0.01) / 0.01 = −41%.
  // Ratings 90/100 (A) against 85/100 (B): pooled .875; se = √(.875 · .125 · .02) = .0467707;
  //   z = −.05 / se = −1.069045; p = 2 · (1 − Φ(1.069045)) = .28505 → not significant.
  // Agreement 190/200 (A) against 170/200 (B): pooled .9; se = √(.9 · .1 · .01) = .03;
  //   z = −.1 / .03 = −3.33333; p = 2 · (1 − Φ(3.33333)) = .000858 → significantly lower.
  // n = 100 + 100 + 200 + 200 = 600.
  const c = compareArms(
    { name: 'control', costPerRequest: 0.01, good: 90, rated: 100, agree: 190, evaluated: 200 },
    { name: 'treatment', costPerRequest: 0.0059, good: 85, rated: 100, agree: 170, evaluated: 200 },
  );
  close(c.costChange!, -0.41, 1e-12);
  assert.equal(c.n, 600);
  const [ratings, agreement] = c.tests;
  assert.equal(ratings?.measure, 'ratings');
  close(ratings!.test!.z, -1.069045);
  close(ratings!.test!.p, 0.28505);
  assert.equal(ratings?.significant, null);
  assert.equal(agreement?.measure, 'agreement');
  close(agreement!.test!.z, -3.33333);
  close(agreement!.test!.p, 0.000858, 1e-5);
  assert.equal(agreement?.significant, 'lower');
  assert.equal(
    c.sentence,
    'treatment is 41% cheaper, quality significantly lower (ratings 85.0% vs 90.0%, p = 0.29; agreement 85.0% vs 95.0%, p < 0.001), n = 600',
  );

  // The same agreement without the difference (45/50 against 40/50, p = .16 as above): not different.
  const same = compareArms(
    { name: 'A', costPerRequest: 0.01, good: 0, rated: 0, agree: 45, evaluated: 50 },
    { name: 'B', costPerRequest: 0.012, good: 0, rated: 0, agree: 40, evaluated: 50 },
  );
  assert.equal(
    same.sentence,
    'B is 20% dearer, quality not significantly different (agreement 80.0% vs 90.0%, p = 0.16), n = 100',
  );
});

test("an arm served as sent is the reference: the other arm's agreement is an estimate with its Wilson interval", () => {
  // 48 of 50: p = .96, z² = 3.8415; denom = 1.076829; centre = (.96 + .038415) / denom = .927183;
  // margin = 1.96 · √(.000768 + .00038415) / denom = .061781 → [.865399, .988961]
  const c = compareArms(
    { name: 'control', costPerRequest: 0.01, good: 0, rated: 0, evaluated: 0, asSent: true },
    { name: 'treatment', costPerRequest: 0.004, good: 0, rated: 0, agree: 48, evaluated: 50 },
  );
  const [t] = c.tests;
  assert.equal(t?.test, null);
  close(t!.b.lower, 0.865399);
  close(t!.b.upper, 0.988961);
  assert.equal(
    c.sentence,
    "treatment is 60% cheaper, quality measured against the answers as sent (agreement with control's answers as sent 96.0%, 95% CI 86.5%–98.9%), n = 50",
  );
  // Ratings, where both arms have them, still decide significance beside the estimate.
  const both = compareArms(
    { name: 'control', costPerRequest: 0.01, good: 45, rated: 50, asSent: true },
    { name: 'treatment', costPerRequest: 0.004, good: 40, rated: 50, agree: 48, evaluated: 50 },
  );
  assert.match(
    both.sentence,
    /quality not significantly different \(ratings 80\.0% vs 90\.0%, p = 0\.16; agreement with control's answers as sent 96\.0%/,
  );
  assert.equal(both.n, 150);
  // Without a reference, an arm with verdicts against one without is not compared on agreement.
  assert.match(
    compareArms(
      { name: 'A', costPerRequest: 0.01, good: 0, rated: 0 },
      { name: 'B', costPerRequest: 0.01, good: 0, rated: 0, agree: 5, evaluated: 5 },
    ).sentence,
    /^B costs the same as A, quality not yet measured/,
  );
});

test('an arm significantly higher on agreement; lower on one measure outweighs higher on the other', () => {
  // Agreement 70/100 (A) against 90/100 (B): z = +3.536, p = .000407 (the hand-computed case above, mirrored).
  const c = compareArms(
    { name: 'A', costPerRequest: 0.01, good: 0, rated: 0, agree: 70, evaluated: 100 },
    { name: 'B', costPerRequest: 0.02, good: 0, rated: 0, agree: 90, evaluated: 100 },
  );
  assert.equal(c.tests[0]?.significant, 'higher');
  assert.equal(
    c.sentence,
    'B is 100% dearer, quality significantly higher (agreement 90.0% vs 70.0%, p < 0.001), n = 200',
  );
  // Lower on one measure outweighs higher on the other.
  const mixed = compareArms(
    { name: 'A', costPerRequest: 0.01, good: 900, rated: 1000, agree: 70, evaluated: 100 },
    { name: 'B', costPerRequest: 0.01, good: 700, rated: 1000, agree: 90, evaluated: 100 },
  );
  assert.match(
    mixed.sentence,
    /^B costs the same as A, quality significantly lower \(ratings 70\.0% vs 90\.0%, p < 0\.001; agreement 90\.0% vs 70\.0%, p < 0\.001\)/,
  );
});
