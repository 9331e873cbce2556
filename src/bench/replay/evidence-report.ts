/**
 * Markdown and SVG for the evidence tables (`evidence.ts`): each policy's gain over the single-model
 * frontier at the same cost, against the same number for 1,000 seeded random routers put through the same
 * sweep (their 95% interval), and the one-sided permutation p-value.
 */
import type { EvidenceRow, ModelPoint, RandomBaseline } from './evidence.js';
import type { OutcomeReport } from './outcome-bench.js';
import { type PlotSeries, renderSvg } from './svg-plot.js';

/** Gains in points of accuracy for 0/1 data, in score units otherwise. */
export function fmtGain(x: number, binary: boolean): string {
  if (!Number.isFinite(x)) return '—';
  const v = binary ? 100 * x : x;
  let s = v.toFixed(binary ? 1 : 3);
  if (Number(s) === 0) s = s.replace('-', '');
  return Number(s) > 0 ? `+${s}` : s;
}

function fmtP(p: number): string {
  return p < 0.001 ? '< 0.001' : p.toFixed(3);
}

export function verdict(row: EvidenceRow, alpha = 0.05): string {
  if (row.p.mean >= alpha) return 'no better than random';
  if (!row.replication) return 'beats random';
  return row.replication.p.mean < alpha ? 'beats random on both halves' : 'beats random on one half only';
}

function replicationText(row: EvidenceRow, binary: boolean): string {
  return row.replication
    ? `${fmtGain(row.replication.gain.mean, binary)} (p ${fmtP(row.replication.p.mean)})`
    : '—';
}

export function evidenceTable(
  rows: readonly EvidenceRow[],
  random: RandomBaseline,
  binary: boolean,
): string[] {
  const unit = binary ? 'points' : 'score';
  const ci = (r: RandomBaseline['mean']) =>
    `${fmtGain(r.avg, binary)} [${fmtGain(r.ci.lo, binary)}, ${fmtGain(r.ci.hi, binary)}]`;
  const L = [
    `| policy (test half) | sweep points | mean gain vs frontier (${unit}) | random routers: mean gain [95%] | p | best-point gain | random: best gain [95%] | p | halves swapped: mean gain (p) | verdict |`,
    '|---|---|---|---|---|---|---|---|---|---|',
    `| random routers (${random.routers.toLocaleString('en-US')} seeds, router sweep) | — | ${ci(random.mean)} | — | — | ${ci(random.best)} | — | — | — | baseline |`,
  ];
  for (const r of rows) {
    L.push(
      `| ${r.policy} | ${r.points.length} | ${fmtGain(r.gain.mean, binary)} | ${ci(r.random.mean)} | ${fmtP(r.p.mean)} | ${fmtGain(r.gain.best, binary)} | ${ci(r.random.best)} | ${fmtP(r.p.best)} | ${replicationText(r, binary)} | ${verdict(r)} |`,
    );
  }
  const notes = rows.filter((r) => r.note);
  if (notes.length) {
    L.push('');
    for (const r of notes) L.push(`- ${r.policy}: ${r.note}`);
  }
  return L;
}

export const EVIDENCE_METHOD = [
  'Gain = test quality − the test half’s single-model frontier (upper convex hull of every model’s mean quality',
  'and $/query: what mixing models at random reaches) at the same test $/query. Routers are swept along the',
  'train frontier (shares 10%…90% on each segment between adjacent frontier models), with every threshold set',
  'on the train half and applied to the test half; cascades are swept by escalation share, or are one fixed',
  'point. The random baseline puts seeded random routers (uniform random scores) through the same targets,',
  'thresholds and frontier; p is the share of random routers whose gain is at least the policy’s (one-sided,',
  '+1 corrected); "beats random" means p < 0.05 for the mean gain over the sweep (the best point is shown, not tested).',
];

export function singlesTable(
  singles: readonly ModelPoint[],
  frontier: readonly ModelPoint[],
  binary: boolean,
): string[] {
  const on = new Set(frontier.map((p) => p.model));
  const L = ['| model | quality | $/query | on the frontier |', '|---|---|---|---|'];
  for (const s of singles) {
    L.push(
      `| ${s.model} | ${s.quality.toFixed(binary ? 4 : 3)} | $${s.cost.toFixed(6)} | ${on.has(s.model) ? 'yes' : ''} |`,
    );
  }
  return L;
}

export function outcomeMarkdown(rep: OutcomeReport): string {
  const L: string[] = [];
  L.push(`## ${rep.title}`, '');
  L.push(
    `${rep.nTrain + rep.nTest} prompts: train half ${rep.nTrain}, test half ${rep.nTest} (hash split). Train frontier: ${rep.trainFrontier.join(' → ')}.`,
    '',
  );
  L.push(
    'Single models on the test half:',
    '',
    ...singlesTable(rep.singles, rep.testFrontier, rep.binary),
    '',
  );
  L.push(...evidenceTable(rep.rows, rep.random, rep.binary), '');
  for (const n of rep.notes) L.push(`- ${n}`);
  if (rep.notes.length) L.push('');
  return L.join('\n');
}

export function outcomeSvg(rep: OutcomeReport): string {
  const series: PlotSeries[] = [
    {
      label: 'single-model frontier (test)',
      points: rep.testFrontier.map((p) => [p.cost, p.quality] as [number, number]),
      style: 'line',
      dashed: true,
    },
    {
      label: 'single models',
      points: rep.singles.map((p) => [p.cost, p.quality] as [number, number]),
      style: 'points',
      pointLabels: rep.singles.map((p) => p.model),
    },
  ];
  for (const r of rep.rows) {
    series.push({
      label: r.policy,
      points: r.points.map((p) => [p.cost, p.quality] as [number, number]),
      style: r.points.length > 1 ? 'line' : 'points',
    });
  }
  const costs = rep.singles.map((s) => s.cost).filter((c) => c > 0);
  return renderSvg({
    title: `${rep.title}: quality vs $/query (test half)`,
    xLabel: '$ per query (recorded)',
    yLabel: rep.binary ? 'accuracy' : 'mean score',
    logX: costs.length > 1 && Math.max(...costs) / Math.min(...costs) > 20,
    series,
  });
}

/** One line per Penny policy and dataset: its gain, p-value and verdict — the report's headline. */
export function evidenceSummaryMarkdown(reps: readonly OutcomeReport[]): string {
  const L = [
    '## Which signals help (test half, against 1,000 seeded random routers)',
    '',
    '| dataset | policy | signal | mean gain vs frontier | p | best-point gain | p | halves swapped: mean gain (p) | verdict |',
    '|---|---|---|---|---|---|---|---|---|',
  ];
  for (const rep of reps) {
    for (const r of rep.rows) {
      const signal = r.kind === 'router' ? 'prompt only' : 'answer (cascade)';
      L.push(
        `| ${rep.title} | ${r.policy} | ${r.policy.includes('task-type') ? 'task tag' : signal} | ${fmtGain(r.gain.mean, rep.binary)} | ${fmtP(r.p.mean)} | ${fmtGain(r.gain.best, rep.binary)} | ${fmtP(r.p.best)} | ${replicationText(r, rep.binary)} | ${verdict(r)} |`,
      );
    }
  }
  L.push(
    '',
    'Gains are in points of accuracy (MT-Bench: judge-score units); details and intervals below.',
    '',
  );
  return L.join('\n');
}
