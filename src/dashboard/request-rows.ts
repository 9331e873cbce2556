/**
 * Ledger entries as the dashboard shows them: money as exact decimal strings, tokens, latency, cache
 * decision. Only listed fields leave the gateway — never `meta` wholesale, never key ids — so nothing a
 * stage records for itself can leak through the API.
 */
import type { LedgerEntry } from '../core/ledger-entry.js';
import { moneyToDecimal } from '../core/money.js';
import { effectiveModel } from '../ledger/group-keys.js';
import { responseCacheHit } from '../metrics/entry-signals.js';

export interface RequestRow {
  id: string;
  ts: number;
  feature: string | null;
  user: string | null;
  model: string;
  requestedModel: string;
  provider: string | null;
  status: LedgerEntry['status'];
  httpStatus: number;
  errorClass: string | null;
  inputTokens: number;
  cacheReadTokens: number;
  outputTokens: number;
  reasoningTokens: number;
  /** Exact USD decimal; null = unpriced. */
  cost: string | null;
  baselineCost: string | null;
  savings: Record<string, string>;
  latencyMs: number;
  ttftMs: number | null;
  stream: boolean;
  cache: string | null;
  flags: string[];
}

export function toRequestRow(e: LedgerEntry): RequestRow {
  const savings: Record<string, string> = {};
  for (const [k, v] of Object.entries(e.savings)) savings[k] = moneyToDecimal(v);
  return {
    id: e.id,
    ts: e.ts,
    feature: e.feature,
    user: e.user,
    model: effectiveModel(e),
    requestedModel: e.requestedModel,
    provider: e.provider,
    status: e.status,
    httpStatus: e.httpStatus,
    errorClass: e.errorClass,
    inputTokens: e.inputUncached + e.cacheRead + e.cacheWrite5m + e.cacheWrite1h,
    cacheReadTokens: e.cacheRead,
    outputTokens: e.outputText,
    reasoningTokens: e.reasoning,
    cost: e.cost === null ? null : moneyToDecimal(e.cost),
    baselineCost: e.baselineCost === null ? null : moneyToDecimal(e.baselineCost),
    savings,
    latencyMs: e.latencyMs,
    ttftMs: e.ttftMs,
    stream: e.stream,
    cache: responseCacheHit(e),
    flags: e.flags,
  };
}

/** Most expensive first; unpriced entries (cost unknown) after every priced one, newest first among them. */
export function byCostDesc(a: LedgerEntry, b: LedgerEntry): number {
  if (a.cost === null || b.cost === null) {
    if (a.cost === b.cost) return b.ts - a.ts;
    return a.cost === null ? 1 : -1;
  }
  return a.cost === b.cost ? b.ts - a.ts : a.cost > b.cost ? -1 : 1;
}
