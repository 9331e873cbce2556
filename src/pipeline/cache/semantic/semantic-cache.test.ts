import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConfigError } from '../../../core/errors.js';
import type { Embedder, EmbedResult } from './embedder.js';
import { LocalEmbedder } from './local-embedder.js';
import type { SemanticScope } from './scope.js';
import { DEFAULT_SEMANTIC_THRESHOLD, SemanticCache } from './semantic-cache.js';
import { VectorIndex } from './vector-index.js';

const scope: SemanticScope = {
  modelFamily: 'gpt-4o',
  systemHash: 'sys1',
  toolsHash: 'tools1',
  prefixHash: 'prefix1',
  namespace: 'tenant-a/support',
};

function newCache(extra: Partial<ConstructorParameters<typeof SemanticCache>[0]> = {}) {
  return new SemanticCache({ embedder: new LocalEmbedder(), ...extra });
}

describe('SemanticCache', () => {
  test("a store after a lookup of the same text indexes the lookup's vector: one embedding, not two", async () => {
    const local = new LocalEmbedder();
    let embedded = 0;
    const counting: Embedder = {
      id: local.id,
      dims: local.dims,
      embed: (texts) => {
        embedded += texts.length;
        return local.embed(texts);
      },
    };
    const cache = newCache({ embedder: counting });
    const text = 'How do I cancel my subscription?';
    const r = await cache.lookup({ scope, text });
    assert.equal(embedded, 1);
    assert.ok(r.vector);
    await cache.store({ scope, text, id: 'r1', vector: r.vector });
    assert.equal(embedded, 1, 'the store reused the vector');
    const again = await cache.lookup({ scope, text: 'how can i cancel my subscription' });
    assert.equal(again.hit?.id, 'r1');
    // Without a vector (or with one of another size) the store embeds the text itself.
    await cache.store({ scope, text: 'Where is my invoice?', id: 'r2', vector: new Float32Array(3) });
    assert.equal(embedded, 3);
  });

  test('serves a paraphrase in the same scope, with its score and text', async () => {
    const cache = newCache();
    await cache.store({ scope, text: 'How do I cancel my subscription?', id: 'r1' });
    const r = await cache.lookup({ scope, text: 'how can i cancel my subscription' });
    assert.equal(r.hit?.id, 'r1');
    assert.equal(r.hit?.entryText, 'How do I cancel my subscription?');
    assert.ok(r.hit!.score >= DEFAULT_SEMANTIC_THRESHOLD);
    assert.equal(r.threshold, DEFAULT_SEMANTIC_THRESHOLD);
  });

  test('never crosses scopes: model family, system prompt, tools, history, namespace', async () => {
    const cache = newCache();
    await cache.store({ scope, text: 'How do I cancel my subscription?', id: 'r1' });
    for (const other of [
      { ...scope, modelFamily: 'claude-sonnet-4' },
      { ...scope, systemHash: 'sys2' },
      { ...scope, toolsHash: 'tools2' },
      { ...scope, prefixHash: 'prefix2' },
      { ...scope, namespace: 'tenant-b/support' },
    ]) {
      const r = await cache.lookup({ scope: other, text: 'How do I cancel my subscription?' });
      assert.equal(r.hit, null, JSON.stringify(other));
    }
  });

  test('shadow mode reports the would-be hit and never serves it', async () => {
    const cache = newCache();
    await cache.store({ scope, text: 'How do I cancel my subscription?', id: 'r1' });
    const r = await cache.lookup({ scope, text: 'How do I cancel my subscription?', shadow: true });
    assert.equal(r.hit, null);
    assert.equal(r.wouldHit?.id, 'r1');
  });

  test('checks the top-k candidates: a negated near-duplicate is skipped, a real match behind it served', async () => {
    const cache = newCache();
    await cache.store({ scope, text: "How do I make sure my subscription doesn't renew?", id: 'neg' });
    const r1 = await cache.lookup({ scope, text: 'How do I make sure my subscription renews?' });
    assert.equal(r1.hit, null);
    assert.equal(r1.rejectedKind, 'negation');
    assert.match(r1.rejectedBy ?? '', /^negation/);
    await cache.store({ scope, text: 'How do I make sure my subscription renews?', id: 'pos' });
    const r2 = await cache.lookup({ scope, text: 'How can I make sure that my subscription renews?' });
    assert.equal(r2.hit?.id, 'pos');
  });

  test('thresholds: per call, per feature, default', async () => {
    const cache = newCache({ thresholds: { default: 0.4, perFeature: { strict: 0.99 } } });
    await cache.store({ scope, text: 'How do I cancel my subscription?', id: 'r1' });
    const q = 'How can I cancel my subscription plan?';
    assert.equal((await cache.lookup({ scope, text: q })).hit?.id, 'r1');
    const strict = await cache.lookup({ scope, text: q, feature: 'strict' });
    assert.equal(strict.hit, null);
    assert.equal(strict.threshold, 0.99);
    assert.equal((await cache.lookup({ scope, text: q, feature: 'strict', threshold: 0.3 })).hit?.id, 'r1');
  });

  test('storing an id again replaces its text', async () => {
    const cache = newCache();
    await cache.store({ scope, text: 'How do I cancel my subscription?', id: 'r1' });
    await cache.store({ scope, text: 'How do I reset my password?', id: 'r1' });
    assert.equal(cache.size, 1);
    assert.equal((await cache.lookup({ scope, text: 'How do I cancel my subscription?' })).hit, null);
    const r = await cache.lookup({ scope, text: 'How do I reset my password?' });
    assert.equal(r.hit?.entryText, 'How do I reset my password?');
  });

  test('skips empty and over-long texts', async () => {
    const cache = newCache({ maxTextChars: 20 });
    assert.deepEqual(await cache.store({ scope, text: 'x'.repeat(21), id: 'r' }), {
      stored: false,
      skipped: 'too_long',
    });
    assert.equal((await cache.lookup({ scope, text: '   ' })).skipped, 'empty');
    assert.equal(cache.size, 0);
  });

  test('evicted and removed entries are gone', async () => {
    const cache = newCache({ index: new VectorIndex({ dims: 384, maxEntries: 1 }) });
    await cache.store({ scope, text: 'How do I cancel my subscription?', id: 'r1' });
    await cache.store({ scope, text: 'How do I reset my password?', id: 'r2' });
    assert.equal((await cache.lookup({ scope, text: 'How do I cancel my subscription?' })).hit, null);
    assert.equal((await cache.lookup({ scope, text: 'How do I reset my password?' })).hit?.id, 'r2');
    assert.equal(cache.remove('r2'), true);
    assert.equal((await cache.lookup({ scope, text: 'How do I reset my password?' })).hit, null);
  });

  test('passes on what a remote embedder charged, and rejects an index of the wrong size', async () => {
    const local = new LocalEmbedder({ dims: 64 });
    const remote: Embedder = {
      id: 'fake',
      dims: 64,
      embed: (t) => local.embed(t),
      async embedWithUsage(texts: string[]): Promise<EmbedResult> {
        return { vectors: await local.embed(texts), usage: { model: 'fake', promptTokens: 7 } };
      },
    };
    const cache = new SemanticCache({ embedder: remote });
    const s = await cache.store({ scope, text: 'How do I cancel my subscription?', id: 'r1' });
    assert.deepEqual(s.embedUsage, { model: 'fake', promptTokens: 7 });
    const r = await cache.lookup({ scope, text: 'How do I cancel my subscription?' });
    assert.deepEqual(r.embedUsage, { model: 'fake', promptTokens: 7 });
    assert.throws(
      () => new SemanticCache({ embedder: remote, index: new VectorIndex({ dims: 32 }) }),
      ConfigError,
    );
  });
});
