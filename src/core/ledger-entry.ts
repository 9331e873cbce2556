/**
 * One ledger entry per request, success or failure. Costs are exact Money (picodollars) or null when the
 * model has no known price — never a silent zero. `baselineCost` is what the request as the client sent it
 * would have cost without Penny; `savings` attributes the difference to tactics ("cache.exact", "route" …).
 */
import type { Money } from './money.js';
import type { Dialect } from './request.js';

export type EntryStatus = 'ok' | 'error' | 'aborted';

export interface LedgerEntry {
  /** Request id (also returned to the client in `x-penny-request-id`). */
  id: string;
  /** Start time, ms since the epoch. */
  ts: number;
  feature: string | null;
  user: string | null;
  keyId: string | null;
  /** Wire format the client spoke. */
  dialect: Dialect;
  /** Provider that served the request (null when none was reached). */
  provider: string | null;
  requestedModel: string;
  servedModel: string | null;
  stream: boolean;
  /** Served by the built-in simulated upstream (no provider configured). */
  simulated: boolean;
  inputUncached: number;
  cacheRead: number;
  cacheWrite5m: number;
  cacheWrite1h: number;
  outputText: number;
  reasoning: number;
  /** True when any token count was estimated locally (aborted stream, provider sent no usage). */
  usageEstimated: boolean;
  /** Actual cost; null = unknown (unpriced model), see flags. */
  cost: Money | null;
  /** Cost of the request as sent, without Penny; null when unknown. */
  baselineCost: Money | null;
  /** Savings attributed per tactic, e.g. { "cache.exact": 1234n }. Empty until tactics apply. */
  savings: Record<string, Money>;
  /** Machine-readable flags: "unpriced_model", "usage_estimated", "simulated", "client_aborted" … */
  flags: string[];
  latencyMs: number;
  /** Time to first token (first streamed content byte), ms; null when not streamed or nothing arrived. */
  ttftMs: number | null;
  status: EntryStatus;
  httpStatus: number;
  /** Error code (see core/errors.ts) when status is not ok. */
  errorClass: string | null;
  /** Decisions of later stages (cache, route, cascade …), small JSON. */
  meta?: Record<string, unknown>;
}

export function totalSavings(e: Pick<LedgerEntry, 'savings'>): Money {
  let s = 0n;
  for (const v of Object.values(e.savings)) s += v;
  return s;
}
