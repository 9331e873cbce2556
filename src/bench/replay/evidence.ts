/**
 * Honest baselines for replayed routers and cascades over N models.
 *
 * - The single-model frontier: every model's mean quality and $/query, and the upper convex hull of those
 *   points — what a random router that mixes two adjacent hull models reaches in expectation.
 * - Routing along the frontier: for a target $/query the policy picks the hull segment (two adjacent
 *   frontier models) that brackets it and sends the share f of prompts with the highest difficulty score
 *   to the dearer one; f and the score threshold are set on the TRAIN half and applied to the test half.
 * - A random-router baseline: `randomRouters` seeded routers with uniform random scores put through the
 *   same targets, thresholds and frontier. Each policy's gain is its test quality minus the test frontier's
 *   quality at the same test cost (in points of quality), averaged over its sweep ("mean gain") and its
 *   best point ("best gain"); the random routers give the same two numbers' distribution, reported as a 95%
 *   interval, and p = (1 + #random ≥ policy) / (1 + N), a one-sided permutation p-value.
 */
import { type Money, moneyToNumber } from '../../core/money.js';
import { mulberry32 } from '../../pipeline/route/prng.js';
import { pickTier, segmentMinScores } from '../../pipeline/route/tiers.js';
import { upperNdch } from './metrics.js';

/** What the evidence needs of a record: every model's quality and cost. */
export interface EvRecord {
  score: Readonly<Record<string, number>>;
  cost: Readonly<Record<string, Money>>;
}

export interface ModelPoint {
  model: string;
  cost: number;
  quality: number;
}

export interface Interval {
  lo: number;
  hi: number;
}

/** Column-major view of a split: q[m][i], c[m][i] (USD as float: for sweeps and plots only). */
export class Split {
  readonly n: number;
  readonly q: Map<string, Float64Array>;
  readonly c: Map<string, Float64Array>;
  constructor(records: readonly EvRecord[], models: readonly string[]) {
    this.n = records.length;
    this.q = new Map(models.map((m) => [m, Float64Array.from(records, (r) => r.score[m] ?? 0)]));
    this.c = new Map(
      models.map((m) => [m, Float64Array.from(records, (r) => moneyToNumber(r.cost[m] ?? 0n))]),
    );
  }
  mean(m: string, what: 'q' | 'c'): number {
    const xs = (what === 'q' ? this.q : this.c).get(m)!;
    let s = 0;
    for (const x of xs) s += x;
    return this.n ? s / this.n : 0;
  }
}

export function singleModels(split: Split, models: readonly string[]): ModelPoint[] {
  return models
    .map((m) => ({ model: m, cost: split.mean(m, 'c'), quality: split.mean(m, 'q') }))
    .sort((a, b) => a.cost - b.cost || b.quality - a.quality);
}

/** The non-decreasing upper convex hull of the single models, cheapest first. */
export function frontierOf(points: readonly ModelPoint[]): ModelPoint[] {
  const hull = upperNdch(points.map((p) => [p.cost, p.quality]));
  return hull.map(([c, q]) => points.find((p) => p.cost === c && p.quality === q)!);
}

/** Quality of the frontier at `cost` (linear between hull points; flat beyond the ends). */
export function frontierQuality(hull: readonly ModelPoint[], cost: number): number {
  if (hull.length === 0) return Number.NaN;
  if (cost <= hull[0]!.cost) return hull[0]!.quality;
  for (let i = 0; i < hull.length - 1; i++) {
    const a = hull[i]!;
    const b = hull[i + 1]!;
    if (cost <= b.cost) return a.quality + ((b.quality - a.quality) * (cost - a.cost)) / (b.cost - a.cost);
  }
  return hull[hull.length - 1]!.quality;
}

/** A target on the train frontier: segment index and the share sent to its dearer model. */
export interface Target {
  segment: number;
  share: number;
}

/** The standard sweep: shares 0.1 … 0.9 on every segment of the train frontier. */
export function standardTargets(hull: readonly ModelPoint[], steps = 10): Target[] {
  const out: Target[] = [];
  for (let s = 0; s < hull.length - 1; s++)
    for (let k = 1; k < steps; k++) out.push({ segment: s, share: k / steps });
  return out;
}

/** The target reaching `cost` on the train frontier (share clamped to [0, 1]). */
export function targetForCost(hull: readonly ModelPoint[], cost: number): Target {
  if (hull.length < 2) return { segment: 0, share: 0 };
  for (let s = 0; s < hull.length - 1; s++) {
    const a = hull[s]!;
    const b = hull[s + 1]!;
    if (cost <= b.cost || s === hull.length - 2) {
      const share = b.cost === a.cost ? 1 : (cost - a.cost) / (b.cost - a.cost);
      return { segment: s, share: Math.max(0, Math.min(1, share)) };
    }
  }
  return { segment: hull.length - 2, share: 1 };
}

