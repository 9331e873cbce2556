/**
 * The ledger entry of a settled request: the outcome's usage and status, the settlement's money, and the
 * context slots as `meta`.
 */
import { MAX_STORED_TEXT, boundText } from '../../core/bounded-text.js';
import type { LedgerEntry } from '../../core/ledger-entry.js';
import { type Outcome, type RequestContext, elapsedMs } from '../context.js';
import type { Settlement } from './settlement.js';

export function buildEntry(ctx: RequestContext, outcome: Outcome, s: Settlement): LedgerEntry {
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
    cost: s.cost,
    baselineCost: s.baselineCost,
    savings: s.savings,
    flags: s.flags,
    latencyMs: Math.round(elapsedMs(ctx.t0) * 1000) / 1000,
    ttftMs: outcome.ttftMs === null ? null : Math.round(outcome.ttftMs * 1000) / 1000,
    status: outcome.status,
    httpStatus: outcome.httpStatus,
    errorClass: outcome.error?.code ?? null,
  };
  const meta = ctx.slots.toMeta(s);
  if (meta) entry.meta = meta;
  return entry;
}

function bounded(s: string | null): string | null {
  return s === null ? null : boundText(s, MAX_STORED_TEXT);
}
