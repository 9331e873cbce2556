/**
 * What settle decided for one request. Budgets reconcile their reservation against `cost`; a batch splits
 * `spend` into per-item shares; the ledger entry takes cost, baseline, savings and flags from here.
 */
import type { Money } from '../../core/money.js';
import type { BilledCall } from './facts.js';

export interface PricedCall {
  call: BilledCall;
  /** Exact cost of the call; null when its model has no price. */
  cost: Money | null;
}

export interface Settlement {
  /** What the request cost: model spend + side costs; null when some part is unpriced. */
  cost: Money | null;
  /** The model spend alone: the outcome's usage at the served model, or Σ calls. */
  spend: Money | null;
  /** Each call of a multi-call request (cascade), priced; empty otherwise. */
  calls: PricedCall[];
  /** Each side cost (embedding tokens …), priced, in the order reported. */
  sideCosts: Array<{ tactic: string; cost: Money }>;
  /** What the request as the client sent it would have cost without Penny; null when unknown. */
  baselineCost: Money | null;
  /** baseline − cost, by tactic: Σ savings = baseline − cost whenever both are known. */
  savings: Record<string, Money>;
  /**
   * An evaluation call (flag `evaluation`: a shadow, judge or tactic run of the quality loop) saves nothing:
   * its savings are empty and its baseline is its cost. What its tactics would have saved is kept here, so
   * the quality loop can tell which tactic changed its answer; it is never summed as a saving.
   */
  excludedSavings?: Record<string, Money>;
  flags: string[];
  /** True when the model that served has a price (savings that price tokens at it could be computed). */
  servedPriced: boolean;
}
