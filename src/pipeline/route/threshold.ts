/**
 * Turning a difficulty score into a decision. The threshold is chosen on training (or recent live)
 * scores so that a target fraction of requests goes to the strong model; it is the midpoint between the
 * two scores that straddle the cut, so a new prompt scoring exactly like a training one is not decided
 * by floating-point luck. Scores at or above the threshold go strong.
 */

export type RouteTier = 'strong' | 'weak';

/**
 * Threshold sending `fraction` (0..1) of `scores` to the strong model. 0 → +Infinity (never strong),
 * 1 → -Infinity (always strong).
 */
export function thresholdForStrongFraction(scores: readonly number[], fraction: number): number {
  if (!(fraction >= 0 && fraction <= 1))
    throw new RangeError(`strong fraction must be in [0, 1], got ${fraction}`);
  const n = scores.length;
  if (n === 0) throw new RangeError('thresholdForStrongFraction: no scores');
  const k = Math.round(fraction * n);
  if (k <= 0) return Number.POSITIVE_INFINITY;
  if (k >= n) return Number.NEGATIVE_INFINITY;
  const desc = [...scores].sort((a, b) => b - a);
  const hi = desc[k - 1]!;
  const lo = desc[k]!;
  return hi === lo ? hi : (hi + lo) / 2;
}

export function routeByThreshold(score: number, threshold: number): RouteTier {
  return score >= threshold ? 'strong' : 'weak';
}

/** Fraction of `scores` the threshold sends to the strong model. */
export function strongFraction(scores: readonly number[], threshold: number): number {
  if (scores.length === 0) return 0;
  let k = 0;
  for (const s of scores) if (s >= threshold) k++;
  return k / scores.length;
}
