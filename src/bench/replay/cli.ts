/**
 * Entry points for the replay benchmark and for `penny router train|eval`: thin shells over the bench
 * modules that resolve the datasets folder, write outputs, and print. When the datasets are absent they
 * say so and return null (the callers exit 0), so a checkout without `../shared/datasets` still works.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { InvalidRequestError } from '../../core/errors.js';
import { dirname, join } from 'node:path';
import {
  loadModel,
  predict,
  type RouterModel,
  type TrainExample,
  saveModel,
} from '../../pipeline/route/classifier.js';
import { hasSubjects } from '../../pipeline/route/subject-prior.js';
import {
  loadGsm8k,
  loadMmlu,
  loadMtBench,
  loadOverruling,
  resolveDatasetsDir,
  type TwoModelDataset,
  type TwoModelDatasetName,
} from './datasets.js';
import { aiq, evaluateScores } from './metrics.js';
import { type OverrulingReport, runOverrulingBench } from './overruling-bench.js';
import {
  overrulingMarkdown,
  overrulingSvg,
  targetsMarkdown,
  twoModelMarkdown,
  twoModelSvg,
} from './report.js';
import { runTwoModelBench, type TwoModelReport } from './routellm-bench.js';
import { EVIDENCE_METHOD, evidenceSummaryMarkdown, outcomeMarkdown, outcomeSvg } from './evidence-report.js';
import type { OutcomeReport } from './outcome-bench.js';
import { overrulingEvidence, twoModelEvidence } from './shared-evidence.js';
import { frontierOf, Split, singleModels } from './evidence.js';
import { segmentRecords } from './outcome-bench.js';
import { loadOutcomeFile } from './outcomes.js';
import { type RouterMethod, routerExamples, OUTCOME_METHODS, trainRouterModel } from './router-training.js';
import { STACK_FOLDS, STACK_MIN_EXAMPLES, stackCv } from './router-stack.js';
import { splitRecords } from './split.js';

export type ReplayDataset = TwoModelDatasetName | 'overruling' | 'all';

type Log = (line: string) => void;

function missing(log: Log): null {
  log(
    'replay: datasets not found (set PENNY_DATASETS or place them at ../shared/datasets beside the repository); nothing to do.',
  );
  return null;
}

function loadTwoModel(root: string, name: TwoModelDatasetName): TwoModelDataset {
  if (name === 'gsm8k') return loadGsm8k(root);
  if (name === 'mmlu') return loadMmlu(root);
  return loadMtBench(root);
}

export interface ReplayOptions {
  dataset?: ReplayDataset;
  out?: string;
  datasetsDir?: string;
  /** Seeded random routers in the baseline (default 1,000). */
  routers?: number;
  log?: Log;
}

export interface ReplayResult {
  summary: string;
  files: string[];
  twoModel: TwoModelReport[];
  overruling: OverrulingReport | null;
  evidence: OutcomeReport[];
}

