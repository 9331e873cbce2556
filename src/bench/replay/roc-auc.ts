/** ROC AUC, for choosing a router on single-label examples (router-training.ts, router-stack.ts). */

/** Area under the ROC curve of `scores` for labels above / below 0.5 (ties count half; 0.5 labels ignored). */
export function rocAuc(scores: readonly number[], labels: readonly number[]): number {
  const pos: number[] = [];
  const neg: number[] = [];
  scores.forEach((s, i) => {
    const l = labels[i]!;
    if (l > 0.5) pos.push(s);
    else if (l < 0.5) neg.push(s);
  });
  if (pos.length === 0 || neg.length === 0) return 0.5;
  const all = [...pos.map((s) => [s, 1] as const), ...neg.map((s) => [s, 0] as const)].sort(
    (a, b) => a[0] - b[0],
  );
  // Mann–Whitney U with average ranks for ties.
  let rankSumPos = 0;
  for (let i = 0; i < all.length; ) {
    let j = i;
    while (j < all.length && all[j]![0] === all[i]![0]) j++;
    const avg = (i + 1 + j) / 2;
    for (let k = i; k < j; k++) if (all[k]![1] === 1) rankSumPos += avg;
    i = j;
  }
  return (rankSumPos - (pos.length * (pos.length + 1)) / 2) / (pos.length * neg.length);
}
