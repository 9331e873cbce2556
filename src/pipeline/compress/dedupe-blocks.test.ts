import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { dedupeBlocks, newDedupeState } from './dedupe-blocks.js';

const para = (w: string) => `${w} `.repeat(20).trim();

describe('dedupeBlocks', () => {
  test('removes the second copy of a long paragraph, keeps the first and the rest', () => {
    const a = para('alpha');
    const b = para('beta');
    const text = `${a}\n\n${b}\n\n${a}\n\nQuestion: why?`;
    assert.equal(dedupeBlocks(text, newDedupeState(40)), `${a}\n\n${b}\n\nQuestion: why?`);
  });

  test('remembers blocks across texts of one prompt (later copies only)', () => {
    const st = newDedupeState(40);
    const a = para('gamma');
    assert.equal(dedupeBlocks(`Intro\n\n${a}`, st), `Intro\n\n${a}`);
    assert.equal(dedupeBlocks(`${a}\n\nNew words here.`, st), 'New words here.');
  });

  test('short repeated blocks and fenced code are kept', () => {
    const code = '```\nconst x = 1; // the same code block, long enough to qualify\n```';
    const text = `Answer:\n\n${code}\n\nAnswer:\n\n${code}`;
    assert.equal(dedupeBlocks(text, newDedupeState(20)), text);
  });

  test('unchanged text is returned as the same string', () => {
    const t = `${para('one')}\n\n${para('two')}`;
    assert.equal(dedupeBlocks(t, newDedupeState(40)), t);
  });
});
