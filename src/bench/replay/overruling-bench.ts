/**
 * Replays cascades over FrugalGPT's OVERRULING answers (12 APIs, recorded $ per call) with Penny's own
 * cascade policy and checks. Chains are searched FrugalGPT-style on the train half only: every chain of
 * two or three models ending in a strong model, each non-final step gated by a learned acceptance score
 * (which peers it agrees with, what it answered, whether it hedges, the prompt's words) at a threshold
 * picked on out-of-fold train scores. The chosen chain is then run through `walkCascade` on the test
 * half; what is reported is that replay, charged every call it made.
 */
import { type Money, moneyToNumber } from '../../core/money.js';
import { acceptanceCheck, acceptanceFeatureText } from '../../pipeline/cascade/acceptance.js';
import {
  type CandidateAnswer,
  type Check,
  compileCheck,
  nonEmpty,
  notRefusalOrHedge,
  type PeerAnswer,
} from '../../pipeline/cascade/checks.js';
import { type CascadeStep, walkCascade } from '../../pipeline/cascade/policy.js';
import { predict, type RouterModel, train } from '../../pipeline/route/classifier.js';
import { hash32 } from '../../pipeline/route/sparse-hash.js';
import type { OverrulingDataset, OverrulingRecord } from './datasets.js';
import { aiq } from './metrics.js';
import { splitRecords } from './split.js';

function minMoney(xs: readonly Money[]): Money {
  let m = xs[0]!;
  for (const x of xs) if (x < m) m = x;
  return m;
}

export interface CascadeReplay {
  label: string;
  chain: string[];
  accuracy: number;
  costPerQuery: number;
  /** Share of queries answered by each model. */
  answeredBy: Record<string, number>;
  /** Share of queries that called each model. */
  calls: Record<string, number>;
  thresholds?: number[];
  train?: { accuracy: number; costPerQuery: number };
}

/** A reference chain as replayed on both halves (the train cost places its random baseline). */
export interface ReferenceChain {
  label: string;
  chain: string[];
  checks: readonly (readonly Check[])[] | ((r: OverrulingRecord) => readonly (readonly Check[])[]);
  replayable: boolean;
}

export interface OverrulingReport {
  nTrain: number;
  nTest: number;
  gpt4: { accuracy: number; costPerQuery: number };
  budgetFraction: number;
  singles: { model: string; accuracy: number; costPerQuery: number }[];
  oracle: { accuracy: number; costPerQuery: number };
  references: CascadeReplay[];
  /** The reference chains replayed on the train half. */
  referencesTrain: CascadeReplay[];
  chosen: CascadeReplay;
  /** Chains chosen on train for a range of budgets, replayed on test (the cost–quality curve). */
  frontier: CascadeReplay[];
  aiq: { singles: number; combined: number };
  searched: number;
}

const ACCEPT_LOGREG = { learningRate: 0.02, l2: 1e-3, epochs: 15, batchSize: 32 } as const;
const STRONG_FINALS = ['gpt-4', 'text-davinci-002'];
/** Models worth a first or second step: the cheap ones, plus gpt-3.5 (gptj answers "Yes" to everything). */
const CHEAP_STEPS = [
  'fairseq_gpt_13B',
  'j1-large',
  'gptneox_20B',
  'text-curie-001',
  'gpt-3.5-turbo',
  'j1-grande',
];

const usdOf = (m: Money) => moneyToNumber(m);

function answerOf(r: OverrulingRecord, model: string): CandidateAnswer {
  return { text: r.answers[model] ?? '' };
}

function peersFor(r: OverrulingRecord, prefix: readonly string[]): PeerAnswer[] {
  const out: PeerAnswer[] = [];
  for (let k = prefix.length - 1; k >= 0; k--)
    out.push({ model: prefix[k]!, answer: answerOf(r, prefix[k]!) });
  return out;
}

const hardChecks: Check[] = [
  { name: 'nonEmpty', run: (a) => nonEmpty(a.text) },
  { name: 'notRefusalOrHedge', run: (a) => notRefusalOrHedge(a.text) },
];

function hardPass(a: CandidateAnswer): boolean {
  return hardChecks.every((c) => c.run(a).passed);
}

