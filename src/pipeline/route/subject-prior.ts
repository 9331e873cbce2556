/**
 * The `subject-prior` router: how often the strong model is needed *in the prompt's subject*, with the
 * subject inferred from the prompt. MMLU prompts do not name their subject, but their words imply it, and
 * Mixtral's shortfall against GPT-4 differs far more between subjects than within one: on the MMLU train
 * half, no wording cue moves (strong − cheap) within a subject by more than noise, while the true subject's
 * mean label alone ranks held-out prompts at APGR 0.653 (5-fold CV). So the router is two small parts:
 * a multinomial naive-Bayes subject classifier over hashed word and bigram presence (73% of held-out
 * train-half prompts to the right one of 57 subjects), and each subject's mean label shrunk toward the
 * overall mean by `smoothing` pseudo-examples. The score is the posterior-weighted mean label,
 * Σ P(subject | prompt) · rate(subject).
 *
 * Any group label works as a subject — an MMLU subject, an MT-Bench category, a dataset's name when
 * several are pooled, a feature tag — so long as every training example has one and there are at least
 * two. Counts are stored sparsely (only buckets a training prompt used), so a prompt scores in tens of
 * microseconds: one hashing pass, a binary search per word and bigram, and one softmax over the groups.
 */
import { z } from 'zod';
import { hashedNgrams } from './sparse-hash.js';

export interface SubjectPriorModel {
  kind: 'subject-prior';
  /** Hash buckets for words and bigrams (power of two), as `hashedNgrams`. */
  dim: number;
  /** Additive (Laplace) smoothing of the per-subject bucket counts. */
  alpha: number;
  groups: string[];
  /** Per group: log P(group), from the training weights (add-one smoothed). */
  logPrior: Float64Array;
  /** Per group: log(Σ counts + alpha · dim), the naive-Bayes denominator. */
  logDen: Float64Array;
  /** Per group: mean label, shrunk toward the overall mean. */
  rate: Float64Array;
  /** Sorted buckets that any training prompt used; entries of bucket b are offsets[b]..offsets[b+1]. */
  buckets: Int32Array;
  offsets: Int32Array;
  entryGroup: Uint16Array;
  /**
   * log((count + alpha) / alpha) per entry: what a present bucket adds to its group's log-likelihood.
   * Single precision (rounded in training too, so a saved model scores exactly as the trained one): the
   * table has hundreds of thousands of entries on MMLU, and float32 halves the file.
   */
  entryGain: Float32Array;
  meta: Record<string, string | number | boolean>;
}

export interface SubjectPriorExample {
  text: string;
  label: number;
  weight?: number;
  group?: string;
}

export interface SubjectPriorOptions {
  dim?: number;
  alpha?: number;
  smoothing?: number;
  meta?: Record<string, string | number | boolean>;
}

/**
 * Chosen by 5-fold CV inside the MMLU train half (BENCHMARKS.md, router section): alpha 0.01 / 0.03 / 0.1
 * gave subject accuracy 0.731 / 0.724 / 0.661 and prior APGR 0.634 / 0.640 / 0.630; smoothing 5 or 20
 * made no difference (0.640 / 0.638); tempering the posterior (power 1/2 … 1/16) neither (0.636–0.641).
 */
export const SUBJECT_PRIOR_DEFAULTS = { dim: 1 << 18, alpha: 0.03, smoothing: 5 } as const;

/** True when `examples` can train a subject prior: every one has a group, and there are at least two. */
export function hasSubjects(examples: readonly { group?: string }[]): boolean {
  const seen = new Set<string>();
  for (const e of examples) {
    if (e.group === undefined || e.group === '') return false;
    seen.add(e.group);
  }
  return seen.size >= 2;
}

