/**
 * The papers' metrics, ported line for line from `baselines.py`: RouteLLM's quantile-sweep curve, APGR
 * and CPT(x%), and RouterBench's non-decreasing convex hull and AIQ. Details that change numbers are
 * kept: Python's round-half-to-even in the bin edges, `>=` on every edge but `>` on the last, the curve
 * sorted as (x, y) tuples, CPT interpolated over points stably sorted by accuracy only.
 */

export type Point = [number, number];

export function trapz(y: readonly number[], x: readonly number[]): number {
  let s = 0;
  for (let i = 0; i < x.length - 1; i++) s += ((x[i + 1]! - x[i]!) * (y[i + 1]! + y[i]!)) / 2;
  return s;
}

/** numpy.interp clone as in baselines.py (xp ascending). */
export function interp(x: number, xp: readonly number[], fp: readonly number[]): number {
  if (x <= xp[0]!) return fp[0]!;
  if (x >= xp[xp.length - 1]!) return fp[fp.length - 1]!;
  for (let i = 0; i < xp.length - 1; i++) {
    if (xp[i]! <= x && x <= xp[i + 1]!) {
      if (xp[i + 1] === xp[i]) return fp[i]!;
      const t = (x - xp[i]!) / (xp[i + 1]! - xp[i]!);
      return fp[i]! + t * (fp[i + 1]! - fp[i]!);
    }
  }
  return fp[fp.length - 1]!;
}

/** Python 3's round() for the non-negative values used here (ties to even). */
export function pyRound(x: number): number {
  const f = Math.floor(x);
  const d = x - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

function tupleCompare(a: Point, b: Point): number {
  return a[0] - b[0] || a[1] - b[1];
}

/** Items for the two-model curve: w/s quality of the weak and the strong answer. */
export interface Routed {
  w: number;
  s: number;
}

export interface CurvePoint {
  /** Percent of calls sent to the strong model. */
  strongPct: number;
  quality: number;
  /** The threshold producing this point; strict means score > threshold (the last edge). */
  threshold: number;
  strict: boolean;
}

/**
 * RouteLLM's evaluation: thresholds are the quantile bin edges of the router's scores; a query goes to
 * the strong model if score >= threshold (> for the last edge). Returns points sorted by (x, y).
 */
export function routedCurveWithThresholds(
  items: readonly Routed[],
  scores: readonly number[],
  nBins = 10,
): CurvePoint[] {
  const n = items.length;
  const s = [...scores].sort((a, b) => a - b);
  const edges: number[] = [];
  for (let i = 0; i <= nBins; i++) edges.push(s[Math.min(n - 1, pyRound((i * (n - 1)) / nBins))]!);
  const pts: CurvePoint[] = edges.map((t, i) => {
    let strong = 0;
    let acc = 0;
    for (let k = 0; k < n; k++) {
      const sel = i === nBins ? scores[k]! > t : scores[k]! >= t;
      if (sel) strong++;
      acc += sel ? items[k]!.s : items[k]!.w;
    }
    return { strongPct: (100 * strong) / n, quality: acc / n, threshold: t, strict: i === nBins };
  });
  pts.sort((a, b) => a.strongPct - b.strongPct || a.quality - b.quality);
  return pts;
}

export function routedCurve(items: readonly Routed[], scores: readonly number[], nBins = 10): Point[] {
  return routedCurveWithThresholds(items, scores, nBins).map((p) => [p.strongPct, p.quality]);
}

export interface ApgrCpt {
  apgr: number;
  /** Percent strong calls to recover 50% / 80% of the weak→strong gap. */
  cpt50: number;
  cpt80: number;
}

export function apgrCpt(pts: readonly Point[], wacc: number, sacc: number): ApgrCpt {
  const xs = pts.map((p) => p[0] / 100);
  const ys = pts.map((p) => p[1]);
  const auc = trapz(ys, xs);
  const wa = trapz(
    xs.map(() => wacc),
    xs,
  );
  const sa = trapz(
    xs.map(() => sacc),
    xs,
  );
  const apgr = (auc - wa) / (sa - wa);
  // Array.prototype.sort is stable, like Python's sorted with a key.
  const byAcc = [...pts].sort((a, b) => a[1] - b[1]);
  const cpt = (pct: number) =>
    interp(
      pct * (sacc - wacc) + wacc,
      byAcc.map((p) => p[1]),
      byAcc.map((p) => p[0]),
    );
  return { apgr, cpt50: cpt(0.5), cpt80: cpt(0.8) };
}

export function meanOf(xs: readonly number[]): number {
  let s = 0;
  for (const x of xs) s += x;
  return xs.length === 0 ? 0 : s / xs.length;
}

/** APGR/CPT of a router's scores over items, with the weak/strong means of those same items. */
export function evaluateScores(
  items: readonly Routed[],
  scores: readonly number[],
): ApgrCpt & { curve: CurvePoint[] } {
  const curve = routedCurveWithThresholds(items, scores);
  const r = apgrCpt(
    curve.map((p) => [p.strongPct, p.quality]),
    meanOf(items.map((i) => i.w)),
    meanOf(items.map((i) => i.s)),
  );
  return { ...r, curve };
}

// ---------------------------------------------------------------------------------------------------
// RouterBench.

/** Non-decreasing upper convex hull of (cost, quality) points (RouterBench NDCH). */
export function upperNdch(points: readonly Point[]): Point[] {
  const uniq = new Map<string, Point>();
  for (const p of points) uniq.set(`${p[0]},${p[1]}`, p);
  const pts = [...uniq.values()].sort(tupleCompare);
  const hull: Point[] = [];
  for (const p of pts) {
    while (hull.length >= 2) {
      const [x1, y1] = hull[hull.length - 2]!;
      const [x2, y2] = hull[hull.length - 1]!;
      if ((x2 - x1) * (p[1] - y1) - (y2 - y1) * (p[0] - x1) >= 0) hull.pop();
      else break;
    }
    hull.push(p);
  }
  const out: Point[] = [];
  for (const p of hull) {
    if (out.length > 0 && p[1] < out[out.length - 1]![1]) continue;
    out.push(p);
  }
  return out;
}

/** RouterBench AIQ: area under the NDCH (extended flat to xmax) divided by xmax. */
export function aiq(points: readonly Point[], xmax: number): number {
  const h = upperNdch(points);
  h.push([xmax, h[h.length - 1]![1]]);
  return (
    trapz(
      h.map((p) => p[1]),
      h.map((p) => p[0]),
    ) / xmax
  );
}

/** Percentile (linear interpolation, p in [0, 100]) of a sample. */
export function percentile(xs: readonly number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return Number.NaN;
  const pos = ((s.length - 1) * p) / 100;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo]! + (s[hi]! - s[lo]!) * (pos - lo);
}
