/**
 * Counters hold nanodollars (safe integers up to ~$9M in Lua's doubles and JS numbers). Money is converted
 * by rounding UP, both for reservations and for settled spend, so a counter never shows less than the
 * exact picodollar spend in the ledger: "counter ≤ limit" implies "ledger spend ≤ limit".
 */
import { type Money, moneyToDecimal, usd } from '../core/money.js';

const PICOS_PER_NANO = 1000n;

export function picoToNanoCeil(m: Money): number {
  if (m <= 0n) return 0;
  return Number((m + PICOS_PER_NANO - 1n) / PICOS_PER_NANO);
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
