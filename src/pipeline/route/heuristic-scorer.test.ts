import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { extractFeatures } from './features.js';
import { heuristicBreakdown, heuristicScore } from './heuristic-scorer.js';

describe('heuristicScore', () => {
  test('is deterministic and in [0, 1]', () => {
    const prompts = ['', 'hi', 'What is 2+2?', 'x '.repeat(5000), '```\n{\n}\n```'.repeat(50)];
    for (const p of prompts) {
      const s = heuristicScore(p);
      assert.ok(s >= 0 && s <= 1, `${s}`);
      assert.equal(s, heuristicScore(p));
    }
  });

  test('ranks a multi-step math word problem above a greeting', () => {
    const easy = heuristicScore('Say hello to my friend.');
    const hard = heuristicScore(
      'A store sells 3 types of pens at $1.25, $2.50 and $4 each. Maria buys twice as many of the first as the second, then 5 of the third, and pays 20% tax on the total. If she spent $61.50, how many pens of the first type did she buy? Explain each step.',
    );
    assert.ok(hard > easy + 0.2, `hard ${hard} easy ${easy}`);
  });

  test('breakdown sums to the score', () => {
    const b = heuristicBreakdown(extractFeatures('Prove that the sum of two even integers is even.'));
    const z = Object.values(b.parts).reduce((a, v) => a + v, 0) - 1.2;
    assert.ok(Math.abs(b.score - 1 / (1 + Math.exp(-z))) < 1e-12);
  });
});