export function trainSubjectPrior(
  examples: readonly SubjectPriorExample[],
  opts: SubjectPriorOptions = {},
): SubjectPriorModel {
  if (!hasSubjects(examples)) {
    throw new RangeError(
      'subject-prior router: every example needs a "group" (its subject, category or dataset), and there must be at least two',
    );
  }
  const dim = opts.dim ?? SUBJECT_PRIOR_DEFAULTS.dim;
  const alpha = opts.alpha ?? SUBJECT_PRIOR_DEFAULTS.alpha;
  const smoothing = opts.smoothing ?? SUBJECT_PRIOR_DEFAULTS.smoothing;
  const groups = [...new Set(examples.map((e) => e.group!))].sort();
  if (groups.length > 0xffff) throw new RangeError('subject-prior router: at most 65,535 groups');
  const gi = new Map(groups.map((g, i) => [g, i]));
  const G = groups.length;
  const weightOf = new Float64Array(G);
  const labelSum = new Float64Array(G);
  const tokens = new Float64Array(G);
  // bucket → (group → weighted count)
  const counts = new Map<number, Map<number, number>>();
  let totalW = 0;
  let totalL = 0;
  for (const e of examples) {
    const g = gi.get(e.group!)!;
    const w = e.weight ?? 1;
    weightOf[g] = weightOf[g]! + w;
    labelSum[g] = labelSum[g]! + w * e.label;
    totalW += w;
    totalL += w * e.label;
    const idx = hashedNgrams(e.text, { dim, bigrams: true, normalize: false }).idx;
    tokens[g] = tokens[g]! + w * idx.length;
    for (const b of idx) {
      let byGroup = counts.get(b);
      if (!byGroup) {
        byGroup = new Map();
        counts.set(b, byGroup);
      }
      byGroup.set(g, (byGroup.get(g) ?? 0) + w);
    }
  }
  const overall = totalL / totalW;
  const buckets = Int32Array.from([...counts.keys()].sort((a, b) => a - b));
  const offsets = new Int32Array(buckets.length + 1);
  let nnz = 0;
  buckets.forEach((b, k) => {
    offsets[k] = nnz;
    nnz += counts.get(b)!.size;
  });
  offsets[buckets.length] = nnz;
  const entryGroup = new Uint16Array(nnz);
  const entryGain = new Float32Array(nnz);
  buckets.forEach((b, k) => {
    let j = offsets[k]!;
    for (const [g, c] of [...counts.get(b)!].sort((x, y) => x[0] - y[0])) {
      entryGroup[j] = g;
      entryGain[j] = Math.log((c + alpha) / alpha);
      j++;
    }
  });
  return {
    kind: 'subject-prior',
    dim,
    alpha,
    groups,
    logPrior: Float64Array.from(weightOf, (w) => Math.log((w + 1) / (totalW + G))),
    logDen: Float64Array.from(tokens, (t) => Math.log(t + alpha * dim)),
    rate: Float64Array.from(weightOf, (w, g) => (labelSum[g]! + smoothing * overall) / (w + smoothing)),
    buckets,
    offsets,
    entryGroup,
    entryGain,
    meta: { examples: examples.length, groups: G, smoothing, ...(opts.meta ?? {}) },
  };
}

function findBucket(buckets: Int32Array, b: number): number {
  let lo = 0;
  let hi = buckets.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const v = buckets[mid]!;
    if (v === b) return mid;
    if (v < b) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

/**
 * Bucket → 1 + its position in `buckets` (0: no training prompt used it), built on a model's first
 * prediction: one array read per word and bigram instead of a binary search over the hundreds of
 * thousands of buckets an MMLU model keeps (4 bytes per bucket: 1 MB at the default 2^18). Above
 * `DENSE_BUCKET_LIMIT` buckets the binary search stays.
 */
const DENSE_BUCKET_LIMIT = 1 << 22;
const bucketTables = new WeakMap<SubjectPriorModel, Int32Array>();
function bucketTable(m: SubjectPriorModel): Int32Array | null {
  if (m.dim > DENSE_BUCKET_LIMIT) return null;
  let t = bucketTables.get(m);
  if (!t) {
    t = new Int32Array(m.dim);
    for (let k = 0; k < m.buckets.length; k++) t[m.buckets[k]!] = k + 1;
    bucketTables.set(m, t);
  }
  return t;
}

/**
 * The last prompt's hashed words and bigrams per bucket count: a stack scores one prompt with a subject
 * prior and a topic prior (a subject prior over clusters), which hash it identically. Read-only.
 */
let lastText: string | undefined;
let lastDim = 0;
let lastIdx: Int32Array = new Int32Array(0);
function promptBuckets(text: string, dim: number): Int32Array {
  if (text !== lastText || dim !== lastDim) {
    lastIdx = hashedNgrams(text, { dim, bigrams: true, normalize: false }).idx;
    lastText = text;
    lastDim = dim;
  }
  return lastIdx;
}

/** P(group | prompt) under the naive-Bayes classifier, one entry per `m.groups`. */
export function subjectPosterior(m: SubjectPriorModel, text: string): Float64Array {
  const idx = promptBuckets(text, m.dim);
  const G = m.groups.length;
  const logAlpha = Math.log(m.alpha);
  const lp = new Float64Array(G);
  for (let g = 0; g < G; g++) lp[g] = m.logPrior[g]! + idx.length * (logAlpha - m.logDen[g]!);
  const table = bucketTable(m);
  for (const b of idx) {
    const k = table === null ? findBucket(m.buckets, b) : table[b]! - 1;
    if (k < 0) continue;
    for (let j = m.offsets[k]!; j < m.offsets[k + 1]!; j++) {
      const g = m.entryGroup[j]!;
      lp[g] = lp[g]! + m.entryGain[j]!;
    }
  }
  let max = Number.NEGATIVE_INFINITY;
  for (const v of lp) max = Math.max(max, v);
  let z = 0;
  for (let g = 0; g < G; g++) {
    lp[g] = Math.exp(lp[g]! - max);
    z += lp[g]!;
  }
  for (let g = 0; g < G; g++) lp[g] = lp[g]! / z;
  return lp;
}

/** Σ P(group | prompt) · rate(group): the expected label of the prompt's subject, in [0, 1]. */
export function predictSubjectPrior(m: SubjectPriorModel, text: string): number {
  const p = subjectPosterior(m, text);
  let s = 0;
  for (let g = 0; g < p.length; g++) s += p[g]! * m.rate[g]!;
  return s;
}

type Stored = Int32Array | Uint16Array | Float32Array;
const b64 = (a: Stored) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
function fromB64<T extends Stored>(s: string, make: (n: number) => T, path: string, field: string): T {
  const buf = Buffer.from(s, 'base64');
  const size = make(0).BYTES_PER_ELEMENT;
  if (buf.byteLength % size !== 0)
    throw new TypeError(`router model ${path}: subject-prior ${field} is not a whole number of elements`);
  const out = make(buf.byteLength / size);
  new Uint8Array(out.buffer).set(buf);
  return out;
}

const subjectPriorJson = z.object({
  kind: z.literal('subject-prior'),
  version: z.literal(1),
  dim: z.number().int().positive(),
  alpha: z.number().positive(),
  groups: z.array(z.string()).min(2).max(0xffff),
  logPrior: z.array(z.number()),
  logDen: z.array(z.number()),
  rate: z.array(z.number().min(0).max(1)),
  /** base64 of little-endian int32 (buckets, offsets), uint16 (entryGroup) and float32 (entryGain) arrays. */
  buckets: z.string(),
  offsets: z.string(),
  entryGroup: z.string(),
  entryGain: z.string(),
  meta: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])),
});