/** Acceptance model for `model` given earlier `prefix` answers: P(answer correct). */
function trainAcceptance(
  rows: readonly OverrulingRecord[],
  model: string,
  prefix: readonly string[],
  seed: number,
) {
  const examples = rows.map((r) => ({
    text: acceptanceFeatureText(model, answerOf(r, model), peersFor(r, prefix), r.content),
    label: r.correct[model] ? 1 : 0,
  }));
  return train(examples, { ...ACCEPT_LOGREG, seed, meta: { purpose: 'cascade acceptance', model } });
}

function scoreRows(
  m: RouterModel,
  rows: readonly OverrulingRecord[],
  model: string,
  prefix: readonly string[],
): Float64Array {
  return Float64Array.from(rows, (r) =>
    hardPass(answerOf(r, model))
      ? predict(m, acceptanceFeatureText(model, answerOf(r, model), peersFor(r, prefix), r.content))
      : -1,
  );
}

/** Runs a chain through the production policy on `rows`. */
export function replayChain(
  rows: readonly OverrulingRecord[],
  label: string,
  chain: readonly string[],
  checksPerStep: readonly (readonly Check[])[] | ((r: OverrulingRecord) => readonly (readonly Check[])[]),
): CascadeReplay {
  const stepsFor = (r: OverrulingRecord): CascadeStep[] => {
    const checks = typeof checksPerStep === 'function' ? checksPerStep(r) : checksPerStep;
    return chain.map((model, i) => ({ model, checks: checks[i] ?? [] }));
  };
  const fixed = typeof checksPerStep === 'function' ? null : stepsFor(rows[0]!);
  let correct = 0;
  let cost = 0n;
  const answeredBy: Record<string, number> = {};
  const calls: Record<string, number> = {};
  for (const r of rows) {
    const trace = walkCascade(fixed ?? stepsFor(r), (model) => answerOf(r, model), { prompt: r.content });
    for (const o of trace.outcomes) {
      cost += r.cost[o.model]!;
      calls[o.model] = (calls[o.model] ?? 0) + 1 / rows.length;
    }
    if (trace.decision.action === 'accept') {
      const m = trace.decision.model;
      if (r.correct[m]) correct++;
      answeredBy[m] = (answeredBy[m] ?? 0) + 1 / rows.length;
    }
  }
  return {
    label,
    chain: [...chain],
    accuracy: correct / rows.length,
    costPerQuery: usdOf(cost) / rows.length,
    answeredBy,
    calls,
  };
}

interface ChainCandidate {
  chain: string[];
  thresholds: number[];
  accuracy: number;
  cost: number;
}

/** Evaluates a chain with per-step acceptance scores (precomputed) and thresholds. Pure arithmetic. */
function simulate(
  rows: readonly OverrulingRecord[],
  chain: readonly string[],
  scores: readonly Float64Array[],
  thresholds: readonly number[],
): { accuracy: number; cost: number } {
  let correct = 0;
  let cost = 0n;
  for (let q = 0; q < rows.length; q++) {
    const r = rows[q]!;
    for (let k = 0; k < chain.length; k++) {
      const m = chain[k]!;
      cost += r.cost[m]!;
      const last = k === chain.length - 1;
      if (last || scores[k]![q]! >= thresholds[k]!) {
        if (r.correct[m]) correct++;
        break;
      }
    }
  }
  return { accuracy: correct / rows.length, cost: usdOf(cost) / rows.length };
}

function quantileGrid(xs: Float64Array, n: number): number[] {
  const s = [...xs].filter((x) => x >= 0).sort((a, b) => a - b);
  const out = new Set<number>([Number.POSITIVE_INFINITY]);
  for (let i = 0; i < n; i++) out.add(s[Math.min(s.length - 1, Math.floor((i * s.length) / n))] ?? 0);
  out.add(0);
  return [...out];
}

export interface OverrulingBenchOptions {
  /** Target cost as a fraction of gpt-4's $/query. Default 0.3. */
  budgetFraction?: number;
  seed?: number;
  log?: (line: string) => void;
}

