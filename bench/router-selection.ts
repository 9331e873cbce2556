/**
 * `node --import tsx bench/router-selection.ts [--datasets DIR] [--sets gsm8k,mmlu,mt_bench,overruling]
 * [--candidates a,b,…]`: how should the `stack` router choose its mix? Train halves only. Every candidate
 * is trained on four of the stack's five folds and scores the fifth (its out-of-fold ranks, as
 * `chooseStack` computes them); then each selection rule is itself cross-validated over the same folds —
 * it chooses weights from four folds' out-of-fold ranks and the weighted rank average is scored on the
 * fifth with RouteLLM's APGR. Rules: greedy forward selection with replacement (up to 8 picks) by the
 * exact-area APGR (what the stack uses) or by the 11-point APGR (what it used before), the same with a
 * minimum gain per pick, bagged greedy (20 half-samples, normalised pick counts summed), equal weights on
 * every candidate, and the best single candidate. Prints the mean over the five held-out folds, each
 * fold, and the weights each rule picks on all five.
 */
import { parseArgs } from 'node:util';
import { predict } from '../src/pipeline/route/classifier.js';
import { mulberry32 } from '../src/pipeline/route/prng.js';
import { hash32 } from '../src/pipeline/route/sparse-hash.js';
import { resolveDatasetsDir } from '../src/bench/replay/datasets.js';
import { gainRecovered } from '../src/bench/replay/gain-recovered.js';
import { evaluateScores } from '../src/bench/replay/metrics.js';
import type { RouterMethod } from '../src/bench/replay/router-method.js';
import { defaultCandidates, ranks, STACK_FOLDS } from '../src/bench/replay/router-stack.js';
import { routerExamples, trainRouterModel } from '../src/bench/replay/router-training.js';
import { ROUTER_SETS, routerSets } from '../src/bench/replay/router-sets.js';
import { splitRecords } from '../src/bench/replay/split.js';

const { values } = parseArgs({
  options: {
    datasets: { type: 'string' },
    sets: { type: 'string', default: 'gsm8k,mmlu,mt_bench,overruling' },
    candidates: { type: 'string' },
  },
});
const root = resolveDatasetsDir(values.datasets);
if (!root) {
  console.error('bench/router-selection.ts: datasets folder not found (--datasets DIR or PENNY_DATASETS)');
  process.exit(1);
}
type Weights = Map<RouterMethod, number>;
type Metric = 'exact' | 'bins';

