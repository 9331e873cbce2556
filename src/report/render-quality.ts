/**
 * `penny report --quality` as a table or CSV (JSON is `qualityReportJson`): per feature and tactic the
 * savings beside the retention (agreement rate, Wilson 95% interval, n), the feedback and the guardrail; then
 * each experiment's arms with their comparison. A tactic never evaluated shows "—", never a made-up 100%.
 */
import Table from 'cli-table3';
import { formatUsd, moneyToDecimal } from '../core/money.js';
import type { QualityReport } from '../quality/quality-report.js';
import type { Interval } from '../quality/significance.js';
import { formatRange, formatUtc } from './format.js';
import { csvField, csvText } from './render-csv.js';

/** Plain tables (no colours, no rule between rows), as the spend report prints them. */
function table(o: { head: string[] }): Table.Table {
  return new Table({
    head: o.head,
    chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' },
    style: { head: [], border: [] },
  });
}

const pct = (r: number) => `${(r * 100).toFixed(1)}%`;
const ci = (w: Pick<Interval, 'lower' | 'upper'>) => `${pct(w.lower)}–${pct(w.upper)}`;

export function renderQualityTable(r: QualityReport): string {
  const out = [
    `Penny quality report — ${formatRange(r.range.from ?? undefined, r.range.to ?? undefined)}`,
    '',
  ];
  if (!r.stores) out.push('The quality stores could not be opened: savings only.', '');
  if (r.tactics.length === 0) out.push('No savings, shadow verdicts or ratings recorded in this range.');
  else {
    const t = table({
      head: [
        'feature',
        'tactic',
        'saved',
        'agreement',
        '95% CI',
        'n',
        'no verdict',
        'floor',
        'guardrail',
        'rated',
        'good',
        'mean score',
      ],
    });
    for (const x of r.tactics)
      t.push([
        x.feature,
        x.tactic,
        formatUsd(x.savings),
        x.agreement ? pct(x.agreement.rate) : '—',
        x.agreement ? ci(x.agreement) : '—',
        x.evaluated,
        x.noVerdict,
        x.floor === null ? '—' : pct(x.floor),
        x.mode === 'shadow' ? 'SHADOW (off)' : (x.mode ?? '—'),
        x.rated,
        x.goodRate ? `${pct(x.goodRate.rate)} (${ci(x.goodRate)})` : '—',
        x.meanScore === null ? '—' : x.meanScore.toFixed(2),
      ]);
    out.push('Retention per feature and tactic (agreement of shadow verdicts with the request as sent)');
    out.push(t.toString());
  }
  if (r.scan.verdictsTruncated || r.scan.entriesTruncated)
    out.push(
      `(read the newest ${r.scan.verdicts.toLocaleString('en-US')} verdicts and ${r.scan.entries.toLocaleString('en-US')} requests of the range)`,
    );
  if (r.switches.length) {
    out.push('', 'Guardrail switches (newest first)');
    const s = table({ head: ['time', 'feature', 'tactic', 'to', 'agreement', 'lower bound', 'floor'] });
    for (const w of r.switches.slice(0, 20))
      s.push([formatUtc(w.ts), w.feature, w.tactic, w.mode, `${w.agree}/${w.n}`, pct(w.lower), pct(w.floor)]);
    out.push(s.toString());
  }
  for (const e of r.experiments) {
    out.push(
      '',
      `Experiment ${e.name} (feature ${e.feature}, ${e.status === 'stopped' ? `stopped, serving "${e.stoppedArm}"` : 'running'})`,
    );
    const a = table({
      head: [
        'arm',
        'requests',
        'cost/request',
        'saved',
        'rated',
        'good (95% CI)',
        'mean score',
        'verdicts',
        'agreement (95% CI)',
      ],
    });
    for (const arm of e.arms)
      a.push([
        arm.arm,
        arm.requests,
        arm.costPerRequestUsd === null ? 'unknown' : `$${arm.costPerRequestUsd.toFixed(6)}`,
        formatUsd(arm.savings),
        arm.rated,
        arm.goodRate ? `${pct(arm.goodRate.rate)} (${ci(arm.goodRate)})` : '—',
        arm.meanScore === null ? '—' : arm.meanScore.toFixed(2),
        arm.asSent ? 'as sent' : arm.evaluated,
        arm.agreement ? `${pct(arm.agreement.rate)} (${ci(arm.agreement)})` : '—',
      ]);
    out.push(a.toString(), ...e.verdicts);
  }
  return `${out.join('\n')}\n`;
}

const CSV_COLUMNS = [
  'section',
  'feature',
  'tactic',
  'experiment',
  'arm',
  'requests',
  'cost_per_request_usd',
  'savings_usd',
  'verdicts',
  'agree',
  'agreement_rate',
  'agreement_lower',
  'agreement_upper',
  'no_verdict',
  'floor',
  'guardrail',
  'rated',
  'good',
  'good_rate',
  'mean_score',
  'verdict',
];

/** One table: a row per feature and tactic (`section` = tactic), then per experiment arm (`arm`). */
export function renderQualityCsv(r: QualityReport): string {
  const num = (n: number | null | undefined) => (n === null || n === undefined ? '' : String(n));
  const lines = [CSV_COLUMNS.join(',')];
  for (const x of r.tactics)
    lines.push(
      [
        'tactic',
        csvText(x.feature),
        csvText(x.tactic),
        '',
        '',
        '',
        '',
        moneyToDecimal(x.savings),
        String(x.evaluated),
        String(x.agree),
        num(x.agreement?.rate),
        num(x.agreement?.lower),
        num(x.agreement?.upper),
        String(x.noVerdict),
        num(x.floor),
        x.mode ?? '',
        String(x.rated),
        String(x.good),
        num(x.goodRate?.rate),
        num(x.meanScore),
        '',
      ]
        .map(csvField)
        .join(','),
    );
  for (const e of r.experiments)
    for (const [i, a] of e.arms.entries())
      lines.push(
        [
          'arm',
          csvText(e.feature),
          '',
          csvText(e.name),
          csvText(a.arm),
          String(a.requests),
          num(a.costPerRequestUsd),
          moneyToDecimal(a.savings),
          String(a.evaluated),
          String(a.agree),
          num(a.agreement?.rate),
          num(a.agreement?.lower),
          num(a.agreement?.upper),
          String(a.noVerdict),
          '',
          a.asSent ? 'as sent' : '',
          String(a.rated),
          String(a.good),
          num(a.goodRate?.rate),
          num(a.meanScore),
          i === 0 ? '' : (e.verdicts[i - 1] ?? ''),
        ]
          .map(csvField)
          .join(','),
      );
  return `${lines.join('\r\n')}\r\n`;
}
