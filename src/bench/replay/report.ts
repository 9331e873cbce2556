/**
 * Markdown tables and SVG plots for the replay benchmark. Pure formatting of the reports computed by
 * `routellm-bench.ts` and `overruling-bench.ts`; the numbers are printed to the precision of
 * `BASELINES.md` (APGR 3 decimals, CPT 1 decimal, accuracy 4, $ 6).
 */
import type { OverrulingReport } from './overruling-bench.js';
import type { RouterRow, TwoModelReport } from './routellm-bench.js';
import { type PlotSeries, renderSvg } from './svg-plot.js';

const f3 = (x: number) => x.toFixed(3);
const f1 = (x: number) => x.toFixed(1);
const usd6 = (x: number) => `$${x.toFixed(6)}`;

function qual(rep: TwoModelReport, q: number): string {
  return rep.binary ? q.toFixed(4) : q.toFixed(3);
}

function ciText(row: RouterRow, key: 'apgr' | 'cpt50' | 'cpt80', digits: number): string {
  const v = row[key];
  const ci = row.ci?.[key];
  return ci ? `${v.toFixed(digits)} [${ci.lo.toFixed(digits)}, ${ci.hi.toFixed(digits)}]` : v.toFixed(digits);
}

export function twoModelMarkdown(rep: TwoModelReport): string {
  const lines: string[] = [];
  lines.push(`## ${rep.title}`);
  lines.push('');
  lines.push(
    `Evaluated on ${rep.evaluatedOn}${rep.evaluatedOn.startsWith('test') ? `; train half ${rep.nTrain}` : ''}. Weak (Mixtral-8x7B) ${qual(rep, rep.weakQuality)} at ${usd6(rep.weakCost)}/query, strong (GPT-4-1106) ${qual(rep, rep.strongQuality)} at ${usd6(rep.strongCost)}/query.`,
  );
  lines.push('');
  const ci = rep.rows.some((r) => r.ci);
  lines.push(
    `| router | APGR${ci ? ' [95% CI]' : ''} | CPT(50%) | CPT(80%) | AIQ | at a 30%-strong threshold set on train: strong % / quality / $ per query |`,
  );
  lines.push('|---|---|---|---|---|---|');
  for (const r of rep.rows) {
    const op = r.operating
      ? `${f1(r.operating.strongPct)}% / ${qual(rep, r.operating.quality)} / ${usd6(r.operating.costPerQuery)}`
      : '—';
    lines.push(
      `| ${r.router} | ${ciText(r, 'apgr', 3)} | ${ciText(r, 'cpt50', 1)}% | ${ciText(r, 'cpt80', 1)}% | ${rep.binary ? r.aiq.toFixed(4) : r.aiq.toFixed(3)} | ${op} |`,
    );
  }
  const notes = rep.rows.filter((r) => r.note);
  if (notes.length > 0) {
    lines.push('');
    for (const r of notes) lines.push(`- ${r.router}: ${r.note}`);
  }
  lines.push('');
  return lines.join('\n');
}

export function twoModelSvg(rep: TwoModelReport): string {
  const series: PlotSeries[] = rep.rows.map((r) => ({
    label: `${r.router} (APGR ${f3(r.apgr)})`,
    points: r.curve.map((p) => [p.costPerQuery, p.quality] as [number, number]),
    style: 'line',
    dashed: r.kind === 'baseline',
  }));
  series.push({
    label: 'single models',
    points: [
      [rep.weakCost, rep.weakQuality],
      [rep.strongCost, rep.strongQuality],
    ],
    style: 'points',
    pointLabels: ['Mixtral-8x7B', 'GPT-4-1106'],
  });
  return renderSvg({
    title: `${rep.title}: quality vs $/query (${rep.evaluatedOn})`,
    xLabel: '$ per query (chars/4 tokens × RouteLLM blended prices)',
    yLabel: rep.binary ? 'accuracy' : 'mean judge score (1–10)',
    series,
  });
}

