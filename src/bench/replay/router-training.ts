/**
 * How the replay (and `penny router train`) turns recorded two-model outcomes into router training data
 * and picks a model. Labels follow RouteLLM's win-rate idea, softened: (1 + strong − weak) / 2, so
 * "strong right, weak wrong" is 1, "weak right, strong wrong" is 0 and ties are 0.5; for MT-Bench's
 * 1–10 judge scores the difference is squashed the same way. The method is chosen by 2-fold
 * cross-validation inside the training half, never by looking at the test half.
 */
import {
  anchor,
  blend,
  type RouterModel,
  type TrainExample,
  train,
  trainDual,
} from '../../pipeline/route/classifier.js';
import { hash32 } from '../../pipeline/route/sparse-hash.js';
import { trainEmbedKnn } from '../../pipeline/route/embed-knn.js';
import { trainKnn } from '../../pipeline/route/knn.js';
import { trainDualGbdt } from '../../pipeline/route/dual-gbdt.js';
import { trainSubjectPrior } from '../../pipeline/route/subject-prior.js';
import { trainTopicPrior } from '../../pipeline/route/topic-prior.js';
import type { TwoModelRecord } from './datasets.js';
import { evaluateScores } from './metrics.js';
import type { RouterMethod } from './router-method.js';
import { trainStack } from './router-stack.js';

export { rocAuc } from './roc-auc.js';

export type { RouterMethod } from './router-method.js';
/** The replay benchmark's 2-fold CV choice of one router kind (`selectMethodByCv`). */
export const ROUTER_METHODS: readonly RouterMethod[] = [
  'logreg',
  'knn',
  'blend',
  'dual',
  'dual-blend',
  'dual-gbdt',
  'anchored',
];
/** Methods that learn each model's outcome, so they need `cheap` and `strong` on every example. */
export const OUTCOME_METHODS: readonly RouterMethod[] = ['dual', 'dual-blend', 'dual-gbdt'];
/** Soft "needs the strong model" label in [0, 1]. */
export function routerLabel(r: Pick<TwoModelRecord, 'w' | 's'>, binary: boolean): number {
  if (binary) return (1 + r.s - r.w) / 2;
  return (1 + Math.tanh((r.s - r.w) / 2)) / 2;
}

/**
 * Training examples from two-model records: the soft label plus each model's outcome in [0, 1] (scores as
 * they are for 0/1 correctness; otherwise scaled by the lowest and highest score among the records).
 */
export function routerExamples(
  records: readonly TwoModelRecord[],
  binary: boolean,
  weight = 1,
  /** The group of records that name none (the dataset's name, when datasets are pooled). */
  defaultGroup?: string,
): TrainExample[] {
  let lo = 0;
  let span = 1;
  if (!binary && records.length > 0) {
    let hi = Number.NEGATIVE_INFINITY;
    lo = Number.POSITIVE_INFINITY;
    for (const r of records) {
      lo = Math.min(lo, r.w, r.s);
      hi = Math.max(hi, r.w, r.s);
    }
    span = hi - lo || 1;
  }
  return records.map((r) => ({
    text: r.prompt,
    label: routerLabel(r, binary),
    weight,
    cheap: (r.w - lo) / span,
    strong: (r.s - lo) / span,
    ...(r.group !== undefined || defaultGroup !== undefined ? { group: r.group ?? defaultGroup } : {}),
  }));
}

export const LOGREG_DEFAULTS = { learningRate: 0.01, l2: 1e-3, epochs: 10, batchSize: 32 } as const;
export const KNN_DEFAULTS = { k: 100, smoothing: 2, maxDf: 0.2 } as const;
export const EMBED_KNN_DEFAULTS = { k: 100, smoothing: 2 } as const;
/**
 * The `anchored` router's weight on the length prior (the rest on the learnt model: `dual` when both
 * models' outcomes are known, else logistic regression). Chosen on the shared data's train halves only, as
 * the weight with the best worst case over 2-fold CV in-domain and train-half → other-train-half transfer
 * (0, 0.3, 0.5: GSM8K CV 0.645 / 0.652 / 0.661, MMLU CV 0.635 / 0.634 / 0.626, MMLU → GSM8K 0.577 / 0.615
 * / 0.637, GSM8K → MMLU 0.580 / 0.587 / 0.587). Scored once on the test halves it did not hold up on
 * GSM8K (in-domain 0.566, MMLU → GSM8K 0.530: BENCHMARKS.md, router section).
 */
