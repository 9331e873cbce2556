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

/**
 * The inverted index over the training prompts, built once per model: the postings of every kept term
 * (present in at most `maxDf` of the prompts) in one flat array, with each term's squared IDF beside it.
 * A dense bucket → term table (4 bytes per hash bucket; 256 KB at the default 2^16 buckets) replaces two
 * Map lookups per query term, and the per-query buffers (similarities, touched prompts) are allocated
 * once and cleared after each query instead of per call. Scores are bit-for-bit those of the Map-based
 * index it replaced: the same sums in the same order (test: knn.test.ts).
 */
interface KnnIndex {
  /** Bucket → 1 + its term slot, 0 when no kept term (dense table), or the same as a Map for huge `dim`. */
  slotOf: Int32Array | Map<number, number>;
  /** Per term slot: its postings are `postings[start[t]] … postings[start[t + 1] − 1]`. */
  start: Int32Array;
  postings: Int32Array;
  /** Per term slot: IDF². */
  idf2: Float64Array;
  norms: Float64Array;
  /** Scratch for one query: similarity per training prompt (all 0 between queries) and the touched ones. */
  dot: Float64Array;
  hit: Int32Array;
}

/** Above this many buckets the bucket → term table is a Map (a dense one would be 4 bytes × dim). */
const DENSE_SLOT_LIMIT = 1 << 22;
const indexCache = new WeakMap<KnnModel, KnnIndex>();

function buildIndex(model: KnnModel): KnnIndex {
  const cached = indexCache.get(model);
  if (cached) return cached;
  const lists = new Map<number, number[]>();
  model.vectors.forEach((v, i) => {
    for (const j of v) {
      let list = lists.get(j);
      if (!list) {
        list = [];
        lists.set(j, list);
      }
      list.push(i);
    }
  });
  const n = model.vectors.length;
  const idf = new Map<number, number>();
  const kept: [number, number[]][] = [];
  let total = 0;
  for (const [j, list] of lists) {
    if (list.length > model.maxDf * n) continue;
    idf.set(j, Math.log((n + 1) / (list.length + 0.5)));
    kept.push([j, list]);
    total += list.length;
  }
  const start = new Int32Array(kept.length + 1);
  const postings = new Int32Array(total);
  const idf2 = new Float64Array(kept.length);
  const dense = model.dim <= DENSE_SLOT_LIMIT;
  const table = new Int32Array(dense ? model.dim : 0);
  const map = new Map<number, number>();
  let at = 0;
  kept.forEach(([j, list], t) => {
    start[t] = at;
    postings.set(list, at);
    at += list.length;
    idf2[t] = idf.get(j)! ** 2;
    if (dense) table[j] = t + 1;
    else map.set(j, t + 1);
  });
  start[kept.length] = at;
  const norms = new Float64Array(n);
  model.vectors.forEach((v, i) => {
    let s = 0;
    for (const j of v) s += (idf.get(j) ?? 0) ** 2;
    norms[i] = Math.sqrt(s);
  });
  const index: KnnIndex = {
    slotOf: dense ? table : map,
    start,
    postings,
    idf2,
    norms,
    dot: new Float64Array(n),
    hit: new Int32Array(n),
  };
  indexCache.set(model, index);
  return index;
}

/**
 * The `k` candidates with the highest similarity, best first; ties broken by training order so the result
 * is deterministic. A bounded heap (O(hits · log k)) instead of sorting every candidate: on MMLU's 6,949
 * training prompts a query touches thousands of them, and the full sort was most of a prediction's CPU.
 * `count` limits `hit` to its first entries (a reused scratch buffer).
 */
export function nearest(hit: ArrayLike<number>, sim: Float64Array, k: number, count = hit.length): number[] {
  const size = Math.min(k, count);
  if (size <= 0) return [];
  // A max-heap of "worst first": the root is the kept candidate that ranks last (lowest similarity, then
  // the later training index). `worse(a, b)`: a ranks behind b.
  const heap = new Int32Array(size);
  let len = 0;
  const worse = (a: number, b: number) => {
    const sa = sim[a]!;
    const sb = sim[b]!;
    return sa < sb || (sa === sb && a > b);
  };
  for (let h = 0; h < count; h++) {
    const c = hit[h]!;
    if (len < size) {
      let i = len++;
      while (i > 0) {
        const p = (i - 1) >> 1;
        if (!worse(c, heap[p]!)) break;
        heap[i] = heap[p]!;
        i = p;
      }
      heap[i] = c;
      continue;
    }
    // Most candidates rank behind the kept k and stop here.
    if (!worse(heap[0]!, c)) continue;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= len) break;
      const r = l + 1;
      const m = r < len && worse(heap[r]!, heap[l]!) ? r : l;
      if (!worse(heap[m]!, c)) break;
      heap[i] = heap[m]!;
      i = m;
    }
    heap[i] = c;
  }
  return Array.from(heap.subarray(0, len)).sort((a, b) => sim[b]! - sim[a]! || a - b);
}

/** Smoothed neighbour estimate of the label for `text`. */
export function predictKnn(model: KnnModel, text: string): number {
  const q = hashedNgrams(text, { dim: model.dim, bigrams: model.bigrams }).idx;
  const { slotOf, start, postings, idf2, norms, dot, hit } = buildIndex(model);
  let hits = 0;
  let qn = 0;
  for (const j of q) {
    const t = (slotOf instanceof Int32Array ? slotOf[j] : slotOf.get(j)) ?? 0;
    if (t === 0) continue;
    const w = idf2[t - 1]!;
    qn += w;
    for (let p = start[t - 1]!, end = start[t]!; p < end; p++) {
      const i = postings[p]!;
      if (dot[i] === 0) hit[hits++] = i;
      dot[i] = dot[i]! + w;
    }
  }
  if (qn === 0) return model.prior; // no kept term: nothing was touched
  const qnorm = Math.sqrt(qn);
  for (let h = 0; h < hits; h++) {
    const i = hit[h]!;
    dot[i] = dot[i]! / (qnorm * (norms[i]! || 1));
  }
  const top = nearest(hit, dot, model.k, hits);
  let num = model.smoothing * model.prior;
  let den = model.smoothing;
  for (let r = 0; r < top.length; r++) {
    const i = top[r]!;
    const w = dot[i]! * model.weights[i]!;
    num += w * model.labels[i]!;
    den += w;
  }
  // Leave the scratch buffer all-zero for the next query.
  for (let h = 0; h < hits; h++) dot[hit[h]!] = 0;
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
