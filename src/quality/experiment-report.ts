/**
 * What `penny experiments show` and the dashboard say about an experiment: per arm, requests, errors,
 * cost per request and savings from the ledger (entries filtered on `meta.experiment` in the database),
 * ratings from the feedback store and agreement from the shadow verdicts of the arm's own requests (joined by
 * request id, so an earlier experiment's arms of the same name never mix in); then the comparison of each arm
 * with the first (the control) on cost, ratings and agreement, with its significance verdict.
 */
import type { ExperimentConfig } from '../config/schema.js';
import { type Money, moneyToNumber } from '../core/money.js';
import type { Ledger, LedgerFilter } from '../ledger/ledger.js';
import { armShares } from './assign-arm.js';
import type { EvaluationStore, ExperimentStop, Feedback, FeedbackStore } from './quality-stores.js';
import { type ArmComparison, type ArmOutcome, compareArms, wilson } from './significance.js';

export interface ArmReport {
  arm: string;
  share: number;
  requests: number;
  errors: number;
  /** Σ known cost and savings (picodollars). */
  cost: Money;
  savings: Money;
  unpriced: number;
  costPerRequestUsd: number | null;
  /** Ratings: how many, how many good (thumbs up, or score ≥ 0.5), mean score of those with one. */
  rated: number;
  good: number;
  meanScore: number | null;
  /** Wilson 95% interval of the good-rating rate. */
  goodRate: { rate: number; lower: number; upper: number } | null;
  /** Shadow verdicts of the arm's requests: agree + disagree, agreements, and "no verdict" apart. */
  evaluated: number;
  agree: number;
  noVerdict: number;
  /** Wilson 95% interval of the agreement rate. */
  agreement: { rate: number; lower: number; upper: number } | null;
  /** No tactic saved anything on the arm's requests: it served them as sent (the reference for agreement). */
  asSent: boolean;
}

export interface ExperimentReport {
  name: string;
  feature: string;
  stickBy: string;
  status: 'running' | 'stopped';
  stoppedArm: string | null;
  arms: ArmReport[];
  /** Each arm after the first against the first: the sentence, and the comparison it says. */
  verdicts: string[];
  comparisons: Array<{ arm: string; against: string } & ArmComparison>;
}

/** The stores a report reads (either may be missing: the report then says "not yet measured"). */
export interface ExperimentReportStores {
  feedback: FeedbackStore | null;
  evaluations: EvaluationStore | null;
}

/** Most shadow verdicts of a feature read for one report (the newest). */
const MAX_VERDICTS = 200_000;

/** A rating counts as good when thumbs up, else a score of at least 0.5; labels alone are not judged. */
export function isGood(f: Feedback): boolean | null {
  if (f.thumbs !== null) return f.thumbs === 'up';
  if (f.score !== null) return f.score >= 0.5;
  return null;
}

export async function experimentReport(
  ledger: Ledger,
  stores: ExperimentReportStores | null,
  feature: string,
  exp: ExperimentConfig,
  stop: ExperimentStop | undefined,
  range: Pick<LedgerFilter, 'from' | 'to'> = {},
): Promise<ExperimentReport> {
  const feedback = stores?.feedback ?? null;
  const verdicts = stores?.evaluations
    ? await stores.evaluations.list({ ...range, feature, limit: MAX_VERDICTS })
    : [];
  const arms: ArmReport[] = [];
  for (const [arm, share] of armShares(exp)) {
    const filter: LedgerFilter = { ...range, experiment: exp.name, arm };
    const [row] = await ledger.summarize(filter, []);
    const requests = row?.requests ?? 0;
    const priced = requests - (row?.unpriced ?? 0);
    let rated = 0;
    let good = 0;
    let scoreSum = 0;
    let scored = 0;
    let agree = 0;
    let disagree = 0;
    let noVerdict = 0;
    if (requests > 0 && (feedback || verdicts.length > 0)) {
      const ids = (await ledger.query(filter)).map((e) => e.id);
      const own = new Set(ids);
      for (const v of verdicts) {
        if (!own.has(v.requestId)) continue;
        if (v.verdict === 'agree') agree++;
        else if (v.verdict === 'disagree') disagree++;
        else noVerdict++;
      }
      for (const f of feedback ? await feedback.forRequests(ids) : []) {
        const g = isGood(f);
        if (g !== null) {
          rated++;
          if (g) good++;
        }
        if (f.score !== null) {
          scoreSum += f.score;
          scored++;
        }
      }
    }
    const w = rated > 0 ? wilson(good, rated) : null;
    const evaluated = agree + disagree;
    const a = evaluated > 0 ? wilson(agree, evaluated) : null;
    arms.push({
      arm,
      share,
      requests,
      errors: row?.errors ?? 0,
      cost: row?.cost ?? 0n,
      savings: row?.savings ?? 0n,
      unpriced: row?.unpriced ?? 0,
      costPerRequestUsd: priced > 0 ? moneyToNumber(row?.cost ?? 0n) / priced : null,
      rated,
      good,
      meanScore: scored > 0 ? scoreSum / scored : null,
      goodRate: w ? { rate: w.rate, lower: w.lower, upper: w.upper } : null,
      evaluated,
      agree,
      noVerdict,
      agreement: a ? { rate: a.rate, lower: a.lower, upper: a.upper } : null,
      asSent: requests > 0 && (row?.savings ?? 0n) === 0n && evaluated + noVerdict === 0,
    });
  }
  const outcome = (a: ArmReport): ArmOutcome => ({
    name: a.arm,
    costPerRequest: a.costPerRequestUsd,
    good: a.good,
    rated: a.rated,
    agree: a.agree,
    evaluated: a.evaluated,
    asSent: a.asSent,
  });
  const [first, ...rest] = arms;
  const comparisons = first
    ? rest.map((b) => ({ arm: b.arm, against: first.arm, ...compareArms(outcome(first), outcome(b)) }))
    : [];
  return {
    name: exp.name,
    feature,
    stickBy: exp.stickBy,
    status: stop ? 'stopped' : 'running',
    stoppedArm: stop?.arm ?? null,
    arms,
    verdicts: comparisons.map((c) => c.sentence),
    comparisons,
  };
}
