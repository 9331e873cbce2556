/**
 * The `stack` router: ensemble selection (Caruana et al., 2004) over the other router kinds, chosen by
 * cross-validation inside the training data only. Every candidate is trained on four fifths of the
 * examples and scores the fifth it did not see (folds by hash of the prompt); in each fold the scores
 * become ranks, so candidates on different scales count by their weights alone. Greedy forward selection
 * with replacement then adds, one pick at a time, the candidate that most raises the mean out-of-fold
 * APGR (or ROC AUC when the examples carry a single label, not both models' outcomes) of the weighted rank
 * average, and stops when no pick helps. The APGR here is its exact-area form (`gain-recovered.ts`):
 * RouteLLM's 11-threshold APGR of the same ranks moves by a few hundredths with where the quantile edges
 * happen to fall in a fold of a few hundred prompts, which is as large as the differences being chosen
 * between; the exact area does not. The result is an `anchored` model — the picked routers retrained
 * on every example, averaged by rank through quantile tables of their training scores with the pick counts
 * as weights — so the gateway loads and scores it like any other router file.
 */
import {
  anchor,
  type AnchoredModel,
  predict,
  type RouterModel,
  type TrainExample,
} from '../../pipeline/route/classifier.js';
import { hash32 } from '../../pipeline/route/sparse-hash.js';
import { hasSubjects } from '../../pipeline/route/subject-prior.js';
import { gainRecovered } from './gain-recovered.js';
import { rocAuc } from './roc-auc.js';
import type { RouterMethod } from './router-method.js';

export const STACK_FOLDS = 5;
/** The fewest examples the folds can hold (`chooseStack` refuses fewer). */
export const STACK_MIN_EXAMPLES = 4 * STACK_FOLDS;
/** At most this many picks (with replacement): weights are multiples of 1/8. */
export const STACK_MAX_PICKS = 8;
/** Candidates when both models' outcomes are known on every example. */
export const STACK_OUTCOME_CANDIDATES: readonly RouterMethod[] = [
  'length',
  'logreg',
  'knn',
  'embed-knn',
  'dual',
  'dual-gbdt',
  'topic-prior',
];
/**
 * Added to either list when every example names its subject and there are at least two
 * (`subject-prior`: on the MMLU train half, 5-fold CV APGR 0.665 for it with `dual-gbdt` and `knn` against
 * 0.658 for the picks without it).
 */
export const STACK_SUBJECT_CANDIDATE: RouterMethod = 'subject-prior';
/** Candidates for single-label examples (ledger verdicts, JSONL). */
export const STACK_LABEL_CANDIDATES: readonly RouterMethod[] = [
  'length',
  'logreg',
  'knn',
  'embed-knn',
  'topic-prior',
];

export type BaseTrainer = (
  examples: readonly TrainExample[],
  method: RouterMethod,
  seed: number,
) => RouterModel;

export interface StackChoice {
  /** Pick count per chosen candidate (the anchored model's weights). */
  picks: Partial<Record<RouterMethod, number>>;
  /** Mean out-of-fold metric of each candidate alone. */
  single: Partial<Record<RouterMethod, number>>;
  /** Mean out-of-fold metric of the chosen ensemble. */
  score: number;
  metric: 'apgr' | 'auc';
  /** Candidates that could not be trained on these examples (left out). */
  dropped: RouterMethod[];
}

const hasOutcomes = (examples: readonly TrainExample[]) =>
  examples.every((e) => e.cheap !== undefined && e.strong !== undefined);

/** The candidates for `examples`: by whether they carry both outcomes, plus the subject prior if they can. */
export function defaultCandidates(examples: readonly TrainExample[]): RouterMethod[] {
  const base = hasOutcomes(examples) ? STACK_OUTCOME_CANDIDATES : STACK_LABEL_CANDIDATES;
  return hasSubjects(examples) ? [...base, STACK_SUBJECT_CANDIDATE] : [...base];
}

/** Normalised ranks in [0, 1) of `xs` (ties broken by position, so the result is deterministic). */
export function ranks(xs: readonly number[]): number[] {
  const order = xs.map((_, i) => i).sort((a, b) => xs[a]! - xs[b]! || a - b);
  const r = new Array<number>(xs.length);
  order.forEach((i, k) => {
    r[i] = k / xs.length;
  });
  return r;
}

/**
 * Chooses the ensemble by `STACK_FOLDS`-fold CV inside `examples`. Deterministic for a given seed (the
 * folds depend on the prompts only).
 */
