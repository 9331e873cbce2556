/**
 * Replays routers on RouteLLM's two-model data (weak Mixtral vs strong GPT-4) and scores them with the
 * papers' metrics on the test half. Routers: random, oracle, prompt length, Penny's heuristic scorer,
 * Penny's trained classifier (in-domain, method picked by CV on train), transfer models trained on
 * other datasets, and — on GSM8K, where the weak answers are recorded — Penny's cascade, which always
 * calls the weak model and escalates on its checks (so its cost includes every weak call).
 */
import type { Money } from '../../core/money.js';
import { acceptanceFeatureText } from '../../pipeline/cascade/acceptance.js';
import {
  arithmeticConsistency,
  nonEmpty,
  notRefusalOrHedge,
  scoreCheck,
} from '../../pipeline/cascade/checks.js';
import { walkCascade } from '../../pipeline/cascade/policy.js';
import { predict, type RouterModel, train } from '../../pipeline/route/classifier.js';
import { heuristicScore } from '../../pipeline/route/heuristic-scorer.js';
import { mulberry32 } from '../../pipeline/route/prng.js';
import { strongFraction, thresholdForStrongFraction } from '../../pipeline/route/threshold.js';
import { STRONG, type TwoModelDataset, type TwoModelRecord, WEAK } from './datasets.js';
import { aiq, type CurvePoint, evaluateScores, meanOf, percentile } from './metrics.js';
import { PyRandom } from './py-random.js';
import {
  LOGREG_DEFAULTS,
  routerExamples,
  routerLabel,
  ROUTER_METHODS,
  selectMethodByCv,
  trainRouterModel,
} from './router-training.js';
import { splitRecords } from './split.js';

export type RouterKind = 'baseline' | 'penny' | 'transfer' | 'cascade';

export interface CostCurvePoint extends CurvePoint {
  costPerQuery: number;
}

export interface Interval {
  lo: number;
  hi: number;
}

export interface RouterRow {
  router: string;
  kind: RouterKind;
  apgr: number;
  cpt50: number;
  cpt80: number;
  aiq: number;
  curve: CostCurvePoint[];
  ci?: { apgr: Interval; cpt50: Interval; cpt80: Interval };
  /** The threshold chosen on train for a target strong fraction, applied to test. */
  operating?: { targetPct: number; strongPct: number; quality: number; costPerQuery: number };
  note?: string;
}

/** A policy's scores by record id (train half: out-of-fold where it was trained there), for `evidence.ts`. */
export interface EvidenceInput {
  router: string;
  kind: RouterKind;
  /** The weak model is always called (a cascade) rather than routed. */
  cascade: boolean;
  byId: Map<string, number>;
}

export interface TwoModelReport {
  dataset: string;
  evidenceInputs: EvidenceInput[];
  title: string;
  binary: boolean;
  evaluatedOn: string;
  nTrain: number;
  nTest: number;
  weakQuality: number;
  strongQuality: number;
  weakCost: number;
  strongCost: number;
  rows: RouterRow[];
}

const toUsd = (m: Money) => Number(m) / 1e12;

/** Cost per query along a curve; `weakAlways` charges the weak call on every query (a cascade). */
function withCost(
  items: readonly TwoModelRecord[],
  scores: readonly number[],
  curve: readonly CurvePoint[],
  weakAlways: boolean,
): CostCurvePoint[] {
  return curve.map((p) => {
    let c = 0n;
    items.forEach((it, k) => {
      const sel = p.strict ? scores[k]! > p.threshold : scores[k]! >= p.threshold;
      c += sel ? it.costS : it.costW;
      if (weakAlways && sel) c += it.costW;
    });
    return { ...p, costPerQuery: toUsd(c) / items.length };
  });
}

interface RowSpec {
  router: string;
  kind: RouterKind;
  scores: number[];
  weakAlways?: boolean;
  /** Train-half scores for the operating-point threshold (out-of-fold when the model saw train). */
  calibration?: number[];
  note?: string;
}

const OPERATING_TARGET = 0.3;