export function overrulingMarkdown(rep: OverrulingReport): string {
  const pct = (c: number) => `${f1((100 * c) / rep.gpt4.costPerQuery)}%`;
  const lines: string[] = [];
  lines.push('## FrugalGPT OVERRULING');
  lines.push('');
  lines.push(
    `Test half ${rep.nTest} queries (train ${rep.nTrain}). gpt-4 on test: ${rep.gpt4.accuracy.toFixed(4)} at ${usd6(rep.gpt4.costPerQuery)}/query. Oracle: ${rep.oracle.accuracy.toFixed(4)} at ${usd6(rep.oracle.costPerQuery)}. Chain search: ${rep.searched} chain × threshold settings, scored on out-of-fold train acceptance scores.`,
  );
  lines.push('');
  lines.push('| policy (test half) | accuracy | $/query | % of gpt-4 $ | chosen on train: accuracy / $ |');
  lines.push('|---|---|---|---|---|');
  const row = (
    label: string,
    acc: number,
    cost: number,
    train?: { accuracy: number; costPerQuery: number },
  ) =>
    lines.push(
      `| ${label} | ${acc.toFixed(4)} | ${usd6(cost)} | ${pct(cost)} | ${train ? `${train.accuracy.toFixed(4)} / ${usd6(train.costPerQuery)}` : '—'} |`,
    );
  row(`**${rep.chosen.label}**`, rep.chosen.accuracy, rep.chosen.costPerQuery, rep.chosen.train);
  for (const r of rep.references) row(r.label, r.accuracy, r.costPerQuery);
  for (const s of rep.singles) row(`single model ${s.model}`, s.accuracy, s.costPerQuery);
  lines.push('');
  const th =
    rep.chosen.thresholds?.map((t) => (Number.isFinite(t) ? t.toFixed(3) : 'never')).join(', ') ?? '';
  const by = Object.entries(rep.chosen.answeredBy)
    .map(([m, v]) => `${m} ${f1(100 * v)}%`)
    .join(', ');
  const calls = Object.entries(rep.chosen.calls)
    .map(([m, v]) => `${m} ${f1(100 * v)}%`)
    .join(', ');
  lines.push(`Chosen chain: acceptance thresholds ${th}; answered by ${by}; calls ${calls}.`);
  lines.push('');
  lines.push('Budget sweep (each chain and threshold chosen on train for the budget, replayed on test):');
  lines.push('');
  lines.push(
    '| budget (share of gpt-4 $, train) | chain | test accuracy | test $/query | test % of gpt-4 $ |',
  );
  lines.push('|---|---|---|---|---|');
  for (const p of rep.frontier) {
    lines.push(
      `| ${p.label.replace('budget ', '')} | ${p.chain.join(' → ')} | ${p.accuracy.toFixed(4)} | ${usd6(p.costPerQuery)} | ${pct(p.costPerQuery)} |`,
    );
  }
  lines.push('');
  lines.push(
    `AIQ (RouterBench; cost axis up to max(gpt-4, sweep)): single models ${rep.aiq.singles.toFixed(4)}, single models + Penny's sweep ${rep.aiq.combined.toFixed(4)}.`,
  );
  lines.push('');
  return lines.join('\n');
}

export function overrulingSvg(rep: OverrulingReport): string {
  return renderSvg({
    title: 'OVERRULING: accuracy vs $/query (test half)',
    xLabel: '$ per query (recorded)',
    yLabel: 'accuracy',
    logX: true,
    series: [
      {
        label: 'Penny cascades (budget sweep, chosen on train)',
        points: rep.frontier.map((p) => [p.costPerQuery, p.accuracy]),
        style: 'line',
      },
      {
        label: 'single models',
        points: rep.singles.map((s) => [s.costPerQuery, s.accuracy]),
        style: 'points',
        pointLabels: rep.singles.map((s) => s.model),
      },
      {
        label: 'reference cascades',
        points: rep.references.map((r) => [r.costPerQuery, r.accuracy]),
        style: 'points',
        pointLabels: ['3.5 vs j1-large disagree', 'refusal check', 'perfect check'],
      },
      {
        label: 'Penny cascade at the 30% budget',
        points: [[rep.chosen.costPerQuery, rep.chosen.accuracy]],
        style: 'points',
      },
      { label: 'oracle', points: [[rep.oracle.costPerQuery, rep.oracle.accuracy]], style: 'points' },
    ],
  });
}

/** The issue's targets against what was reached. */
export function targetsMarkdown(reps: readonly TwoModelReport[], ov: OverrulingReport | null): string {
  const lines = ['## Targets (test half)', '', '| target | best Penny router | reached? |', '|---|---|---|'];
  for (const rep of reps) {
    if (rep.dataset !== 'gsm8k' && rep.dataset !== 'mmlu') continue;
    const penny = rep.rows.filter((r) => r.kind === 'penny' || r.kind === 'cascade');
    const promptOnly = penny.filter((r) => r.kind === 'penny' && !r.router.includes('task-type'));
    for (const [label, rows] of [
      ['prompt-only router', promptOnly],
      ['any Penny policy', penny],
    ] as const) {
      const best = [...rows].sort((a, b) => b.apgr - a.apgr)[0];
      if (!best) continue;
      const ok = best.apgr >= 0.7 && best.cpt50 <= 30;
      lines.push(
        `| ${rep.title}: APGR ≥ 0.70 and CPT(50%) ≤ 30% (${label}) | ${best.router}: APGR ${f3(best.apgr)}, CPT(50%) ${f1(best.cpt50)}% | ${ok ? 'yes' : `no (${best.apgr >= 0.7 ? '' : 'APGR'}${best.apgr < 0.7 && best.cpt50 > 30 ? ' and ' : ''}${best.cpt50 <= 30 ? '' : 'CPT'})`} |`,
      );
    }
  }
  if (ov) {
    const c = ov.chosen;
    const share = c.costPerQuery / ov.gpt4.costPerQuery;
    const ok = c.accuracy >= ov.gpt4.accuracy && share <= 0.3;
    lines.push(
      `| OVERRULING: accuracy ≥ gpt-4 (${ov.gpt4.accuracy.toFixed(4)} on test) at ≤ 30% of its $ | ${c.chain.join(' → ')}: ${c.accuracy.toFixed(4)} at ${f1(100 * share)}% | ${ok ? 'yes' : 'no'} |`,
    );
  }
  lines.push('');
  return lines.join('\n');
}
