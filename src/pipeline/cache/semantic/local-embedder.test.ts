import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dot } from './embedder.js';
import { LocalEmbedder } from './local-embedder.js';

test('is deterministic across calls and instances, and unit length', async () => {
  const a = new LocalEmbedder();
  const b = new LocalEmbedder();
  const [v1] = await a.embed(['How do I cancel my subscription?']);
  const [v2] = await b.embed(['How do I cancel my subscription?']);
  assert.deepEqual(v1, v2);
  assert.equal(v1!.length, 384);
  assert.ok(Math.abs(dot(v1!, v1!) - 1) < 1e-5);
  assert.equal(a.id, 'local-hash-v1/384');
});

test('orders similarity: same text > paraphrase > unrelated', () => {
  const e = new LocalEmbedder();
  const q = e.embedOne('How do I cancel my subscription?');
  const same = dot(q, e.embedOne('how do i cancel my subscription'));
  const para = dot(q, e.embedOne('I want to terminate my membership'));
  const other = dot(q, e.embedOne('What is the boiling point of water?'));
  assert.ok(same > 0.99, `same ${same}`);
  assert.ok(para > other + 0.2, `paraphrase ${para} vs unrelated ${other}`);
});

test('a text without content words embeds to the zero vector', () => {
  const v = new LocalEmbedder({ dims: 64 }).embedOne('how do I do it?');
  assert.equal(
    v.reduce((s, x) => s + Math.abs(x), 0),
    0,
  );
});
