/**
 * Builds a Report from any Ledger with a handful of aggregate queries (nothing is loaded row by row),
 * so the same code serves the CLI over SQLite and the dashboard over PostgreSQL.
 * Rows come highest cost first, except a grouping led by `day`, which reads as a time series: days in
 * calendar order, each day's rows highest cost first.
 */
import type { GroupKey, Ledger, LedgerFilter, SummaryRow } from '../ledger/ledger.js';
import { SIMULATED_PROVIDER } from '../providers/simulated/simulated.js';
import { paretoView } from './pareto.js';
import type { Report, ReportTotals } from './report.js';

export interface BuildReportOptions {
  /** Inclusive lower bound, ms since epoch. */
  from?: number;
  /** Exclusive upper bound, ms since epoch. */
  to?: number;
  by: GroupKey[];
  /** Further groupings to include as sections (e.g. [['model'], ['user']]). */
  also?: GroupKey[][];
}

export async function buildReport(ledger: Ledger, opts: BuildReportOptions): Promise<Report> {
  const filter: LedgerFilter = {};
  if (opts.from !== undefined) filter.from = opts.from;
  if (opts.to !== undefined) filter.to = opts.to;
  const isFeatureOnly = opts.by.length === 1 && opts.by[0] === 'feature';

  const [totalRows, rows, sections, tactics, featureRows, providerRows] = await Promise.all([
    ledger.summarize(filter, []),
    ledger.summarize(filter, opts.by),
    Promise.all((opts.also ?? []).map(async (by) => ({ by, rows: await ledger.summarize(filter, by) }))),
    ledger.savingsByTactic(filter),
    isFeatureOnly ? Promise.resolve(undefined) : ledger.summarize(filter, ['feature']),
    ledger.summarize(filter, ['provider']),
  ]);
  const sim = providerRows.find((r) => r.group.provider === SIMULATED_PROVIDER);

  const report: Report = {
    by: opts.by,
    totals: toTotals(totalRows[0]),
    rows: orderRows(opts.by, rows),
    sections: sections.map((s) => ({ by: s.by, rows: orderRows(s.by, s.rows) })),
    savingsByTactic: Object.entries(tactics).map(([tactic, amount]) => ({ tactic, amount })),
    pareto: paretoView(featureRows ?? rows),
    simulated: { requests: sim?.requests ?? 0, cost: sim?.cost ?? 0n },
  };
  if (opts.from !== undefined) report.from = opts.from;
  if (opts.to !== undefined) report.to = opts.to;
  return report;
}

function orderRows(by: GroupKey[], rows: SummaryRow[]): SummaryRow[] {
  if (by[0] !== 'day') return rows;
  // Stable sort: the ledger's cost-descending order is kept within each day.
  return [...rows].sort((a, b) => {
    const x = a.group.day ?? '';
    const y = b.group.day ?? '';
    return x < y ? -1 : x > y ? 1 : 0;
  });
}

function toTotals(r: SummaryRow | undefined): ReportTotals {
  return {
    requests: r?.requests ?? 0,
    errors: r?.errors ?? 0,
    tokens: {
      input: r?.inputTokens ?? 0,
      cacheRead: r?.cacheReadTokens ?? 0,
      cacheWrite: r?.cacheWriteTokens ?? 0,
      output: r?.outputTokens ?? 0,
      reasoning: r?.reasoningTokens ?? 0,
    },
    cost: r?.cost ?? 0n,
    unpriced: r?.unpriced ?? 0,
    baselineCost: r?.baselineCost ?? 0n,
    savings: r?.savings ?? 0n,
  };
}
