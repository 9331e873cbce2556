/**
 * Pricing of one model call and of an outcome's model spend: the only places usage becomes money in the
 * pipeline. Settle uses them for the ledger; the cache's de-duplication uses `spendOf` to hand a leader's
 * spend to its followers; a budget reservation prices an estimated call the same way.
 */
import type { Money } from '../../core/money.js';
import type { PriceCatalog } from '../../pricing/catalog.js';
import { computeCost } from '../../pricing/cost.js';
import type { Outcome, RequestContext } from '../context.js';
import type { BilledCall } from './facts.js';
import { shareOf } from './split-share.js';

export interface CallPrice {
  cost: Money | null;
  /** Why the number is what it is (unpriced_model, cache_read_priced_as_input …). */
  flags: string[];
}

/** Exact cost of one call: its usage at its model's price (no usage: nothing generated, $0). */
export function priceCall(call: BilledCall, catalog: PriceCatalog): CallPrice {
  if (!call.usage) return { cost: 0n, flags: [] };
  const r = computeCost(call.usage, catalog.lookup(call.model, call.provider ?? undefined));
  return { cost: r.cost, flags: r.flags };
}

/** The call an outcome stands for: its usage at the model that served it (else the one requested). */
export function outcomeCall(ctx: RequestContext, outcome: Outcome): BilledCall {
  return {
    model: outcome.servedModel ?? ctx.request.model,
    provider: outcome.provider,
    usage: outcome.usage,
  };
}

/** The model spend of an outcome given the request's facts: 0 when unbilled, Σ calls, else its own call. */
export function spendOf(ctx: RequestContext, outcome: Outcome, catalog: PriceCatalog): Money | null {
  const m = ctx.money;
  if (m.unbilled) return 0n;
  if (m.batchShare) {
    const b = m.batchShare;
    const share = shareOf(priceCall(b.call, catalog).cost, b.weights, b.index);
    if (!b.retried || share === null) return share;
    const own = priceCall(outcomeCall(ctx, outcome), catalog).cost;
    return own === null ? null : share + own;
  }
  if (m.calls) {
    let total: Money | null = 0n;
    for (const c of m.calls) {
      const cost = priceCall(c, catalog).cost;
      total = total === null || cost === null ? null : total + cost;
    }
    return total;
  }
  return priceCall(outcomeCall(ctx, outcome), catalog).cost;
}
