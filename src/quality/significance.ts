/**
 * The statistics quality is reported with: the Wilson score interval of an agreement rate (good at small
 * n and near 0 or 1, where the normal interval is not), and the two-sided two-proportion z-test (pooled)
 * that says whether two arms' rates differ; and the comparison of two experiment arms on cost, ratings and
 * shadow agreement. Pure functions, checked on hand-computed examples.
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
  /** Good ratings (thumbs up, or a score of at least 0.5) of `rated`. */
  good: number;
  rated: number;
  /** Shadow verdicts: agreements of `evaluated` (agree + disagree; "no verdict" is not evidence). */
  agree?: number;
  evaluated?: number;
  /**
   * The arm served its requests as sent (no tactic saved anything on them), so it has no shadow verdicts of
   * its own: its answers are what the other arm's shadow calls compare with.
   */
  asSent?: boolean;
}

/** One quality comparison inside a verdict. */
export interface QualityTest {
  measure: 'ratings' | 'agreement';
  /** Two-proportion z-test of B against A; null when A has no rate of its own (answers as sent). */
  test: TwoProportion | null;
  a: Interval | null;
  b: Interval;
  /** Lower or higher at `alpha`; null when not significant or not testable. */
  significant: 'lower' | 'higher' | null;
}

export interface ArmComparison {
  /** (B − A) / A of the cost per request; null when either is unknown or A's is 0. */
  costChange: number | null;
  tests: QualityTest[];
  /** Ratings plus shadow verdicts of both arms. */
  n: number;
  sentence: string;
}

/**
 * Compares arm B with arm A on cost and quality. Quality is measured twice where the data allows: the
 * good-rating rate of the feedback, and the agreement of shadow verdicts (a tactic's answer against the
 * request as sent). Each is a pooled two-proportion z-test at `alpha`; when A served its requests as sent
 * (no verdicts of its own, being the reference) B's agreement is reported with its Wilson interval instead
 * of a test — an unmeasured reference cannot be tested against. Quality is "significantly lower" when any
 * test says so, "higher" when one does and none says lower, else "not significantly different".
 */
export function compareArms(a: ArmOutcome, b: ArmOutcome, alpha = 0.05): ArmComparison {
  const parts: string[] = [];
  let costChange: number | null = null;
  if (a.costPerRequest !== null && b.costPerRequest !== null && a.costPerRequest > 0) {
    costChange = (b.costPerRequest - a.costPerRequest) / a.costPerRequest;
    const pct = Math.round(Math.abs(costChange) * 100);
    parts.push(
      pct === 0
        ? `${b.name} costs the same as ${a.name}`
        : `${b.name} is ${pct}% ${costChange < 0 ? 'cheaper' : 'dearer'}`,
    );
  } else parts.push(`${b.name}'s cost against ${a.name} is unknown`);

  const tests: QualityTest[] = [];
  const details: string[] = [];
  const tested = (measure: QualityTest['measure'], k1: number, n1: number, k2: number, n2: number) => {
    const t = twoProportionTest(k1, n1, k2, n2);
    const significant = t.p < alpha ? (t.diff < 0 ? 'lower' : 'higher') : null;
    tests.push({ measure, test: t, a: wilson(k1, n1), b: wilson(k2, n2), significant });
    details.push(`${measure} ${pct1(k2 / n2)} vs ${pct1(k1 / n1)}, p ${formatP(t.p)}`);
  };
  if (a.rated > 0 && b.rated > 0) tested('ratings', a.good, a.rated, b.good, b.rated);
  const aEval = a.evaluated ?? 0;
  const bEval = b.evaluated ?? 0;
  let estimate = false;
  if (aEval > 0 && bEval > 0) tested('agreement', a.agree ?? 0, aEval, b.agree ?? 0, bEval);
  else if (a.asSent && bEval > 0) {
    const w = wilson(b.agree ?? 0, bEval);
    tests.push({ measure: 'agreement', test: null, a: null, b: w, significant: null });
    details.push(
      `agreement with ${a.name}'s answers as sent ${pct1(w.rate)}, 95% CI ${pct1(w.lower)}–${pct1(w.upper)}`,
    );
    estimate = true;
  }
  const ran = tests.filter((t) => t.test !== null);
  let headline: string;
  if (ran.some((t) => t.significant === 'lower')) headline = 'quality significantly lower';
  else if (ran.some((t) => t.significant === 'higher')) headline = 'quality significantly higher';
  else if (ran.length > 0) headline = 'quality not significantly different';
  else if (estimate) headline = 'quality measured against the answers as sent';
  else headline = 'quality not yet measured (no ratings or shadow verdicts in one arm)';
  parts.push(details.length ? `${headline} (${details.join('; ')})` : headline);
  const n = a.rated + b.rated + aEval + bEval;
  return { costChange, tests, n, sentence: `${parts.join(', ')}, n = ${n.toLocaleString('en-US')}` };
}

/** "treatment is 41% cheaper, quality not significantly different (ratings 80.0% vs 90.0%, p = 0.16), n = 1,204". */
export function significanceVerdict(a: ArmOutcome, b: ArmOutcome, alpha = 0.05): string {
  return compareArms(a, b, alpha).sentence;
}

function pct1(r: number): string {
  return `${(r * 100).toFixed(1)}%`;
}

/** "= 0.16", "= 0.004", "< 0.001". */
function formatP(p: number): string {
  return p < 0.001 ? '< 0.001' : `= ${p.toFixed(p < 0.01 ? 3 : 2)}`;
}
