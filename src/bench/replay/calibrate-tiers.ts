/**
 * `penny router calibrate`: the minimum score of each tier of a feature's `route.tiers`, set from recorded
 * outcomes (an outcome file, docs/replay-outcomes.md) on the train half, and the result replayed on the
 * test half with the gateway's own decision (`pickTier`) — so the figures printed are what the gateway
 * does with that config on prompts like these — beside the single-model frontier and 1,000 seeded random
 * routers at the same train cost.
 *
 * Two ways to set the thresholds: `--target-cost-usd` (the train frontier segment that reaches that mean
 * $ per request, and the share of the segment's dearer model that meets it — the replay's policy) or
 * `--shares` (the share of requests at or above each tier above the first, e.g. `0.4,0.1`).
 */
import { InvalidRequestError } from '../../core/errors.js';
import { moneyToNumber } from '../../core/money.js';
import { loadDifficultyRouter } from '../../pipeline/route/difficulty.js';
import { thresholdForStrongFraction } from '../../pipeline/route/threshold.js';
import { minScoresForShares, pickTier, segmentMinScores } from '../../pipeline/route/tiers.js';
import { type EvidenceRow, evidenceContext, pointsEvidence, targetForCost } from './evidence.js';
import { evidenceTable, singlesTable } from './evidence-report.js';
import { loadOutcomeFile, type OutcomeRecord } from './outcomes.js';
import { splitRecords } from './split.js';

export interface TierCalibrateOptions {
  input: string;
  /** `heuristic` or a router model file (as in the feature's `router`). */
  router: string;
  /** Tier models, cheapest first (default: the train frontier of every model in the file). */
  tiers?: string[];
  targetCostUsd?: number;
  shares?: number[];
  routers?: number;
  log?: (line: string) => void;
}

export interface TierReplay {
  cost: number;
  quality: number;
  /** Share of requests per tier. */
  shares: number[];
}

export interface TierCalibrateResult {
  tiers: { model: string; minScore?: number }[];
  train: TierReplay;
  test: TierReplay;
  row: EvidenceRow;
  /** The `tiers` block to paste under the feature's `route`. */
  yaml: string;
  text: string;
}

/** Replays a tier list over records: each prompt goes to `tiers[pickTier(score)]`, paid and scored there. */
export function replayTiers(
  records: readonly OutcomeRecord[],
  tiers: readonly string[],
  minScores: readonly number[],
  scores: readonly number[],
): TierReplay {
  let cost = 0;
  let quality = 0;
  const counts = new Array<number>(tiers.length).fill(0);
  records.forEach((r, i) => {
    const k = pickTier(scores[i]!, minScores);
    const m = tiers[k]!;
    counts[k]!++;
    cost += moneyToNumber(r.cost[m] ?? 0n);
    quality += r.score[m] ?? 0;
  });
  const n = records.length || 1;
  return { cost: cost / n, quality: quality / n, shares: counts.map((c) => c / n) };
}

const round = (x: number) => Math.round(x * 1e6) / 1e6;

/**
 * Drops the tiers a threshold vector can never reach (±∞ are not YAML numbers): tiers below one every score
 * reaches (−∞) and tiers above one no score reaches (+∞). The decisions are unchanged.
 */
export function trimTiers(tiers: string[], mins: number[]): { tiers: string[]; mins: number[] } {
  let lo = 0;
  for (let k = 1; k < tiers.length; k++) if (mins[k - 1] === Number.NEGATIVE_INFINITY) lo = k;
  let hi = tiers.length - 1;
  while (hi > lo && mins[hi - 1] === Number.POSITIVE_INFINITY) hi--;
  return { tiers: tiers.slice(lo, hi + 1), mins: mins.slice(lo, hi) };
}

