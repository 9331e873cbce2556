import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { mulberry32 } from '../../pipeline/route/prng.js';
import { gainRecovered } from './gain-recovered.js';
import { evaluateScores } from './metrics.js';

describe('exact-area APGR (gainRecovered)', () => {
  test('a hand-computed example: ranks (position + ½) / n, ties share their mean rank', () => {
    // Scores 0.1 < 0.5 = 0.5 < 0.9: ranks 0.125, 0.5, 0.5, 0.875.
    const v = gainRecovered([1, 0, -1, 1], [0.9, 0.5, 0.1, 0.5]);
    assert.equal(v, (1 * 0.875 + 0 * 0.5 + -1 * 0.125 + 1 * 0.5) / 1);
    assert.ok(Number.isNaN(gainRecovered([1, -1], [0.2, 0.4])), 'nothing to recover');
  });

  test('is RouteLLM APGR without its 10 bins: close to it on the same scores, ½ for random scores', () => {
    const rand = mulberry32(3);
    const items = Array.from({ length: 4000 }, () => {
      const hard = rand();
      return { w: rand() < 1 - hard ? 1 : 0, s: rand() < 0.9 ? 1 : 0, hard };
    });
    const gains = items.map((i) => i.s - i.w);
    const informed = items.map((i) => i.hard + 0.3 * rand());
    const a = gainRecovered(gains, informed);
    const b = evaluateScores(items, informed).apgr;
    assert.ok(a > 0.6 && Math.abs(a - b) < 0.02, `${a} vs ${b}`);
    const noise = items.map(() => rand());
    assert.ok(Math.abs(gainRecovered(gains, noise) - 0.5) < 0.03);
  });
});
