/**
 * The logistic-regression router: L2-regularised logistic regression over hashed word/bigram presence
 * plus standardised numeric prompt features, trained with mini-batch Adam in plain TypeScript (no
 * native code, no network). Labels may be soft (any value in [0, 1]), which lets "strong helps a
 * little" differ from "strong is needed". Training is deterministic for a given seed. Split from
 * classifier.ts, which dispatches over every model kind and (de)serialises them.
 */
import { extractFeatures, NUMERIC_FEATURE_NAMES, numericVector } from './features.js';
import { hashedNgrams, type SparseVector } from './sparse-hash.js';
import { mulberry32, shuffleInPlace } from './prng.js';

export interface TrainExample {
  text: string;
  /** 1 = needs the strong model, 0 = the weak one is enough; soft values allowed. */
  label: number;
  weight?: number;
  /**
   * The cheap and the strong model's recorded outcome for this prompt, each in [0, 1], when known (outcome
   * files, the shared datasets). The `dual` router learns each one instead of only their difference.
   */
  cheap?: number;
  strong?: number;
  /**
   * The prompt's subject, category or source when the data names one (an MMLU subject, an MT-Bench
   * category, the dataset's name when several are pooled). Only the `subject-prior` router uses it, in
   * training: at scoring time the subject is inferred from the prompt.
   */
  group?: string;
}

export interface TrainOptions {
  /** Hash buckets for words and bigrams (power of two). Default 2^14. */
  dim?: number;
  bigrams?: boolean;
  /** Use the numeric prompt features. Default true. */
  numeric?: boolean;
  /** Use the hashed n-grams. Default true. */
  hashed?: boolean;
  /** L2 penalty per example (λ in λ/2·‖w‖²). Default 1e-4. */
  l2?: number;
  epochs?: number;
  learningRate?: number;
  batchSize?: number;
  seed?: number;
  /** Free-form provenance stored in the model (dataset, split, label rule). */
  meta?: Record<string, string | number | boolean>;
}

export interface LogRegModel {
  kind: 'logreg';
  dim: number;
  bigrams: boolean;
  numeric: boolean;
  hashed: boolean;
  numericNames: string[];
  mean: number[];
  std: number[];
  /** Hash weights (length dim) followed by numeric weights. */
  weights: Float64Array;
  bias: number;
  meta: Record<string, string | number | boolean>;
}

export const sigmoid = (z: number) => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z)));

export function encode(
  text: string,
  m: Pick<LogRegModel, 'dim' | 'bigrams' | 'numeric' | 'hashed' | 'mean' | 'std'>,
): SparseVector {
  const h = m.hashed ? hashedNgrams(text, { dim: m.dim, bigrams: m.bigrams }) : null;
  const num = m.numeric ? numericVector(extractFeatures(text)) : [];
  const n = (h?.idx.length ?? 0) + num.length;
  const idx = new Int32Array(n);
  const val = new Float64Array(n);
  let k = 0;
  if (h) {
    idx.set(h.idx, 0);
    val.set(h.val, 0);
    k = h.idx.length;
  }
  for (let j = 0; j < num.length; j++) {
    idx[k] = m.dim + j;
    val[k] = (num[j]! - m.mean[j]!) / m.std[j]!;
    k++;
  }
  return { idx, val };
}

