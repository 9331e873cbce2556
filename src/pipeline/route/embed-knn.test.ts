import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { loadModel, predict, saveModel } from './classifier.js';
import { predictEmbedKnn, trainEmbedKnn } from './embed-knn.js';

const examples = [
  ...Array.from({ length: 10 }, (_, i) => ({
    text: `prove the theorem about prime gaps case ${i}`,
    label: 1,
  })),
  ...Array.from({ length: 10 }, (_, i) => ({ text: `what colour is the banana number ${i}`, label: 0 })),
];

describe('embedding k-NN router', () => {
  test('nearest labelled neighbours decide; an inflected word still matches (character n-grams)', () => {
    const m = trainEmbedKnn(examples, { k: 5, smoothing: 1 });
    assert.equal(m.prior, 0.5);
    assert.ok(predictEmbedKnn(m, 'prove theorems about primes') > 0.75);
    assert.ok(predictEmbedKnn(m, 'what colours are bananas') < 0.25);
  });

  test('a prompt like nothing in training gets the prior', () => {
    const m = trainEmbedKnn(examples, { k: 5, smoothing: 1 });
    assert.equal(predictEmbedKnn(m, ''), 0.5);
  });

  test('saved and loaded through the router model file, the same scores; a damaged file is refused', () => {
    const m = trainEmbedKnn(examples, { k: 5 });
    const json = saveModel(m);
    const back = loadModel(json);
    assert.equal(back.kind, 'embed-knn');
    for (const t of ['prove a lemma', 'a yellow banana', 'x']) assert.equal(predict(back, t), predict(m, t));
    const raw = JSON.parse(json);
    raw.labels.pop();
    assert.throws(() => loadModel(JSON.stringify(raw)), /differ in size/);
  });
});
