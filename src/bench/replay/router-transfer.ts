/**
 * `npm run bench:router`: do prompt-only routers generalise? Each router kind (logistic regression and
 * k-NN over hashed n-grams, k-NN over the semantic cache's offline embedder, the two-head `dual` router
 * alone and blended with the n-gram k-NN) is trained on the TRAIN half of one shared dataset (GSM8K,
 * MMLU, or both) and scored on the TEST half of each — in-domain when the two match, transfer when they
 * do not. Per cell: RouteLLM's APGR with a 95% percentile bootstrap interval
 * over test records, the APGR of `routers` seeded random routers on the same records (mean and 95%
 * interval), and the one-sided p = (1 + #random ≥ router) / (1 + N).
 */
import { mulberry32 } from '../../pipeline/route/prng.js';
import { predict } from '../../pipeline/route/classifier.js';
import type { TwoModelDataset, TwoModelRecord } from './datasets.js';
import type { Interval } from './evidence.js';
import { evaluateScores, percentile } from './metrics.js';
import { type RouterMethod, routerExamples, trainRouterModel } from './router-training.js';
import { bootstrap } from './routellm-bench.js';
import { splitRecords } from './split.js';
import { hasSubjects } from '../../pipeline/route/subject-prior.js';

/** Every router kind `bench:router` compares, in table order. */
export const TRANSFER_METHODS: readonly RouterMethod[] = [
  'length',
  'logreg',
  'knn',
  'embed-knn',
  'dual',
  'dual-blend',
  'dual-gbdt',
  'anchored',
  'subject-prior',
  'topic-prior',
  'stack',
];

export interface TransferCell {
  train: string;
  test: string;
  method: RouterMethod;
  apgr: number;
  ci: Interval;
  p: number;
}

export interface RandomApgr {
  test: string;
  mean: number;
  ci: Interval;
  samples: Float64Array;
}

export interface TransferReport {
  cells: TransferCell[];
  random: RandomApgr[];
  sizes: Record<string, { train: number; test: number }>;
}

export interface TransferOptions {
  methods?: readonly RouterMethod[];
  routers?: number;
  bootstrap?: number;
  seed?: number;
  /** Also train on every dataset's train half pooled (default: when there are several). */
  pooled?: boolean;
  log?: (line: string) => void;
}

/** APGR of `routers` seeded random routers on `items` (the baseline every cell is compared with). */
export function randomApgr(
  items: readonly TwoModelRecord[],
  routers: number,
  seed = 20_240_601,
): Float64Array {
  const out = new Float64Array(routers);
  for (let r = 0; r < routers; r++) {
    const rand = mulberry32(seed + r);
    out[r] = evaluateScores(
      items,
      items.map(() => rand()),
    ).apgr;
  }
  return out.sort();
}

/** A two-model dataset of any name (the shared RouteLLM sets, or OVERRULING's frontier ends). */
export type TransferDataset = Pick<TwoModelDataset, 'binary' | 'records'> & { name: string };

export function runRouterTransfer(
  datasets: readonly TransferDataset[],
  o: TransferOptions = {},
): TransferReport {
  const log = o.log ?? (() => {});
  const methods = o.methods ?? TRANSFER_METHODS;
  const routers = o.routers ?? 1000;
  const halves = new Map(datasets.map((d) => [d.name, splitRecords(d.records)]));
  const sizes: TransferReport['sizes'] = {};
  for (const d of datasets) {
    const h = halves.get(d.name)!;
    sizes[d.name] = { train: h.train.length, test: h.test.length };
  }
  const random: RandomApgr[] = datasets.map((d) => {
    const samples = randomApgr(halves.get(d.name)!.test, routers);
    let s = 0;
    for (const x of samples) s += x;
    const xs = [...samples];
    return {
      test: d.name,
      mean: s / samples.length,
      ci: { lo: percentile(xs, 2.5), hi: percentile(xs, 97.5) },
      samples,
    };
  });
  const sources: { name: string; examples: ReturnType<typeof routerExamples> }[] = datasets.map((d) => ({
    name: d.name,
    // GSM8K names no subject: its records take the dataset's name, so a pooled subject prior tells the
    // datasets apart (and GSM8K alone, one subject, has no subject-prior router).
    examples: routerExamples(halves.get(d.name)!.train, d.binary, 1, d.name),
  }));
  if (datasets.length > 1 && o.pooled !== false) {
    sources.push({
      name: datasets.map((d) => d.name).join('+'),
      examples: sources.flatMap((s) => s.examples),
    });
  }
  const cells: TransferCell[] = [];
  for (const src of sources) {
    for (const method of methods) {
      if (method === 'subject-prior' && !hasSubjects(src.examples)) {
        log(`  ${method} trained on ${src.name}: skipped (one subject)`);
        continue;
      }
      const t0 = Date.now();
      const model = trainRouterModel(src.examples, method, o.seed ?? 1);
      for (const d of datasets) {
        const items = halves.get(d.name)!.test;
        const scores = items.map((r) => predict(model, r.prompt));
        const apgr = evaluateScores(items, scores).apgr;
        const ci = bootstrap(items, scores, o.bootstrap ?? 500)!.apgr;
        const rnd = random.find((r) => r.test === d.name)!;
        let k = 0;
        for (const x of rnd.samples) if (x >= apgr - 1e-12) k++;
        cells.push({
          train: src.name,
          test: d.name,
          method,
          apgr,
          ci,
          p: (1 + k) / (1 + rnd.samples.length),
        });
      }
      const picks = model.meta.picks === undefined ? '' : ` (picked by CV: ${model.meta.picks})`;
      log(`  ${method} trained on ${src.name}: ${((Date.now() - t0) / 1000).toFixed(1)} s${picks}`);
    }
  }
  return { cells, random, sizes };
}

const f3 = (x: number) => x.toFixed(3);

export function transferMarkdown(r: TransferReport, command: string): string {
  const lines = [
    '# Prompt-only routers: in-domain and transfer APGR against random routers',
    '',
    `Generated by \`${command}\`. Train on the train half of the first column's data, score the test half of`,
    "the second's (halves by hash of the prompt). APGR: RouteLLM's average performance gap recovered",
    '(0 = the weak model, 1 = the strong one; a random router gets 0.5 in expectation), with a 95%',
    'bootstrap interval over test records. Random: the same statistic for seeded random routers on the same',
    'records (mean [2.5%, 97.5%]); p = share of random routers at least as good (one-sided, +1 corrected).',
    '',
    `Sizes: ${Object.entries(r.sizes)
      .map(([k, v]) => `${k} ${v.train} train / ${v.test} test`)
      .join('; ')}.`,
    '',
    '| trained on | tested on | router | APGR [95% CI] | random APGR [95%] | p | |',
    '|---|---|---|---|---|---|---|',
  ];
  for (const c of r.cells) {
    const rnd = r.random.find((x) => x.test === c.test)!;
    const kind =
      c.train === c.test
        ? 'in-domain'
        : c.train.split('+').includes(c.test)
          ? 'pooled (includes in-domain)'
          : 'transfer';
    lines.push(
      `| ${c.train} | ${c.test} | ${c.method} | ${f3(c.apgr)} [${f3(c.ci.lo)}, ${f3(c.ci.hi)}] | ${f3(rnd.mean)} [${f3(rnd.ci.lo)}, ${f3(rnd.ci.hi)}] | ${c.p.toFixed(3)} | ${kind} |`,
    );
  }
  return `${lines.join('\n')}\n`;
}