/** Trains a logistic-regression router. Deterministic given `opts.seed`. */
export function train(examples: readonly TrainExample[], opts: TrainOptions = {}): LogRegModel {
  if (examples.length === 0) throw new RangeError('train: no examples');
  const dim = opts.dim ?? 1 << 14;
  const useNumeric = opts.numeric ?? true;
  const useHashed = opts.hashed ?? true;
  const l2 = opts.l2 ?? 1e-4;
  const epochs = opts.epochs ?? 20;
  const lr = opts.learningRate ?? 0.05;
  const batchSize = opts.batchSize ?? 32;
  const rand = mulberry32(opts.seed ?? 1);

  const nNum = useNumeric ? NUMERIC_FEATURE_NAMES.length : 0;
  const mean = new Array<number>(nNum).fill(0);
  const std = new Array<number>(nNum).fill(1);
  if (useNumeric) {
    const rows = examples.map((e) => numericVector(extractFeatures(e.text)));
    for (let j = 0; j < nNum; j++) {
      let s = 0;
      for (const r of rows) s += r[j]!;
      mean[j] = s / rows.length;
      let v = 0;
      for (const r of rows) v += (r[j]! - mean[j]!) ** 2;
      std[j] = Math.sqrt(v / rows.length) || 1;
    }
  }
  const shape = { dim, bigrams: opts.bigrams ?? true, numeric: useNumeric, hashed: useHashed, mean, std };
  const xs = examples.map((e) => encode(e.text, shape));
  const ys = examples.map((e) => Math.min(1, Math.max(0, e.label)));
  const ws = examples.map((e) => e.weight ?? 1);

  const D = dim + nNum;
  const w = new Float64Array(D);
  let b = 0;
  // Adam state.
  const m1 = new Float64Array(D);
  const m2 = new Float64Array(D);
  let bm1 = 0;
  let bm2 = 0;
  const beta1 = 0.9;
  const beta2 = 0.999;
  const eps = 1e-8;
  let step = 0;
  const grad = new Float64Array(D);
  const touched = new Uint8Array(D);
  const order = examples.map((_, i) => i);
  const totalSteps = epochs * Math.ceil(order.length / batchSize);

  for (let epoch = 0; epoch < epochs; epoch++) {
    shuffleInPlace(order, rand);
    for (let start = 0; start < order.length; start += batchSize) {
      const end = Math.min(order.length, start + batchSize);
      let wsum = 0;
      let gb = 0;
      const active: number[] = [];
      for (let t = start; t < end; t++) {
        const i = order[t]!;
        const x = xs[i]!;
        let zv = b;
        for (let k = 0; k < x.idx.length; k++) zv += w[x.idx[k]!]! * x.val[k]!;
        const err = (sigmoid(zv) - ys[i]!) * ws[i]!;
        wsum += ws[i]!;
        gb += err;
        for (let k = 0; k < x.idx.length; k++) {
          const j = x.idx[k]!;
          if (!touched[j]) {
            touched[j] = 1;
            active.push(j);
          }
          grad[j] = grad[j]! + err * x.val[k]!;
        }
      }
      if (wsum <= 0) {
        for (const j of active) {
          grad[j] = 0;
          touched[j] = 0;
        }
        continue;
      }
      step++;
      const c1 = 1 - beta1 ** step;
      const c2 = 1 - beta2 ** step;
      // Linear decay to zero: the last steps barely move, so the result is not one noisy mini-batch's.
      const lrNow = lr * (1 - (step - 1) / totalSteps);
      // Lazy Adam: only coordinates seen in this batch move (plus their L2 shrinkage); this keeps a
      // step O(nonzeros) instead of O(dim) and is the usual choice for sparse text features.
      for (const j of active) {
        const g = grad[j]! / wsum + l2 * w[j]!;
        m1[j] = beta1 * m1[j]! + (1 - beta1) * g;
        m2[j] = beta2 * m2[j]! + (1 - beta2) * g * g;
        w[j] = w[j]! - (lrNow * (m1[j]! / c1)) / (Math.sqrt(m2[j]! / c2) + eps);
        grad[j] = 0;
        touched[j] = 0;
      }
      const g0 = gb / wsum;
      bm1 = beta1 * bm1 + (1 - beta1) * g0;
      bm2 = beta2 * bm2 + (1 - beta2) * g0 * g0;
      b -= (lrNow * (bm1 / c1)) / (Math.sqrt(bm2 / c2) + eps);
    }
  }
  return {
    kind: 'logreg',
    ...shape,
    numericNames: useNumeric ? [...NUMERIC_FEATURE_NAMES] : [],
    weights: w,
    bias: b,
    meta: { examples: examples.length, epochs, l2, seed: opts.seed ?? 1, ...(opts.meta ?? {}) },
  };
}
