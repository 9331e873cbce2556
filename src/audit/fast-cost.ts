/**
 * The audit's cost function: the pricing module's cost engine, with a fast path for the common case.
 * A request on an entry with no long-context tiers, outside batch mode, with whole token counts, is
 * priced in float arithmetic that stays exact — every term is an integer below 2^53 picodollars, checked
 * — so a million-line audit does not allocate a dozen bigints per line. Anything else (tiers, batch,
 * huge sums, odd counts) goes to `computeCost`. The test checks both agree on every catalog entry.
 */
import type { Money } from '../core/money.js';
import type { Usage } from '../core/usage.js';
import { computeCost } from '../pricing/cost.js';
import type { PriceEntry } from '../pricing/price.js';
import type { AuditPricing } from './types.js';

interface NumRates {
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite5m: number;
  cacheWrite1h: number;
  reasoning: number;
}

const MAX_RATE = 2 ** 31; // picodollars per token ($2,147 per 1M): far above any real price
const rateCache = new WeakMap<PriceEntry, NumRates | null>();

/** The standard (non-batch, untiered) rates with the cost engine's fallbacks, or null when not eligible. */
function numRates(p: PriceEntry): NumRates | null {
  let r = rateCache.get(p);
  if (r !== undefined) return r;
  r = null;
  if (p.tiers === undefined || p.tiers.length === 0) {
    const rates = [
      p.input,
      p.output,
      p.cacheRead ?? p.input,
      p.cacheWrite5m ?? p.input,
      p.cacheWrite1h ?? p.input,
      p.reasoning ?? p.output,
    ];
    if (rates.every((x) => x >= 0n && x < BigInt(MAX_RATE))) {
      const [input, output, cacheRead, cacheWrite5m, cacheWrite1h, reasoning] = rates.map(Number) as [
        number,
        number,
        number,
        number,
        number,
        number,
      ];
      r = { input, output, cacheRead, cacheWrite5m, cacheWrite1h, reasoning };
    }
  }
  rateCache.set(p, r);
  return r;
}

function whole(n: number): boolean {
  return Number.isSafeInteger(n) && n >= 0;
}

export function fastCost(
  usage: Usage,
  price: PriceEntry | undefined,
  opts?: { batch?: boolean },
): Money | null {
  if (price !== undefined && opts?.batch !== true) {
    const r = numRates(price);
    if (
      r !== null &&
      whole(usage.inputUncached) &&
      whole(usage.cacheRead) &&
      whole(usage.cacheWrite5m) &&
      whole(usage.cacheWrite1h) &&
      whole(usage.outputText) &&
      whole(usage.reasoning)
    ) {
      const c =
        usage.inputUncached * r.input +
        usage.cacheRead * r.cacheRead +
        usage.cacheWrite5m * r.cacheWrite5m +
        usage.cacheWrite1h * r.cacheWrite1h +
        usage.outputText * r.output +
        usage.reasoning * r.reasoning;
      // All terms are non-negative integers, so a total within the safe range means every term was exact.
      if (c <= Number.MAX_SAFE_INTEGER) return BigInt(c);
    }
  }
  return computeCost(usage, price, opts).cost;
}

/** Audit pricing over a lookup (usually the catalog's) with the exact cost engine. */
export function auditPricing(
  lookup: (model: string, provider?: string) => PriceEntry | undefined,
): AuditPricing {
  return { lookup, cost: fastCost };
}