/** Threshold sending `share` of `sortedDesc` scores to the dearer model (ties resolved by the midpoint). */
function thresholdDesc(sortedDesc: Float64Array, share: number): number {
  const n = sortedDesc.length;
  const k = Math.round(share * n);
  if (k <= 0) return Number.POSITIVE_INFINITY;
  if (k >= n) return Number.NEGATIVE_INFINITY;
  const hi = sortedDesc[k - 1]!;
  const lo = sortedDesc[k]!;
  return hi === lo ? hi : (hi + lo) / 2;
}

export interface EvPoint {
  cost: number;
  quality: number;
  /** quality − test frontier at this cost, in quality units. */
  gain: number;
  label?: string;
}

/** Scores of a difficulty policy for one frontier segment (higher → the dearer model). */
export interface SegmentScores {
  train: ArrayLike<number>;
  test: ArrayLike<number>;
}

/**
 * Replays a score-threshold policy on the test split for each target. `cascade`: the cheaper model of the
 * segment is always called (and paid); a score at or above the threshold escalates to the dearer one.
 */
export function sweepScores(
  trainHull: readonly ModelPoint[],
  testHull: readonly ModelPoint[],
  test: Split,
  targets: readonly Target[],
  scoresFor: (segment: number) => SegmentScores,
  cascade = false,
): EvPoint[] {
  const sortedCache = new Map<number, { s: SegmentScores; desc: Float64Array }>();
  return targets.map((t) => {
    let entry = sortedCache.get(t.segment);
    if (!entry) {
      const s = scoresFor(t.segment);
      const desc = Float64Array.from(s.train).sort().reverse();
      entry = { s, desc };
      sortedCache.set(t.segment, entry);
    }
    // The gateway's own tier decision (`pickTier`) over the whole train frontier, with only this
    // segment's two tiers reachable.
    const mins = segmentMinScores(trainHull.length, t.segment, thresholdDesc(entry.desc, t.share));
    const qs = trainHull.map((h) => test.q.get(h.model)!);
    const cs = trainHull.map((h) => test.c.get(h.model)!);
    const ca = cs[t.segment]!;
    let q = 0;
    let c = 0;
    const sc = entry.s.test;
    for (let i = 0; i < test.n; i++) {
      const k = pickTier(sc[i]!, mins);
      q += qs[k]![i]!;
      c += cs[k]![i]! + (cascade && k > t.segment ? ca[i]! : 0);
    }
    const cost = c / test.n;
    const quality = q / test.n;
    return { cost, quality, gain: quality - frontierQuality(testHull, cost) };
  });
}

export interface GainStats {
  mean: number;
  best: number;
}

export function gainStats(points: readonly EvPoint[]): GainStats {
  if (points.length === 0) return { mean: Number.NaN, best: Number.NaN };
  let s = 0;
  let b = Number.NEGATIVE_INFINITY;
  for (const p of points) {
    s += p.gain;
    if (p.gain > b) b = p.gain;
  }
  return { mean: s / points.length, best: b };
}

export interface RandomBaseline {
  routers: number;
  mean: { avg: number; ci: Interval; samples: Float64Array };
  best: { avg: number; ci: Interval; samples: Float64Array };
}

