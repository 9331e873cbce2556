/**
 * Money per request from average token counts and per-token prices. Averages are fractional (250.4
 * tokens), so tokens are scaled by 1000 before the exact bigint multiply and the result rounded half up
 * to the picodollar — the only rounding in the break-even math.
 */
import type { Money } from '../core/money.js';

export interface TokenPrice {
  /** Picodollars per input token. */
  input: Money;
  /** Picodollars per output token. */
  output: Money;
}

function scaled(tokens: number): bigint {
  if (!Number.isFinite(tokens) || tokens < 0) throw new RangeError(`not a token count: ${tokens}`);
  return BigInt(Math.round(tokens * 1000));
}

export function costPerRequest(avgInputTokens: number, avgOutputTokens: number, price: TokenPrice): Money {
  const milli = scaled(avgInputTokens) * price.input + scaled(avgOutputTokens) * price.output;
  return (milli + 500n) / 1000n;
}

/** Money × a plain count (requests), exact for integers, rounded to the picodollar otherwise. */
export function times(m: Money, n: number): Money {
  if (Number.isInteger(n)) return m * BigInt(n);
  return (m * scaled(n) + 500n) / 1000n;
}

/** Smallest whole number of requests whose saving covers `cost` (ceil(cost / saving)); null when saving ≤ 0. */
export function requestsToCover(cost: Money, savingPerRequest: Money): number | null {
  if (savingPerRequest <= 0n) return null;
  if (cost <= 0n) return 0;
  return Number((cost + savingPerRequest - 1n) / savingPerRequest);
}
