/**
 * The audit's cost function: the pricing module's cost engine through its fast path (pricing/fast-cost.ts),
 * so a million-line audit does not allocate a dozen bigints per line.
 */
import { fastCost } from '../pricing/fast-cost.js';
import type { PriceEntry } from '../pricing/price.js';
import type { AuditPricing } from './types.js';

/** Audit pricing over a lookup (usually the catalog's) with the exact cost engine. */
export function auditPricing(
  lookup: (model: string, provider?: string) => PriceEntry | undefined,
): AuditPricing {
  return { lookup, cost: fastCost };
}
