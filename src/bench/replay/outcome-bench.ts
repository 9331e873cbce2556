/**
 * Replays Penny's routers and cascades on any recorded outcomes of N models (`outcomes.ts`), with the
 * honest baselines of `evidence.ts`: the single-model frontier, 1,000 seeded random routers through the
 * same sweep, and p-values. Everything is fitted on the train half (hash split) and scored on the test half.
 *
 * Routers (difficulty scores; routed along the train frontier, one segment at a time): prompt length,
 * Penny's heuristic scorer, and Penny's classifier trained per frontier segment (method by 2-fold CV on
 * train; out-of-fold train scores set the thresholds). Cascades, where answers are recorded: the default
 * checks (non-empty, no hedge), agreement with a parallel peer, and a learned acceptance score on the
 * answer's evidence, each from a frontier model to the next; plus any cascade config given on the command
 * line, walked through the gateway's own policy (`walkCascade`, `parallelWith` included).
 */
import { InvalidRequestError } from '../../core/errors.js';
import { type Money, moneyToNumber } from '../../core/money.js';
import { acceptanceFeatureText } from '../../pipeline/cascade/acceptance.js';
import {
  type CandidateAnswer,
  type Check,
  compileCheck,
  nonEmpty,
  notRefusalOrHedge,
  type PeerAnswer,
} from '../../pipeline/cascade/checks.js';
import type { CodeTestsSpec } from '../../sandbox/code-tests.js';
import { runCodeTestsSync } from '../../sandbox/code-tests.js';
import { type CascadeStep, walkCascade } from '../../pipeline/cascade/policy.js';
import { predict, train } from '../../pipeline/route/classifier.js';
import { hash32 } from '../../pipeline/route/features.js';
import { heuristicScore } from '../../pipeline/route/heuristic-scorer.js';
import type { TwoModelRecord } from './datasets.js';
import {
  type EvidenceContext,
  type EvidenceRow,
  cascadeSweepEvidence,
  evidenceContext,
  type ModelPoint,
  pointsEvidence,
  type RandomBaseline,
  randomFor,
  routerEvidence,
  standardTargets,
} from './evidence.js';
import type { OutcomeDataset, OutcomeRecord } from './outcomes.js';
import { LOGREG_DEFAULTS, routerExamples, selectMethodByCv, trainRouterModel } from './router-training.js';
import { splitRecords } from './split.js';

/** A cascade to replay: steps with compiled checks, optional parallel peer and code tests. */
export interface ReplayCascade {
  label: string;
  steps: (CascadeStep & { codeTests?: CodeTestsSpec; judge?: unknown })[];
}

export interface OutcomeBenchOptions {
  routers?: number;
  seed?: number;
  cascades?: readonly ReplayCascade[];
  /** Skip the learned classifier (fast runs, tests). */
  noClassifier?: boolean;
  /** The generic routers (length, heuristic, classifier) and cascades; default true. */
  builtinRouters?: boolean;
  builtinCascades?: boolean;
  /** Dataset-specific policies evaluated in the same context (same split, frontier and random routers). */
  extraRows?: (
    ctx: EvidenceContext,
    train: readonly OutcomeRecord[],
    test: readonly OutcomeRecord[],
    swapped: boolean,
  ) => EvidenceRow[];
  /** Run everything again with the halves swapped and attach each policy's result as its replication. */
  replicate?: boolean;
  /** Internal: train on the test half, score on the train half. */
  swapHalves?: boolean;
  log?: (line: string) => void;
}

export interface OutcomeReport {
  name: string;
  title: string;
  binary: boolean;
  nTrain: number;
  nTest: number;
  singles: ModelPoint[];
  trainFrontier: string[];
  testFrontier: ModelPoint[];
  random: RandomBaseline;
  rows: EvidenceRow[];
  notes: string[];
}

const usdOf = (m: Money) => moneyToNumber(m);

/** Two-model records for one frontier segment (cheaper `a`, dearer `b`). */
export function segmentRecords(rs: readonly OutcomeRecord[], a: string, b: string): TwoModelRecord[] {
  return rs.map((r) => ({
    id: r.id,
    prompt: r.prompt,
    w: r.score[a]!,
    s: r.score[b]!,
    costW: r.cost[a]!,
    costS: r.cost[b]!,
  }));
}

const answerOf = (r: OutcomeRecord, m: string): CandidateAnswer | null => {
  const text = r.response?.[m];
  if (text === undefined) return null;
  const lp = r.logprobs?.[m];
  return lp ? { text, logprobs: lp } : { text };
};

const hasAnswers = (rs: readonly OutcomeRecord[], m: string) =>
  rs.every((r) => r.response?.[m] !== undefined);

