import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { normalizeWhitespace } from './whitespace.js';

const nonWs = (s: string) => s.replace(/\s+/g, '');

describe('normalizeWhitespace', () => {
  test('collapses runs of spaces, trailing spaces and blank lines', () => {
    const input = 'Answer   the question.   \n\n\n\nUse  the context.\t\n\n';
    const out = normalizeWhitespace(input);
    assert.equal(out, 'Answer the question.\n\nUse the context.');
    assert.equal(nonWs(out), nonWs(input));
  });

  test('leaves fenced code blocks exactly as they are', () => {
    const code = '```python\ndef f(x):\n    if x:\n\n\n        return   1\n```';
    const input = `Fix   this:\n${code}\n\n\n\nThanks`;
    const out = normalizeWhitespace(input);
    assert.ok(out.includes(code), out);
    assert.equal(out, `Fix this:\n${code}\n\nThanks`);
  });

  test('keeps indentation, inline code and column-aligned tables', () => {
    const input = [
      '- item',
      '    nested   code',
      'Run `a  b` now',
      'City        Population',
      'New York    8.3M',
      'Paris       2.1M',
    ].join('\n');
    assert.equal(normalizeWhitespace(input), input);
  });

  test('an unclosed fence protects the rest of the text', () => {
    const input = 'Look:\n```\nx    =    1\n\n\n\ny';
    assert.equal(normalizeWhitespace(input), input);
  });

  test('returns the same string when there is nothing to do', () => {
    const input = 'Short and tidy.\nSecond line.';
    assert.equal(normalizeWhitespace(input), input);
  });

  test('non-whitespace characters are identical, in order, on a mixed document', () => {
    const input =
      '  Intro   text  \r\n\r\n\r\n| a |  b |\n| - | - |\n\n\n```\n  keep  \n```\n  tail    end   \n\n\n';
    const out = normalizeWhitespace(input);
    assert.equal(nonWs(out), nonWs(input));
    assert.ok(out.length < input.length);
  });
});
