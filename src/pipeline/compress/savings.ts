/**
 * Money for tokens a tactic saved, and the baseline that keeps the ledger's books balanced: a stage that
 * records savings sets `baselineCost = actual cost + Σ savings` once the outcome is known, so that
 * baseline − cost equals the sum of the savings by tactic (settle.ts uses the baseline as given).
 */
import type { Money } from '../../core/money.js';
import type { PriceCatalog } from '../../pricing/catalog.js';
import { computeCost } from '../../pricing/cost.js';
import type { PriceEntry } from '../../pricing/price.js';
import type { Outcome, RequestContext } from '../context.js';

/** The price of the model that served the request (else the one requested). */
export function servedPrice(
  ctx: RequestContext,
  outcome: Outcome,
  catalog: PriceCatalog,
): PriceEntry | undefined {
  return catalog.lookup(outcome.servedModel ?? ctx.request.model, outcome.provider ?? undefined);
}

export function tokensMoney(tokens: number, rate: Money): Money {
  return tokens > 0 ? BigInt(Math.round(tokens)) * rate : 0n;
}

/** Sets `ctx.baselineCost` to the outcome's cost plus every saving recorded so far (unknown cost: left alone). */
export function settleBaseline(ctx: RequestContext, outcome: Outcome, catalog: PriceCatalog): void {
  let cost: Money | null;
  if (outcome.costOverride !== undefined) cost = outcome.costOverride;
  else if (!outcome.usage) cost = 0n;
  else cost = computeCost(outcome.usage, servedPrice(ctx, outcome, catalog)).cost;
  if (cost === null) return;
  let total = 0n;
  for (const v of Object.values(ctx.savings)) total += v;
  ctx.baselineCost = cost + total;
}
