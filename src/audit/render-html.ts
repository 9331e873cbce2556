/**
 * The self-contained HTML report: one file with inline CSS and inline SVG charts (spend per feature and
 * per model, the Pareto curve, savings per tactic). No script, no font, no image, no link to anything —
 * it opens the same offline, attached to an email, or years later.
 */
import { moneyToNumber } from '../core/money.js';
import { paretoText, shareText, spanText, usd2 } from './render-text.js';
import { type Bar, barChart, escapeHtml, paretoChart } from './svg-charts.js';
import { FORMAT_DESCRIPTIONS } from './types.js';
import type { AuditReport, SpendRow } from './types.js';

const CSS = `
body{font-family:system-ui,sans-serif;margin:2rem auto;max-width:1000px;color:#222;line-height:1.45;padding:0 1rem}
h1{font-size:1.5rem;margin-bottom:.2rem}h2{font-size:1.15rem;margin-top:2rem;border-bottom:1px solid #ddd}
.meta{color:#555}.big{font-size:1.4rem;font-weight:600}
table{border-collapse:collapse;margin:.5rem 0;width:100%}td,th{border-bottom:1px solid #eee;padding:.25rem .5rem;text-align:left}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
.tactic{border:1px solid #ddd;border-radius:6px;padding:.5rem 1rem;margin:.75rem 0}
.tactic h3{margin:.3rem 0;font-size:1rem}.na{color:#888}
code,.ex{font-family:ui-monospace,monospace;font-size:.85rem}
svg.chart{max-width:100%;height:auto;display:block;margin:.5rem 0}
`;

function spendBars(rows: SpendRow[], limit: number): Bar[] {
  return rows
    .slice(0, limit)
    .map((r) => ({ label: r.key, value: moneyToNumber(r.cost), text: usd2(r.cost) }));
}

function spendTableHtml(title: string, rows: SpendRow[], report: AuditReport, limit: number): string {
  const body = rows
    .slice(0, limit)
    .map(
      (r) =>
        `<tr><td>${escapeHtml(r.key)}</td><td class="num">${r.requests}${r.unpriced ? ` (${r.unpriced} unpriced)` : ''}</td><td class="num">${usd2(r.cost)}</td><td class="num">${shareText(r.cost, report.total.cost)}</td><td class="num">${r.inputTokens}</td><td class="num">${r.outputTokens}</td></tr>`,
    )
    .join('');
  const more = rows.length > limit ? `<p class="meta">… and ${rows.length - limit} more</p>` : '';
  return `<table><thead><tr><th>${escapeHtml(title)}</th><th class="num">requests</th><th class="num">cost in log</th><th class="num">share</th><th class="num">input tokens</th><th class="num">output tokens</th></tr></thead><tbody>${body}</tbody></table>${more}`;
}

export function renderAuditHtml(report: AuditReport): string {
  const totalCost = report.total.cost;
  const paretoPoints = report.pareto.points.slice(0, 60).map((p) => ({
    label: p.key,
    value: moneyToNumber(p.cost),
    cumulative: totalCost > 0n ? Number((p.cumulative * 1_000_000n) / totalCost) / 1_000_000 : 0,
  }));
  const applicable = report.opportunities.filter((o) => o.applicable);
  const tacticBars: Bar[] = applicable.map((o) => ({
    label: o.title.split(' → ')[1] ?? o.title,
    value: moneyToNumber(o.monthly),
    text: `${usd2(o.monthly)}/mo`,
  }));
  const tactics = report.opportunities
    .map((o) => {
      const head = o.applicable
        ? `${usd2(o.monthly)} per month <span class="meta">(${usd2(o.observed)} in the log, ${o.requests} requests)</span>`
        : '<span class="na">not applicable: the log has no prompt text</span>';
      const ev = o.evidence.map((e) => `<li>${escapeHtml(e)}</li>`).join('');
      const ex = o.examples.map((e) => `<li class="ex">${escapeHtml(e)}</li>`).join('');
      return `<div class="tactic"><h3>${escapeHtml(o.title)}: ${head}</h3><ul>${ev}</ul>${ex ? `<p>Examples</p><ul>${ex}</ul>` : ''}</div>`;
    })
    .join('');
  const malformed =
    report.malformed.count > 0
      ? `<h2>Malformed lines</h2><p>${report.malformed.count} lines could not be read (first ${report.malformed.examples.length}):</p><ul>${report.malformed.examples
          .map(
            (m) =>
              `<li>line ${m.line}: ${escapeHtml(m.reason)} — <span class="ex">${escapeHtml(m.excerpt)}</span></li>`,
          )
          .join('')}</ul>`
      : '';
  const unpriced =
    report.unpricedModels.length > 0
      ? `<p>Unpriced models (cost unknown, not $0): ${report.unpricedModels
          .slice(0, 20)
          .map((m) => `${escapeHtml(m.model)} (${m.requests})`)
          .join(', ')}</p>`
      : '';
  const notes = report.notes.map((n) => `<li>${escapeHtml(n)}</li>`).join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Penny audit — ${escapeHtml(report.file)}</title><style>${CSS}</style></head>
<body>
<h1>Penny audit</h1>
<p class="meta">${escapeHtml(report.file)} · ${escapeHtml(FORMAT_DESCRIPTIONS[report.format])}<br>
${report.records} requests from ${report.lines} lines · ${report.malformed.count} malformed · ${escapeHtml(spanText(report))}</p>
<p class="big">Spend in the log: <span id="total-cost">${usd2(totalCost)}</span> · ≈ <span id="total-monthly">${usd2(report.total.monthly)}</span> per month</p>
<p>${escapeHtml(paretoText(report))}</p>
${unpriced}
<h2>Where the money goes</h2>
${barChart('Spend per feature', spendBars(report.byFeature, 15))}
${spendTableHtml('feature', report.byFeature, report, 30)}
${paretoChart('80/20: features by cost', paretoPoints)}
${barChart('Spend per model', spendBars(report.byModel, 15), '#6a4fb3')}
${spendTableHtml('model', report.byModel, report, 20)}
<h2>Top users</h2>
${spendTableHtml('user', report.byUser, report, 15)}
<h2>Opportunities</h2>
<p class="meta">Each estimate stands on its own: the tactics overlap, so the amounts are not added up.</p>
${barChart('Savings per tactic ($/month)', tacticBars, '#2f9e5b')}
${tactics}
${malformed}
<h2>Notes</h2><ul>${notes}</ul>
</body></html>
`;
}