/** Percentile bootstrap (resampling test records) of APGR and CPT for fixed scores. */
export function bootstrap(
  items: readonly TwoModelRecord[],
  scores: readonly number[],
  b = 1000,
  seed = 7,
): RouterRow['ci'] {
  const rand = mulberry32(seed);
  const a: number[] = [];
  const c5: number[] = [];
  const c8: number[] = [];
  const n = items.length;
  for (let t = 0; t < b; t++) {
    const its: TwoModelRecord[] = [];
    const sc: number[] = [];
    for (let k = 0; k < n; k++) {
      const i = Math.floor(rand() * n);
      its.push(items[i]!);
      sc.push(scores[i]!);
    }
    const wq = meanOf(its.map((x) => x.w));
    const sq = meanOf(its.map((x) => x.s));
    if (sq === wq) continue;
    const r = evaluateScores(its, sc);
    a.push(r.apgr);
    c5.push(r.cpt50);
    c8.push(r.cpt80);
  }
  const iv = (xs: number[]): Interval => ({ lo: percentile(xs, 2.5), hi: percentile(xs, 97.5) });
  return { apgr: iv(a), cpt50: iv(c5), cpt80: iv(c8) };
}

function buildRow(items: readonly TwoModelRecord[], spec: RowSpec, withCi: boolean): RouterRow {
  const r = evaluateScores(items, spec.scores);
  const row: RouterRow = {
    router: spec.router,
    kind: spec.kind,
    apgr: r.apgr,
    cpt50: r.cpt50,
    cpt80: r.cpt80,
    aiq: 0,
    curve: withCost(items, spec.scores, r.curve, spec.weakAlways ?? false),
    ...(spec.note ? { note: spec.note } : {}),
  };
  if (withCi) row.ci = bootstrap(items, spec.scores);
  if (spec.calibration && spec.calibration.length > 0) {
    const t = thresholdForStrongFraction(spec.calibration, OPERATING_TARGET);
    let q = 0;
    let c = 0n;
    items.forEach((it, k) => {
      const strong = spec.scores[k]! >= t;
      q += strong ? it.s : it.w;
      c += strong ? it.costS + (spec.weakAlways ? it.costW : 0n) : it.costW;
    });
    row.operating = {
      targetPct: 100 * OPERATING_TARGET,
      strongPct: 100 * strongFraction(spec.scores, t),
      quality: q / items.length,
      costPerQuery: toUsd(c) / items.length,
    };
  }
  return row;
}

/** Escalation score of the GSM8K cascade: learned score, plus 1 when a hard check fails. */
export function cascadeEscalationScore(model: RouterModel, r: TwoModelRecord): number {
  const answer = r.weakResponse ?? '';
  const hardFail =
    !nonEmpty(answer).passed || !notRefusalOrHedge(answer).passed || !arithmeticConsistency(answer).passed;
  return (hardFail ? 1 : 0) + predict(model, acceptanceFeatureText(WEAK, { text: answer }, [], r.prompt));
}

export interface TransferSources {
  /** Training halves of other datasets, for transfer rows: name → records and label kind. */
  [name: string]: { records: TwoModelRecord[]; binary: boolean };
}

export interface TwoModelBenchOptions {
  /** Datasets whose TRAIN halves feed the transfer routers. */
  transferFrom?: TransferSources;
  /** Evaluate on all records (MT-Bench: nothing is trained on it, and 72 questions is little). */
  evaluateAll?: boolean;
  bootstrapCi?: boolean;
  seed?: number;
  log?: (line: string) => void;
}

