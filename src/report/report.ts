/**
 * The shape of a spend report: totals, rows per group, savings per tactic and the 80/20 view.
 * Money stays exact bigint picodollars here; only the renderers turn it into text. A group whose every
 * request is unpriced has an unknown cost (see `knownCost`), which renderers must never show as $0.
 */
import type { Money } from '../core/money.js';
import type { GroupKey, SummaryRow } from '../ledger/ledger.js';

export interface ReportTotals {
  requests: number;
  errors: number;
  tokens: {
    /** Uncached input tokens. */
    input: number;
    cacheRead: number;
    cacheWrite: number;
    /** Visible output tokens (reasoning excluded). */
    output: number;
    reasoning: number;
  };
  /** Sum of known costs. */
  cost: Money;
  /** Requests whose cost is unknown (not in `cost`). */
  unpriced: number;
  baselineCost: Money;
  savings: Money;
}

export interface ReportSection {
  by: GroupKey[];
  /** Sorted by known cost, highest first. */
  rows: SummaryRow[];
}

export interface ParetoFeature {
  feature: string;
  requests: number;
  cost: Money;
  unpriced: number;
  /** Share of known spend, 0..1 (display only). */
  share: number;
  /** Share of known spend of this feature and every costlier one, 0..1 (display only). */
  cumulativeShare: number;
  /** Part of the smallest set of costliest features that makes up `threshold` of spend. */
  inCore: boolean;
}

export interface ParetoView {
  /** Fraction of spend the core must reach (0.8). */
  threshold: number;
  features: ParetoFeature[];
  /** How many features the core holds. */
  coreCount: number;
  totalCount: number;
  /** Exact spend of the core features. */
  coreCost: Money;
  /** Whole percent of spend the core makes (rounded down, so it never overstates). */
  corePercent: number;
  /** E.g. "3 of 12 features make 81% of spend". */
  headline: string;
}

export interface TacticSavings {
  tactic: string;
  amount: Money;
}

export interface Report {
  /** Inclusive lower bound, ms since epoch (undefined = from the beginning). */
  from?: number;
  /** Exclusive upper bound, ms since epoch (undefined = up to now). */
  to?: number;
  by: GroupKey[];
  totals: ReportTotals;
  /** Rows grouped by `by`, highest known cost first. */
  rows: SummaryRow[];
  /** Further groupings shown after the main one (e.g. by model and by user). */
  sections: ReportSection[];
  /** Largest saving first. */
  savingsByTactic: TacticSavings[];
  pareto: ParetoView;
  /** Requests answered by the simulated upstream (no provider configured): not real spend. */
  simulated: { requests: number; cost: Money };
}

/** The known cost of a group, or null when every request in it is unpriced. */
export function knownCost(r: { requests: number; unpriced: number; cost: Money }): Money | null {
  return r.requests > 0 && r.unpriced === r.requests ? null : r.cost;
}
