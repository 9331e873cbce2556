import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { loadModel, predict, saveModel, type TrainExample } from '../../pipeline/route/classifier.js';
import { mulberry32 } from '../../pipeline/route/prng.js';
import { evaluateScores } from './metrics.js';
import {
  chooseStack,
  defaultCandidates,
  STACK_LABEL_CANDIDATES,
  STACK_OUTCOME_CANDIDATES,
  trainStack,
} from './router-stack.js';
import { trainRouterModel } from './router-training.js';

/**
 * Word problems with two independent causes of the cheap model failing: more than three steps (seen in the
 * length), or the noun "tickets" or "stamps" (seen in the words only). The strong model solves every problem.
 */
function problems(n: number, seed: number): TrainExample[] {
  const rand = mulberry32(seed);
  const nouns = ['apples', 'coins', 'tickets', 'marbles', 'books', 'stamps', 'shells', 'cards'];
  return Array.from({ length: n }, () => {
    const steps = 1 + Math.floor(rand() * 5);
    const noun = nouns[Math.floor(rand() * nouns.length)]!;
    const parts = [`Sam has ${1 + Math.floor(rand() * 90)} ${noun}.`];
    for (let k = 1; k < steps; k++) parts.push(`Then he gets ${2 + Math.floor(rand() * 50)} more ${noun}.`);
    parts.push(`How many ${noun} does he have?`);
    const cheap = steps <= 3 && noun !== 'tickets' && noun !== 'stamps' ? 1 : 0;
    return { text: parts.join(' '), cheap, strong: 1, label: (1 + 1 - cheap) / 2 };
  });
}

const trainBase = (ex: readonly TrainExample[], m: Parameters<typeof trainRouterModel>[1], s: number) =>
  trainRouterModel(ex, m, s);
const apgr = (ex: readonly TrainExample[], scores: number[]) =>
  evaluateScores(
    ex.map((e) => ({ w: e.cheap!, s: e.strong! })),
    scores,
  ).apgr;

describe('stack router (ensemble selection by CV)', () => {
  const data = problems(500, 1);
  const fresh = problems(400, 2);

  test('combines a length signal and a word signal, and beats each alone on fresh prompts', () => {
    const choice = chooseStack(data, trainBase, 1, ['length', 'knn']);
    assert.equal(choice.metric, 'apgr');
    assert.deepEqual(Object.keys(choice.picks).sort(), ['knn', 'length'], JSON.stringify(choice));
    assert.ok(choice.score > Math.max(choice.single.length!, choice.single.knn!), JSON.stringify(choice));
    const model = trainStack(data, trainBase, 1, {}, ['length', 'knn']);
    assert.equal(model.meta.method, 'stack');
    const stack = apgr(
      fresh,
      fresh.map((e) => predict(model, e.text)),
    );
    for (const m of ['length', 'knn'] as const) {
      const alone = trainRouterModel(data, m, 1);
      const a = apgr(
        fresh,
        fresh.map((e) => predict(alone, e.text)),
      );
      assert.ok(stack > a + 0.02, `stack ${stack} vs ${m} ${a} (${String(model.meta.picks)})`);
    }
  });

  test('is deterministic and round-trips through the model file with the same scores', () => {
    const a = trainRouterModel(data, 'stack', 1);
    const b = trainRouterModel(data, 'stack', 1);
    assert.equal(a.kind, 'anchored');
    assert.equal(saveModel(a), saveModel(b));
    const back = loadModel(saveModel(a));
    let worst = 0;
    for (const e of fresh.slice(0, 30))
      worst = Math.max(worst, Math.abs(predict(back, e.text) - predict(a, e.text)));
    assert.ok(worst < 1e-6, `largest difference ${worst}`);
  });

  test('single-label examples are ranked by ROC AUC over the single-label candidates', () => {
    const labelled = data.map(({ text, label }) => ({ text, label: label > 0.5 ? 1 : 0 }));
    const choice = chooseStack(labelled, trainBase, 1);
    assert.equal(choice.metric, 'auc');
    for (const m of Object.keys(choice.picks)) assert.ok(STACK_LABEL_CANDIDATES.includes(m as never), m);
    assert.ok(choice.score > 0.8, JSON.stringify(choice));
  });

  test('with subjects named, the subject prior is a candidate and is picked when the subject decides', () => {
    assert.deepEqual(defaultCandidates(data), STACK_OUTCOME_CANDIDATES);
    // The subject (which pile the problem came from) decides the cheap model's outcome; the words that
    // reveal it are shared by the subject's problems but say nothing per problem about the outcome.
    const rand = mulberry32(7);
    const piles = ['harbour', 'orchard', 'market', 'library'];
    const bySubject = (n: number) =>
      Array.from({ length: n }, (_, i) => {
        const pile = piles[i % 4]!;
        const hardPile = pile === 'harbour' || pile === 'market';
        const cheap = rand() < (hardPile ? 0.2 : 0.9) ? 1 : 0;
        const text = `At the ${pile} there are ${1 + Math.floor(rand() * 90)} boxes and ${1 + Math.floor(rand() * 9)} carts. How many are left?`;
        return { text, cheap, strong: 1, label: (2 - cheap) / 2, group: pile };
      });
    const grouped = bySubject(400);
    assert.deepEqual(defaultCandidates(grouped), [...STACK_OUTCOME_CANDIDATES, 'subject-prior']);
    const choice = chooseStack(grouped, trainBase, 1, ['length', 'subject-prior']);
    assert.ok((choice.picks['subject-prior'] ?? 0) > 0, JSON.stringify(choice));
    assert.ok(choice.single['subject-prior']! > choice.single.length! + 0.2, JSON.stringify(choice));
  });

  test('a candidate these examples cannot train drops out instead of failing the stack', () => {
    // The problems name no subject, so the subject prior cannot be trained (a RangeError).
    const choice = chooseStack(data, trainBase, 1, ['subject-prior', 'logreg']);
    assert.deepEqual(choice.dropped, ['subject-prior']);
    assert.deepEqual(Object.keys(choice.single), ['logreg']);
    assert.throws(() => chooseStack(data, trainBase, 1, ['subject-prior']), /no candidate could be trained/);
  });

  test('refuses too few examples for its folds', () => {
    assert.throws(() => chooseStack(data.slice(0, 10), trainBase), /needs at least 20 examples/);
  });
});
