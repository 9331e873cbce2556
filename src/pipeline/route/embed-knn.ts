/**
 * k-nearest-neighbour router over the semantic cache's offline embedder (`LocalEmbedder`: hashed content
 * words, bigrams and character n-grams, L2-normalised; no key, no download). A prompt's score is the
 * similarity-weighted mean label of its k nearest labelled prompts (cosine, neighbours with similarity
 * ≤ 0 ignored), shrunk toward the training prior by `smoothing` pseudo-counts. It joins the hashed-n-gram
 * k-NN of `knn.ts`: the character n-grams match inflected and misspelt words the exact n-grams miss.
 * Vectors are stored in the model file as base64 float32 (a 384-d vector is 2 KB of text).
 */
import { z } from 'zod';
import { LocalEmbedder } from '../cache/semantic/local-embedder.js';

export interface EmbedKnnModel {
  kind: 'embed-knn';
  dims: number;
  k: number;
  smoothing: number;
  prior: number;
  labels: Float64Array;
  weights: Float64Array;
  /** Row-major n × dims, unit vectors. */
  vectors: Float32Array;
  meta: Record<string, string | number | boolean>;
}

export interface EmbedKnnOptions {
  dims?: number;
  k?: number;
  smoothing?: number;
  meta?: Record<string, string | number | boolean>;
}

const embedders = new Map<number, LocalEmbedder>();
function embedderFor(dims: number): LocalEmbedder {
  let e = embedders.get(dims);
  if (!e) {
    e = new LocalEmbedder({ dims });
    embedders.set(dims, e);
  }
  return e;
}

export function trainEmbedKnn(
  examples: readonly { text: string; label: number; weight?: number }[],
  opts: EmbedKnnOptions = {},
): EmbedKnnModel {
  if (examples.length === 0) throw new RangeError('trainEmbedKnn: no examples');
  const dims = opts.dims ?? 384;
  const emb = embedderFor(dims);
  const vectors = new Float32Array(examples.length * dims);
  examples.forEach((e, i) => {
    vectors.set(emb.embedOne(e.text), i * dims);
  });
  const labels = Float64Array.from(examples, (e) => e.label);
  const weights = Float64Array.from(examples, (e) => e.weight ?? 1);
  let s = 0;
  let tw = 0;
  for (let i = 0; i < labels.length; i++) {
    s += labels[i]! * weights[i]!;
    tw += weights[i]!;
  }
  return {
    kind: 'embed-knn',
    dims,
    k: opts.k ?? 50,
    smoothing: opts.smoothing ?? 2,
    prior: tw > 0 ? s / tw : 0.5,
    labels,
    weights,
    vectors,
    meta: { examples: examples.length, embedder: emb.id, ...(opts.meta ?? {}) },
  };
}

/** Smoothed neighbour estimate of the label for `text`. */
export function predictEmbedKnn(model: EmbedKnnModel, text: string): number {
  const q = embedderFor(model.dims).embedOne(text);
  const n = model.labels.length;
  const d = model.dims;
  // Keep the k best (similarity, index) pairs in a small sorted array: k ≪ n.
  const k = Math.min(model.k, n);
  const bestSim = new Float64Array(k).fill(0);
  const bestIdx = new Int32Array(k).fill(-1);
  let filled = 0;
  const v = model.vectors;
  for (let i = 0; i < n; i++) {
    let s = 0;
    const o = i * d;
    for (let j = 0; j < d; j++) s += q[j]! * v[o + j]!;
    if (s <= 0 || (filled === k && s <= bestSim[k - 1]!)) continue;
    // Insert, ties kept in training order (deterministic).
    let p = filled < k ? filled++ : k - 1;
    while (p > 0 && bestSim[p - 1]! < s) {
      bestSim[p] = bestSim[p - 1]!;
      bestIdx[p] = bestIdx[p - 1]!;
      p--;
    }
    bestSim[p] = s;
    bestIdx[p] = i;
  }
  let num = model.smoothing * model.prior;
  let den = model.smoothing;
  for (let r = 0; r < filled; r++) {
    const i = bestIdx[r]!;
    const w = bestSim[r]! * model.weights[i]!;
    num += w * model.labels[i]!;
    den += w;
  }
  return den > 0 ? num / den : model.prior;
}

const embedKnnJson = z.object({
  kind: z.literal('embed-knn'),
  version: z.literal(1),
  dims: z.number().int().positive(),
  k: z.number().int().positive(),
  smoothing: z.number().nonnegative(),
  prior: z.number(),
  labels: z.array(z.number()),
  weights: z.array(z.number()),
  /** base64 of the little-endian float32 matrix. */
  vectors: z.string(),
  meta: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])),
});

export function embedKnnToJson(m: EmbedKnnModel): z.infer<typeof embedKnnJson> {
  return {
    kind: 'embed-knn',
    version: 1,
    dims: m.dims,
    k: m.k,
    smoothing: m.smoothing,
    prior: m.prior,
    labels: [...m.labels],
    weights: [...m.weights],
    vectors: Buffer.from(m.vectors.buffer, m.vectors.byteOffset, m.vectors.byteLength).toString('base64'),
    meta: m.meta,
  };
}

export function embedKnnFromJson(raw: unknown, path: string): EmbedKnnModel {
  const r = embedKnnJson.safeParse(raw);
  if (!r.success) {
    throw new TypeError(
      `router model ${path}: ${r.error.issues[0]?.message ?? 'invalid embedding k-NN model'}`,
    );
  }
  const j = r.data;
  const buf = Buffer.from(j.vectors, 'base64');
  if (buf.byteLength !== j.labels.length * j.dims * 4 || j.weights.length !== j.labels.length) {
    throw new TypeError(`router model ${path}: embedding k-NN vectors, labels and weights differ in size`);
  }
  const vectors = new Float32Array(j.labels.length * j.dims);
  new Uint8Array(vectors.buffer).set(buf);
  return {
    kind: 'embed-knn',
    dims: j.dims,
    k: j.k,
    smoothing: j.smoothing,
    prior: j.prior,
    labels: Float64Array.from(j.labels),
    weights: Float64Array.from(j.weights),
    vectors,
    meta: j.meta,
  };
}