function pct(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const pos = ((sorted.length - 1) * p) / 100;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

function summarise(xs: Float64Array): { avg: number; ci: Interval; samples: Float64Array } {
  const sorted = Float64Array.from(xs).sort();
  let s = 0;
  for (const x of xs) s += x;
  return { avg: s / xs.length, ci: { lo: pct(sorted, 2.5), hi: pct(sorted, 97.5) }, samples: sorted };
}

/** `routers` seeded random routers through the same targets (or cascade) and frontier. */
export function randomBaseline(
  trainHull: readonly ModelPoint[],
  testHull: readonly ModelPoint[],
  trainN: number,
  test: Split,
  targets: readonly Target[],
  routers = 1000,
  seed = 20_240_601,
  cascade = false,
): RandomBaseline {
  const means = new Float64Array(routers);
  const bests = new Float64Array(routers);
  const tr = new Float64Array(trainN);
  const te = new Float64Array(test.n);
  for (let r = 0; r < routers; r++) {
    const rand = mulberry32(seed + r);
    for (let i = 0; i < trainN; i++) tr[i] = rand();
    for (let i = 0; i < test.n; i++) te[i] = rand();
    const g = gainStats(
      sweepScores(trainHull, testHull, test, targets, () => ({ train: tr, test: te }), cascade),
    );
    means[r] = g.mean;
    bests[r] = g.best;
  }
  return { routers, mean: summarise(means), best: summarise(bests) };
}

/** One-sided permutation p-value: share of random routers at least as good (with the +1 correction). */
export function pValue(value: number, sortedSamples: Float64Array): number {
  let k = 0;
  for (const x of sortedSamples) if (x >= value - 1e-12) k++;
  return (1 + k) / (1 + sortedSamples.length);
}

export interface EvidenceRow {
  policy: string;
  kind: 'baseline' | 'router' | 'cascade';
  points: EvPoint[];
  gain: GainStats;
  random: RandomBaseline;
  p: { mean: number; best: number };
  note?: string;
  /** The same policy with the halves swapped (thresholds set on the test half, scored on the train half). */
  replication?: { gain: GainStats; p: { mean: number; best: number } };
}

export interface EvidenceContext {
  models: string[];
  train: Split;
  test: Split;
  trainHull: ModelPoint[];
  testHull: ModelPoint[];
  testSingles: ModelPoint[];
  routers: number;
  seed: number;
}

export function evidenceContext(
  trainRecords: readonly EvRecord[],
  testRecords: readonly EvRecord[],
  models: readonly string[],
  routers = 1000,
  seed = 20_240_601,
): EvidenceContext {
  const train = new Split(trainRecords, models);
  const test = new Split(testRecords, models);
  const testSingles = singleModels(test, models);
  return {
    models: [...models],
    train,
    test,
    trainHull: frontierOf(singleModels(train, models)),
    testHull: frontierOf(testSingles),
    testSingles,
    routers,
    seed,
  };
}

const baselineCache = new WeakMap<EvidenceContext, Map<string, RandomBaseline>>();

/** The random baseline for `targets`, shared by every policy with the same targets. */
export function randomFor(ctx: EvidenceContext, targets: readonly Target[], cascade = false): RandomBaseline {
  let m = baselineCache.get(ctx);
  if (!m) {
    m = new Map();
    baselineCache.set(ctx, m);
  }
  const key = `${cascade}|${targets.map((t) => `${t.segment}:${t.share.toFixed(6)}`).join(',')}`;
  let b = m.get(key);
  if (!b) {
    b = randomBaseline(
      ctx.trainHull,
      ctx.testHull,
      ctx.train.n,
      ctx.test,
      targets,
      ctx.routers,
      ctx.seed,
      cascade,
    );
    m.set(key, b);
  }
  return b;
}

function row(
  policy: string,
  kind: EvidenceRow['kind'],
  points: EvPoint[],
  random: RandomBaseline,
  note?: string,
): EvidenceRow {
  const gain = gainStats(points);
  return {
    policy,
    kind,
    points,
    gain,
    random,
    p: { mean: pValue(gain.mean, random.mean.samples), best: pValue(gain.best, random.best.samples) },
    ...(note ? { note } : {}),
  };
}

/** A difficulty router swept along the train frontier. */
export function routerEvidence(
  ctx: EvidenceContext,
  policy: string,
  scoresFor: (segment: number) => SegmentScores,
  note?: string,
): EvidenceRow {
  const targets = standardTargets(ctx.trainHull);
  const pts = sweepScores(ctx.trainHull, ctx.testHull, ctx.test, targets, scoresFor);
  return row(policy, 'router', pts, randomFor(ctx, targets), note);
}

/**
 * A cascade swept by escalation share (cheap model of `segment` always called), compared with random
 * ROUTERS at the same train cost — the stronger baseline, since a random cascade also pays every cheap call.
 */
export function cascadeSweepEvidence(
  ctx: EvidenceContext,
  policy: string,
  scores: SegmentScores,
  segment = 0,
  note?: string,
  /** $/query paid on every request besides the chain (e.g. a parallel peer), on train and test. */
  extra: { train: number; test: number } = { train: 0, test: 0 },
): EvidenceRow {
  const shares = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9];
  const targets = shares.map((share) => ({ segment, share }));
  const pts = sweepScores(ctx.trainHull, ctx.testHull, ctx.test, targets, () => scores, true).map((p) => {
    const cost = p.cost + extra.test;
    return { cost, quality: p.quality, gain: p.quality - frontierQuality(ctx.testHull, cost) };
  });
  // The cascade's train cost at each share, then the random router reaching that train cost.
  const trainPts = sweepScores(
    ctx.trainHull,
    ctx.trainHull,
    ctx.train,
    targets,
    () => ({ train: scores.train, test: scores.train }),
    true,
  );
  const rTargets = trainPts.map((p) => targetForCost(ctx.trainHull, p.cost + extra.train));
  return row(policy, 'cascade', pts, randomFor(ctx, rTargets), note);
}

/** Fixed policies replayed on both halves (e.g. a cascade config): test points vs random at the train costs. */
export function pointsEvidence(
  ctx: EvidenceContext,
  policy: string,
  points: readonly { trainCost: number; testCost: number; testQuality: number; label?: string }[],
  kind: EvidenceRow['kind'] = 'cascade',
  note?: string,
): EvidenceRow {
  const pts = points.map((p) => ({
    cost: p.testCost,
    quality: p.testQuality,
    gain: p.testQuality - frontierQuality(ctx.testHull, p.testCost),
    ...(p.label ? { label: p.label } : {}),
  }));
  const targets = points.map((p) => targetForCost(ctx.trainHull, p.trainCost));
  return row(policy, kind, pts, randomFor(ctx, targets), note);
}
