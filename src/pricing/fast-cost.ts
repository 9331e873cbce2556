/**
 * The cost engine's fast path for the common case: an entry with no long-context tiers, outside batch mode,
 * with whole token counts, priced in float arithmetic that stays exact — every term is an integer below 2^53
 * picodollars, checked — so a hot path (the audit's million lines, the budget guard's every call) does not
 * allocate a dozen bigints per cost. Anything else (tiers, batch, huge sums, odd counts) goes to
 * `computeCost`. The test checks both agree on every catalog entry.
 */
import type { Money } from '../core/money.js';
import type { Usage } from '../core/usage.js';
import { computeCost } from './cost.js';
import type { PriceEntry } from './price.js';

/** Per-token rates in picodollars as numbers, with the cost engine's fallbacks applied. */
export interface NumericRates {
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite5m: number;
  cacheWrite1h: number;
  reasoning: number;
}

const MAX_RATE = 2 ** 31; // picodollars per token ($2,147 per 1M): far above any real price
const rateCache = new WeakMap<PriceEntry, NumericRates | null>();

/**
 * The standard (non-batch, untiered) rates of `p` with the cost engine's fallbacks (cache reads and writes
 * at the input rate, reasoning at the output rate), or null when the entry has tiers or a rate out of range.
 */
export function numericRates(p: PriceEntry): NumericRates | null {
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

/** A token count the fast path takes as is: a whole number, not negative. */
export function wholeCount(n: number): boolean {
  return Number.isSafeInteger(n) && n >= 0;
}

/**
 * The exact cost in picodollars as a number when the fast path applies (standard rates of an untiered entry,
 * whole counts, a total below 2^53), else null: the caller asks `computeCost`.
 */
export function fastCostPico(usage: Usage, price: PriceEntry | undefined): number | null {
  if (price === undefined) return null;
  const r = numericRates(price);
  if (
    r === null ||
    !wholeCount(usage.inputUncached) ||
    !wholeCount(usage.cacheRead) ||
    !wholeCount(usage.cacheWrite5m) ||
    !wholeCount(usage.cacheWrite1h) ||
    !wholeCount(usage.outputText) ||
    !wholeCount(usage.reasoning)
  )
    return null;
  const c =
    usage.inputUncached * r.input +
    usage.cacheRead * r.cacheRead +
    usage.cacheWrite5m * r.cacheWrite5m +
    usage.cacheWrite1h * r.cacheWrite1h +
    usage.outputText * r.output +
    usage.reasoning * r.reasoning;
  // All terms are non-negative integers, so a total within the safe range means every term was exact.
  return c <= Number.MAX_SAFE_INTEGER ? c : null;
}

/** `computeCost(usage, price, opts).cost`, by the fast path when it applies. */
export function fastCost(
  usage: Usage,
  price: PriceEntry | undefined,
  opts?: { batch?: boolean },
): Money | null {
  if (opts?.batch !== true) {
    const c = fastCostPico(usage, price);
    if (c !== null) return BigInt(c);
  }
  return computeCost(usage, price, opts).cost;
}
