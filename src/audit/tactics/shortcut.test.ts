import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { FLAT_SCALE, makePrompt, makeRecord, testContext } from '../test-support.js';
import { ShortcutEstimator, normaliseQuestion } from './shortcut.js';

describe('shortcut (FAQ) estimator', () => {
  test('normalises case, punctuation and spacing', () => {
    assert.equal(normaliseQuestion('  What is your REFUND policy??  '), 'what is your refund policy');
  });

  test('questions asked ≥ 5 times save all but the first occurrence', () => {
    const e = new ShortcutEstimator(testContext());
    const ask = (q: string, cost: bigint, feature = 'support') =>
      e.observe(makeRecord({ feature, prompt: makePrompt('sys', q) }), cost);
    ask('What is your refund policy?', 10n);
    ask('what is your refund policy', 20n);
    ask('What is your REFUND policy!', 30n);
    ask('What is your refund policy?', 40n);
    ask('What is your refund policy?', 50n);
    for (let i = 0; i < 4; i++) ask('Do you ship abroad?', 1000n); // 4 < 5: not a FAQ
    ask('What is your refund policy?', 1000n, 'other-feature'); // counted per feature
    const o = e.finish(FLAT_SCALE);
    assert.equal(o.observed, 140n);
    assert.equal(o.requests, 4);
    assert.match(o.examples[0]!, /^5× "What is your refund policy\?"/);
  });
});

describe('hashNormalised', () => {
  test('equals hashing the normalised text', async () => {
    const { hashString } = await import('../hash.js');
    const { hashNormalised } = await import('./shortcut.js');
    for (const q of [
      '  What is your REFUND policy??  ',
      'Où est ma commande ?',
      'a',
      '',
      `${'word, '.repeat(40)}end`,
    ]) {
      assert.equal(hashNormalised(q, 7), hashString(normaliseQuestion(q), 7), q);
    }
  });
});
