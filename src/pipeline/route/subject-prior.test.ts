import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { loadModel, predict, saveModel } from './classifier.js';
import { hashedNgrams } from './sparse-hash.js';
import {
  hasSubjects,
  predictSubjectPrior,
  type SubjectPriorModel,
  subjectPosterior,
  trainSubjectPrior,
} from './subject-prior.js';

const algebra = ['group', 'ring', 'field', 'polynomial', 'ideal', 'homomorphism'];
const cooking = ['recipe', 'oven', 'flour', 'butter', 'simmer', 'garlic'];
const prompt = (words: readonly string[], i: number) =>
  `question ${i}: what about the ${words[i % 6]} and the ${words[(i + 2) % 6]}?`;
// Algebra: the strong model is needed 8 times in 10; cooking: 1 time in 10.
const examples = [
  ...Array.from({ length: 40 }, (_, i) => ({
    text: prompt(algebra, i),
    label: i % 10 < 8 ? 1 : 0,
    group: 'abstract_algebra',
  })),
  ...Array.from({ length: 40 }, (_, i) => ({
    text: prompt(cooking, i),
    label: i % 10 < 1 ? 1 : 0,
    group: 'cooking',
  })),
];

describe('subject-prior router', () => {
  test("an unseen prompt takes its inferred subject's rate, shrunk toward the overall mean", () => {
    const m = trainSubjectPrior(examples, { smoothing: 5 });
    assert.deepEqual(m.groups, ['abstract_algebra', 'cooking']);
    const overall = (32 + 4) / 80;
    const rateA = (32 + 5 * overall) / (40 + 5);
    const rateC = (4 + 5 * overall) / (40 + 5);
    assert.ok(Math.abs(m.rate[0]! - rateA) < 1e-12 && Math.abs(m.rate[1]! - rateC) < 1e-12);
    const p = subjectPosterior(m, 'is every ideal of this ring a field?');
    assert.ok(p[0]! > 0.99, `posterior ${[...p]}`);
    const hard = predictSubjectPrior(m, 'is every ideal of this ring a field?');
    const easy = predictSubjectPrior(m, 'how long should the garlic simmer in butter?');
    assert.ok(Math.abs(hard - rateA) < 0.01, `${hard} vs ${rateA}`);
    assert.ok(Math.abs(easy - rateC) < 0.01, `${easy} vs ${rateC}`);
    // Words from both subjects: in between, by the posterior.
    const mixed = predictSubjectPrior(m, 'a ring of garlic');
    assert.ok(mixed > easy && mixed < hard);
  });

  test('needs a group on every example and at least two groups', () => {
    assert.equal(hasSubjects(examples), true);
    assert.equal(hasSubjects(examples.map((e) => ({ ...e, group: 'one' }))), false);
    const oneWithout: { text: string; label: number; group?: string }[] = [
      ...examples,
      { text: 'x', label: 1 },
    ];
    assert.equal(hasSubjects(oneWithout), false);
    assert.throws(
      () => trainSubjectPrior(examples.map(({ group: _g, ...e }) => e)),
      /every example needs a "group"/,
    );
  });

  test('weights count as repeated examples', () => {
    const doubled = trainSubjectPrior([...examples, ...examples]);
    const weighted = trainSubjectPrior(examples.map((e) => ({ ...e, weight: 2 })));
    for (const t of ['ring theory', 'bake the flour', 'nothing known']) {
      assert.ok(Math.abs(predictSubjectPrior(doubled, t) - predictSubjectPrior(weighted, t)) < 1e-12);
    }
  });

  test('saved and loaded through the router model file, the same scores; a damaged table is refused', () => {
    const m = trainSubjectPrior(examples);
    const json = saveModel(m);
    const back = loadModel(json);
    assert.equal(back.kind, 'subject-prior');
    for (const t of ['polynomial ring', 'oven and butter', 'x', ''])
      assert.equal(predict(back, t), predict(m, t));
    const raw = JSON.parse(json);
    assert.throws(() => loadModel(JSON.stringify({ ...raw, rate: [0.5] })), /differ in length/);
    assert.throws(
      () => loadModel(JSON.stringify({ ...raw, offsets: raw.buckets })),
      /count table is inconsistent/,
    );
    assert.throws(() => loadModel(JSON.stringify({ ...raw, groups: ['one'] })), /invalid subject-prior/);
  });
});

/** The posterior computed from the model's arrays directly: every bucket's entries found by a linear scan. */
function referencePosterior(m: SubjectPriorModel, text: string): number[] {
  const idx = hashedNgrams(text, { dim: m.dim, bigrams: true, normalize: false }).idx;
  const lp = Array.from(m.logPrior, (p, g) => p + idx.length * (Math.log(m.alpha) - m.logDen[g]!));
  for (const b of idx) {
    const k = m.buckets.indexOf(b);
    if (k < 0) continue;
    for (let j = m.offsets[k]!; j < m.offsets[k + 1]!; j++) {
      const g = m.entryGroup[j]!;
      lp[g] = lp[g]! + m.entryGain[j]!;
    }
  }
  let max = Number.NEGATIVE_INFINITY;
  for (const v of lp) max = Math.max(max, v);
  const e = lp.map((v) => Math.exp(v - max));
  const z = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / z);
}

describe('subject-prior scoring', () => {
  const queries = [
    'is every ideal of this ring a field?',
    'how long should the garlic simmer in butter?',
    'a ring of garlic',
    'nothing the model has seen',
    '',
  ];
  for (const dim of [1 << 10, 1 << 23]) {
    test(`the bucket lookup scores exactly as a scan of the model's arrays (dim ${dim}); two models in turn on one prompt`, () => {
      const a = trainSubjectPrior(examples, { dim });
      // A second model over the same buckets count but other groups, scored between calls of the first.
      const b = trainSubjectPrior(
        examples.map((e, i) => ({ ...e, group: i % 3 === 0 ? 'x' : 'y' })),
        { dim },
      );
      for (const q of [...queries, ...[...queries].reverse()]) {
        for (const m of [a, b, a]) assert.deepEqual([...subjectPosterior(m, q)], referencePosterior(m, q), q);
      }
    });
  }
});
