/**
 * Settle: the one place a request's money is decided. From the outcome's usage, the facts the stages
 * reported (facts.ts) and the price catalog it computes, once:
 *   cost      = model spend (the outcome's usage at the served model, or Σ calls) + side costs
 *   savings   = by tactic, each from its fact (a replaced answer, removed tokens, a cheaper model …)
 *   baseline  = what the answer replaced when it did not come from a model call, else cost + Σ savings
 * so that baseline − cost = Σ savings for every entry whose amounts are known. An unpriced model yields
 * cost null and the flag "unpriced_model", never $0. An evaluation call (flag `evaluation`) saves nothing:
 * baseline = cost, its tactics' amounts kept aside in `excludedSavings`.
 */
import type { Money } from '../../core/money.js';
import type { PriceCatalog } from '../../pricing/catalog.js';
import { computeCost, estimateCost } from '../../pricing/cost.js';
import type { Outcome, RequestContext } from '../context.js';
import type { Alternative } from './facts.js';
import { type CallPrice, outcomeCall, priceCall } from './price-call.js';
import type { PricedCall, Settlement } from './settlement.js';
import { shareOf } from './split-share.js';
import { promptCacheSavings, tokensMoney } from './tactic-savings.js';

export function settle(ctx: RequestContext, outcome: Outcome, catalog: PriceCatalog): Settlement {
  const facts = ctx.money;
  const flags = [...ctx.flags];
  const flag = (f: string) => {
    if (!flags.includes(f)) flags.push(f);
  };

  // Model spend.
  let spend: Money | null;
  const calls: PricedCall[] = [];
  if (facts.unbilled || (facts.batchShare && !facts.batchShare.retried)) {
    spend = 0n;
  } else if (facts.calls) {
    spend = 0n;
    for (const call of facts.calls) {
      const { cost } = priceCall(call, catalog);
      calls.push({ call, cost });
      if (call.usage?.estimated) flag('usage_estimated');
      spend = spend === null || cost === null ? null : spend + cost;
    }
    if (spend === null) flag('unpriced_model');
  } else {
    const priced: CallPrice = priceCall(outcomeCall(ctx, outcome), catalog);
    spend = priced.cost;
    for (const f of priced.flags) flag(f);
  }
  if (facts.batchShare) {
    // A micro-batch item pays its token share of the shared call (+ its own call when it was sent again).
    const b = facts.batchShare;
    const whole = priceCall(b.call, catalog);
    for (const f of whole.flags) flag(f);
    const share = shareOf(whole.cost, b.weights, b.index);
    spend = spend === null || share === null ? null : spend + share;
    if (spend === null) flag('unpriced_model');
  }
  if (outcome.usage?.estimated) flag('usage_estimated');
  if (outcome.simulated) flag('simulated');

  // Side costs join the cost when the spend is known.
  const sideCosts = facts.sideCosts.map((s) => ({
    tactic: s.tactic,
    cost: tokensMoney(s.tokens, s.perToken),
  }));
  let cost = spend;
  if (cost !== null) for (const s of sideCosts) cost += s.cost;

  const savings: Record<string, Money> = {};
  const add = (tactic: string, m: Money) => {
    savings[tactic] = (savings[tactic] ?? 0n) + m;
  };
  const usage = outcome.usage;
  const servedPrice = catalog.lookup(outcome.servedModel ?? ctx.request.model, outcome.provider ?? undefined);

  if (outcome.attemptFacts?.promptCacheMarkers && usage && outcome.status !== 'error') {
    const saved = promptCacheSavings(usage, servedPrice);
    if (saved !== null && saved !== 0n) add('cache.prompt', saved);
  }
  if (facts.shaped && usage && servedPrice && facts.shaped.savedTokens > 0) {
    add(facts.shaped.tactic, tokensMoney(facts.shaped.savedTokens, servedPrice.output));
    flag('savings_estimated');
  }
  const sub = facts.substitution;
  if (
    sub &&
    usage &&
    spend !== null &&
    (!sub.onlyIfDifferent || (outcome.servedModel && outcome.servedModel !== ctx.original.model))
  ) {
    const requested = computeCost(usage, catalog.lookup(ctx.original.model)).cost;
    if (requested !== null) add(sub.tactic, requested - spend);
  }
  if (facts.compressed && usage && servedPrice) {
    const { savedTokens, summaryCost } = facts.compressed;
    for (const [name, tokens] of Object.entries(savedTokens)) {
      if (tokens === undefined) continue;
      let m = tokensMoney(tokens, servedPrice.input);
      // A new summary is a saving only net of what the summary call cost.
      if (name === 'history' && typeof summaryCost === 'bigint') m -= summaryCost;
      add(`compress.${name}`, m);
    }
  }

  // Abandoned attempts (a retry or fallback followed) the provider billed: cost, and part of the baseline.
  for (const call of facts.abandoned ?? []) {
    const { cost: c, flags: f } = priceCall(call, catalog);
    for (const x of f) flag(x);
    if (call.usage?.estimated) flag('usage_estimated');
    flag('abandoned_attempt_billed');
    spend = spend === null || c === null ? null : spend + c;
    cost = cost === null || c === null ? null : cost + c;
  }

  let baselineCost: Money | null;
  if (facts.batchShare) {
    // Baseline: the item alone on the model asked for; `batch` is what is left of baseline − cost.
    baselineCost = computeCost(facts.batchShare.alone, catalog.lookup(ctx.original.model)).cost;
    if (facts.batchShare.alone.estimated) flag('baseline_estimated');
    if (baselineCost !== null && cost !== null) {
      for (const s of sideCosts) if (s.cost !== 0n) add(s.tactic, -s.cost);
      let rest = baselineCost - cost;
      for (const [k, v] of Object.entries(savings)) if (k !== 'batch') rest -= v;
      savings.batch = rest;
    } else baselineCost = null;
  } else if (facts.replaced) {
    baselineCost = alternativeCost(facts.replaced, catalog);
    if (facts.replaced.kind === 'estimate') flag('baseline_estimated');
    if (baselineCost !== null && cost !== null) {
      const saved = baselineCost - cost;
      // A shared answer that cost nothing saved nothing worth a line.
      if (facts.replaced.kind !== 'shared' || saved > 0n) savings[facts.replaced.tactic] = saved;
    }
  } else {
    if (cost !== null) for (const s of sideCosts) if (s.cost !== 0n) add(s.tactic, -s.cost);
    if (cost === null) baselineCost = null;
    else {
      baselineCost = cost;
      for (const v of Object.values(savings)) baselineCost += v;
    }
  }
  if (flags.includes('evaluation')) {
    // An evaluation call (quality loop) is never a saving: baseline = cost; the tactics are kept aside.
    return {
      cost,
      spend,
      calls,
      sideCosts,
      baselineCost: cost,
      savings: {},
      ...(Object.keys(savings).length ? { excludedSavings: savings } : {}),
      flags,
      servedPriced: servedPrice !== undefined,
    };
  }
  return {
    cost,
    spend,
    calls,
    sideCosts,
    baselineCost,
    savings,
    flags,
    servedPriced: servedPrice !== undefined,
  };
}

function alternativeCost(alt: Alternative, catalog: PriceCatalog): Money | null {
  switch (alt.kind) {
    case 'stored':
      return computeCost(alt.usage, catalog.lookup(alt.model, alt.provider)).cost;
    case 'estimate':
      return estimateCost(alt.inputTokens, alt.outputTokens, catalog.lookup(alt.model));
    case 'shared':
      return alt.cost;
  }
}

/** The settlement of a request whose money could not be worked out (pricing threw, handling failed): unknown. */
export function unsettled(ctx: RequestContext, flag: string): Settlement {
  const flags = ctx.flags.includes(flag) ? [...ctx.flags] : [...ctx.flags, flag];
  return {
    cost: null,
    spend: null,
    calls: [],
    sideCosts: [],
    baselineCost: null,
    savings: {},
    flags,
    servedPriced: false,
  };
}