export function runOverrulingBench(
  ds: OverrulingDataset,
  opts: OverrulingBenchOptions = {},
): OverrulingReport {
  const log = opts.log ?? (() => {});
  const seed = opts.seed ?? 1;
  const budgetFraction = opts.budgetFraction ?? 0.3;
  const { train: tr, test: te } = splitRecords(ds.records);
  const models = ds.models;
  const single = (rows: readonly OverrulingRecord[], m: string) => ({
    model: m,
    accuracy: rows.filter((r) => r.correct[m]).length / rows.length,
    costPerQuery: usdOf(rows.reduce((a, r) => a + r.cost[m]!, 0n)) / rows.length,
  });
  const singles = models.map((m) => single(te, m)).sort((a, b) => a.costPerQuery - b.costPerQuery);
  const gpt4Train = single(tr, 'gpt-4');
  const gpt4 = single(te, 'gpt-4');

  let oAcc = 0;
  let oCost = 0n;
  for (const r of te) {
    const ok = models.filter((m) => r.correct[m]).map((m) => r.cost[m]!);
    const pool = ok.length > 0 ? ok : models.map((m) => r.cost[m]!);
    if (ok.length > 0) oAcc++;
    oCost += minMoney(pool);
  }

  // Reference cascades, through the same policy.
  const agree = (withModel: string) => compileCheck({ type: 'agreement', mode: 'exact', withModel });
  const refs: ReferenceChain[] = [
    {
      label: 'gpt-3.5-turbo → gpt-4, escalate when gpt-3.5 and j1-large disagree',
      chain: ['gpt-3.5-turbo', 'j1-large', 'gpt-4'],
      checks: [[agree('j1-large')], [agree('gpt-3.5-turbo')], []],
      replayable: true,
    },
    {
      label: 'gpt-3.5-turbo → gpt-4, escalate on refusal/hedge only',
      chain: ['gpt-3.5-turbo', 'gpt-4'],
      checks: [hardChecks, []],
      replayable: true,
    },
    {
      label: 'gpt-3.5-turbo → gpt-4, perfect checker (oracle, not replayable)',
      chain: ['gpt-3.5-turbo', 'gpt-4'],
      checks: (r) => [
        [{ name: 'oracle', run: () => ({ name: 'oracle', passed: r.correct['gpt-3.5-turbo'] === true }) }],
        [],
      ],
      replayable: false,
    },
  ];
  const references = refs.map((c) => replayChain(te, c.label, c.chain, c.checks));
  const referencesTrain = refs.map((c) => replayChain(tr, c.label, c.chain, c.checks));

  // FrugalGPT-style search on train. Acceptance scores on train are out-of-fold (2 folds) so the
  // thresholds are not fitted to a scorer that has memorised its own training answers.
  const fold = tr.map((r) => hash32(`penny-cv-v1:${r.id}`) >>> 31);
  const oofCache = new Map<string, Float64Array>();
  const oofScores = (model: string, prefix: readonly string[]): Float64Array => {
    const key = `${prefix.join('>')}|${model}`;
    const hit = oofCache.get(key);
    if (hit) return hit;
    const out = new Float64Array(tr.length);
    for (const k of [0, 1]) {
      const m = trainAcceptance(
        tr.filter((_, i) => fold[i] !== k),
        model,
        prefix,
        seed,
      );
      const idx = tr.map((_, i) => i).filter((i) => fold[i] === k);
      const s = scoreRows(
        m,
        idx.map((i) => tr[i]!),
        model,
        prefix,
      );
      idx.forEach((i, j) => {
        out[i] = s[j]!;
      });
    }
    oofCache.set(key, out);
    return out;
  };

  const chains: string[][] = [];
  for (const fin of STRONG_FINALS) {
    for (let a = 0; a < CHEAP_STEPS.length; a++) {
      chains.push([CHEAP_STEPS[a]!, fin]);
      for (let b = 0; b < CHEAP_STEPS.length; b++) {
        if (b !== a) chains.push([CHEAP_STEPS[a]!, CHEAP_STEPS[b]!, fin]);
      }
    }
  }
  // Four-step chains whose first two steps only gather evidence (never accepted): their answers are
  // peers for the third step's acceptance score, as in "ask two cheap models, then decide".
  const EVIDENCE = ['fairseq_gpt_13B', 'j1-large', 'gptneox_20B', 'text-curie-001'];
  for (const fin of STRONG_FINALS) {
    for (let a = 0; a < EVIDENCE.length; a++) {
      for (let b = a + 1; b < EVIDENCE.length; b++) {
        chains.push([EVIDENCE[a]!, EVIDENCE[b]!, 'gpt-3.5-turbo', fin]);
      }
    }
  }
  const candidates: ChainCandidate[] = [];
  const GRID = 16;
  for (const chain of chains) {
    const evidenceOnly = chain.length === 4;
    const scores: Float64Array[] = [];
    for (let k = 0; k < chain.length - 1; k++) {
      scores.push(
        evidenceOnly && k < 2
          ? new Float64Array(tr.length).fill(-1)
          : oofScores(chain[k]!, chain.slice(0, k)),
      );
    }
    const grids = scores.map((s) => quantileGrid(s, GRID));
    const combos: number[][] = grids.length === 1 ? grids[0]!.map((t) => [t]) : [];
    if (grids.length === 2) for (const t0 of grids[0]!) for (const t1 of grids[1]!) combos.push([t0, t1]);
    if (evidenceOnly)
      for (const t2 of grids[2]!) combos.push([Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY, t2]);
    for (const th of combos) {
      const r = simulate(tr, chain, scores, [...th, 0]);
      candidates.push({ chain, thresholds: th, accuracy: r.accuracy, cost: r.cost });
    }
  }
  log(
    `  overruling: searched ${chains.length} chains, ${candidates.length} threshold settings on ${tr.length} train queries`,
  );

  const pick = (fraction: number): ChainCandidate | null => {
    const cap = fraction * gpt4Train.costPerQuery;
    let best: ChainCandidate | null = null;
    for (const c of candidates) {
      if (c.cost > cap) continue;
      if (!best || c.accuracy > best.accuracy || (c.accuracy === best.accuracy && c.cost < best.cost))
        best = c;
    }
    return best;
  };

  const finalModels = new Map<string, RouterModel>();
  const finalScorer = (model: string, prefix: readonly string[]) => {
    const key = `${prefix.join('>')}|${model}`;
    let m = finalModels.get(key);
    if (!m) {
      m = trainAcceptance(tr, model, prefix, seed);
      finalModels.set(key, m);
    }
    return m;
  };
  const replayCandidate = (c: ChainCandidate, label: string): CascadeReplay => {
    const checks: Check[][] = c.chain.map((model, k) => {
      if (k === c.chain.length - 1) return [];
      const th = c.thresholds[k]!;
      if (th === Number.POSITIVE_INFINITY) {
        return [{ name: 'never-accept', run: () => ({ name: 'never-accept', passed: false }) }];
      }
      return [...hardChecks, acceptanceCheck(finalScorer(model, c.chain.slice(0, k)), model, th)];
    });
    const rep = replayChain(te, label, c.chain, checks);
    return { ...rep, thresholds: c.thresholds, train: { accuracy: c.accuracy, costPerQuery: c.cost } };
  };

  const chosenCand = pick(budgetFraction);
  if (!chosenCand) throw new Error('overruling: no chain fits the budget on train');
  const chosen = replayCandidate(
    chosenCand,
    `Penny cascade ${chosenCand.chain.join(' → ')} (chosen on train for ≤ ${Math.round(100 * budgetFraction)}% of gpt-4 $)`,
  );

  const frontier: CascadeReplay[] = [];
  for (const f of [0.08, 0.12, 0.16, 0.2, 0.25, 0.3, 0.4, 0.5, 0.65, 0.8, 1]) {
    const c = pick(f);
    if (c) frontier.push(replayCandidate(c, `budget ${Math.round(100 * f)}%`));
  }
  const xmax = Math.max(gpt4.costPerQuery, ...frontier.map((p) => p.costPerQuery));
  return {
    nTrain: tr.length,
    nTest: te.length,
    gpt4,
    budgetFraction,
    singles,
    oracle: { accuracy: oAcc / te.length, costPerQuery: usdOf(oCost) / te.length },
    references,
    referencesTrain,
    chosen,
    frontier,
    aiq: {
      singles: aiq(
        singles.map((s) => [s.costPerQuery, s.accuracy]),
        xmax,
      ),
      combined: aiq(
        [
          ...singles.map((s): [number, number] => [s.costPerQuery, s.accuracy]),
          ...frontier.map((p): [number, number] => [p.costPerQuery, p.accuracy]),
        ],
        xmax,
      ),
    },
    searched: candidates.length,
  };
}