/** Runs the replay benchmark, writes `summary.md` and one SVG per dataset into `out`. */
export function runReplay(opts: ReplayOptions = {}): ReplayResult | null {
  const log = opts.log ?? ((l: string) => console.log(l));
  const root = resolveDatasetsDir(opts.datasetsDir);
  if (!root) return missing(log);
  const which = opts.dataset ?? 'all';
  const out = opts.out ?? 'bench/results/replay';
  mkdirSync(out, { recursive: true });
  const files: string[] = [];
  const twoModel: TwoModelReport[] = [];
  const evidence: OutcomeReport[] = [];
  const routers = opts.routers ?? 1000;
  const writeEvidence = (ev: OutcomeReport) => {
    evidence.push(ev);
    const f = join(out, `${ev.name}-evidence.svg`);
    writeFileSync(f, outcomeSvg(ev));
    files.push(f);
  };
  const names: TwoModelDatasetName[] =
    which === 'all' ? ['gsm8k', 'mmlu', 'mt_bench'] : which === 'overruling' ? [] : [which];

  if (names.length > 0) {
    const needTransfer = names.length > 0;
    const gsm = names.includes('gsm8k') || needTransfer ? loadGsm8k(root) : null;
    const mmlu = names.includes('mmlu') || needTransfer ? loadMmlu(root) : null;
    const transferFrom = {
      ...(gsm ? { gsm8k: { records: splitRecords(gsm.records).train, binary: true } } : {}),
      ...(mmlu ? { mmlu: { records: splitRecords(mmlu.records).train, binary: true } } : {}),
    };
    for (const name of names) {
      const ds = name === 'gsm8k' && gsm ? gsm : name === 'mmlu' && mmlu ? mmlu : loadTwoModel(root, name);
      log(`replay: ${ds.title} (${ds.records.length} prompts after decontamination)`);
      const isMt = name === 'mt_bench';
      const rep = runTwoModelBench(ds, { transferFrom, evaluateAll: isMt, bootstrapCi: isMt, log });
      twoModel.push(rep);
      const svg = join(out, `${name}.svg`);
      writeFileSync(svg, twoModelSvg(rep));
      files.push(svg);
      log(`replay: ${ds.title}: against ${routers} random routers`);
      writeEvidence(twoModelEvidence(ds, rep, routers, log));
    }
  }
  let overruling: OverrulingReport | null = null;
  if (which === 'all' || which === 'overruling') {
    log('replay: FrugalGPT OVERRULING');
    const ovData = loadOverruling(root);
    overruling = runOverrulingBench(ovData, { log });
    const svg = join(out, 'overruling.svg');
    writeFileSync(svg, overrulingSvg(overruling));
    files.push(svg);
    log(`replay: OVERRULING: N-model routers and cascades against ${routers} random routers`);
    writeEvidence(overrulingEvidence(ovData, overruling, routers, log));
  }

  const parts = [
    '# Replay benchmark: Penny routers and cascades on recorded model outcomes',
    '',
    'Generated by `node --import tsx bench/replay.ts`. Split: a record is in the test half when the top bit of',
    'hash32("penny-split-v1:" + id) is set (id = prompt text for GSM8K/MMLU, row index for OVERRULING); every',
    'weight, threshold, method choice and cascade chain is fitted on the train half (methods by 2-fold CV inside it).',
    'Numbers below are on the test half; MT-Bench, on which nothing is trained, uses all 72 questions with',
    'bootstrap 95% intervals (1,000 resamples). RouteLLM rows apply its decontamination; APGR/CPT use its',
    "10-bin quantile sweep; AIQ is RouterBench's area under the cost–quality hull, normalised by the largest $/query.",
    '',
    evidenceSummaryMarkdown(evidence),
    targetsMarkdown(twoModel, overruling),
    ...twoModel.map(twoModelMarkdown),
    ...(overruling ? [overrulingMarkdown(overruling)] : []),
    '# Against random routers and the single-model frontier',
    '',
    ...EVIDENCE_METHOD,
    '',
    ...evidence.map((e) => outcomeMarkdown({ ...e, title: `${e.title}: against random routers` })),
  ];
  const summary = parts.join('\n');
  const md = join(out, 'summary.md');
  writeFileSync(md, summary);
  files.push(md);
  return { summary, files, twoModel, overruling, evidence };
}

// ---------------------------------------------------------------------------------------------------
// penny router train | eval

export interface RouterTrainOptions {
  /** A RouteLLM dataset (its train half), 'gsm8k+mmlu', or a JSONL file of {text, label, weight?}. */
  dataset?: TwoModelDatasetName | 'gsm8k+mmlu';
  input?: string;
  /** Outcome-file input: the two models to learn between (default: cheapest and best on the frontier). */
  cheap?: string;
  strong?: string;
  method?: RouterMethod | 'auto';
  /** Where to write the model JSON. */
  out: string;
  datasetsDir?: string;
  seed?: number;
  log?: Log;
}

