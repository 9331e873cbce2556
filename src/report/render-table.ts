/**
 * The human report: totals, one table per grouping, savings by tactic and the 80/20 view.
 * Costs of unpriced requests print as "unknown (N unpriced)", never as $0; no colours, so the output is
 * the same in a terminal, a pipe or a test.
 */
import Table from 'cli-table3';
import { formatUsd } from '../core/money.js';
import type { GroupKey, SummaryRow } from '../ledger/ledger.js';
import { formatCost, formatInt, formatPercent, formatRange, formatShare } from './format.js';
import { knownCost, type Report } from './report.js';

const MAX_PARETO_ROWS = 25;
/** Rows shown of each extra section (by model, by user) of the default report. */
const MAX_SECTION_ROWS = 50;

export function renderReportTable(report: Report): string {
  const t = report.totals;
  const out: string[] = [`Penny report — ${formatRange(report.from, report.to)}`, ''];
  if (t.requests === 0) {
    out.push('No requests recorded in this range.');
    return `${out.join('\n')}\n`;
  }
  out.push(
    `Requests   ${formatInt(t.requests)}${t.errors ? ` (${formatInt(t.errors)} ${t.errors === 1 ? 'error' : 'errors'})` : ''}`,
    `Cost       ${formatCost(t)}`,
    `Baseline   ${formatUsd(t.baselineCost)} (what the requests as sent would have cost)`,
    `Saved      ${formatUsd(t.savings)}${t.baselineCost > 0n ? ` (${formatPercent(t.savings, t.baselineCost)} of baseline)` : ''}`,
    `Tokens in  ${formatInt(t.tokens.input)} uncached + ${formatInt(t.tokens.cacheRead)} cache read + ${formatInt(t.tokens.cacheWrite)} cache write`,
    `Tokens out ${formatInt(t.tokens.output)} text + ${formatInt(t.tokens.reasoning)} reasoning`,
  );
  if (report.simulated.requests > 0)
    out.splice(
      2,
      0,
      `SIMULATED  ${formatInt(report.simulated.requests)} of ${formatInt(t.requests)} requests were answered by Penny's simulated upstream (no provider configured): their ${formatUsd(report.simulated.cost)} is what they would have cost, not money spent. Group by provider to separate them.`,
      '',
    );

  out.push('', `By ${report.by.join(', ')}`, summaryTable(report.by, report.rows, report));
  // The extra sections nobody asked for by name show their top rows; `--by` lists them all.
  for (const section of report.sections) {
    out.push(
      '',
      `By ${section.by.join(', ')}`,
      summaryTable(section.by, section.rows.slice(0, MAX_SECTION_ROWS), report),
    );
    if (section.rows.length > MAX_SECTION_ROWS)
      out.push(
        `… ${formatInt(section.rows.length - MAX_SECTION_ROWS)} more (penny report --by ${section.by.join(',')} lists them all)`,
      );
  }

  out.push('', 'Savings by tactic');
  if (report.savingsByTactic.length === 0) out.push('none recorded');
  else {
    const table = newTable(['tactic', 'saved', 'share of savings'], ['left', 'right', 'right']);
    for (const s of report.savingsByTactic) {
      table.push([s.tactic, formatUsd(s.amount), formatPercent(s.amount, t.savings)]);
    }
    out.push(table.toString());
  }

  const p = report.pareto;
  out.push('', `80/20: ${p.headline}`);
  if (p.features.length > 0) {
    const table = newTable(
      ['#', 'feature', 'cost', 'share', 'cumulative', 'core'],
      ['right', 'left', 'right', 'right', 'right', 'center'],
    );
    p.features.slice(0, MAX_PARETO_ROWS).forEach((f, i) => {
      table.push([
        String(i + 1),
        f.feature,
        formatCost(f),
        knownCost(f) === null ? '–' : formatShare(f.share),
        formatShare(f.cumulativeShare),
        f.inCore ? '●' : '',
      ]);
    });
    out.push(table.toString());
    if (p.features.length > MAX_PARETO_ROWS)
      out.push(`… ${p.features.length - MAX_PARETO_ROWS} more features`);
  }
  return `${out.join('\n')}\n`;
}

function summaryTable(by: GroupKey[], rows: SummaryRow[], report: Report): string {
  const table = newTable(
    [...by, 'requests', 'errors', 'tokens in', 'tokens out', 'cost', 'share', 'saved'],
    [...by.map(() => 'left' as const), 'right', 'right', 'right', 'right', 'right', 'right', 'right'],
  );
  for (const r of rows) {
    const allUnpriced = knownCost(r) === null;
    table.push([
      ...by.map((k) => r.group[k] ?? ''),
      formatInt(r.requests),
      formatInt(r.errors),
      formatInt(r.inputTokens + r.cacheReadTokens + r.cacheWriteTokens),
      formatInt(r.outputTokens + r.reasoningTokens),
      formatCost(r),
      allUnpriced ? '–' : formatPercent(r.cost, report.totals.cost),
      allUnpriced && r.savings === 0n ? '–' : formatUsd(r.savings),
    ]);
  }
  return table.toString();
}

function newTable(head: string[], colAligns: Table.HorizontalAlignment[]): Table.Table {
  return new Table({
    head,
    colAligns,
    // No rule between body rows: long reports stay readable and half as tall.
    chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' },
    style: { head: [], border: [] },
  });
}
