/**
 * Settle: turns a finished request into its one ledger entry — usage → cost with the price catalog,
 * baseline (what the request as sent would have cost without Penny), savings by tactic, latency and status.
 * An unpriced model yields cost null and the flag "unpriced_model", never $0.
 */
import { MAX_STORED_TEXT, boundText } from '../core/bounded-text.js';
import type { LedgerEntry } from '../core/ledger-entry.js';
import type { Money } from '../core/money.js';
import type { PriceCatalog } from '../pricing/catalog.js';
import { computeCost } from '../pricing/cost.js';
import { type Outcome, type RequestContext, elapsedMs } from './context.js';

export interface Priced {
  cost: Money | null;
  baselineCost: Money | null;
  flags: string[];
}

export function priceOutcome(ctx: RequestContext, outcome: Outcome, catalog: PriceCatalog): Priced {
  const flags = [...ctx.flags];
  let cost: Money | null;
  if (outcome.costOverride !== undefined) {
    cost = outcome.costOverride;
  } else if (!outcome.usage) {
    // Nothing was generated (the request failed before any model ran): it cost nothing, knowingly.
    cost = 0n;
  } else {
    const model = outcome.servedModel ?? ctx.request.model;
    const price = catalog.lookup(model, outcome.provider ?? undefined);
    const r = computeCost(outcome.usage, price);
    cost = r.cost;
    for (const f of r.flags) if (!flags.includes(f)) flags.push(f);
  }
  if (outcome.usage?.estimated && !flags.includes('usage_estimated')) flags.push('usage_estimated');
  if (outcome.simulated && !flags.includes('simulated')) flags.push('simulated');
  const baselineCost = ctx.baselineCost !== undefined ? ctx.baselineCost : cost;
  return { cost, baselineCost, flags };
}

export function buildEntry(ctx: RequestContext, outcome: Outcome, priced: Priced): LedgerEntry {
  const u = outcome.usage;
  const entry: LedgerEntry = {
    id: ctx.id,
    ts: ctx.startedAt,
    feature: bounded(ctx.attribution.feature),
    user: bounded(ctx.attribution.user),
    keyId: bounded(ctx.attribution.keyId),
    dialect: ctx.clientDialect,
    provider: outcome.provider,
    requestedModel: boundText(ctx.original.model, MAX_STORED_TEXT),
    servedModel: outcome.servedModel === null ? null : boundText(outcome.servedModel, MAX_STORED_TEXT),
    stream: ctx.original.stream,
    simulated: outcome.simulated,
    inputUncached: u?.inputUncached ?? 0,
    cacheRead: u?.cacheRead ?? 0,
    cacheWrite5m: u?.cacheWrite5m ?? 0,
    cacheWrite1h: u?.cacheWrite1h ?? 0,
    outputText: u?.outputText ?? 0,
    reasoning: u?.reasoning ?? 0,
    usageEstimated: u?.estimated === true,
    cost: priced.cost,
    baselineCost: priced.baselineCost,
    savings: ctx.savings,
    flags: priced.flags,
    latencyMs: Math.round(elapsedMs(ctx.t0) * 1000) / 1000,
    ttftMs: outcome.ttftMs === null ? null : Math.round(outcome.ttftMs * 1000) / 1000,
    status: outcome.status,
    httpStatus: outcome.httpStatus,
    errorClass: outcome.error?.code ?? null,
  };
  if (Object.keys(ctx.meta).length) entry.meta = ctx.meta;
  return entry;
}

function bounded(s: string | null): string | null {
  return s === null ? null : boundText(s, MAX_STORED_TEXT);
}
