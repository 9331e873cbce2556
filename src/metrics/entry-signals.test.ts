import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { cascadeSignal, promptCacheHit, responseCacheHit } from './entry-signals.js';

const base = { savings: {}, flags: [] as string[] };

describe('entry signals', () => {
  test('response cache hits come from savings keys, then meta, then flags; prompt caching is not one', () => {
    assert.equal(responseCacheHit({ ...base, savings: { 'cache.semantic': 1n } }), 'semantic');
    assert.equal(responseCacheHit({ ...base, savings: { 'cache.prompt': 5n } }), null);
    assert.equal(responseCacheHit({ ...base, meta: { cache: 'hit' } }), 'exact');
    assert.equal(responseCacheHit({ ...base, meta: { cache: 'miss' } }), null);
    assert.equal(responseCacheHit({ ...base, meta: { cache: { hit: true, kind: 'dedupe' } } }), 'dedupe');
    assert.equal(responseCacheHit({ ...base, meta: { cache: { hit: false } } }), null);
    assert.equal(responseCacheHit({ ...base, flags: ['cache_hit'] }), 'exact');
    // The cache stage's record decides: a semantic miss pays for its embedding (a negative saving).
    assert.equal(
      responseCacheHit({ ...base, savings: { 'cache.semantic': -3n }, meta: { cache: { status: 'miss' } } }),
      null,
    );
    assert.equal(responseCacheHit({ ...base, savings: { 'cache.semantic': -3n } }), null);
    assert.equal(
      responseCacheHit({
        ...base,
        savings: { 'cache.semantic': 9n },
        meta: { cache: { status: 'hit', kind: 'semantic' } },
      }),
      'semantic',
    );
    assert.equal(responseCacheHit({ ...base, meta: { cache: { status: 'dedupe' } } }), 'dedupe');
    assert.equal(responseCacheHit({ ...base, meta: { cache: { status: 'shadow-hit' } } }), null);
    assert.equal(
      responseCacheHit({ ...base, meta: { cache: { status: 'bypass', reason: 'sampling' } } }),
      null,
    );
    assert.equal(responseCacheHit(base), null);
    assert.equal(promptCacheHit({ cacheRead: 1 }), true);
    assert.equal(promptCacheHit({ cacheRead: 0 }), false);
  });

  test('cascade escalation from meta.cascade in its several spellings', () => {
    assert.equal(cascadeSignal({}), null);
    assert.equal(cascadeSignal({ meta: { route: {} } }), null);
    assert.deepEqual(cascadeSignal({ meta: { cascade: { escalated: true } } }), { escalated: true });
    assert.deepEqual(cascadeSignal({ meta: { cascade: { acceptedStep: 0 } } }), { escalated: false });
    assert.deepEqual(cascadeSignal({ meta: { cascade: { step: 2 } } }), { escalated: true });
    assert.deepEqual(cascadeSignal({ meta: { cascade: { steps: [{}, {}] } } }), { escalated: true });
    assert.deepEqual(cascadeSignal({ meta: { cascade: { models: ['a'] } } }), { escalated: false });
  });
});
