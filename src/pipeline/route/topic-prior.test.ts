import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { loadModel, predict, saveModel } from './classifier.js';
import { sphericalKmeans } from './kmeans.js';
import { topicCount, trainTopicPrior } from './topic-prior.js';

const algebra = ['group', 'ring', 'field', 'polynomial', 'ideal', 'homomorphism'];
const cooking = ['recipe', 'oven', 'flour', 'butter', 'simmer', 'garlic'];
const prompt = (words: readonly string[], i: number) =>
  `what about the ${words[i % 6]}, the ${words[(i + 1) % 6]} and the ${words[(i + 3) % 6]}?`;
// No subject is named. Algebra needs the strong model 8 times in 10, cooking 1 time in 10.
const examples = [
  ...Array.from({ length: 40 }, (_, i) => ({ text: prompt(algebra, i), label: i % 10 < 8 ? 1 : 0 })),
  ...Array.from({ length: 40 }, (_, i) => ({ text: prompt(cooking, i), label: i % 10 < 1 ? 1 : 0 })),
];

describe('spherical k-means', () => {
  test('separates two directions, the same way on every run', () => {
    const v = (a: number, b: number) => {
      const n = Math.hypot(a, b);
      return Float32Array.from([a / n, b / n, 0]);
    };
    const vs = [v(1, 0.1), v(1, 0.05), v(0.1, 1), v(1, 0), v(0.05, 1), v(0, 1)];
    const a = sphericalKmeans(vs, 2, { seed: 3 });
    assert.deepEqual([...a], [...sphericalKmeans(vs, 2, { seed: 3 })]);
    assert.equal(new Set([a[0], a[1], a[3]]).size, 1);
    assert.equal(new Set([a[2], a[4], a[5]]).size, 1);
    assert.notEqual(a[0], a[2]);
    // Identical vectors make one cluster however many are asked for.
    assert.deepEqual([...sphericalKmeans([v(1, 0), v(1, 0), v(1, 0)], 3)], [0, 0, 0]);
  });
});

describe('topic-prior router', () => {
  test('learns the topics from the prompts alone and scores a new prompt by its topic', () => {
    assert.equal(topicCount(80), 6);
    assert.equal(topicCount(6949), 59);
    assert.equal(topicCount(3), 2);
    const m = trainTopicPrior(examples, { topics: 2, meta: { method: 'topic-prior' } });
    assert.equal(m.kind, 'subject-prior');
    assert.deepEqual(m.groups, ['topic-0', 'topic-1']);
    const hard = predict(m, 'is every ideal of this ring a field?');
    const easy = predict(m, 'how long should the garlic simmer in butter?');
    assert.ok(hard > 0.65 && easy < 0.25, `${hard} ${easy}`);
    // The saved file is a subject-prior model and scores the same.
    const back = loadModel(saveModel(m));
    assert.equal(back.meta.method, 'topic-prior');
    assert.equal(predict(back, 'is every ideal of this ring a field?'), hard);
  });

  test('prompts that form a single topic are refused with a RangeError (the stack then leaves it out)', () => {
    const same = Array.from({ length: 10 }, (_, i) => ({ text: 'the same prompt', label: i % 2 }));
    assert.throws(() => trainTopicPrior(same), RangeError);
  });
});
