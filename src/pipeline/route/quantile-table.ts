/**
 * Quantile tables: a model's scores on its training prompts reduced to evenly spaced order statistics, so
 * a new score maps to its rank among them (an empirical CDF in [0, 1]) — what the `anchored` router
 * averages, so parts whose raw scores live on different scales count by their weights only.
 */

/** Up to `k` (≥ 2) evenly spaced order statistics of `values`, ascending. */
export function quantileTable(values: readonly number[], k = 101): number[] {
  if (values.length === 0) throw new RangeError('quantileTable: no values');
  for (const v of values)
    if (!Number.isFinite(v)) throw new RangeError('quantileTable: a value is not finite');
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length <= k) return sorted;
  const out: number[] = [];
  for (let i = 0; i < k; i++) out.push(sorted[Math.round((i * (sorted.length - 1)) / (k - 1))]!);
  return out;
}

/**
 * The position of `x` in the table, in [0, 1]: linear between neighbouring entries, the middle of a run of
 * equal entries, 0 below the first and 1 above the last.
 */
export function cdfAt(table: readonly number[], x: number): number {
  const n = table.length;
  if (n === 1) return x < table[0]! ? 0 : x > table[0]! ? 1 : 0.5;
  if (x < table[0]!) return 0;
  if (x > table[n - 1]!) return 1;
  // lo: first index with table[i] >= x; hi: last index with table[i] <= x.
  let a = 0;
  let b = n;
  while (a < b) {
    const m = (a + b) >> 1;
    if (table[m]! < x) a = m + 1;
    else b = m;
  }
  const lo = a;
  a = 0;
  b = n;
  while (a < b) {
    const m = (a + b) >> 1;
    if (table[m]! <= x) a = m + 1;
    else b = m;
  }
  const hi = a - 1;
  const pos = lo <= hi ? (lo + hi) / 2 : hi + (x - table[hi]!) / (table[lo]! - table[hi]!);
  return pos / (n - 1);
}