export function chooseStack(
  examples: readonly TrainExample[],
  trainBase: BaseTrainer,
  seed = 1,
  candidates: readonly RouterMethod[] = defaultCandidates(examples),
): StackChoice {
  if (examples.length < STACK_MIN_EXAMPLES)
    throw new RangeError(`stack: needs at least ${STACK_MIN_EXAMPLES} examples`);
  const outcomes = hasOutcomes(examples);
  const foldOf = examples.map((e) => hash32(`penny-stack-v1:${e.text}`) % STACK_FOLDS);
  const folds = Array.from({ length: STACK_FOLDS }, (_, k) =>
    examples.map((_, i) => i).filter((i) => foldOf[i] === k),
  ).filter((idx) => idx.length > 0);
  const metricOf = (idx: readonly number[], scores: readonly number[]): number =>
    outcomes
      ? gainRecovered(
          idx.map((i) => examples[i]!.strong! - examples[i]!.cheap!),
          scores,
        )
      : rocAuc(
          scores,
          idx.map((i) => examples[i]!.label),
        );
  // Out-of-fold ranks per candidate, per fold. A candidate these examples cannot train (a RangeError:
  // e.g. prompts that form a single topic) drops out rather than failing the stack.
  const oof = new Map<RouterMethod, number[][]>();
  const dropped: RouterMethod[] = [];
  for (const method of candidates) {
    try {
      oof.set(
        method,
        folds.map((idx) => {
          const held = new Set(idx);
          const model = trainBase(
            examples.filter((_, i) => !held.has(i)),
            method,
            seed,
          );
          return ranks(idx.map((i) => predict(model, examples[i]!.text)));
        }),
      );
    } catch (e) {
      if (!(e instanceof RangeError)) throw e;
      dropped.push(method);
    }
  }
  const usable = candidates.filter((m) => oof.has(m));
  if (usable.length === 0)
    throw new RangeError(`stack: no candidate could be trained (${dropped.join(', ')})`);
  const evaluate = (counts: ReadonlyMap<RouterMethod, number>): number => {
    let sum = 0;
    let n = 0;
    folds.forEach((idx, f) => {
      const mix = idx.map((_, j) => {
        let s = 0;
        for (const [m, c] of counts) s += c * oof.get(m)![f]![j]!;
        return s;
      });
      const v = metricOf(idx, mix);
      if (Number.isFinite(v)) {
        sum += v;
        n++;
      }
    });
    return n === 0 ? Number.NaN : sum / n;
  };
  const single: StackChoice['single'] = {};
  for (const m of usable) single[m] = evaluate(new Map([[m, 1]]));
  const counts = new Map<RouterMethod, number>();
  let score = Number.NEGATIVE_INFINITY;
  for (let pick = 0; pick < STACK_MAX_PICKS; pick++) {
    let best: RouterMethod | null = null;
    let bestScore = score;
    for (const m of usable) {
      const trial = new Map(counts);
      trial.set(m, (trial.get(m) ?? 0) + 1);
      const v = evaluate(trial);
      if (v > bestScore + 1e-9) {
        best = m;
        bestScore = v;
      }
    }
    if (best === null) break;
    counts.set(best, (counts.get(best) ?? 0) + 1);
    score = bestScore;
  }
  if (counts.size === 0) counts.set(usable[0]!, 1);
  return {
    picks: Object.fromEntries(usable.filter((m) => counts.has(m)).map((m) => [m, counts.get(m)!])),
    single,
    score,
    metric: outcomes ? 'apgr' : 'auc',
    dropped,
  };
}

/** Chooses the ensemble (`chooseStack`) and trains it on every example. */
export function trainStack(
  examples: readonly TrainExample[],
  trainBase: BaseTrainer,
  seed = 1,
  meta: Record<string, string | number | boolean> = {},
  candidates?: readonly RouterMethod[],
): AnchoredModel {
  const choice = chooseStack(examples, trainBase, seed, candidates);
  const methods = Object.keys(choice.picks) as RouterMethod[];
  return anchor(
    methods.map((m) => trainBase(examples, m, seed)),
    methods.map((m) => choice.picks[m]!),
    examples.map((e) => e.text),
    {
      ...meta,
      method: 'stack',
      picks: methods.map((m) => `${m}×${choice.picks[m]}`).join(' + '),
      ...(choice.dropped.length > 0 ? { dropped: choice.dropped.join(', ') } : {}),
      [`cv_${choice.metric}`]: Number(choice.score.toFixed(4)),
      ...Object.fromEntries(
        Object.entries(choice.single).map(([m, v]) => [`cv_${choice.metric}_${m}`, Number(v.toFixed(4))]),
      ),
    },
  );
}

/** A stack model's recorded CV figures: each candidate alone, and `stack` for the chosen mix. */
export function stackCv(meta: Readonly<Record<string, string | number | boolean>>): Record<string, number> {
  const metric = meta.cv_auc === undefined ? 'apgr' : 'auc';
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(meta)) {
    if (typeof v === 'number' && k.startsWith(`cv_${metric}_`)) out[k.slice(`cv_${metric}_`.length)] = v;
  }
  const all = meta[`cv_${metric}`];
  if (typeof all === 'number') out.stack = all;
  return out;
}
