/**
 * The exact-area APGR the `stack` router selects by: RouteLLM's APGR is the area under the quality curve of
 * a router swept over every share of strong calls, measured at 11 quantile thresholds
 * (`evaluateScores`). Swept over every threshold instead, the area has a closed form: each prompt adds its
 * gain d = strong − cheap for the share of thresholds that send it to the strong model — its normalised
 * rank r — so APGR = Σ d·r / Σ d (r = (rank + ½) / n, ties averaged; a random router gets ½ in
 * expectation, a perfect one close to 1). It is the same quantity without the 10-bin discretisation, so
 * it ranks close candidates with less noise, and it is cheap enough to evaluate thousands of
 * candidate mixes during selection.
 */

/** Σ d·r / Σ d over `gains` (strong − cheap) and `scores`; NaN when Σ d is 0 (nothing to recover). */
export function gainRecovered(gains: readonly number[], scores: readonly number[]): number {
  const n = scores.length;
  if (n === 0 || gains.length !== n) return Number.NaN;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[a]! - scores[b]!);
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; ) {
    let j = i;
    while (j < n && scores[order[j]!] === scores[order[i]!]) j++;
    // Tied scores share their mean rank: (i + j − 1) / 2 positions, + ½, over n.
    const r = (i + j) / 2 / n;
    for (let k = i; k < j; k++) {
      const d = gains[order[k]!]!;
      num += d * r;
      den += d;
    }
    i = j;
  }
  return den === 0 ? Number.NaN : num / den;
}
