import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { FLAT_SCALE, TEST_PRICES, makePrompt, makeRecord } from '../test-support.js';
import { CompressionEstimator, type FillerKind, scanFiller } from './compression.js';

const kinds = (): Record<FillerKind, number> => ({
  'role preamble': 0,
  politeness: 0,
  boilerplate: 0,
  intensifiers: 0,
  whitespace: 0,
});

describe('compression estimator', () => {
  test('politeness, boilerplate, intensifiers and whitespace runs are counted once each', () => {
    const k = kinds();
    const n = scanFiller('Please kindly answer.   Make sure to be really brief.\n\n\n\nThanks', k);
    assert.deepEqual(k, {
      'role preamble': 0,
      politeness: 14 + 6,
      boilerplate: 13,
      intensifiers: 7,
      whitespace: 2 + 2,
    });
    assert.equal(n, 44);
  });

  test('a role preamble counts as removable minus ~40 characters for its replacement', () => {
    const k = kinds();
    const preamble =
      'You are a highly experienced customer service representative with deep knowledge of our product.';
    scanFiller(`${preamble} Customer question: where is my order?`, k);
    assert.equal(k['role preamble'], preamble.length - 40);
  });

  test('removable tokens × uncached input price, prefix scanned once per distinct prefix', () => {
    const e = new CompressionEstimator();
    const gpt4o = TEST_PRICES.find((p) => p.model === 'gpt-4o')!;
    const prompt = makePrompt('Please kindly answer the question.', 'Where is my order?', 11);
    e.observe(makeRecord({ prompt }), 1n, gpt4o);
    e.observe(makeRecord({ prompt }), 1n, gpt4o);
    e.observe(makeRecord({ prompt: makePrompt('Answer.', 'Where?', 12) }), 1n, gpt4o);
    const o = e.finish(FLAT_SCALE);
    // "Please " + "kindly " = 14 characters → 3 tokens × $2.50/1M, twice
    assert.equal(o.observed, 2n * 3n * 2_500_000n);
    assert.equal(o.requests, 2);
    assert.match(o.evidence[0]!, /^2 of 3 prompts/);
  });
});
