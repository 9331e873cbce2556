/**
 * k-nearest-neighbour router over hashed word/bigram sets: a prompt's score is the similarity-weighted
 * mean label of its k most similar training prompts, shrunk toward the training prior. It picks up
 * topic-level difficulty (an MMLU subject, a kind of word problem) that a linear model smears out.
 * Similarity is IDF-weighted cosine over binary term sets, computed through an inverted index built once
 * per model; terms in more than `maxDf` of the training prompts ("the", "of") are ignored, which is both
 * faster and better, since shared stop words say nothing about difficulty.
 */
import { z } from 'zod';
import { hashedNgrams } from './sparse-hash.js';

export interface KnnModel {
  kind: 'knn';
  dim: number;
  bigrams: boolean;
  k: number;
  /** Pseudo-count pulling the estimate toward the prior. */
  smoothing: number;
  /** Ignore terms present in more than this fraction of training prompts. */
  maxDf: number;
  prior: number;
  labels: Float64Array;
  weights: Float64Array;
  /** Hash bucket sets of the training prompts. */
  vectors: Int32Array[];
  meta: Record<string, string | number | boolean>;
}

export interface KnnOptions {
  dim?: number;
  bigrams?: boolean;
  k?: number;
  smoothing?: number;
  maxDf?: number;
  meta?: Record<string, string | number | boolean>;
}

export function trainKnn(
  examples: readonly { text: string; label: number; weight?: number }[],
  opts: KnnOptions = {},
): KnnModel {
  if (examples.length === 0) throw new RangeError('trainKnn: no examples');
  const dim = opts.dim ?? 1 << 16;
  const bigrams = opts.bigrams ?? true;
  const labels = Float64Array.from(examples, (e) => e.label);
  const weights = Float64Array.from(examples, (e) => e.weight ?? 1);
  let s = 0;
  let tw = 0;
  for (let i = 0; i < labels.length; i++) {
    s += labels[i]! * weights[i]!;
    tw += weights[i]!;
  }
  return {
    kind: 'knn',
    dim,
    bigrams,
    k: opts.k ?? 25,
    smoothing: opts.smoothing ?? 2,
    maxDf: opts.maxDf ?? 0.2,
    prior: tw > 0 ? s / tw : 0.5,
    labels,
    weights,
    vectors: examples.map((e) => hashedNgrams(e.text, { dim, bigrams }).idx),
    meta: { examples: examples.length, ...(opts.meta ?? {}) },
  };
}

interface KnnIndex {
  postings: Map<number, number[]>;
  idf: Map<number, number>;
  norms: Float64Array;
}

const indexCache = new WeakMap<KnnModel, KnnIndex>();

function buildIndex(model: KnnModel): KnnIndex {
  const cached = indexCache.get(model);
  if (cached) return cached;
  const postings = new Map<number, number[]>();
  model.vectors.forEach((v, i) => {
    for (const j of v) {
      let list = postings.get(j);
      if (!list) {
        list = [];
        postings.set(j, list);
      }
      list.push(i);
    }
  });
  const n = model.vectors.length;
  const idf = new Map<number, number>();
  for (const [j, list] of postings) {
    if (list.length > model.maxDf * n) postings.delete(j);
    else idf.set(j, Math.log((n + 1) / (list.length + 0.5)));
  }
  const norms = new Float64Array(n);
  model.vectors.forEach((v, i) => {
    let s = 0;
    for (const j of v) s += (idf.get(j) ?? 0) ** 2;
    norms[i] = Math.sqrt(s);
  });
  const index = { postings, idf, norms };
  indexCache.set(model, index);
  return index;
}

/**
 * The `k` candidates with the highest similarity, best first; ties broken by training order so the result
 * is deterministic. A bounded heap (O(hits · log k)) instead of sorting every candidate: on MMLU's 6,949
 * training prompts a query touches thousands of them, and the full sort was most of a prediction's CPU.
 */
