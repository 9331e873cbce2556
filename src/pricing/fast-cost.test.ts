import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Usage } from '../core/usage.js';
import { loadCatalog } from './catalog.js';
import { computeCost } from './cost.js';
import { fastCost } from './fast-cost.js';

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x9e3779b9) >>> 0;
    return s / 4294967296;
  };
}

describe('fastCost', () => {
  test('agrees with computeCost on every catalog entry, batch or not', () => {
    const rand = rng(7);
    const entries = loadCatalog().list();
    assert.ok(entries.length > 100);
    const n = (max: number) => (rand() < 0.3 ? 0 : Math.floor(rand() * max));
    for (const p of entries) {
      for (let i = 0; i < 6; i++) {
        const u: Usage = {
          inputUncached: n(300_000),
          cacheRead: n(200_000),
          cacheWrite5m: n(5000),
          cacheWrite1h: n(5000),
          outputText: n(20_000),
          reasoning: n(5000),
        };
        const batch = i % 3 === 0;
        assert.equal(
          fastCost(u, p, { batch }),
          computeCost(u, p, { batch }).cost,
          `${p.provider}/${p.model}`,
        );
      }
    }
  });

  test('falls back to the cost engine for unpriced models, fractions and huge sums', () => {
    const p = loadCatalog().lookup('gpt-4o')!;
    const frac: Usage = {
      inputUncached: 10.5,
      cacheRead: 0,
      cacheWrite5m: 0,
      cacheWrite1h: 0,
      outputText: 1,
      reasoning: 0,
    };
    assert.equal(fastCost(frac, p), computeCost(frac, p).cost);
    const huge: Usage = {
      inputUncached: 2 ** 52,
      cacheRead: 0,
      cacheWrite5m: 0,
      cacheWrite1h: 0,
      outputText: 0,
      reasoning: 0,
    };
    assert.equal(fastCost(huge, p), computeCost(huge, p).cost);
    assert.equal(fastCost(frac, undefined), null);
  });
});
