/**
 * A flat-rate cost function: base input/output rates, cache read/write rates, reasoning, and batch
 * prices (the entry's, else half). It ignores long-context tiers, so it is a stand-in for tests and
 * tools, not the pricing module's cost engine, which the CLI uses.
 */
import type { Money } from '../core/money.js';
import type { Usage } from '../core/usage.js';
import type { PriceEntry } from '../pricing/price.js';
import type { AuditPricing } from './types.js';

export function flatCost(u: Usage, p: PriceEntry | undefined, opts?: { batch?: boolean }): Money | null {
  if (!p) return null;
  const batch = opts?.batch === true;
  const input = batch ? (p.batchInput ?? p.input / 2n) : p.input;
  const output = batch ? (p.batchOutput ?? p.output / 2n) : p.output;
  const div = batch ? 2n : 1n;
  const read = p.cacheRead !== undefined ? p.cacheRead / div : input;
  const w5 = p.cacheWrite5m !== undefined ? p.cacheWrite5m / div : input;
  const w1 = p.cacheWrite1h !== undefined ? p.cacheWrite1h / div : w5;
  const reasoning = p.reasoning !== undefined ? p.reasoning / div : output;
  // Skip zero terms: each bigint product allocates, and most requests use two or three kinds.
  let c = BigInt(u.inputUncached) * input + BigInt(u.outputText) * output;
  if (u.cacheRead > 0) c += BigInt(u.cacheRead) * read;
  if (u.cacheWrite5m > 0) c += BigInt(u.cacheWrite5m) * w5;
  if (u.cacheWrite1h > 0) c += BigInt(u.cacheWrite1h) * w1;
  if (u.reasoning > 0) c += BigInt(u.reasoning) * reasoning;
  return c;
}

/** Audit pricing over a fixed list of entries (exact names and aliases) with the flat-rate cost. */
export function pricingFromEntries(entries: readonly PriceEntry[]): AuditPricing {
  const byName = new Map<string, PriceEntry>();
  for (const e of entries) {
    byName.set(e.model, e);
    for (const a of e.aliases ?? []) byName.set(a, e);
  }
  return { lookup: (model) => byName.get(model), cost: flatCost };
}
