import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { blend, loadModel, predict, saveModel, type TrainExample, train } from './classifier.js';
import { trainKnn } from './knn.js';
import { mulberry32 } from './prng.js';

/** Synthetic prompts: "hard" ones mention proofs/integrals/many numbers, "easy" ones are chit-chat. */
function toySet(n: number, seed: number): TrainExample[] {
  const rand = mulberry32(seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)]!;
  const hard = [
    'prove',
    'integral',
    'derive',
    'theorem',
    'eigenvalue',
    'optimize',
    'recursion',
    'asymptotic',
  ];
  const easy = ['hello', 'thanks', 'weather', 'recipe', 'movie', 'greeting', 'weekend', 'coffee'];
  const filler = ['the', 'a', 'please', 'about', 'my', 'for', 'me', 'today', 'quick', 'question'];
  const out: TrainExample[] = [];
  for (let i = 0; i < n; i++) {
    const label = rand() < 0.5 ? 1 : 0;
    const words: string[] = [];
    for (let k = 0; k < 8; k++) words.push(pick(filler));
    for (let k = 0; k < 2; k++) words.push(pick(label ? hard : easy));
    // 10% of prompts carry one word of the other class, so the problem is separable but not trivially.
    if (rand() < 0.1) words.push(pick(label ? easy : hard));
    out.push({ text: words.sort(() => rand() - 0.5).join(' '), label });
  }
  return out;
}

const accuracy = (m: Parameters<typeof predict>[0], xs: TrainExample[]) =>
  xs.filter((e) => (predict(m, e.text) >= 0.5 ? 1 : 0) === e.label).length / xs.length;

describe('classifier (logistic regression)', () => {
  const trainSet = toySet(400, 1);
  const testSet = toySet(300, 2);

  test('learns a separable toy problem (accuracy > 0.9 on held-out prompts)', () => {
    const m = train(trainSet, { seed: 3, epochs: 10 });
    const acc = accuracy(m, testSet);
    assert.ok(acc > 0.9, `accuracy ${acc}`);
  });

  test('is deterministic for a seed and differs across seeds', () => {
    const a = train(trainSet, { seed: 5, epochs: 3 });
    const b = train(trainSet, { seed: 5, epochs: 3 });
    const c = train(trainSet, { seed: 6, epochs: 3 });
    assert.deepEqual([...a.weights], [...b.weights]);
    assert.equal(a.bias, b.bias);
    assert.notDeepEqual([...a.weights], [...c.weights]);
  });

  test('accepts soft labels and example weights', () => {
    const soft = trainSet.map((e) => ({ ...e, label: e.label ? 0.9 : 0.1, weight: e.label ? 2 : 1 }));
    const m = train(soft, { seed: 1, epochs: 10 });
    assert.ok(accuracy(m, testSet) > 0.9);
    const p = predict(m, 'prove the theorem about the integral');
    assert.ok(p > 0.5 && p < 1);
  });

  test('numeric-only models learn from prompt length', () => {
    const xs: TrainExample[] = [];
    for (let i = 0; i < 200; i++) {
      const long = i % 2 === 0;
      xs.push({
        text: long ? `word `.repeat(80 + (i % 13)) : `word `.repeat(3 + (i % 4)),
        label: long ? 1 : 0,
      });
    }
    const m = train(xs, { hashed: false, seed: 1, epochs: 20 });
    assert.ok(predict(m, 'word '.repeat(90)) > 0.8);
    assert.ok(predict(m, 'word word') < 0.2);
  });

  test('saveModel/loadModel round-trips predictions', () => {
    const m = train(trainSet, { seed: 1, epochs: 5, meta: { dataset: 'toy' } });
    const back = loadModel(saveModel(m));
    assert.equal(back.kind, 'logreg');
    for (const e of testSet.slice(0, 30)) {
      assert.ok(Math.abs(predict(back, e.text) - predict(m, e.text)) < 1e-5);
    }
  });

  test('loadModel rejects bad input with a clear message', () => {
    assert.throws(() => loadModel('{'), /not JSON/);
    assert.throws(() => loadModel('{"kind":"svm"}'), /unknown "kind"/);
    assert.throws(() => loadModel('{"kind":"logreg","version":1}'), /router model/);
    const m = JSON.parse(saveModel(train(trainSet.slice(0, 20), { epochs: 1 })));
    m.numericNames = ['other'];
    assert.throws(() => loadModel(JSON.stringify(m)), /different numeric features/);
  });

  test('train rejects an empty set', () => {
    assert.throws(() => train([]), RangeError);
  });
});

describe('k-NN and blend', () => {
  const trainSet = toySet(300, 11);
  const testSet = toySet(200, 12);

  test('k-NN separates the toy problem and round-trips through JSON', () => {
    const m = trainKnn(trainSet, { k: 15, dim: 1 << 12 });
    assert.ok(accuracy(m, testSet) > 0.85, `accuracy ${accuracy(m, testSet)}`);
    const back = loadModel(saveModel(m));
    for (const e of testSet.slice(0, 20)) assert.equal(predict(back, e.text), predict(m, e.text));
    assert.equal(predict(m, ''), m.prior);
  });

  test('blend averages its parts and round-trips', () => {
    const a = train(trainSet, { seed: 1, epochs: 5 });
    const b = trainKnn(trainSet, { k: 15 });
    const m = blend([a, b], [1, 3]);
    const t = testSet[0]!.text;
    assert.ok(Math.abs(predict(m, t) - (predict(a, t) + 3 * predict(b, t)) / 4) < 1e-12);
    const back = loadModel(saveModel(m));
    assert.ok(Math.abs(predict(back, t) - predict(m, t)) < 1e-5);
    assert.throws(() => blend([a], [1, 2]), RangeError);
  });
});
