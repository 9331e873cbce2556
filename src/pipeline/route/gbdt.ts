/**
 * Gradient-boosted regression trees for a binary (or soft, in [0, 1]) target under logistic loss, over a
 * small dense feature vector — the learner behind the `gbdt` router heads. Histogram splits (each
 * feature cut at up to `bins − 1` quantile edges of the training values), second-order leaf values
 * (−G / (H + λ), XGBoost's), row subsampling per tree from a seeded PRNG, so training is deterministic for
 * a given seed. Plain TypeScript, no native code; a trained ensemble is a few hundred small trees and
 * scores a prompt in microseconds.
 */
import { mulberry32 } from './prng.js';

export interface GbdtOptions {
  /** Trees. Default 200. */
  trees?: number;
  /** Depth of each tree (levels of splits). Default 3. */
  depth?: number;
  /** Shrinkage applied to every leaf value. Default 0.05. */
  learningRate?: number;
  /** L2 penalty on leaf values (λ). Default 1. */
  l2?: number;
  /** Minimum hessian sum (≈ weighted examples × p(1−p)) on each side of a split. Default 5. */
  minChildWeight?: number;
  /** Share of rows each tree sees (sampled without replacement). Default 0.8. */
  subsample?: number;
  /** Quantile bins per feature (2–256). Default 32. */
  bins?: number;
  seed?: number;
}

/**
 * Flat tree arrays: node i is a leaf when feature[i] < 0 (its value in value[i]); otherwise x[feature[i]] <=
 * threshold[i] goes to left[i], else right[i].
 */
export interface GbdtTree {
  feature: number[];
  threshold: number[];
  left: number[];
  right: number[];
  value: number[];
}

export interface GbdtEnsemble {
  /** Number of input features every row must have. */
  features: number;
  /** Log-odds before the first tree. */
  base: number;
  trees: GbdtTree[];
}

const sigmoid = (z: number) => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z)));

/** Up to `bins − 1` split edges per feature: midpoints between distinct values at the training quantiles. */
function binEdges(rows: readonly (readonly number[])[], f: number, bins: number): number[] {
  const vals = rows.map((r) => r[f]!).sort((a, b) => a - b);
  const distinct: number[] = [];
  for (const v of vals) if (distinct.length === 0 || distinct[distinct.length - 1] !== v) distinct.push(v);
  if (distinct.length <= 1) return [];
  const edges: number[] = [];
  if (distinct.length <= bins) {
    for (let i = 0; i + 1 < distinct.length; i++) edges.push((distinct[i]! + distinct[i + 1]!) / 2);
    return edges;
  }
  for (let q = 1; q < bins; q++) {
    const i = Math.min(vals.length - 1, Math.floor((q * vals.length) / bins));
    const v = vals[i]!;
    // The edge sits between v and the next larger value, so every copy of v lands on the same side.
    let j = i;
    while (j < vals.length && vals[j] === v) j++;
    if (j >= vals.length) continue;
    const e = (v + vals[j]!) / 2;
    if (edges.length === 0 || e > edges[edges.length - 1]!) edges.push(e);
  }
  return edges;
}

