/**
 * Counters hold nanodollars (safe integers up to ~$9M in Lua's doubles and JS numbers). Money is converted
 * by rounding UP, both for reservations and for settled spend, so a counter never shows less than the
 * exact picodollar spend in the ledger: "counter ≤ limit" implies "ledger spend ≤ limit".
 */
import { type Money, moneyToDecimal, usd } from '../core/money.js';
import type { Usage } from '../core/usage.js';
import { computeCost } from '../pricing/cost.js';
import { fastCostPico } from '../pricing/fast-cost.js';
import type { PriceEntry } from '../pricing/price.js';

const PICOS_PER_NANO = 1000n;

export function picoToNanoCeil(m: Money): number {
  if (m <= 0n) return 0;
  return Number((m + PICOS_PER_NANO - 1n) / PICOS_PER_NANO);
}

/** `picoToNanoCeil` of an exact whole number of picodollars below 2^53 (integer steps only: no rounding). */
export function picoNumberToNanoCeil(pico: number): number {
  if (pico <= 0) return 0;
  const rest = pico % 1000;
  return (pico - rest) / 1000 + (rest > 0 ? 1 : 0);
}

/**
 * What a call that used `usage` settles to on the counters: its exact cost rounded up to the nanodollar, 0
 * when it has no price (a call with no price is refused before it starts unless only warn budgets apply).
 * By the cost engine's fast path when it applies — the settlement of every call, so no bigints when it can.
 */
export function costNanoCeil(usage: Usage, price: PriceEntry | undefined): number {
  const pico = fastCostPico(usage, price);
  if (pico !== null) return picoNumberToNanoCeil(pico);
  return picoToNanoCeil(computeCost(usage, price).cost ?? 0n);
}

export function usdToNano(amount: string | number): number {
  return picoToNanoCeil(usd(amount));
}

/** Exact USD decimal text of a nanodollar amount. */
export function nanoToUsd(n: number): string {
  return moneyToDecimal(BigInt(n) * PICOS_PER_NANO);
}

/** "$1.2345" for messages: at most 6 fraction digits, at least 2. */
export function nanoToDisplay(n: number): string {
  const text = nanoToUsd(n);
  const [i, f = ''] = text.split('.');
  const frac = f.slice(0, 6).padEnd(2, '0');
  return `$${i}.${frac}`;
}