/** Walks a cascade over records; cost = every call made (parallel peers included), quality = the accepted model's score. */
export function replayCascadeOn(
  rs: readonly OutcomeRecord[],
  c: ReplayCascade,
): { cost: number; quality: number } {
  let cost = 0n;
  let q = 0;
  for (const r of rs) {
    const code = new Map<string, boolean>();
    const steps: CascadeStep[] = c.steps.map((s) => {
      if (!s.codeTests) return s;
      const spec = s.codeTests;
      const check: Check = {
        name: 'codeTests',
        run: (a) => {
          const key = `${s.model}`;
          let ok = code.get(key);
          if (ok === undefined) {
            const t = r.tests;
            const withTests = t ? { ...spec, tests: [spec.tests, t].filter(Boolean).join('\n\n') } : spec;
            ok = runCodeTestsSync(withTests, a.text, r.prompt).passed;
            code.set(key, ok);
          }
          return { name: 'codeTests', passed: ok };
        },
      };
      return { ...s, checks: [...s.checks, check] };
    });
    const trace = walkCascade(steps, (m) => answerOf(r, m), { prompt: r.prompt });
    for (const o of trace.outcomes) cost += r.cost[o.model] ?? 0n;
    for (const p of trace.parallel) cost += r.cost[p.model] ?? 0n;
    if (trace.decision.action === 'accept') q += r.score[trace.decision.model] ?? 0;
  }
  return { cost: usdOf(cost) / rs.length, quality: q / rs.length };
}

function hardChecks(): Check[] {
  return [
    { name: 'nonEmpty', run: (a) => nonEmpty(a.text) },
    { name: 'notRefusalOrHedge', run: (a) => notRefusalOrHedge(a.text) },
  ];
}

/** 1 − P(answer right) from a learned acceptance model, out-of-fold on train; hard-check failures score 1 + p. */
function acceptanceScores(
  tr: readonly OutcomeRecord[],
  te: readonly OutcomeRecord[],
  model: string,
  peer: string | null,
  binary: boolean,
  seed: number,
): { train: Float64Array; test: Float64Array } {
  const text = (r: OutcomeRecord) => {
    const peers: PeerAnswer[] = peer ? [{ model: peer, answer: answerOf(r, peer)! }] : [];
    return acceptanceFeatureText(model, answerOf(r, model)!, peers, r.prompt);
  };
  const hard = (r: OutcomeRecord) => (hardChecks().every((c) => c.run(answerOf(r, model)!).passed) ? 0 : 1);
  const label = (r: OutcomeRecord) => {
    const s = r.score[model]!;
    return binary ? s : Math.max(0, Math.min(1, (s - 1) / 9));
  };
  const examples = tr.map((r) => ({ text: text(r), label: label(r) }));
  const opts = { ...LOGREG_DEFAULTS, seed, meta: { purpose: 'cascade acceptance', model } };
  const full = train(examples, opts);
  const fold = tr.map((r) => hash32(`penny-cv-v1:${r.id}`) >>> 31);
  const oof = new Float64Array(tr.length);
  for (const k of [0, 1]) {
    const m = train(
      examples.filter((_, i) => fold[i] !== k),
      opts,
    );
    tr.forEach((r, i) => {
      if (fold[i] === k) oof[i] = hard(r) + 1 - predict(m, text(r));
    });
  }
  return { train: oof, test: Float64Array.from(te, (r) => hard(r) + 1 - predict(full, text(r))) };
}