export interface RouterTrainResult {
  path: string;
  method: RouterMethod;
  examples: number;
  cv?: Record<string, number>;
}

function readJsonl(path: string): TrainExample[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l, i) => {
      const v = JSON.parse(l) as { text?: unknown; label?: unknown; weight?: unknown; group?: unknown };
      if (
        typeof v.text !== 'string' ||
        typeof v.label !== 'number' ||
        (v.group !== undefined && typeof v.group !== 'string')
      ) {
        throw new TypeError(
          `${path}:${i + 1}: expected {"text": string, "label": number, "weight"?: number, "group"?: string}`,
        );
      }
      return {
        text: v.text,
        label: v.label,
        ...(typeof v.weight === 'number' ? { weight: v.weight } : {}),
        ...(typeof v.group === 'string' ? { group: v.group } : {}),
      };
    });
}

/** True when the file is an outcome file (CSV, or JSONL whose first record has `models`). */
function isOutcomeFile(path: string): boolean {
  if (path.toLowerCase().endsWith('.csv')) return true;
  const first = readFileSync(path, 'utf8')
    .split('\n')
    .find((l) => l.trim() !== '');
  try {
    const v = JSON.parse(first ?? '{}') as Record<string, unknown>;
    return typeof v === 'object' && v !== null && 'models' in v;
  } catch {
    return false;
  }
}

/** Trains a router model and writes it as JSON. Returns null when the datasets are missing. */
export function routerTrain(opts: RouterTrainOptions): RouterTrainResult | null {
  const log = opts.log ?? ((l: string) => console.log(l));
  const seed = opts.seed ?? 1;
  let examples: TrainExample[];
  // No --method, or `auto`: the stack, whose 5-fold CV inside the training data picks the router kinds
  // and their weights (one kind alone when no mix beats it).
  const auto = opts.method === 'auto' || opts.method === undefined;
  let method: RouterMethod = opts.method === 'auto' || opts.method === undefined ? 'stack' : opts.method;
  if (opts.input && isOutcomeFile(opts.input)) {
    // Recorded outcomes: learn "needs the dearer model" between the cheapest and the best frontier model.
    const ds = loadOutcomeFile(opts.input);
    const hull = frontierOf(singleModels(new Split(ds.records, ds.models), ds.models));
    const cheap = opts.cheap ?? hull[0]!.model;
    const strong = opts.strong ?? hull[hull.length - 1]!.model;
    for (const [flag, m] of [
      ['--cheap', cheap],
      ['--strong', strong],
    ] as const) {
      if (!ds.models.includes(m))
        throw new InvalidRequestError(`${flag} ${m} is not in ${ds.name} (${ds.models.join(', ')})`);
    }
    if (cheap === strong) throw new InvalidRequestError(`--cheap and --strong are the same model (${cheap})`);
    // The train half only, as with the datasets, so `router eval --input` on the test half is honest.
    const recs = segmentRecords(splitRecords(ds.records).train, cheap, strong);
    examples = routerExamples(recs, ds.binary);
    log(
      `router: ${ds.name}: learning when ${strong} is needed over ${cheap} (train half: ${recs.length} prompts)`,
    );
  } else if (opts.input) {
    examples = readJsonl(opts.input);
  } else {
    const root = resolveDatasetsDir(opts.datasetsDir);
    if (!root) return missing(log);
    const name = opts.dataset ?? 'gsm8k+mmlu';
    const sets = name === 'gsm8k+mmlu' ? [loadGsm8k(root), loadMmlu(root)] : [loadTwoModel(root, name)];
    const halves = sets.map((d) => ({ d, train: splitRecords(d.records).train }));
    const total = halves.reduce((a, h) => a + h.train.length, 0);
    // Records without a subject of their own (GSM8K) take the dataset's name, so the subject prior of a
    // pooled router can tell the datasets apart.
    examples = halves.flatMap((h) =>
      routerExamples(h.train, h.d.binary, total / (halves.length * h.train.length), h.d.name),
    );
  }
  if (auto && examples.length < STACK_MIN_EXAMPLES) {
    method = 'logreg';
    log(
      `router: ${examples.length} examples are too few for the stack's ${STACK_FOLDS}-fold CV (${STACK_MIN_EXAMPLES}); training logreg`,
    );
  }
  if (OUTCOME_METHODS.includes(method) && examples.some((e) => e.strong === undefined)) {
    throw new InvalidRequestError(
      `--method ${method} learns each model's recorded outcome; ${opts.input ?? 'these examples'} has single labels only (use --dataset or an outcome file, or another method)`,
      '--method',
    );
  }
  if (method === 'subject-prior' && !hasSubjects(examples)) {
    throw new InvalidRequestError(
      `--method subject-prior learns each subject's need for the strong model; ${opts.input ?? 'these examples'} ${opts.input ? 'needs a "group" on every example and at least two groups' : 'has a single subject'} (use --dataset mmlu, mt_bench or gsm8k+mmlu, or another method)`,
      '--method',
    );
  }
  const model = trainRouterModel(examples, method, seed, {
    source: opts.input ?? opts.dataset ?? 'gsm8k+mmlu',
  });
  mkdirSync(dirname(opts.out), { recursive: true });
  writeFileSync(opts.out, saveModel(model));
  const cv = method === 'stack' ? stackCv(model.meta) : undefined;
  if (cv) {
    log(
      `router: 5-fold CV ${model.meta.cv_auc === undefined ? 'APGR' : 'ROC AUC'}: ${Object.entries(cv)
        .map(([m, a]) => `${m} ${a.toFixed(3)}`)
        .join(', ')} → ${String(model.meta.picks)}`,
    );
  }
  log(`router: trained ${method} on ${examples.length} examples → ${opts.out}`);
  return { path: opts.out, method, examples: examples.length, ...(cv ? { cv } : {}) };
}