export function calibrateTiers(o: TierCalibrateOptions): TierCalibrateResult {
  const log = o.log ?? ((l: string) => console.log(l));
  if ((o.targetCostUsd === undefined) === (o.shares === undefined)) {
    throw new InvalidRequestError('give --target-cost-usd or --shares (one of them)', '--target-cost-usd');
  }
  const ds = loadOutcomeFile(o.input);
  for (const [i, m] of (o.tiers ?? []).entries()) {
    if (!ds.models.includes(m)) {
      throw new InvalidRequestError(
        `tier ${i + 1}: model "${m}" is not in ${ds.name} (${ds.models.join(', ')})`,
        '--tiers',
      );
    }
  }
  if (o.tiers !== undefined && o.tiers.length < 2)
    throw new InvalidRequestError('give at least two tiers', '--tiers');
  const models = o.tiers ?? ds.models;
  const { train: tr, test: te } = splitRecords(ds.records);
  if (tr.length < 4 || te.length < 4) {
    throw new InvalidRequestError(`${ds.name}: too few records for a train/test split`, '--input');
  }
  const ctx = evidenceContext(tr, te, models, o.routers ?? 1000);
  const router = loadDifficultyRouter(o.router, '--router', process.cwd());
  const trScores = tr.map((r) => router.score(r.prompt));
  const teScores = te.map((r) => router.score(r.prompt));
  let tiers: string[];
  let mins: number[];
  if (o.shares !== undefined) {
    tiers = o.tiers ?? ctx.trainHull.map((h) => h.model);
    if (o.shares.length !== tiers.length - 1) {
      throw new InvalidRequestError(
        `--shares needs one share per tier above the first (${tiers.length - 1} for ${tiers.join(', ')})`,
        '--shares',
      );
    }
    for (const s of o.shares) {
      if (!(s >= 0 && s <= 1)) throw new InvalidRequestError(`share ${s} is not in [0, 1]`, '--shares');
    }
    try {
      mins = minScoresForShares(trScores, o.shares);
    } catch (e) {
      throw new InvalidRequestError((e as Error).message, '--shares');
    }
  } else {
    tiers = ctx.trainHull.map((h) => h.model);
    if (tiers.length < 2) {
      throw new InvalidRequestError(
        `the train frontier of ${models.join(', ')} has one model (${tiers[0]}): nothing to route`,
        '--tiers',
      );
    }
    const t = targetForCost(ctx.trainHull, o.targetCostUsd!);
    mins = segmentMinScores(tiers.length, t.segment, thresholdForStrongFraction(trScores, t.share));
  }
  ({ tiers, mins } = trimTiers(tiers, mins));
  const train = replayTiers(tr, tiers, mins, trScores);
  const test = replayTiers(te, tiers, mins, teScores);
  const row = pointsEvidence(
    ctx,
    `${router.name} over ${tiers.join(' → ')}`,
    [{ trainCost: train.cost, testCost: test.cost, testQuality: test.quality }],
    'router',
  );
  const out: TierCalibrateResult['tiers'] = tiers.map((model, k) =>
    k === 0 ? { model } : { model, minScore: round(mins[k - 1]!) },
  );
  const yaml = out.length < 2 ? [`# every request goes to ${tiers[0]}: no tiers needed`] : ['tiers:'];
  for (const t of out.length < 2 ? [] : out) {
    yaml.push(`  - model: ${t.model}`);
    if (t.minScore !== undefined) yaml.push(`    minScore: ${t.minScore}`);
  }
  const pct = (xs: number[]) => xs.map((x, i) => `${tiers[i]} ${(x * 100).toFixed(1)}%`).join(', ');
  const lines = [
    `router calibrate on ${ds.name} (train ${tr.length} / test ${te.length}; router ${router.name})`,
    '',
    ...singlesTable(ctx.testSingles, ctx.testHull, ds.binary),
    '',
    `train: $${train.cost.toPrecision(4)}/request, quality ${train.quality.toFixed(4)} (${pct(train.shares)})`,
    `test:  $${test.cost.toPrecision(4)}/request, quality ${test.quality.toFixed(4)} (${pct(test.shares)})`,
    '',
    ...evidenceTable([row], row.random, ds.binary),
    '',
    `Put under the feature's \`route\` (with \`router: ${o.router}\`):`,
    '',
    ...yaml,
  ];
  const text = lines.join('\n');
  log(text);
  return { tiers: out, train, test, row, yaml: yaml.join('\n'), text };
}
