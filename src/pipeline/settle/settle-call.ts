/**
 * Settlement of a call served beside the chat pipeline (embeddings, legacy completions): the services report
 * what happened — the call's usage at its model, and whether a tactic answered instead of the provider — and
 * money is computed here, by the same rules as `settle`: the call's cost from `priceCall`; an answer served
 * by a tactic costs nothing and saves what the call would have cost; an unpriced call is unknown, never $0.
 */
import type { Money } from '../../core/money.js';
import type { PriceCatalog } from '../../pricing/catalog.js';
import type { BilledCall } from './facts.js';
import { priceCall } from './price-call.js';

export interface CallSettlement {
  cost: Money | null;
  baselineCost: Money | null;
  savings: Record<string, Money>;
  flags: string[];
}

/** `servedBy`: the tactic that answered without a provider call (e.g. `cache.exact`); omitted: the provider. */
export function settleCall(call: BilledCall, catalog: PriceCatalog, servedBy?: string): CallSettlement {
  const priced = priceCall(call, catalog);
  if (servedBy === undefined)
    return { cost: priced.cost, baselineCost: priced.cost, savings: {}, flags: priced.flags };
  return {
    cost: 0n,
    baselineCost: priced.cost,
    savings: priced.cost !== null && priced.cost > 0n ? { [servedBy]: priced.cost } : {},
    flags: priced.cost === null ? priced.flags : [],
  };
}
