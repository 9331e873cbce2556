/**
 * The statistics quality is reported with: the Wilson score interval of an agreement rate (good at small
 * n and near 0 or 1, where the normal interval is not), and the two-sided two-proportion z-test (pooled)
 * that says whether two arms' rates differ. Pure functions, checked on hand-computed examples.
 */

/** z for a two-sided 95% interval. */
export const Z95 = 1.959963984540054;

export interface Interval {
  rate: number;
  lower: number;
  upper: number;
  n: number;
}

/** Wilson score interval of k successes in n trials (n = 0 → [0, 1]). */
export function wilson(k: number, n: number, z = Z95): Interval {
  if (n <= 0) return { rate: 0, lower: 0, upper: 1, n: 0 };
  const p = k / n;
  const z2 = z * z;
  const denom = 1 + z2 / n;
  const center = (p + z2 / (2 * n)) / denom;
  const margin = (z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / denom;
  return { rate: p, lower: Math.max(0, center - margin), upper: Math.min(1, center + margin), n };
}

/** Standard normal CDF (Abramowitz & Stegun 7.1.26 erf, |error| < 1.5e-7). */
export function normalCdf(x: number): number {
  const t = 1 / (1 + (0.3275911 * Math.abs(x)) / Math.SQRT2);
  const y =
    1 -
    ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) *
      t *
      Math.exp(-(x * x) / 2);
  return x >= 0 ? (1 + y) / 2 : (1 - y) / 2;
}

export interface TwoProportion {
  /** rate B − rate A */
  diff: number;
  z: number;
  /** Two-sided p-value; 1 when undefined (no data, or both rates 0 or 1). */
  p: number;
}

/** Pooled two-proportion z-test of A (k1 of n1) against B (k2 of n2). */
export function twoProportionTest(k1: number, n1: number, k2: number, n2: number): TwoProportion {
  if (n1 <= 0 || n2 <= 0) return { diff: 0, z: 0, p: 1 };
  const p1 = k1 / n1;
  const p2 = k2 / n2;
  const pooled = (k1 + k2) / (n1 + n2);
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2));
  if (se === 0) return { diff: p2 - p1, z: 0, p: 1 };
  const z = (p2 - p1) / se;
  return { diff: p2 - p1, z, p: 2 * (1 - normalCdf(Math.abs(z))) };
}

export interface ArmOutcome {
  name: string;
  /** Mean known cost per request, USD. */
  costPerRequest: number | null;
  /** Good outcomes (thumbs up, agreement) of `rated`. */
  good: number;
  rated: number;
}

/** "treatment is 41% cheaper, quality not significantly different (p = 0.16), n = 1,204". */
export function significanceVerdict(a: ArmOutcome, b: ArmOutcome, alpha = 0.05): string {
  const parts: string[] = [];
  if (a.costPerRequest !== null && b.costPerRequest !== null && a.costPerRequest > 0) {
    const d = (b.costPerRequest - a.costPerRequest) / a.costPerRequest;
    const pct = Math.round(Math.abs(d) * 100);
    parts.push(
      pct === 0
        ? `${b.name} costs the same as ${a.name}`
        : `${b.name} is ${pct}% ${d < 0 ? 'cheaper' : 'dearer'}`,
    );
  } else parts.push(`${b.name}'s cost against ${a.name} is unknown`);
  const n = a.rated + b.rated;
  if (a.rated === 0 || b.rated === 0) parts.push('quality not yet measured (no ratings in one arm)');
  else {
    const t = twoProportionTest(a.good, a.rated, b.good, b.rated);
    if (t.p < alpha)
      parts.push(`quality significantly ${t.diff < 0 ? 'lower' : 'higher'} (p = ${formatP(t.p)})`);
    else parts.push(`quality not significantly different (p = ${formatP(t.p)})`);
  }
  return `${parts.join(', ')}, n = ${n.toLocaleString('en-US')}`;
}

function formatP(p: number): string {
  return p < 0.001 ? '< 0.001' : p.toFixed(p < 0.01 ? 3 : 2);
}
