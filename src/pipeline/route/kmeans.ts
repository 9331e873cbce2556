/**
 * Spherical k-means (cosine similarity, unit centroids) with k-means++ seeding from a seeded PRNG, for the
 * `topic-prior` router's unsupervised topics. Deterministic for a given seed: the same vectors give the same
 * clusters on every machine. An empty cluster keeps its previous centroid.
 */
import { mulberry32 } from './prng.js';

export interface KmeansOptions {
  seed?: number;
  iterations?: number;
}

function dot(a: Float32Array | Float64Array, b: Float32Array | Float64Array): number {
  let s = 0;
  for (let j = 0; j < a.length; j++) s += a[j]! * b[j]!;
  return s;
}

/** Cluster index of each of `vectors` (unit vectors of equal length) among at most `k` clusters. */
export function sphericalKmeans(
  vectors: readonly Float32Array[],
  k: number,
  o: KmeansOptions = {},
): Int32Array {
  const n = vectors.length;
  const assign = new Int32Array(n);
  if (n === 0 || k <= 1) return assign;
  const d = vectors[0]!.length;
  const rand = mulberry32(o.seed ?? 1);
  // k-means++: each next seed drawn with probability ∝ its cosine distance to the nearest seed so far.
  const centroids: Float64Array[] = [Float64Array.from(vectors[Math.floor(rand() * n)]!)];
  const nearest = new Float64Array(n).fill(Number.POSITIVE_INFINITY);
  while (centroids.length < Math.min(k, n)) {
    const last = centroids[centroids.length - 1]!;
    let total = 0;
    for (let i = 0; i < n; i++) {
      nearest[i] = Math.min(nearest[i]!, Math.max(0, 1 - dot(vectors[i]!, last)));
      total += nearest[i]!;
    }
    if (total <= 0) break; // every vector sits on a seed already
    let r = rand() * total;
    let pick = n - 1;
    for (let i = 0; i < n; i++) {
      r -= nearest[i]!;
      if (r <= 0) {
        pick = i;
        break;
      }
    }
    centroids.push(Float64Array.from(vectors[pick]!));
  }
  const K = centroids.length;
  for (let it = 0; it < (o.iterations ?? 15); it++) {
    let moved = 0;
    for (let i = 0; i < n; i++) {
      let best = 0;
      let bestSim = Number.NEGATIVE_INFINITY;
      for (let c = 0; c < K; c++) {
        const s = dot(vectors[i]!, centroids[c]!);
        if (s > bestSim) {
          bestSim = s;
          best = c;
        }
      }
      if (assign[i] !== best || it === 0) moved++;
      assign[i] = best;
    }
    if (moved === 0) break;
    const sums = Array.from({ length: K }, () => new Float64Array(d));
    const sizes = new Int32Array(K);
    for (let i = 0; i < n; i++) {
      const s = sums[assign[i]!]!;
      const v = vectors[i]!;
      for (let j = 0; j < d; j++) s[j] = s[j]! + v[j]!;
      sizes[assign[i]!]!++;
    }
    for (let c = 0; c < K; c++) {
      if (sizes[c] === 0) continue;
      const s = sums[c]!;
      const norm = Math.sqrt(dot(s, s));
      if (norm > 0) for (let j = 0; j < d; j++) s[j] = s[j]! / norm;
      centroids[c] = s;
    }
  }
  return assign;
}
