import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { loadModel, predict, saveModel, type TrainExample, train, trainDual } from './classifier.js';
import { mulberry32 } from './prng.js';

/**
 * Three kinds of prompt: "easy" (both models right), "hard" (only the strong model right) and "hopeless"
 * (both wrong). Only "hard" prompts are worth the strong model; a single-label router sees "easy" and
 * "hopeless" alike (label 0.5 each), the dual heads see two different things.
 */
function outcomes(n: number, seed: number): TrainExample[] {
  const rand = mulberry32(seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)]!;
  const vocab = {
    easy: ['hello', 'weather', 'recipe', 'coffee'],
    hard: ['integral', 'eigenvalue', 'theorem', 'recursion'],
    hopeless: ['riemann', 'collatz', 'goldbach', 'twin'],
  } as const;
  const filler = ['the', 'please', 'about', 'my', 'for', 'question'];
  const out: TrainExample[] = [];
  for (let i = 0; i < n; i++) {
    const kind = pick(['easy', 'hard', 'hopeless'] as const);
    const words = [pick(filler), pick(filler), pick(vocab[kind]), pick(vocab[kind]), pick(filler)];
    const cheap = kind === 'easy' ? 1 : 0;
    const strong = kind === 'hopeless' ? 0 : 1;
    out.push({ text: words.join(' '), label: (1 + strong - cheap) / 2, cheap, strong });
  }
  return out;
}

describe('dual router (two logistic heads: strong right, cheap right)', () => {
  const data = outcomes(600, 1);

  test('ranks prompts only the strong model gets right above those both or neither get right', () => {
    const m = trainDual(data, { seed: 1, epochs: 10, learningRate: 0.05 });
    const hard = predict(m, 'please the integral theorem about');
    const easy = predict(m, 'please the weather recipe about');
    const hopeless = predict(m, 'please the collatz goldbach about');
    for (const p of [hard, easy, hopeless]) assert.ok(p >= 0 && p <= 1, `${p}`);
    assert.ok(hard > 0.8, `hard ${hard}`);
    assert.ok(easy < 0.6 && hopeless < 0.6, `easy ${easy}, hopeless ${hopeless}`);
    // The score is (P(strong right) + 1 − P(cheap right)) / 2, from the two heads.
    const t = 'the theorem';
    assert.equal(predict(m, t), (predict(m.strong, t) + 1 - predict(m.cheap, t)) / 2);
    // Each head learnt its own outcome: the strong head tells "hopeless" apart, the cheap head "easy".
    assert.ok(predict(m.strong, 'collatz goldbach') < 0.3);
    assert.ok(predict(m.cheap, 'weather recipe') > 0.7);
  });

  test('training is deterministic for a seed (byte-identical model files) and depends on it', () => {
    const a = saveModel(trainDual(data, { seed: 7, epochs: 3 }));
    const b = saveModel(trainDual(data, { seed: 7, epochs: 3 }));
    const c = saveModel(trainDual(data, { seed: 8, epochs: 3 }));
    assert.equal(a, b);
    assert.notEqual(a, c);
  });

  test('saved and loaded, the same scores; the file names the kind and both heads', () => {
    const m = trainDual(data, { seed: 1, epochs: 5, meta: { source: 'toy' } });
    const json = saveModel(m);
    const raw = JSON.parse(json);
    assert.equal(raw.kind, 'dual');
    assert.equal(raw.strong.kind, 'logreg');
    assert.equal(raw.cheap.kind, 'logreg');
    assert.equal(raw.meta.source, 'toy');
    const back = loadModel(json);
    assert.equal(back.kind, 'dual');
    for (const e of data.slice(0, 40)) {
      assert.ok(Math.abs(predict(back, e.text) - predict(m, e.text)) < 1e-5);
    }
  });

  test('examples without both outcomes are refused with a message naming the example and the field', () => {
    const labelsOnly = data.slice(0, 5).map(({ text, label }) => ({ text, label }));
    assert.throws(() => trainDual(labelsOnly), /example 1 has no "cheap" outcome/);
    const outOfRange = [{ ...data[0]!, strong: 2 }];
    assert.throws(() => trainDual(outOfRange), /example 1 has no "strong" outcome in \[0, 1\]/);
    assert.throws(() => trainDual([]), RangeError);
  });

  test('a damaged dual file is refused with the path of the bad part', () => {
    const raw = JSON.parse(saveModel(trainDual(data.slice(0, 50), { epochs: 1 })));
    assert.throws(() => loadModel(JSON.stringify({ ...raw, strong: undefined })), /invalid dual model/);
    const knnHead = { ...raw, cheap: { kind: 'svm' } };
    assert.throws(() => loadModel(JSON.stringify(knnHead)), /\$\.cheap: missing or unknown "kind"/);
    const badHead = { ...raw, strong: { ...raw.strong, dim: -1 } };
    assert.throws(() => loadModel(JSON.stringify(badHead)), /router model \$\.strong/);
    const nested = { ...raw, strong: JSON.parse(saveModel(trainDual(data.slice(0, 20), { epochs: 1 }))) };
    assert.throws(() => loadModel(JSON.stringify(nested)), /heads must be logreg models/);
    // A plain logistic model is still loaded as such.
    assert.equal(loadModel(saveModel(train(data.slice(0, 20), { epochs: 1 }))).kind, 'logreg');
  });
});