export function nearest(hit: readonly number[], sim: Float64Array, k: number): number[] {
  // `before(a, b)`: a ranks ahead of b. The heap keeps the worst kept candidate at its root.
  const before = (a: number, b: number) => sim[a]! > sim[b]! || (sim[a] === sim[b] && a < b);
  const heap: number[] = [];
  const down = (from: number) => {
    let i = from;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let worst = i;
      if (l < heap.length && before(heap[worst]!, heap[l]!)) worst = l;
      if (r < heap.length && before(heap[worst]!, heap[r]!)) worst = r;
      if (worst === i) return;
      [heap[i], heap[worst]] = [heap[worst]!, heap[i]!];
      i = worst;
    }
  };
  for (const c of hit) {
    if (heap.length < k) {
      heap.push(c);
      let i = heap.length - 1;
      while (i > 0) {
        const p = (i - 1) >> 1;
        if (!before(heap[p]!, heap[i]!)) break;
        [heap[i], heap[p]] = [heap[p]!, heap[i]!];
        i = p;
      }
    } else if (k > 0 && before(c, heap[0]!)) {
      heap[0] = c;
      down(0);
    }
  }
  return heap.sort((a, b) => sim[b]! - sim[a]! || a - b);
}

/** Smoothed neighbour estimate of the label for `text`. */
export function predictKnn(model: KnnModel, text: string): number {
  const q = hashedNgrams(text, { dim: model.dim, bigrams: model.bigrams }).idx;
  const { postings, idf, norms } = buildIndex(model);
  const dot = new Float64Array(model.vectors.length);
  const hit: number[] = [];
  let qn = 0;
  for (const j of q) {
    const list = postings.get(j);
    if (!list) continue;
    const w = idf.get(j)! ** 2;
    qn += w;
    for (const i of list) {
      if (dot[i] === 0) hit.push(i);
      dot[i] = dot[i]! + w;
    }
  }
  if (qn === 0) return model.prior;
  const qnorm = Math.sqrt(qn);
  for (const i of hit) dot[i] = dot[i]! / (qnorm * (norms[i]! || 1));
  const top = nearest(hit, dot, model.k);
  let num = model.smoothing * model.prior;
  let den = model.smoothing;
  for (let r = 0; r < top.length; r++) {
    const i = top[r]!;
    const w = dot[i]! * model.weights[i]!;
    num += w * model.labels[i]!;
    den += w;
  }
  return num / den;
}

const knnJson = z.object({
  kind: z.literal('knn'),
  version: z.literal(1),
  dim: z.number().int().positive(),
  bigrams: z.boolean(),
  k: z.number().int().positive(),
  smoothing: z.number().nonnegative(),
  maxDf: z.number().positive().max(1),
  prior: z.number(),
  labels: z.array(z.number()),
  weights: z.array(z.number()),
  vectors: z.array(z.array(z.number().int().nonnegative())),
  meta: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])),
});

export function knnToJson(m: KnnModel): z.infer<typeof knnJson> {
  return {
    kind: 'knn',
    version: 1,
    dim: m.dim,
    bigrams: m.bigrams,
    k: m.k,
    smoothing: m.smoothing,
    maxDf: m.maxDf,
    prior: m.prior,
    labels: [...m.labels],
    weights: [...m.weights],
    vectors: m.vectors.map((v) => [...v]),
    meta: m.meta,
  };
}

export function knnFromJson(raw: unknown, path: string): KnnModel {
  const r = knnJson.safeParse(raw);
  if (!r.success)
    throw new TypeError(`router model ${path}: ${r.error.issues[0]?.message ?? 'invalid k-NN model'}`);
  const j = r.data;
  if (j.labels.length !== j.vectors.length || j.weights.length !== j.vectors.length) {
    throw new TypeError(`router model ${path}: k-NN labels, weights and vectors differ in length`);
  }
  return {
    kind: 'knn',
    dim: j.dim,
    bigrams: j.bigrams,
    k: j.k,
    smoothing: j.smoothing,
    maxDf: j.maxDf,
    prior: j.prior,
    labels: Float64Array.from(j.labels),
    weights: Float64Array.from(j.weights),
    vectors: j.vectors.map((v) => Int32Array.from(v)),
    meta: j.meta,
  };
}
