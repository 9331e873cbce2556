import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { PriceEntry } from '../../pricing/price.js';
import { promptCacheSavings } from '../settle/tactic-savings.js';
import { lostReadCost } from './prompt-savings.js';

// Claude Sonnet 4.5 per token, picodollars: input 3, read 0.3, 5m write 3.75, 1h write 6, output 15 ($ / 1M).
const sonnet: PriceEntry = {
  model: 'claude-sonnet-4-5',
  provider: 'anthropic',
  source: 'test',
  input: 3_000_000n,
  output: 15_000_000n,
  cacheRead: 300_000n,
  cacheWrite5m: 3_750_000n,
  cacheWrite1h: 6_000_000n,
};
const u = (r: number, w5: number, w1: number) => ({
  inputUncached: 100,
  cacheRead: r,
  cacheWrite5m: w5,
  cacheWrite1h: w1,
  outputText: 50,
  reasoning: 0,
});

test('cache.prompt savings: reads save, writes cost extra, exactly', () => {
  assert.equal(promptCacheSavings(u(0, 0, 0), sonnet), 0n);
  assert.equal(promptCacheSavings(u(2000, 0, 0), sonnet), 2000n * 2_700_000n);
  assert.equal(promptCacheSavings(u(0, 2000, 0), sonnet), -2000n * 750_000n);
  assert.equal(promptCacheSavings(u(0, 0, 2000), sonnet), -2000n * 3_000_000n);
  assert.equal(promptCacheSavings(u(1000, 1000, 0), sonnet), 1000n * 2_700_000n - 1000n * 750_000n);
  assert.equal(promptCacheSavings(u(10, 0, 0), undefined), null);
});

test('lost read cost of a prefix breaker', () => {
  assert.equal(lostReadCost(1000, sonnet), 1000n * 2_700_000n);
  assert.equal(lostReadCost(0, sonnet), 0n);
  assert.equal(lostReadCost(1000, undefined), null);
});