for (const set of routerSets(values.sets!)) {
  const d = ROUTER_SETS[set]!(root);
  const train = splitRecords(d.records).train;
  const ex = routerExamples(train, d.binary, 1, d.name);
  const cands = (values.candidates?.split(',') as RouterMethod[] | undefined) ?? defaultCandidates(ex);
  const fold = ex.map((e) => hash32(`penny-stack-v1:${e.text}`) % STACK_FOLDS);
  const foldIdx = Array.from({ length: STACK_FOLDS }, (_, k) =>
    ex.map((_, i) => i).filter((i) => fold[i] === k),
  );
  // Out-of-fold ranks (within each fold) per usable candidate.
  const rank = new Map<RouterMethod, Float64Array>();
  for (const m of cands) {
    const t0 = Date.now();
    const r = new Float64Array(ex.length);
    try {
      for (const idx of foldIdx) {
        const held = new Set(idx);
        const model = trainRouterModel(
          ex.filter((_, i) => !held.has(i)),
          m,
          1,
        );
        const rk = ranks(idx.map((i) => predict(model, ex[i]!.text)));
        idx.forEach((i, j) => {
          r[i] = rk[j]!;
        });
      }
      rank.set(m, r);
      console.log(`${d.name}: ${m} out-of-fold in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    } catch (e) {
      if (!(e instanceof RangeError)) throw e;
      console.log(`${d.name}: ${m} cannot be trained here (${e.message})`);
    }
  }
  const usable = [...rank.keys()];
  const gain = ex.map((e) => e.strong! - e.cheap!);
  const mix = (w: Weights, i: number) => {
    let s = 0;
    for (const [m, c] of w) s += c * rank.get(m)![i]!;
    return s;
  };
  const score = (w: Weights, rows: readonly number[], metric: Metric) => {
    const sc = rows.map((i) => mix(w, i));
    return metric === 'exact'
      ? gainRecovered(
          rows.map((i) => gain[i]!),
          sc,
        )
      : evaluateScores(
          rows.map((i) => train[i]!),
          sc,
        ).apgr;
  };
  // Mean over the folds in `folds`, of the rows in `keep` (all rows when undefined).
  const cv = (w: Weights, folds: readonly number[], metric: Metric, keep?: (i: number) => boolean) => {
    let s = 0;
    let n = 0;
    for (const f of folds) {
      const rows = keep ? foldIdx[f]!.filter(keep) : foldIdx[f]!;
      if (rows.length < 2) continue;
      const v = score(w, rows, metric);
      if (Number.isFinite(v)) {
        s += v;
        n++;
      }
    }
    return s / n;
  };
  const greedy = (folds: number[], metric: Metric, minGain = 1e-9, keep?: (i: number) => boolean) => {
    const w: Weights = new Map();
    let best = Number.NEGATIVE_INFINITY;
    for (let p = 0; p < 8; p++) {
      let pick: RouterMethod | null = null;
      let pickScore = best;
      for (const m of usable) {
        const t = new Map(w).set(m, (w.get(m) ?? 0) + 1);
        const v = cv(t, folds, metric, keep);
        if (v > pickScore + (w.size > 0 ? minGain : 0)) {
          pick = m;
          pickScore = v;
        }
      }
      if (pick === null) break;
      w.set(pick, (w.get(pick) ?? 0) + 1);
      best = pickScore;
    }
    return w;
  };
  const rules: Record<string, (folds: number[]) => Weights> = {
    'greedy, exact-area APGR (now)': (f) => greedy(f, 'exact'),
    'greedy, 11-point APGR (before)': (f) => greedy(f, 'bins'),
    'greedy, exact, gain ≥ 0.005': (f) => greedy(f, 'exact', 0.005),
    'bagged greedy (20 × half)': (f) => {
      const rand = mulberry32(7);
      const total: Weights = new Map();
      for (let b = 0; b < 20; b++) {
        const inBag = new Uint8Array(ex.length).map(() => (rand() < 0.5 ? 1 : 0));
        const w = greedy(f, 'exact', 1e-9, (i) => inBag[i] === 1);
        const sum = [...w.values()].reduce((a, x) => a + x, 0);
        for (const [m, c] of w) total.set(m, (total.get(m) ?? 0) + c / sum);
      }
      return total;
    },
    'equal weights': () => new Map(usable.map((m) => [m, 1])),
    'best single': (f) => {
      let best = usable[0]!;
      for (const m of usable)
        if (cv(new Map([[m, 1]]), f, 'exact') > cv(new Map([[best, 1]]), f, 'exact')) best = m;
      return new Map([[best, 1]]);
    },
  };
  const all = foldIdx.map((_, k) => k);
  console.log(`\n${d.name}: ${ex.length} train-half prompts; each candidate alone (5-fold, 11-point APGR):`);
  console.log(`  ${usable.map((m) => `${m} ${cv(new Map([[m, 1]]), all, 'bins').toFixed(3)}`).join(', ')}`);
  for (const [name, rule] of Object.entries(rules)) {
    const held = all.map((k) => score(rule(all.filter((f) => f !== k)), foldIdx[k]!, 'bins'));
    const mean = held.reduce((a, x) => a + x, 0) / held.length;
    const w = rule(all);
    const picks = [...w].map(([m, c]) => `${m} ${Number(c.toFixed(2))}`).join(' + ');
    console.log(
      `  ${name.padEnd(31)} selection CV ${mean.toFixed(3)} (folds ${held.map((x) => x.toFixed(2)).join(' ')}) picks ${picks}`,
    );
  }
}
