import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { countWords } from './tokenize.js';
import {
  extractFeatures,
  fnv1a,
  hash32,
  hashedNgrams,
  NUMERIC_FEATURE_NAMES,
  numericVector,
  sparseDot,
  tokenize,
} from './features.js';

describe('features', () => {
  test('tokenize lower-cases and keeps words and numbers', () => {
    assert.deepEqual(tokenize("Janet's ducks lay 16 eggs, per-day!"), [
      "janet's",
      'ducks',
      'lay',
      '16',
      'eggs',
      'per',
      'day',
    ]);
  });

  test('tokenize answers each text in turn (its memo of the last text never leaks); countWords agrees', () => {
    const texts = ['One two three.', 'Four, five', 'One two three.', '', 'Ünïcödé wörds 42', 'Four, five'];
    const want = [
      ['one', 'two', 'three'],
      ['four', 'five'],
      ['one', 'two', 'three'],
      [],
      ['ünïcödé', 'wörds', '42'],
    ];
    for (let round = 0; round < 2; round++) {
      texts.forEach((t, i) => {
        assert.deepEqual(tokenize(t), want[i] ?? ['four', 'five'], t);
        assert.equal(countWords(t), tokenize(t).length, t);
      });
    }
  });

  test('counts lengths, numbers, math, questions and multi-step cues', () => {
    const f = extractFeatures(
      'Janet has 16 eggs. She eats 3 and then bakes 4 each day. How much does she make at $2 per egg?',
    );
    assert.equal(f.chars, 94);
    assert.equal(f.numbers, 4);
    assert.equal(f.distinctNumbers, 4);
    assert.equal(f.questionMarks, 1);
    assert.equal(f.questionWords, 1);
    assert.ok(f.multiStepCues >= 3, `multi-step cues ${f.multiStepCues}`);
    assert.ok(f.mathSymbols >= 1);
    assert.equal(f.sentences, 3);
  });

  test('detects option lists, negation traps, code and domains', () => {
    const mc = extractFeatures('Which of these is NOT a prime?\nA. 2\nB. 3\nC. 9\nD. 11');
    assert.equal(mc.optionCount, 4);
    assert.equal(mc.negationCues, 1);
    assert.equal(mc.domainMath, 1);
    const code = extractFeatures(
      '```python\ndef f(x):\n    return x + 1\n```\nFix the bug in this function.',
    );
    assert.ok(code.codeMarkers >= 3);
    assert.ok(code.domainCode >= 2);
    const law = extractFeatures('The court overruled the holding of the trial court on appeal.');
    assert.ok(law.domainLaw >= 3);
  });

  test('numericVector has one entry per name and is deterministic', () => {
    const text = 'Explain why the sky is blue.';
    const v = numericVector(extractFeatures(text));
    assert.equal(v.length, NUMERIC_FEATURE_NAMES.length);
    assert.deepEqual(v, numericVector(extractFeatures(text)));
    assert.ok(v.every(Number.isFinite));
    assert.ok(numericVector(extractFeatures('')).every(Number.isFinite));
  });

  test('FNV-1a matches the reference values', () => {
    assert.equal(fnv1a(''), 0x811c9dc5);
    assert.equal(fnv1a('a'), 0xe40c292c);
    assert.equal(fnv1a('foobar'), 0xbf9cf968);
    assert.notEqual(hash32('a') >>> 31, undefined);
  });

  test('hashed n-grams are sorted, unique, unit-norm and include bigrams', () => {
    const v = hashedNgrams('the cat sat on the mat', { dim: 1024 });
    assert.ok(v.idx.every((x, i) => i === 0 || x > v.idx[i - 1]!));
    assert.ok(Math.abs(sparseDot(v, v) - 1) < 1e-12);
    const uni = hashedNgrams('the cat sat on the mat', { dim: 1024, bigrams: false });
    assert.ok(v.idx.length > uni.idx.length);
    assert.throws(() => hashedNgrams('x', { dim: 1000 }), /power of two/);
    assert.equal(hashedNgrams('', { dim: 64 }).idx.length, 0);
  });

  test('hashed n-grams: exactly the buckets of each word and of each "first second" string, hashed whole', () => {
    // The bigram hash continues the first word's FNV-1a state instead of building the string; models
    // trained before depend on the buckets being those of the whole string.
    const texts = [
      'the cat sat on the mat',
      'Janet’s ducks lay 16 eggs per day; she eats three.',
      'Ünïcödé wörds, naïve café — 東京 2024',
      'a a a a b a',
      'one',
      '',
    ];
    for (const text of texts) {
      for (const dim of [16, 1024, 1 << 18]) {
        for (const bigrams of [true, false]) {
          const words = tokenize(text);
          const want = new Set<number>();
          words.forEach((w, i) => {
            want.add(fnv1a(w) & (dim - 1));
            if (bigrams && i > 0) want.add(fnv1a(`${words[i - 1]} ${w}`, 0x9747b28c) & (dim - 1));
          });
          const got = hashedNgrams(text, { dim, bigrams });
          assert.deepEqual(
            [...got.idx],
            [...want].sort((a, b) => a - b),
            `${text} / ${dim} / ${bigrams}`,
          );
        }
      }
    }
  });

  test('sparseDot of disjoint vectors is zero', () => {
    const a = { idx: Int32Array.from([1, 3]), val: Float64Array.from([1, 2]) };
    const b = { idx: Int32Array.from([2, 3, 5]), val: Float64Array.from([7, 3, 1]) };
    assert.equal(sparseDot(a, b), 6);
    assert.equal(sparseDot(a, { idx: Int32Array.from([0]), val: Float64Array.from([1]) }), 0);
  });
});
