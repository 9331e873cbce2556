import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { predictGbdt, trainGbdt, validateEnsemble } from './gbdt.js';
import { mulberry32 } from './prng.js';

/** y = 1 inside the square [0.3, 0.7]² (an interaction no single threshold captures), 5% label noise. */
function square(n: number, seed: number): { rows: number[][]; y: number[] } {
  const rand = mulberry32(seed);
  const rows: number[][] = [];
  const y: number[] = [];
  for (let i = 0; i < n; i++) {
    const a = rand();
    const b = rand();
    const noise = rand();
    rows.push([a, b, rand()]);
    const inside = a > 0.3 && a < 0.7 && b > 0.3 && b < 0.7 ? 1 : 0;
    y.push(noise < 0.05 ? 1 - inside : inside);
  }
  return { rows, y };
}

describe('gradient-boosted trees', () => {
  const tr = square(2000, 1);
  const te = square(1000, 2);

  test('learns an interaction a linear model cannot (held-out accuracy ≥ 0.85, base rate 0.84 → 0.16 / 0.84)', () => {
    const m = trainGbdt(tr.rows, tr.y, undefined, { trees: 150, depth: 3, learningRate: 0.1, seed: 1 });
    let right = 0;
    te.rows.forEach((x, i) => {
      if ((predictGbdt(m, x) >= 0.5 ? 1 : 0) === te.y[i]) right++;
    });
    const acc = right / te.rows.length;
    // Always answering "outside" scores 1 − 0.16·0.95 − 0.84·0.05 ≈ 0.81; the square needs the interaction.
    assert.ok(acc >= 0.88, `accuracy ${acc}`);
    const inside = predictGbdt(m, [0.5, 0.5, 0.1]);
    const outside = predictGbdt(m, [0.9, 0.5, 0.1]);
    assert.ok(inside > 0.7 && outside < 0.3, `${inside} ${outside}`);
    validateEnsemble(m, '$');
  });

  test('is deterministic for a seed and moves with it (row subsampling)', () => {
    const o = { trees: 20, subsample: 0.7 };
    const a = trainGbdt(tr.rows, tr.y, undefined, { ...o, seed: 3 });
    const b = trainGbdt(tr.rows, tr.y, undefined, { ...o, seed: 3 });
    const c = trainGbdt(tr.rows, tr.y, undefined, { ...o, seed: 4 });
    assert.deepEqual(a, b);
    assert.notDeepEqual(a, c);
  });

  test('soft targets and weights: a constant target is learnt as that probability', () => {
    const rows = Array.from({ length: 200 }, (_, i) => [i % 7]);
    const m = trainGbdt(
      rows,
      rows.map(() => 0.3),
      rows.map(() => 2),
      { trees: 10 },
    );
    assert.ok(Math.abs(predictGbdt(m, [3]) - 0.3) < 1e-9);
    // A weight of zero removes an example: only the 0.9 half counts.
    const y = rows.map((_, i) => (i % 2 === 0 ? 0.9 : 0.1));
    const w = rows.map((_, i) => (i % 2 === 0 ? 1 : 0));
    assert.ok(Math.abs(predictGbdt(trainGbdt(rows, y, w, { trees: 5 }), [1]) - 0.9) < 1e-6);
  });

  test('bad input is refused with the reason', () => {
    assert.throws(() => trainGbdt([], [], undefined), /no examples/);
    assert.throws(() => trainGbdt([[1], [1, 2]], [0, 1], undefined), /row 2 has 2 features, expected 1/);
    assert.throws(() => trainGbdt([[1], [Number.NaN]], [0, 1], undefined), /row 2 feature 0 is not finite/);
    assert.throws(() => trainGbdt([[1], [2]], [0, 2], undefined), /target 2 is 2, not in \[0, 1\]/);
    const m = trainGbdt([[1], [2]], [0, 1], undefined, { trees: 1 });
    assert.throws(() => predictGbdt(m, [1, 2]), /row has 2 features, expected 1/);
  });

  test('validateEnsemble rejects trees that point out of range or backwards', () => {
    const bad = {
      features: 1,
      base: 0,
      trees: [{ feature: [0, -1], threshold: [0.5, 0], left: [1, -1], right: [0, -1], value: [0, 1] }],
    };
    assert.throws(() => validateEnsemble(bad, '$'), /child index 0 out of range/);
    const wide = { ...bad, trees: [{ ...bad.trees[0]!, feature: [3, -1], right: [1, -1] }] };
    assert.throws(() => validateEnsemble(wide, '$'), /feature 3 out of range/);
  });
});
