/**
 * Savings arithmetic settle uses for tactics that price tokens. `cache.prompt`: what the prompt-cache read
 * and write tokens would have cost at the plain input price minus what they cost — positive for reads,
 * negative for writes (a 5-minute write costs 1.25× and a 1-hour write 2× the input price). Computed as the
 * difference of two exact costs, so long-context tiers are priced the same way as in the ledger.
 */
import type { Money } from '../../core/money.js';
import type { Usage } from '../../core/usage.js';
import { computeCost } from '../../pricing/cost.js';
import type { PriceEntry } from '../../pricing/price.js';

export function promptCacheSavings(usage: Usage, price: PriceEntry | undefined): Money | null {
  if (usage.cacheRead + usage.cacheWrite5m + usage.cacheWrite1h === 0) return 0n;
  const actual = computeCost(usage, price).cost;
  const plain = computeCost(
    {
      ...usage,
      inputUncached: usage.inputUncached + usage.cacheRead + usage.cacheWrite5m + usage.cacheWrite1h,
      cacheRead: 0,
      cacheWrite5m: 0,
      cacheWrite1h: 0,
    },
    price,
  ).cost;
  return actual === null || plain === null ? null : plain - actual;
}

/** Whole tokens × a per-token rate (no tokens: nothing). */
export function tokensMoney(tokens: number, rate: Money): Money {
  return tokens > 0 ? BigInt(Math.round(tokens)) * rate : 0n;
}