export function runTwoModelBench(ds: TwoModelDataset, opts: TwoModelBenchOptions = {}): TwoModelReport {
  const log = opts.log ?? (() => {});
  const seed = opts.seed ?? 1;
  const { train: tr, test: te0 } = splitRecords(ds.records);
  const te = opts.evaluateAll ? ds.records : te0;
  const withCi = opts.bootstrapCi ?? false;
  const specs: RowSpec[] = [];

  // Baselines, on the evaluated items, with baselines.py's constructions.
  const rnd = new PyRandom(0);
  const rs = te.map(() => rnd.random());
  specs.push({ router: 'random (seed 0)', kind: 'baseline', scores: rs });
  specs.push({
    router: 'oracle',
    kind: 'baseline',
    scores: te.map((r, i) => (ds.binary ? (r.s > r.w ? 1 : 0) : r.s - r.w) + 1e-9 * rs[i]!),
  });
  specs.push({
    router: 'prompt length',
    kind: 'baseline',
    scores: te.map((r, i) => r.prompt.length + 1e-9 * rs[i]!),
    calibration: tr.map((r) => r.prompt.length),
  });
  specs.push({
    router: 'Penny heuristic scorer',
    kind: 'penny',
    scores: te.map((r) => heuristicScore(r.prompt)),
    calibration: tr.map((r) => heuristicScore(r.prompt)),
  });

  if (!opts.evaluateAll) {
    log(`  ${ds.name}: choosing the classifier by 2-fold CV on ${tr.length} train prompts`);
    const cv = selectMethodByCv(tr, ds.binary, predict, undefined, seed);
    const cvText = Object.entries(cv.apgrByMethod)
      .map(([m, a]) => `${m} ${a.toFixed(3)}`)
      .join(', ');
    log(`  ${ds.name}: CV APGR on train: ${cvText} → ${cv.method}`);
    for (const method of ROUTER_METHODS) {
      const model = trainRouterModel(routerExamples(tr, ds.binary), method, seed);
      const chosen = method === cv.method;
      specs.push({
        router: `Penny classifier: ${method}${chosen ? ' (CV choice)' : ''}`,
        kind: 'penny',
        scores: te.map((r) => predict(model, r.prompt)),
        ...(chosen ? { calibration: cv.outOfFold } : {}),
        ...(chosen ? { note: `CV APGR on train: ${cvText}` } : {}),
      });
    }
  }

  // Task-type prior: the gateway knows each request's feature tag and can learn per-feature outcome
  // rates; MMLU's subject plays that tag here. Smoothed toward the overall train rate.
  if (!opts.evaluateAll && tr.every((r) => r.group !== undefined)) {
    const overall = meanOf(tr.map((r) => routerLabel(r, ds.binary)));
    const byGroup = new Map<string, [number, number]>();
    for (const r of tr) {
      const g = byGroup.get(r.group!) ?? [0, 0];
      g[0] += routerLabel(r, ds.binary);
      g[1] += 1;
      byGroup.set(r.group!, g);
    }
    const prior = (r: TwoModelRecord) => {
      const g = byGroup.get(r.group ?? '') ?? [0, 0];
      return (g[0] + 5 * overall) / (g[1] + 5);
    };
    specs.push({
      router: 'Penny task-type prior (subject as the feature tag)',
      kind: 'penny',
      scores: te.map((r, i) => prior(r) + 1e-9 * rs[i]!),
      calibration: tr.map(prior),
      note: 'uses the request’s task type, which a prompt-only router does not see',
    });
  }

  // Transfer: trained only on other datasets' train halves, method fixed a priori (logreg).
  const sources = Object.entries(opts.transferFrom ?? {}).filter(([name]) => name !== ds.name);
  if (sources.length > 0) {
    const total = sources.reduce((a, [, s]) => a + s.records.length, 0);
    // Each source dataset weighs the same in total, so MMLU's 7,000 prompts do not drown GSM8K's 650.
    const examples = sources.flatMap(([, s]) =>
      routerExamples(s.records, s.binary, total / (sources.length * s.records.length)),
    );
    const model = trainRouterModel(examples, 'logreg', seed, {
      trainedOn: sources.map(([n]) => n).join('+'),
    });
    specs.push({
      router: `transfer: logreg trained on ${sources.map(([n]) => n).join(' + ')}`,
      kind: 'transfer',
      scores: te.map((r) => predict(model, r.prompt)),
      calibration: tr.map((r) => predict(model, r.prompt)),
    });
  }

  // Cascade on the recorded weak answers (GSM8K only has them).
  let cascadeModel: RouterModel | null = null;
  let cascadeCalibration: number[] | null = null;
  if (!opts.evaluateAll && te.every((r) => r.weakResponse !== undefined)) {
    const examples = tr.map((r) => ({
      text: acceptanceFeatureText(WEAK, { text: r.weakResponse ?? '' }, [], r.prompt),
      label: routerLabel(r, true),
    }));
    const model = train(examples, { ...LOGREG_DEFAULTS, seed, meta: { purpose: 'cascade acceptance' } });
    // Out-of-fold train scores for the threshold: the model has seen its own training answers.
    const fold = tr.map((_, i) => i % 2);
    const oof = new Array<number>(tr.length).fill(0);
    for (const k of [0, 1]) {
      const m = train(
        examples.filter((_, i) => fold[i] !== k),
        { ...LOGREG_DEFAULTS, seed },
      );
      tr.forEach((r, i) => {
        if (fold[i] === k) oof[i] = cascadeEscalationScore(m, r);
      });
    }
    cascadeModel = model;
    cascadeCalibration = oof;
    specs.push({
      router: 'Penny cascade: weak first, checks + learned acceptance',
      kind: 'cascade',
      scores: te.map((r) => cascadeEscalationScore(model, r)),
      weakAlways: true,
      calibration: oof,
      note: 'checks: nonEmpty, notRefusalOrHedge, arithmeticConsistency (any failure escalates first), then a learned acceptance score',
    });
    const rndTrain = new PyRandom(1);
    specs.push({
      router: 'Penny cascade: arithmetic check only',
      kind: 'cascade',
      scores: te.map((r, i) => (arithmeticConsistency(r.weakResponse ?? '').passed ? 0 : 1) + 1e-9 * rs[i]!),
      weakAlways: true,
      calibration: tr.map(
        (r) => (arithmeticConsistency(r.weakResponse ?? '').passed ? 0 : 1) + 1e-9 * rndTrain.random(),
      ),
    });
  }

  const evidenceInputs: EvidenceInput[] = specs
    .filter(
      (sp) =>
        sp.router !== 'oracle' && !sp.router.startsWith('random') && (opts.evaluateAll || sp.calibration),
    )
    .map((sp) => {
      const byId = new Map<string, number>();
      te.forEach((r, i) => {
        byId.set(r.id, sp.scores[i]!);
      });
      if (!opts.evaluateAll) {
        tr.forEach((r, i) => {
          byId.set(r.id, sp.calibration![i]!);
        });
      }
      return { router: sp.router, kind: sp.kind, cascade: sp.weakAlways ?? false, byId };
    });
  // With every record evaluated there is no held-out train half to set an operating threshold on.
  const rows = specs.map((s) => {
    const { calibration, ...rest } = s;
    return buildRow(te, opts.evaluateAll || !calibration ? rest : { ...rest, calibration }, withCi);
  });
  // The cascade's operating point is replayed through the production policy (walkCascade), not recomputed.
  const cascadeRow = rows.find((r) => r.router.startsWith('Penny cascade: weak first'));
  if (cascadeRow?.operating && cascadeModel && cascadeCalibration) {
    const t = thresholdForStrongFraction(cascadeCalibration, OPERATING_TARGET);
    let q = 0;
    let c = 0n;
    let escalated = 0;
    for (const r of te) {
      const trace = replayCascadeItem(cascadeModel, r, t);
      const strong = trace.decision.action === 'accept' && trace.decision.model === STRONG;
      if (strong) escalated++;
      q += strong ? r.s : r.w;
      c += r.costW + (strong ? r.costS : 0n);
    }
    cascadeRow.operating = {
      targetPct: 100 * OPERATING_TARGET,
      strongPct: (100 * escalated) / te.length,
      quality: q / te.length,
      costPerQuery: toUsd(c) / te.length,
    };
  }
  const xmax = Math.max(...rows.flatMap((r) => r.curve.map((p) => p.costPerQuery)));
  for (const row of rows) {
    row.aiq = aiq(
      row.curve.map((p) => [p.costPerQuery, p.quality]),
      xmax,
    );
  }
  return {
    dataset: ds.name,
    evidenceInputs,
    title: ds.title,
    binary: ds.binary,
    evaluatedOn: opts.evaluateAll ? `all ${te.length} (nothing trained on it)` : `test half (${te.length})`,
    nTrain: tr.length,
    nTest: te.length,
    weakQuality: meanOf(te.map((r) => r.w)),
    strongQuality: meanOf(te.map((r) => r.s)),
    weakCost: toUsd(te.reduce((a, r) => a + r.costW, 0n)) / te.length,
    strongCost: toUsd(te.reduce((a, r) => a + r.costS, 0n)) / te.length,
    rows,
  };
}

/**
 * Runs the production cascade policy on one recorded GSM8K item: escalate when a hard check fails or
 * the learned escalation score reaches `threshold` (threshold <= 1, in the score's [0, 1] part).
 */
export function replayCascadeItem(model: RouterModel, r: TwoModelRecord, threshold: number) {
  const steps = [
    {
      model: WEAK,
      checks: [
        { name: 'nonEmpty', run: (a: { text: string }) => nonEmpty(a.text) },
        { name: 'notRefusalOrHedge', run: (a: { text: string }) => notRefusalOrHedge(a.text) },
        { name: 'arithmeticConsistency', run: (a: { text: string }) => arithmeticConsistency(a.text) },
        // Passes while the escalation probability stays below the threshold (score = −p, min = −t).
        scoreCheck(
          'acceptance',
          (a, ctx) => -predict(model, acceptanceFeatureText(WEAK, a, ctx.peers ?? [], ctx.prompt)),
          -threshold,
        ),
      ],
    },
    { model: STRONG, checks: [] },
  ];
  return walkCascade(
    steps,
    (m) => ({ text: m === WEAK ? (r.weakResponse ?? '') : (r.strongResponse ?? '') }),
    {
      prompt: r.prompt,
    },
  );
}
