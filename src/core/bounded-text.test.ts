import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { BoundedLabel, MAX_LABEL_LENGTH } from '../metrics/bounded-label.js';
import { boundText, headerText } from './bounded-text.js';

describe('bounded client text', () => {
  test('boundText cuts without splitting a surrogate pair', () => {
    assert.equal(boundText('abc', 5), 'abc');
    assert.equal(boundText('abcdef', 3), 'abc');
    assert.equal(boundText('ab😀', 3), 'ab');
    assert.equal(boundText('ab😀c', 4), 'ab😀');
  });

  test('headerText decodes UTF-8 bytes given as latin1, and keeps anything else', () => {
    assert.equal(headerText(Buffer.from('café', 'utf8').toString('latin1')), 'café');
    assert.equal(headerText(Buffer.from('日本', 'utf8').toString('latin1')), '日本');
    assert.equal(headerText('café'), 'café'); // real latin1 (not valid UTF-8) stays
    assert.equal(headerText('plain'), 'plain');
  });

  test('metric label values are cut to MAX_LABEL_LENGTH', () => {
    const label = new BoundedLabel(10);
    assert.equal(label.value('m'.repeat(9 * 1024 * 1024)).length, MAX_LABEL_LENGTH);
    assert.equal(label.value('gpt-4o'), 'gpt-4o');
  });
});
