/**
 * The terminal summary of an audit: totals, the 80/20 line, spend tables (cli-table3, no colours so
 * the text is the same on a TTY and in a pipe), opportunities with their evidence, malformed lines.
 */
import Table from 'cli-table3';
import { type Money, formatUsd, moneyToDecimal } from '../core/money.js';
import { toMonthly } from './scale.js';
import { FORMAT_DESCRIPTIONS } from './types.js';
import type { AuditReport, SpendRow } from './types.js';

const PLAIN = { head: [] as string[], border: [] as string[] };

export function shareText(part: Money, whole: Money): string {
  if (whole <= 0n) return '—';
  return `${(Number((part * 10_000n) / whole) / 100).toFixed(1)}%`;
}

export function usd2(m: Money): string {
  return formatUsd(m, m !== 0n && m < 10_000_000_000n && m > -10_000_000_000n ? 4 : 2);
}

function spendTable(title: string, rows: SpendRow[], report: AuditReport, limit: number): string {
  const t = new Table({ head: [title, 'requests', 'cost in log', 'share', '$/month'], style: PLAIN });
  for (const r of rows.slice(0, limit)) {
    const monthly = toMonthly(r.cost, report.span);
    t.push([
      r.key,
      r.unpriced > 0 ? `${r.requests} (${r.unpriced} unpriced)` : String(r.requests),
      usd2(r.cost),
      shareText(r.cost, report.total.cost),
      usd2(monthly),
    ]);
  }
  const more = rows.length > limit ? `\n  … ${rows.length - limit} more` : '';
  return t.toString() + more;
}

export function spanText(report: AuditReport): string {
  const s = report.span;
  if (s.assumed) return 'assumed 30 days (not enough timestamps)';
  const from = new Date(s.from!).toISOString().slice(0, 16).replace('T', ' ');
  const to = new Date(s.to!).toISOString().slice(0, 16).replace('T', ' ');
  return `${from} → ${to} UTC (${s.days.toFixed(s.days < 10 ? 2 : 1)} days)`;
}

export function paretoText(report: AuditReport): string {
  const p = report.pareto;
  if (p.featureCount === 0 || report.total.cost === 0n) return '80/20: no priced spend';
  return `80/20: ${p.featuresFor80} of ${p.featureCount} features make 80% of the spend; the top 20% of features make ${(p.top20Share * 100).toFixed(1)}%`;
}

export function renderAuditText(report: AuditReport): string {
  const out: string[] = [];
  out.push(`penny audit — ${report.file}`);
  out.push(`format: ${FORMAT_DESCRIPTIONS[report.format]}`);
  out.push(
    `${report.records} requests from ${report.lines} lines; ${report.malformed.count} malformed; span ${spanText(report)}`,
  );
  out.push(
    `spend in the log: ${usd2(report.total.cost)}  ≈ ${usd2(report.total.monthly)} per month` +
      (report.total.unpriced > 0 ? `  (${report.total.unpriced} requests unpriced)` : ''),
  );
  out.push(paretoText(report));
  out.push('');
  out.push(spendTable('feature', report.byFeature, report, 20));
  out.push(spendTable('model', report.byModel, report, 15));
  out.push(spendTable('user', report.byUser, report, 10));
  out.push('');
  out.push('Opportunities ($/month, each on its own — they overlap, do not add them up)');
  const t = new Table({ head: ['tactic', '$/month', 'in log', 'requests'], style: PLAIN });
  for (const o of report.opportunities) {
    t.push([
      o.title,
      o.applicable ? usd2(o.monthly) : 'n/a',
      o.applicable ? usd2(o.observed) : '—',
      String(o.requests),
    ]);
  }
  out.push(t.toString());
  for (const o of report.opportunities) {
    out.push('');
    out.push(
      `▸ ${o.title}: ${o.applicable ? `${usd2(o.monthly)}/month` : 'not applicable (the log has no prompt text)'}`,
    );
    for (const e of o.evidence) out.push(`    · ${e}`);
    for (const x of o.examples) out.push(`    e.g. ${x}`);
  }
  if (report.unpricedModels.length > 0) {
    out.push('');
    out.push(
      `Unpriced models: ${report.unpricedModels
        .slice(0, 10)
        .map((m) => `${m.model} (${m.requests})`)
        .join(', ')}`,
    );
  }
  if (report.malformed.count > 0) {
    out.push('');
    out.push(`Malformed lines: ${report.malformed.count} (first ${report.malformed.examples.length} shown)`);
    for (const m of report.malformed.examples) out.push(`    line ${m.line}: ${m.reason}`);
  }
  if (report.notes.length > 0) {
    out.push('');
    out.push('Notes:');
    for (const n of report.notes) out.push(`    - ${n}`);
  }
  return out.join('\n');
}

/** The report as JSON text, Money as exact decimal USD strings. */
export function renderAuditJson(report: AuditReport): string {
  return JSON.stringify(report, (_k, v) => (typeof v === 'bigint' ? moneyToDecimal(v) : v), 2);
}