export const ANCHOR_WEIGHT = 0.5;

export function trainRouterModel(
  examples: readonly TrainExample[],
  method: RouterMethod,
  seed = 1,
  meta: Record<string, string | number | boolean> = {},
): RouterModel {
  const lr = () => train(examples, { ...LOGREG_DEFAULTS, seed, meta: { ...meta, method: 'logreg' } });
  const knn = () => trainKnn(examples, { ...KNN_DEFAULTS, meta: { ...meta, method: 'knn' } });
  const dual = () => trainDual(examples, { ...LOGREG_DEFAULTS, seed, meta: { ...meta, method: 'dual' } });
  switch (method) {
    case 'logreg':
      return lr();
    case 'knn':
      return knn();
    case 'embed-knn':
      return trainEmbedKnn(examples, { ...EMBED_KNN_DEFAULTS, meta: { ...meta, method: 'embed-knn' } });
    case 'blend':
      return blend([lr(), knn()], [1, 1], { ...meta, method: 'blend' });
    case 'dual':
      return dual();
    case 'dual-blend':
      return blend([dual(), knn()], [1, 1], { ...meta, method: 'dual-blend' });
    case 'dual-gbdt':
      return trainDualGbdt(examples, { seed, meta: { ...meta, method: 'dual-gbdt' } });
    case 'length':
      return { kind: 'length-prior', meta: { ...meta, method: 'length' } };
    case 'subject-prior':
      return trainSubjectPrior(examples, { meta: { ...meta, method: 'subject-prior' } });
    case 'topic-prior':
      return trainTopicPrior(examples, { seed, meta: { ...meta, method: 'topic-prior' } });
    case 'anchored': {
      const outcomes = examples.every((e) => e.cheap !== undefined && e.strong !== undefined);
      return anchor(
        [outcomes ? dual() : lr(), { kind: 'length-prior', meta: {} }],
        [1 - ANCHOR_WEIGHT, ANCHOR_WEIGHT],
        examples.map((e) => e.text),
        { ...meta, method: 'anchored', learnt: outcomes ? 'dual' : 'logreg', priorWeight: ANCHOR_WEIGHT },
      );
    }
    case 'stack':
      // The stack's candidates are the other methods, trained without provenance (the stack records it).
      return trainStack(examples, (ex, m, s) => trainRouterModel(ex, m, s), seed, meta);
  }
}

export interface CvResult {
  method: RouterMethod;
  /** Mean APGR over the two folds, per method. */
  apgrByMethod: Record<RouterMethod, number>;
  /** Out-of-fold scores of the chosen method, aligned with the records (for threshold calibration). */
  outOfFold: number[];
}

/** 2-fold CV inside `records` (the training half); returns the method with the best mean APGR. */
export function selectMethodByCv(
  records: readonly TwoModelRecord[],
  binary: boolean,
  predictFn: (m: RouterModel, text: string) => number,
  methods: readonly RouterMethod[] = ROUTER_METHODS,
  seed = 1,
): CvResult {
  const fold = records.map((r) => hash32(`penny-cv-v1:${r.id}`) >>> 31);
  const apgrByMethod = {} as Record<RouterMethod, number>;
  const oof = {} as Record<RouterMethod, number[]>;
  for (const method of methods) {
    const scores = new Array<number>(records.length).fill(0);
    let sum = 0;
    for (const k of [0, 1]) {
      const trainPart = records.filter((_, i) => fold[i] !== k);
      const evalIdx = records.map((_, i) => i).filter((i) => fold[i] === k);
      const model = trainRouterModel(routerExamples(trainPart, binary), method, seed);
      const evalItems = evalIdx.map((i) => records[i]!);
      const s = evalItems.map((r) => predictFn(model, r.prompt));
      evalIdx.forEach((i, j) => {
        scores[i] = s[j]!;
      });
      sum += evaluateScores(evalItems, s).apgr;
    }
    apgrByMethod[method] = sum / 2;
    oof[method] = scores;
  }
  let best = methods[0]!;
  for (const m of methods) if (apgrByMethod[m]! > apgrByMethod[best]!) best = m;
  return { method: best, apgrByMethod, outOfFold: oof[best]! };
}
