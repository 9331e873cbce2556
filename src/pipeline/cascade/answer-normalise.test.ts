import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  extractFinalNumber,
  extractOptionLetter,
  extractYesNo,
  normaliseAnswer,
} from './answer-normalise.js';

describe('answer normalisation', () => {
  test('final number prefers explicit markers over the last number', () => {
    assert.equal(extractFinalNumber('16 - 3 - 4 = 9 eggs, 9 * 2 = 18\n#### 18'), '18');
    assert.equal(extractFinalNumber('The answer is $1,250.50 in total, not 3'), '1250.5');
    assert.equal(extractFinalNumber('so \\boxed{42}. Check: 41+1'), '42');
    assert.equal(extractFinalNumber('first 3 then 7'), '7');
    assert.equal(extractFinalNumber('no digits'), null);
  });

  test('option letters and yes/no', () => {
    assert.equal(extractOptionLetter('The correct answer is (C).'), 'C');
    assert.equal(extractOptionLetter('B. Paralysis of the facial muscles'), 'B');
    assert.equal(extractOptionLetter('d'), 'D');
    assert.equal(extractYesNo('Yes, because…'), 'yes');
    assert.equal(extractYesNo('Answer: No'), 'no');
    assert.equal(extractYesNo('Cannot determine'), null);
  });

  test('auto mode tags the kind so kinds never compare equal', () => {
    assert.equal(normaliseAnswer('Yes.'), 'yesno:yes');
    assert.equal(normaliseAnswer('(A)'), 'option:A');
    assert.equal(normaliseAnswer('#### 7'), 'number:7');
    assert.equal(normaliseAnswer('  Hello, World! '), 'text:hello, world');
    assert.equal(normaliseAnswer('   '), null);
  });
});
