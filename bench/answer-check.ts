/**
 * `node --import tsx bench/answer-check.ts [--datasets DIR] [--bootstrap N] [--routers N]`: GSM8K cascade
 * checks on Mixtral's recorded answers — the hashed-token acceptance model (acceptance.ts, what the replay's
 * cascade row uses) against the learned answer check (answer-check.ts: boosted trees over answer features),
 * each behind the hard checks (non-empty, no hedge, arithmetic; a failure escalates first). Chosen on the
 * train half only: 5-fold CV (the stack's folds), exact-area and 11-point APGR of the escalation order.
 * Then each is trained on the whole train half and the test half is scored once: APGR with a 95%
 * bootstrap interval, p against seeded random escalation orders, and an operating point (escalate 30%,
 * threshold set on out-of-fold train scores) with quality and $/query — the cheap call is paid on every
 * request, the strong one when escalated. A cascade check is not a router: it needs the cheap answer first.
 */
import { parseArgs } from 'node:util';
import { acceptanceFeatureText } from '../src/pipeline/cascade/acceptance.js';
import { answerNeedsStrong, trainAnswerCheck } from '../src/pipeline/cascade/answer-check.js';
import { train } from '../src/pipeline/route/classifier.js';
import { hash32 } from '../src/pipeline/route/sparse-hash.js';
import { strongFraction, thresholdForStrongFraction } from '../src/pipeline/route/threshold.js';
import { moneyToNumber } from '../src/core/money.js';
import { loadGsm8k, resolveDatasetsDir, type TwoModelRecord, WEAK } from '../src/bench/replay/datasets.js';
import { gainRecovered } from '../src/bench/replay/gain-recovered.js';
import { evaluateScores } from '../src/bench/replay/metrics.js';
import { bootstrap, cascadeEscalationScore } from '../src/bench/replay/routellm-bench.js';
import { STACK_FOLDS } from '../src/bench/replay/router-stack.js';
import { LOGREG_DEFAULTS, routerLabel } from '../src/bench/replay/router-training.js';
import { randomApgr } from '../src/bench/replay/router-transfer.js';
import { splitRecords } from '../src/bench/replay/split.js';

const { values } = parseArgs({
  options: {
    datasets: { type: 'string' },
    bootstrap: { type: 'string', default: '500' },
    routers: { type: 'string', default: '1000' },
  },
});
const root = resolveDatasetsDir(values.datasets);
if (!root) {
  console.error('bench/answer-check.ts: datasets folder not found (--datasets DIR or PENNY_DATASETS)');
  process.exit(1);
}
const { train: tr, test: te } = splitRecords(loadGsm8k(root).records);

type Scorer = (trainOn: readonly TwoModelRecord[]) => (r: TwoModelRecord) => number;
/** The replay's cascade score: 1 when a hard check fails, plus the acceptance model's P(needs strong). */
const acceptance: Scorer = (on) => {
  const m = train(
    on.map((r) => ({
      text: acceptanceFeatureText(WEAK, { text: r.weakResponse ?? '' }, [], r.prompt),
      label: routerLabel(r, true),
    })),
    { ...LOGREG_DEFAULTS, seed: 1 },
  );
  return (r) => cascadeEscalationScore(m, r);
};
/** The same hard checks first, then the answer check's P(needs strong). */
const answerTrees: Scorer = (on) => {
  const accept = acceptance(on);
  const m = trainAnswerCheck(
    on.map((r) => ({ answer: r.weakResponse ?? '', prompt: r.prompt, label: routerLabel(r, true) })),
  );
  return (r) => (accept(r) >= 1 ? 1 : 0) + answerNeedsStrong(m, r.weakResponse ?? '', r.prompt);
};
const scorers: [string, Scorer][] = [
  ['checks + acceptance model (hashed tokens, logistic)', acceptance],
  ['checks + answer check (trees over answer features)', answerTrees],
];

const foldOf = tr.map((r) => hash32(`penny-stack-v1:${r.prompt}`) % STACK_FOLDS);
const f3 = (x: number) => x.toFixed(3);
console.log(
  `GSM8K: train ${tr.length}, test ${te.length} (Mixtral-8x7B answers, GPT-4 as the strong model)\n`,
);
console.log(
  '| check | train 5-fold CV: exact-area APGR | 11-point APGR | test APGR [95% CI] | p vs random | escalate 30% (train threshold): escalated / quality / $ per query |',
);
console.log('|---|---|---|---|---|---|');
const random = randomApgr(te, Number(values.routers));
for (const [name, scorer] of scorers) {
  let exact = 0;
  let bins = 0;
  const oof = new Array<number>(tr.length).fill(0);
  for (let k = 0; k < STACK_FOLDS; k++) {
    const held = tr.map((_, i) => i).filter((i) => foldOf[i] === k);
    const s = scorer(tr.filter((_, i) => foldOf[i] !== k));
    const sc = held.map((i) => s(tr[i]!));
    held.forEach((i, j) => {
      oof[i] = sc[j]!;
    });
    const items = held.map((i) => tr[i]!);
    exact += gainRecovered(
      items.map((r) => r.s - r.w),
      sc,
    );
    bins += evaluateScores(items, sc).apgr;
  }
  const s = scorer(tr);
  const scores = te.map(s);
  const apgr = evaluateScores(te, scores).apgr;
  const ci = bootstrap(te, scores, Number(values.bootstrap))!.apgr;
  let atLeast = 0;
  for (const x of random) if (x >= apgr - 1e-12) atLeast++;
  const t = thresholdForStrongFraction(oof, 0.3);
  let q = 0;
  let cost = 0n;
  te.forEach((r, i) => {
    const up = scores[i]! >= t;
    q += up ? r.s : r.w;
    cost += r.costW + (up ? r.costS : 0n);
  });
  console.log(
    `| ${name} | ${f3(exact / STACK_FOLDS)} | ${f3(bins / STACK_FOLDS)} | ${f3(apgr)} [${f3(ci.lo)}, ${f3(ci.hi)}] | ${((1 + atLeast) / (1 + random.length)).toFixed(3)} | ${(100 * strongFraction(scores, t)).toFixed(1)}% / ${(q / te.length).toFixed(4)} / $${(moneyToNumber(cost) / te.length).toFixed(6)} |`,
  );
}
const weakQ = te.reduce((a, r) => a + r.w, 0) / te.length;
const strongQ = te.reduce((a, r) => a + r.s, 0) / te.length;
const weakUsd = moneyToNumber(te.reduce((a, r) => a + r.costW, 0n)) / te.length;
const strongUsd = moneyToNumber(te.reduce((a, r) => a + r.costS, 0n)) / te.length;
console.log(
  `\nTest half: Mixtral alone ${weakQ.toFixed(4)} at $${weakUsd.toFixed(6)}/query, GPT-4 alone ${strongQ.toFixed(4)} at $${strongUsd.toFixed(6)}/query; random escalation APGR ${f3(random.reduce((a, x) => a + x, 0) / random.length)}.`,
);
