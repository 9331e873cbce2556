/**
 * The tier decision shared by the gateway's difficulty router and the replay benchmark: models ordered
 * cheapest first, each tier above the first with the minimum difficulty score that reaches it. A score
 * goes to the highest tier whose minimum it meets, so two tiers with one threshold is the classic cheap /
 * strong split, and the replay's "one frontier segment at a time" policy is the tier list of the whole
 * frontier with the thresholds below the segment at −∞ and above it at +∞ (`segmentMinScores`). Because
 * both call `pickTier`, a replayed figure describes what the gateway does with the same scores.
 */
import { thresholdForStrongFraction } from './threshold.js';

/**
 * Index of the tier for `score`: the highest k ≥ 1 with score ≥ minScores[k − 1], else 0.
 * `minScores` has one entry per tier above the first (length = tiers − 1).
 */
export function pickTier(score: number, minScores: ArrayLike<number>): number {
  for (let k = minScores.length; k >= 1; k--) if (score >= minScores[k - 1]!) return k;
  return 0;
}

/** Minimum scores of `tiers` tiers when only `segment` → `segment + 1` is in play, at `threshold`. */
export function segmentMinScores(tiers: number, segment: number, threshold: number): number[] {
  const out = new Array<number>(Math.max(0, tiers - 1));
  for (let k = 1; k < tiers; k++) {
    out[k - 1] =
      k <= segment ? Number.NEGATIVE_INFINITY : k === segment + 1 ? threshold : Number.POSITIVE_INFINITY;
  }
  return out;
}

/**
 * Minimum scores sending `shares[k − 1]` of `scores` to tier k or above (shares non-increasing, each in
 * [0, 1]) — quantiles of the feature's own scores, with the midpoint rule of `thresholdForStrongFraction`.
 */
export function minScoresForShares(scores: readonly number[], shares: readonly number[]): number[] {
  for (let i = 1; i < shares.length; i++) {
    if (shares[i]! > shares[i - 1]!) {
      throw new RangeError(`tier shares must not increase with the tier (share ${i + 1} > share ${i})`);
    }
  }
  return shares.map((s) => thresholdForStrongFraction(scores, s));
}