export function runOutcomeBench(ds: OutcomeDataset, opts: OutcomeBenchOptions = {}): OutcomeReport {
  const log = opts.log ?? (() => {});
  const seed = opts.seed ?? 1;
  const halves = splitRecords(ds.records);
  const [tr, te] = opts.swapHalves ? [halves.test, halves.train] : [halves.train, halves.test];
  if (tr.length < 4 || te.length < 4) {
    throw new InvalidRequestError(
      `${ds.name}: too few records for a train/test split (${tr.length} / ${te.length})`,
    );
  }
  const ctx: EvidenceContext = evidenceContext(tr, te, ds.models, opts.routers ?? 1000, 20_240_601);
  const hull = ctx.trainHull;
  const notes: string[] = [];
  const rows: EvidenceRow[] = [];
  log(
    `  ${ds.name}: ${tr.length} train / ${te.length} test; train frontier ${hull.map((h) => h.model).join(' → ')}`,
  );
  if (hull.length < 2) {
    notes.push(
      'The train frontier has a single model (it is both cheapest and best): there is nothing to route.',
    );
  }

  if (hull.length >= 2 && opts.builtinRouters !== false) {
    const same = (f: (r: OutcomeRecord) => number) => {
      const s = { train: tr.map(f), test: te.map(f) };
      return () => s;
    };
    rows.push(
      routerEvidence(
        ctx,
        'prompt length (longer → dearer model)',
        same((r) => r.prompt.length),
      ),
    );
    rows.push(
      routerEvidence(
        ctx,
        'Penny heuristic scorer',
        same((r) => heuristicScore(r.prompt)),
      ),
    );
    if (!opts.noClassifier) {
      const perSegment = new Map<number, { train: number[]; test: number[] }>();
      const methods: string[] = [];
      for (let s = 0; s < hull.length - 1; s++) {
        const a = hull[s]!.model;
        const b = hull[s + 1]!.model;
        const trRecs = segmentRecords(tr, a, b);
        const cv = selectMethodByCv(trRecs, ds.binary, predict, undefined, seed);
        const model = trainRouterModel(routerExamples(trRecs, ds.binary), cv.method, seed);
        methods.push(`${a}→${b}: ${cv.method}`);
        perSegment.set(s, { train: cv.outOfFold, test: te.map((r) => predict(model, r.prompt)) });
      }
      rows.push(
        routerEvidence(
          ctx,
          'Penny classifier (trained per frontier segment)',
          (s) => perSegment.get(s)!,
          `method by 2-fold CV on train: ${methods.join('; ')}`,
        ),
      );
    }
  }
  if (hull.length >= 2 && opts.builtinCascades !== false) {
    // Built-in cascades along the frontier, where the answers are recorded.
    for (let s = 0; s < hull.length - 1; s++) {
      const a = hull[s]!.model;
      const b = hull[s + 1]!.model;
      if (!hasAnswers(ds.records, a)) continue;
      const checks = hardChecks();
      const basic: ReplayCascade = {
        label: `cascade ${a} → ${b}: non-empty, no hedge`,
        steps: [
          { model: a, checks },
          { model: b, checks: [] },
        ],
      };
      rows.push(fixedCascadeRow(ctx, tr, te, basic));
      const peer = ds.models
        .filter((m) => m !== a && m !== b && hasAnswers(ds.records, m))
        .sort((x, y) => ctx.train.mean(x, 'c') - ctx.train.mean(y, 'c'))[0];
      if (peer) {
        const agree = compileCheck({ type: 'agreement', mode: 'auto', withModel: peer });
        rows.push(
          fixedCascadeRow(ctx, tr, te, {
            label: `cascade ${a} → ${b}: agreement with ${peer} (parallelWith)`,
            steps: [
              { model: a, checks: [...checks, agree], parallelWith: peer },
              { model: b, checks: [] },
            ],
          }),
        );
      }
      const sc = acceptanceScores(tr, te, a, peer ?? null, ds.binary, seed);
      rows.push(
        cascadeSweepEvidence(
          ctx,
          `cascade ${a} → ${b}: learned acceptance on the answer${peer ? ` and ${peer}'s` : ''} (sweep)`,
          sc,
          s,
          peer ? `${peer} is called beside ${a} on every request and paid` : undefined,
          peer ? { train: ctx.train.mean(peer, 'c'), test: ctx.test.mean(peer, 'c') } : undefined,
        ),
      );
    }
  }
  if (opts.extraRows) rows.push(...opts.extraRows(ctx, tr, te, opts.swapHalves === true));
  for (const c of opts.cascades ?? []) rows.push(fixedCascadeRow(ctx, tr, te, c));
  if (opts.replicate && !opts.swapHalves) {
    log(`  ${ds.name}: replicating with the halves swapped`);
    const other = runOutcomeBench(ds, { ...opts, replicate: false, swapHalves: true, log: () => {} });
    const byName = new Map(other.rows.map((r) => [r.policy, r]));
    for (const r of rows) {
      const o = byName.get(r.policy);
      if (o) r.replication = { gain: o.gain, p: o.p };
    }
  }

  return {
    name: ds.name,
    title: ds.title,
    binary: ds.binary,
    nTrain: tr.length,
    nTest: te.length,
    singles: ctx.testSingles,
    trainFrontier: hull.map((h) => h.model),
    testFrontier: ctx.testHull,
    random: randomFor(ctx, standardTargets(hull)),
    rows,
    notes,
  };
}

function fixedCascadeRow(
  ctx: EvidenceContext,
  tr: readonly OutcomeRecord[],
  te: readonly OutcomeRecord[],
  c: ReplayCascade,
): EvidenceRow {
  const onTrain = replayCascadeOn(tr, c);
  const onTest = replayCascadeOn(te, c);
  const judged = c.steps.some((s) => s.judge !== undefined);
  return pointsEvidence(
    ctx,
    c.label,
    [{ trainCost: onTrain.cost, testCost: onTest.cost, testQuality: onTest.quality }],
    'cascade',
    judged ? 'judge checks are not replayable (no recorded grades) and were left out' : undefined,
  );
}
