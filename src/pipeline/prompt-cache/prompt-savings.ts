/**
 * What a prefix breaker costs per request, for the stage's report (the `cache.prompt` saving itself is
 * settle's: settle/tactic-savings.ts).
 */
import type { Money } from '../../core/money.js';
import type { PriceEntry } from '../../pricing/price.js';

/** Input tokens that could have been cache reads × (input − cache read price). */
export function lostReadCost(tokens: number, price: PriceEntry | undefined): Money | null {
  if (!price || price.cacheRead === undefined || tokens <= 0) return price ? 0n : null;
  return BigInt(tokens) * (price.input - price.cacheRead);
}
