import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { bm25Scores } from './bm25.js';
import { detectChunks, rebuild, selectChunks } from './context-trim.js';

const docs = [
  '[1] The refund window is 30 days from delivery for unused items.',
  '[2] Shipping to Canada takes 5 to 7 business days.',
  '[3] Gift cards cannot be refunded or exchanged.',
  '[4] Our headquarters are in Lisbon, Portugal.',
  '[5] Refunds are paid to the original payment method within 10 days.',
];

describe('context trimming', () => {
  test('detects numbered chunks and the question after them', () => {
    const text = `Use the sources below.\n\n${docs.join('\n\n')}\n\nQuestion: how long is the refund window?`;
    const c = detectChunks(text, 4)!;
    assert.equal(c.chunks.length, 5);
    assert.equal(c.pre.trim(), 'Use the sources below.');
    assert.equal(c.post.trim(), 'Question: how long is the refund window?');
    assert.equal(detectChunks(text, 6), null, 'fewer chunks than the minimum: not chunked context');
  });

  test('detects "Document N:" headers and <document> blocks', () => {
    const named = docs.map((d, i) => d.replace(`[${i + 1}]`, `Document ${i + 1}:`)).join('\n');
    assert.equal(detectChunks(named, 4)?.chunks.length, 5);
    const xml = docs.map((d, i) => `<document index="${i + 1}">${d.slice(4)}</document>`).join('\n');
    const c = detectChunks(`Sources:\n${xml}\nWhat about refunds?`, 4)!;
    assert.equal(c.chunks.length, 5);
    assert.equal(c.post.trim(), 'What about refunds?');
  });

  test('BM25 ranks the refund chunks first', () => {
    const s = bm25Scores('how long is the refund window', docs);
    const best = s.indexOf(Math.max(...s));
    assert.equal(best, 0);
    assert.ok(s[0]! > s[3]!);
  });

  test('selects within the budget, keeps at least one, preserves original order', () => {
    assert.deepEqual(selectChunks([0.1, 3, 0, 2, 1], [10, 10, 10, 10, 10], 25), [1, 3]);
    assert.deepEqual(selectChunks([1, 2], [100, 100], 10), [1]);
  });

  test('rebuild keeps the preamble, the kept chunks with their headers, and the question', () => {
    const text = `Use the sources below.\n\n${docs.join('\n\n')}\n\nQuestion: refund window?`;
    const c = detectChunks(text, 4)!;
    assert.equal(
      rebuild(c, [0, 4]),
      `Use the sources below.\n\n${docs[0]}\n\n${docs[4]}\n\nQuestion: refund window?`,
    );
  });
});
