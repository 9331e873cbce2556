import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { emptyUsage } from '../../core/usage.js';
import { loadCatalog } from '../../pricing/catalog.js';
import { settleCall } from './settle-call.js';

const catalog = loadCatalog({});

describe('settleCall (embeddings and legacy completions)', () => {
  const usage = { ...emptyUsage(), inputUncached: 1_000_000 };

  test('a provider call costs its usage at its price; baseline = cost, no savings', () => {
    // text-embedding-3-small: $0.02 per million input tokens = 2e10 picodollars for a million.
    const s = settleCall({ model: 'text-embedding-3-small', provider: 'openai', usage }, catalog);
    assert.equal(s.cost, 20_000_000_000n);
    assert.equal(s.baselineCost, s.cost);
    assert.deepEqual(s.savings, {});
  });

  test('an answer served by a tactic costs 0 and saves what the call would have cost', () => {
    const s = settleCall(
      { model: 'text-embedding-3-small', provider: 'openai', usage },
      catalog,
      'cache.exact',
    );
    assert.equal(s.cost, 0n);
    assert.equal(s.baselineCost, 20_000_000_000n);
    assert.deepEqual(s.savings, { 'cache.exact': 20_000_000_000n });
    assert.equal(
      s.baselineCost - s.cost,
      Object.values(s.savings).reduce((a, b) => a + b, 0n),
    );
  });

  test('an unpriced model is unknown (null, flagged), never $0 — served or cached', () => {
    const s = settleCall({ model: 'no-such-embedder-xyz', provider: 'openai', usage }, catalog);
    assert.equal(s.cost, null);
    assert.ok(s.flags.length > 0);
    const hit = settleCall(
      { model: 'no-such-embedder-xyz', provider: 'openai', usage },
      catalog,
      'cache.exact',
    );
    assert.equal(hit.baselineCost, null);
    assert.deepEqual(hit.savings, {});
    assert.ok(hit.flags.length > 0);
  });
});