export function subjectPriorToJson(m: SubjectPriorModel): z.infer<typeof subjectPriorJson> {
  return {
    kind: 'subject-prior',
    version: 1,
    dim: m.dim,
    alpha: m.alpha,
    groups: m.groups,
    logPrior: [...m.logPrior],
    logDen: [...m.logDen],
    rate: [...m.rate],
    buckets: b64(m.buckets),
    offsets: b64(m.offsets),
    entryGroup: b64(m.entryGroup),
    entryGain: b64(m.entryGain),
    meta: m.meta,
  };
}

export function subjectPriorFromJson(raw: unknown, path: string): SubjectPriorModel {
  const r = subjectPriorJson.safeParse(raw);
  if (!r.success) {
    const i = r.error.issues[0];
    throw new TypeError(
      `router model ${path}: invalid subject-prior model (${i?.path.join('.')}: ${i?.message})`,
    );
  }
  const j = r.data;
  const G = j.groups.length;
  if ((j.dim & (j.dim - 1)) !== 0) throw new TypeError(`router model ${path}: dim must be a power of two`);
  if (j.logPrior.length !== G || j.logDen.length !== G || j.rate.length !== G)
    throw new TypeError(`router model ${path}: subject-prior per-group arrays differ in length`);
  const buckets = fromB64(j.buckets, (n) => new Int32Array(n), path, 'buckets');
  const offsets = fromB64(j.offsets, (n) => new Int32Array(n), path, 'offsets');
  const entryGroup = fromB64(j.entryGroup, (n) => new Uint16Array(n), path, 'entryGroup');
  const entryGain = fromB64(j.entryGain, (n) => new Float32Array(n), path, 'entryGain');
  const nnz = entryGroup.length;
  const ok =
    offsets.length === buckets.length + 1 &&
    entryGain.length === nnz &&
    offsets[0] === 0 &&
    offsets[buckets.length] === nnz &&
    buckets.every((b, k) => b >= 0 && b < j.dim && (k === 0 || b > buckets[k - 1]!)) &&
    offsets.every((o, k) => k === 0 || o >= offsets[k - 1]!) &&
    entryGroup.every((g) => g >= 0 && g < G);
  if (!ok) throw new TypeError(`router model ${path}: subject-prior count table is inconsistent`);
  return {
    kind: 'subject-prior',
    dim: j.dim,
    alpha: j.alpha,
    groups: j.groups,
    logPrior: Float64Array.from(j.logPrior),
    logDen: Float64Array.from(j.logDen),
    rate: Float64Array.from(j.rate),
    buckets,
    offsets,
    entryGroup,
    entryGain,
    meta: j.meta,
  };
}
