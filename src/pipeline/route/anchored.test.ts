import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { anchor, loadModel, predict, type RouterModel, saveModel, trainDual } from './classifier.js';
import { DENSE_FEATURE_NAMES, denseVector } from './dense-features.js';
import { trainDualGbdt } from './dual-gbdt.js';
import { predictLengthPrior } from './length-prior.js';
import { mulberry32 } from './prng.js';

/**
 * Word problems whose difficulty is the number of steps: each step is one sentence with a number. The cheap
 * model solves up to two steps, the strong one up to five; nothing about the topic matters.
 */
function problems(n: number, seed: number) {
  const rand = mulberry32(seed);
  const nouns = ['apples', 'coins', 'tickets', 'marbles', 'books', 'stamps'];
  return Array.from({ length: n }, () => {
    const steps = 1 + Math.floor(rand() * 6);
    const noun = nouns[Math.floor(rand() * nouns.length)]!;
    const parts = [`Sam has ${1 + Math.floor(rand() * 90)} ${noun}.`];
    for (let k = 1; k < steps; k++) parts.push(`Then he gets ${2 + Math.floor(rand() * 50)} more ${noun}.`);
    parts.push(`How many ${noun} does he have?`);
    return { text: parts.join(' '), cheap: steps <= 2 ? 1 : 0, strong: steps <= 5 ? 1 : 0 };
  });
}

describe('dual-gbdt router', () => {
  const data = problems(600, 1).map((p) => ({ ...p, label: (1 + p.strong - p.cheap) / 2 }));

  test('ranks the prompts only the strong model solves above the easy and the hopeless ones', () => {
    const m = trainDualGbdt(data, { seed: 1 });
    const mk = (steps: number) =>
      ['Sam has 5 coins.', ...Array.from({ length: steps - 1 }, () => 'Then he gets 7 more coins.')]
        .concat('How many coins does he have?')
        .join(' ');
    const s1 = predict(m, mk(1));
    const s4 = predict(m, mk(4));
    const s6 = predict(m, mk(6));
    assert.ok(s4 > s1 + 0.2 && s4 > s6 + 0.2, `1 step ${s1}, 4 steps ${s4}, 6 steps ${s6}`);
  });

  test('round-trips through JSON with the same scores; drifted features and bad trees are refused', () => {
    const m = trainDualGbdt(data, { seed: 1, trees: 20 });
    const back = loadModel(saveModel(m));
    for (const p of problems(20, 5)) assert.ok(Math.abs(predict(back, p.text) - predict(m, p.text)) < 1e-5);
    const json = JSON.parse(saveModel(m)) as Record<string, unknown>;
    assert.throws(
      () => loadModel(JSON.stringify({ ...json, featureNames: ['x'] })),
      /different dense features; retrain it/,
    );
    const strong = json.strong as { trees: { left: number[] }[] };
    strong.trees[0]!.left[0] = 0;
    assert.throws(() => loadModel(JSON.stringify(json)), /child index 0 out of range/);
  });

  test('needs both outcomes on every example', () => {
    assert.throws(() => trainDualGbdt([{ text: 'x', strong: 1 }]), /example 1 has no "cheap" outcome/);
  });

  test('dense features: one finite number per name', () => {
    for (const t of [
      '',
      'Q: 2.5% of $1,000?\n(A) 25\n(B) 250',
      'A long "quoted" sentence (with brackets).',
    ]) {
      const v = denseVector(t);
      assert.equal(v.length, DENSE_FEATURE_NAMES.length);
      assert.ok(v.every(Number.isFinite), t);
    }
  });
});

describe('anchored router (learnt model and length prior, averaged by rank)', () => {
  const texts = ['a', 'bb', 'ccc', 'dddd', 'eeeee'];
  const reversed: RouterModel = { kind: 'length-prior', meta: {} };

  test('each part counts by its rank among the training prompts, not by its raw scale', () => {
    const m = anchor([reversed], [1], texts);
    assert.equal(predict(m, 'a'), 0);
    assert.equal(predict(m, 'ccc'), 0.5);
    assert.equal(predict(m, 'eeeee'), 1);
    assert.equal(predict(m, 'a much longer prompt than any seen'), 1);
    assert.ok(predictLengthPrior('abc') < predictLengthPrior('abcd'));
  });

  test('the weights set the mix: a learnt part that disagrees with length pulls the score its way', () => {
    const data = problems(400, 2);
    // Outcomes that reward SHORT prompts: the learnt part ranks opposite to the length prior.
    const inverted = data.map((p) => ({ text: p.text, label: p.cheap, cheap: 1 - p.cheap, strong: 1 }));
    const dual = trainDual(inverted, { seed: 1, epochs: 5, learningRate: 0.05, hashed: false });
    const prior: RouterModel = { kind: 'length-prior', meta: {} };
    const tx = data.map((p) => p.text);
    const short = 'Sam has 5 coins. How many coins does he have?';
    const long = `${'Sam has 5 coins. Then he gets 7 more coins. '.repeat(4)}How many coins does he have?`;
    const mostlyLearnt = anchor([dual, prior], [0.9, 0.1], tx);
    const mostlyPrior = anchor([dual, prior], [0.1, 0.9], tx);
    assert.ok(predict(mostlyLearnt, short) > predict(mostlyLearnt, long));
    assert.ok(predict(mostlyPrior, short) < predict(mostlyPrior, long));
    const back = loadModel(saveModel(mostlyPrior));
    // Saved weights keep 7 significant digits.
    assert.ok(Math.abs(predict(back, long) - predict(mostlyPrior, long)) < 1e-6);
  });

  test('bad models are refused naming the problem', () => {
    assert.throws(() => anchor([reversed], [1, 2], texts), /parts and weights differ/);
    assert.throws(() => anchor([reversed], [0], texts), /not all zero/);
    assert.throws(() => anchor([reversed], [1], []), /no training prompts/);
    const json = JSON.parse(saveModel(anchor([reversed], [1], texts))) as Record<string, unknown>;
    assert.throws(
      () => loadModel(JSON.stringify({ ...json, tables: [[3, 1]] })),
      /tables\[0\]: not ascending/,
    );
    assert.throws(
      () => loadModel(JSON.stringify({ ...json, tables: [] })),
      /one weight and one table per part/,
    );
    assert.throws(() => loadModel(JSON.stringify({ ...json, weights: [0] })), /every weight is 0/);
  });
});