function binIndex(edges: readonly number[], v: number): number {
  let lo = 0;
  let hi = edges.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (v <= edges[mid]!) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

function checkRows(rows: readonly (readonly number[])[], d: number, what: string): void {
  rows.forEach((r, i) => {
    if (r.length !== d) throw new RangeError(`${what}: row ${i + 1} has ${r.length} features, expected ${d}`);
    for (let j = 0; j < d; j++) {
      if (!Number.isFinite(r[j]!)) throw new RangeError(`${what}: row ${i + 1} feature ${j} is not finite`);
    }
  });
}

/** Fits an ensemble to targets `y` in [0, 1] with optional non-negative weights. Deterministic per seed. */
export function trainGbdt(
  rows: readonly (readonly number[])[],
  y: readonly number[],
  weights: readonly number[] | undefined,
  opts: GbdtOptions = {},
): GbdtEnsemble {
  const n = rows.length;
  if (n === 0) throw new RangeError('gbdt: no examples');
  if (y.length !== n) throw new RangeError('gbdt: rows and targets differ in length');
  if (weights && weights.length !== n) throw new RangeError('gbdt: rows and weights differ in length');
  const d = rows[0]!.length;
  checkRows(rows, d, 'gbdt');
  y.forEach((v, i) => {
    if (!(v >= 0 && v <= 1)) throw new RangeError(`gbdt: target ${i + 1} is ${v}, not in [0, 1]`);
  });
  const nTrees = opts.trees ?? 200;
  const depth = opts.depth ?? 3;
  const lr = opts.learningRate ?? 0.05;
  const lambda = opts.l2 ?? 1;
  const minChild = opts.minChildWeight ?? 5;
  const subsample = opts.subsample ?? 0.8;
  const bins = Math.max(2, Math.min(256, opts.bins ?? 32));
  const rand = mulberry32(opts.seed ?? 1);
  const w = weights ? [...weights] : new Array<number>(n).fill(1);

  const edges: number[][] = [];
  for (let f = 0; f < d; f++) edges.push(binEdges(rows, f, bins));
  const binned = new Uint8Array(n * d);
  for (let i = 0; i < n; i++) {
    for (let f = 0; f < d; f++) binned[i * d + f] = binIndex(edges[f]!, rows[i]![f]!);
  }

  let sw = 0;
  let sy = 0;
  for (let i = 0; i < n; i++) {
    sw += w[i]!;
    sy += w[i]! * y[i]!;
  }
  const mean = Math.min(1 - 1e-6, Math.max(1e-6, sw > 0 ? sy / sw : 0.5));
  const base = Math.log(mean / (1 - mean));
  const margin = new Float64Array(n).fill(base);
  const g = new Float64Array(n);
  const h = new Float64Array(n);
  const trees: GbdtTree[] = [];
  const maxBins = bins;
  const histG = new Float64Array(d * maxBins);
  const histH = new Float64Array(d * maxBins);

  for (let t = 0; t < nTrees; t++) {
    for (let i = 0; i < n; i++) {
      const p = sigmoid(margin[i]!);
      g[i] = w[i]! * (p - y[i]!);
      h[i] = w[i]! * Math.max(p * (1 - p), 1e-6);
    }
    let sample: number[] = [];
    for (let i = 0; i < n; i++) if (subsample >= 1 || rand() < subsample) sample.push(i);
    if (sample.length === 0) sample = [...Array(n).keys()];

    const tree: GbdtTree = { feature: [], threshold: [], left: [], right: [], value: [] };
    const leaf = (G: number, H: number) => {
      tree.feature.push(-1);
      tree.threshold.push(0);
      tree.left.push(-1);
      tree.right.push(-1);
      tree.value.push((-G / (H + lambda)) * lr);
      return tree.feature.length - 1;
    };
    const grow = (idx: number[], level: number): number => {
      let G = 0;
      let H = 0;
      for (const i of idx) {
        G += g[i]!;
        H += h[i]!;
      }
      if (level >= depth || H < 2 * minChild) return leaf(G, H);
      histG.fill(0);
      histH.fill(0);
      for (const i of idx) {
        const o = i * d;
        for (let f = 0; f < d; f++) {
          const k = f * maxBins + binned[o + f]!;
          histG[k] = histG[k]! + g[i]!;
          histH[k] = histH[k]! + h[i]!;
        }
      }
      const parent = (G * G) / (H + lambda);
      let bestGain = 1e-12;
      let bestF = -1;
      let bestB = -1;
      for (let f = 0; f < d; f++) {
        const nEdges = edges[f]!.length;
        let gl = 0;
        let hl = 0;
        for (let b = 0; b < nEdges; b++) {
          gl += histG[f * maxBins + b]!;
          hl += histH[f * maxBins + b]!;
          const hr = H - hl;
          if (hl < minChild || hr < minChild) continue;
          const gr = G - gl;
          const gain = (gl * gl) / (hl + lambda) + (gr * gr) / (hr + lambda) - parent;
          if (gain > bestGain) {
            bestGain = gain;
            bestF = f;
            bestB = b;
          }
        }
      }
      if (bestF < 0) return leaf(G, H);
      const li: number[] = [];
      const ri: number[] = [];
      for (const i of idx) (binned[i * d + bestF]! <= bestB ? li : ri).push(i);
      const node = tree.feature.length;
      tree.feature.push(bestF);
      tree.threshold.push(edges[bestF]![bestB]!);
      tree.left.push(-1);
      tree.right.push(-1);
      tree.value.push(0);
      tree.left[node] = grow(li, level + 1);
      tree.right[node] = grow(ri, level + 1);
      return node;
    };
    grow(sample, 0);
    trees.push(tree);
    for (let i = 0; i < n; i++) margin[i] = margin[i]! + treeValue(tree, rows[i]!);
  }
  return { features: d, base, trees };
}

function treeValue(tree: GbdtTree, x: readonly number[]): number {
  let k = 0;
  while (tree.feature[k]! >= 0)
    k = x[tree.feature[k]!]! <= tree.threshold[k]! ? tree.left[k]! : tree.right[k]!;
  return tree.value[k]!;
}

/** P(target = 1) for one row. */
export function predictGbdt(m: GbdtEnsemble, x: readonly number[]): number {
  if (x.length !== m.features)
    throw new RangeError(`gbdt: row has ${x.length} features, expected ${m.features}`);
  let z = m.base;
  for (const t of m.trees) z += treeValue(t, x);
  return sigmoid(z);
}

/** Checks a parsed ensemble's tree structure (indices in range, leaves reachable, no cycles). */
export function validateEnsemble(m: GbdtEnsemble, path: string): void {
  m.trees.forEach((t, ti) => {
    const len = t.feature.length;
    const where = `${path}.trees[${ti}]`;
    if (len === 0) throw new TypeError(`router model ${where}: empty tree`);
    for (const arr of [t.threshold, t.left, t.right, t.value]) {
      if (arr.length !== len) throw new TypeError(`router model ${where}: arrays differ in length`);
    }
    for (let k = 0; k < len; k++) {
      const f = t.feature[k]!;
      if (f < 0) continue;
      if (f >= m.features) throw new TypeError(`router model ${where}: feature ${f} out of range`);
      // Children come after their parent (as trainGbdt writes them), which also rules out cycles.
      for (const c of [t.left[k]!, t.right[k]!]) {
        if (!(c > k && c < len)) throw new TypeError(`router model ${where}: child index ${c} out of range`);
      }
    }
  });
}