export interface RouterEvalOptions {
  model: string;
  dataset: TwoModelDatasetName;
  /** 'test' (default) or 'all' records. */
  split?: 'test' | 'all';
  datasetsDir?: string;
  log?: Log;
}

export interface RouterEvalResult {
  dataset: string;
  n: number;
  apgr: number;
  cpt50: number;
  cpt80: number;
  aiq: number;
}

/** Evaluates a saved router model on a RouteLLM dataset and prints APGR, CPT and AIQ. */
export function routerEval(opts: RouterEvalOptions): RouterEvalResult | null {
  const log = opts.log ?? ((l: string) => console.log(l));
  const root = resolveDatasetsDir(opts.datasetsDir);
  if (!root) return missing(log);
  const model: RouterModel = loadModel(readFileSync(opts.model, 'utf8'));
  const ds = loadTwoModel(root, opts.dataset);
  const items = opts.split === 'all' ? ds.records : splitRecords(ds.records).test;
  const scores = items.map((r) => predict(model, r.prompt));
  const r = evaluateScores(items, scores);
  const cost = r.curve.map((p): [number, number] => {
    let c = 0n;
    items.forEach((it, k) => {
      const sel = p.strict ? scores[k]! > p.threshold : scores[k]! >= p.threshold;
      c += sel ? it.costS : it.costW;
    });
    return [Number(c) / 1e12 / items.length, p.quality];
  });
  const res: RouterEvalResult = {
    dataset: ds.name,
    n: items.length,
    apgr: r.apgr,
    cpt50: r.cpt50,
    cpt80: r.cpt80,
    aiq: aiq(cost, Math.max(...cost.map((p) => p[0]))),
  };
  log(
    `router eval on ${ds.title} (${opts.split === 'all' ? 'all' : 'test half'}, n=${res.n}): APGR=${res.apgr.toFixed(3)}, CPT(50%)=${res.cpt50.toFixed(1)}%, CPT(80%)=${res.cpt80.toFixed(1)}%, AIQ=${res.aiq.toFixed(4)}`,
  );
  return res;
}
