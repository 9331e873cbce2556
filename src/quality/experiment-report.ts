/**
 * What `penny experiments show` and the dashboard say about an experiment: per arm, requests, errors,
 * cost per request and savings from the ledger (entries filtered on `meta.experiment` in the database),
 * ratings from the feedback store and agreement from shadow verdicts; then the significance verdict of each
 * arm against the first (the control).
 */
import type { ExperimentConfig } from '../config/schema.js';
import { type Money, moneyToNumber } from '../core/money.js';
import type { Ledger, LedgerFilter } from '../ledger/ledger.js';
import { armShares } from './assign-arm.js';
import type { ExperimentStop, Feedback, FeedbackStore } from './quality-stores.js';
import { type ArmOutcome, significanceVerdict, wilson } from './significance.js';

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
}

export interface ExperimentReport {
  name: string;
  feature: string;
  stickBy: string;
  status: 'running' | 'stopped';
  stoppedArm: string | null;
  arms: ArmReport[];
  /** Each arm after the first against the first. */
  verdicts: string[];
}

/** A rating counts as good when thumbs up, else a score of at least 0.5; labels alone are not judged. */
export function isGood(f: Feedback): boolean | null {
  if (f.thumbs !== null) return f.thumbs === 'up';
  if (f.score !== null) return f.score >= 0.5;
  return null;
}

export async function experimentReport(
  ledger: Ledger,
  feedback: FeedbackStore | null,
  feature: string,
  exp: ExperimentConfig,
  stop: ExperimentStop | undefined,
  range: Pick<LedgerFilter, 'from' | 'to'> = {},
): Promise<ExperimentReport> {
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
    if (feedback && requests > 0) {
      const ids = (await ledger.query(filter)).map((e) => e.id);
      for (const f of await feedback.forRequests(ids)) {
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
    });
  }
  const outcome = (a: ArmReport): ArmOutcome => ({
    name: a.arm,
    costPerRequest: a.costPerRequestUsd,
    good: a.good,
    rated: a.rated,
  });
  const [first, ...rest] = arms;
  return {
    name: exp.name,
    feature,
    stickBy: exp.stickBy,
    status: stop ? 'stopped' : 'running',
    stoppedArm: stop?.arm ?? null,
    arms,
    verdicts: first ? rest.map((b) => significanceVerdict(outcome(first), outcome(b))) : [],
  };
}
