/**
 * The cost engine: pure functions from canonical usage and a price entry to exact money (picodollars).
 * Rules that are easy to get wrong:
 * - An unknown price is `cost: null` with flag `unpriced_model` — never $0.
 * - A long-context tier is chosen by the request's TOTAL prompt (uncached + cache read + cache writes) and
 *   re-prices the whole request, output included. A tier that lists no cache price uses the base cache price.
 * - Cache reads without a cache-read price are billed at the input rate (`cache_read_priced_as_input`); cache
 *   writes without a write price likewise (`cache_write_priced_as_input`) — no Anthropic multiplier is assumed.
 * - Reasoning tokens use the reasoning price when the entry has one, else the output rate.
 * - Batch mode uses the entry's batch prices; without them (and for tiers and cache rates) it takes 0.5× the
 *   standard rate — the published discount of OpenAI, Anthropic and Google — and says so in `flags`.
 */
import type { Money } from '../core/money.js';
import { totalInputTokens, type Usage } from '../core/usage.js';
import type { PriceEntry, PriceTier } from './price.js';

export interface CostBreakdown {
  input: Money;
  cacheRead: Money;
  cacheWrite5m: Money;
  cacheWrite1h: Money;
  output: Money;
  reasoning: Money;
}

export interface CostResult {
  /** Exact total in picodollars, or null when the model has no price. */
  cost: Money | null;
  /** Why the number is what it is: unpriced_model, cache_read_priced_as_input, batch_discount_assumed, … */
  flags: string[];
  breakdown: CostBreakdown | null;
  /** The threshold of the long-context tier that priced the request, when one did. */
  tierAbove?: number;
}

export interface CostOptions {
  /** Price the request at Batch API rates. */
  batch?: boolean;
}

export const COST_FLAGS = {
  unpriced: 'unpriced_model',
  cacheReadAsInput: 'cache_read_priced_as_input',
  cacheWriteAsInput: 'cache_write_priced_as_input',
  batchAssumed: 'batch_discount_assumed',
  estimated: 'usage_estimated',
} as const;

interface Rates {
  input: Money;
  output: Money;
  cacheRead: Money | undefined;
  cacheWrite5m: Money | undefined;
  cacheWrite1h: Money | undefined;
  reasoning: Money;
}

/** The tier with the highest threshold that the prompt exceeds, if any. */
export function selectTier(price: PriceEntry, promptTokens: number): PriceTier | undefined {
  let best: PriceTier | undefined;
  for (const t of price.tiers ?? []) {
    if (promptTokens > t.aboveInputTokens && (!best || t.aboveInputTokens > best.aboveInputTokens)) best = t;
  }
  return best;
}

/** Exact cost of one request. */
export function computeCost(usage: Usage, price: PriceEntry | undefined, opts?: CostOptions): CostResult {
  if (!price) return { cost: null, flags: [COST_FLAGS.unpriced], breakdown: null };
  const flags: string[] = [];
  const tier = selectTier(price, totalInputTokens(usage));
  const rates = ratesFor(price, tier, opts?.batch === true, flags);

  const cacheReadTokens = tokens(usage.cacheRead);
  const write5mTokens = tokens(usage.cacheWrite5m);
  const write1hTokens = tokens(usage.cacheWrite1h);
  if (cacheReadTokens > 0n && rates.cacheRead === undefined) flags.push(COST_FLAGS.cacheReadAsInput);
  if (
    (write5mTokens > 0n && rates.cacheWrite5m === undefined) ||
    (write1hTokens > 0n && rates.cacheWrite1h === undefined)
  ) {
    flags.push(COST_FLAGS.cacheWriteAsInput);
  }
  if (usage.estimated) flags.push(COST_FLAGS.estimated);

  const breakdown: CostBreakdown = {
    input: tokens(usage.inputUncached) * rates.input,
    cacheRead: cacheReadTokens * (rates.cacheRead ?? rates.input),
    cacheWrite5m: write5mTokens * (rates.cacheWrite5m ?? rates.input),
    cacheWrite1h: write1hTokens * (rates.cacheWrite1h ?? rates.input),
    output: tokens(usage.outputText) * rates.output,
    reasoning: tokens(usage.reasoning) * rates.reasoning,
  };
  const cost =
    breakdown.input +
    breakdown.cacheRead +
    breakdown.cacheWrite5m +
    breakdown.cacheWrite1h +
    breakdown.output +
    breakdown.reasoning;
  const result: CostResult = { cost, flags, breakdown };
  if (tier) result.tierAbove = tier.aboveInputTokens;
  return result;
}

/** Cost of a request before it runs, from estimated prompt and output sizes (all input uncached). */
export function estimateCost(
  inputTokens: number,
  outputTokens: number,
  price: PriceEntry | undefined,
): Money | null {
  return computeCost(
    {
      inputUncached: inputTokens,
      cacheRead: 0,
      cacheWrite5m: 0,
      cacheWrite1h: 0,
      outputText: outputTokens,
      reasoning: 0,
    },
    price,
  ).cost;
}

function ratesFor(price: PriceEntry, tier: PriceTier | undefined, batch: boolean, flags: string[]): Rates {
  const std: Rates = {
    input: tier?.input ?? price.input,
    output: tier?.output ?? price.output,
    cacheRead: tier?.cacheRead ?? price.cacheRead,
    cacheWrite5m: tier?.cacheWrite5m ?? price.cacheWrite5m,
    cacheWrite1h: tier?.cacheWrite1h ?? price.cacheWrite1h,
    reasoning: price.reasoning ?? tier?.output ?? price.output,
  };
  if (!batch) return std;
  const listed = !tier && price.batchInput !== undefined && price.batchOutput !== undefined;
  if (!listed) flags.push(COST_FLAGS.batchAssumed);
  const half = (r: Money | undefined) => (r === undefined ? undefined : halfRate(r));
  const input = listed ? price.batchInput! : halfRate(std.input);
  const output = listed ? price.batchOutput! : halfRate(std.output);
  return {
    input,
    output,
    cacheRead: half(std.cacheRead),
    cacheWrite5m: half(std.cacheWrite5m),
    cacheWrite1h: half(std.cacheWrite1h),
    reasoning: price.reasoning !== undefined ? halfRate(price.reasoning) : output,
  };
}

/** Half of a per-token rate, rounded half up to a whole picodollar (rates are multiples of 1000 in practice). */
export function halfRate(rate: Money): Money {
  return (rate + 1n) / 2n;
}

/** Token counts as bigint; negatives count as 0 and fractions are rounded (counts come from providers). */
function tokens(n: number): bigint {
  if (!(n > 0)) return 0n;
  return BigInt(Number.isSafeInteger(n) ? n : Math.round(n));
}
