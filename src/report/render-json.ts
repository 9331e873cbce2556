/**
 * The machine report: JSON with every amount an exact USD decimal string ("0.007275"), never a float.
 * An all-unpriced group has `cost: null` beside its `unpriced` count; times are ISO strings.
 */
import { type Money, moneyToDecimal } from '../core/money.js';
import type { SummaryRow } from '../ledger/ledger.js';
import { knownCost, type Report } from './report.js';

export function renderReportJson(report: Report): string {
  const t = report.totals;
  const body = {
    range: {
      from: report.from === undefined ? null : new Date(report.from).toISOString(),
      to: report.to === undefined ? null : new Date(report.to).toISOString(),
    },
    by: report.by,
    totals: {
      requests: t.requests,
      errors: t.errors,
      tokens: t.tokens,
      cost: decimalOrNull(knownCost(t)),
      unpriced: t.unpriced,
      baselineCost: moneyToDecimal(t.baselineCost),
      savings: moneyToDecimal(t.savings),
    },
    simulated: { requests: report.simulated.requests, cost: moneyToDecimal(report.simulated.cost) },
    rows: report.rows.map(rowJson),
    sections: report.sections.map((s) => ({ by: s.by, rows: s.rows.map(rowJson) })),
    savingsByTactic: report.savingsByTactic.map((s) => ({
      tactic: s.tactic,
      amount: moneyToDecimal(s.amount),
    })),
    pareto: {
      threshold: report.pareto.threshold,
      headline: report.pareto.headline,
      coreCount: report.pareto.coreCount,
      totalCount: report.pareto.totalCount,
      coreCost: moneyToDecimal(report.pareto.coreCost),
      corePercent: report.pareto.corePercent,
      features: report.pareto.features.map((f) => ({
        feature: f.feature,
        requests: f.requests,
        cost: decimalOrNull(knownCost(f)),
        unpriced: f.unpriced,
        share: f.share,
        cumulativeShare: f.cumulativeShare,
        inCore: f.inCore,
      })),
    },
  };
  return `${JSON.stringify(body, null, 2)}\n`;
}

function rowJson(r: SummaryRow) {
  return {
    group: r.group,
    requests: r.requests,
    errors: r.errors,
    tokens: {
      input: r.inputTokens,
      cacheRead: r.cacheReadTokens,
      cacheWrite: r.cacheWriteTokens,
      output: r.outputTokens,
      reasoning: r.reasoningTokens,
    },
    cost: decimalOrNull(knownCost(r)),
    unpriced: r.unpriced,
    baselineCost: moneyToDecimal(r.baselineCost),
    savings: moneyToDecimal(r.savings),
  };
}

function decimalOrNull(m: Money | null): string | null {
  return m === null ? null : moneyToDecimal(m);
}
