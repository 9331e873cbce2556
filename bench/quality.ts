/**
 * Quality guardrail replay: "always answer with the cheap model" over the recorded outcomes (RouteLLM
 * GSM8K and MMLU: Mixtral-8x7B vs GPT-4; FrugalGPT OVERRULING: the cheapest model vs GPT-4), watched by
 * Penny's shadow sampling and guardrail (src/quality/guardrail.ts, the feature defaults of
 * `features.<name>.quality` unless overridden). Verdicts: GSM8K compares the two recorded answers' final
 * numbers and OVERRULING the yes/no answers with the shadow loop's `compareStructured`; MMLU has no answer
 * text, so both correct = agree, one correct = disagree, both wrong = no verdict.
 *   node --import tsx bench/quality.ts [--seed N] [--sample-rate R] [--floor F] [--min-samples N] [--window N] [--datasets DIR]
 * Exits 0 with a message when the datasets folder is absent.
 */
import { formatUsd, type Money } from '../src/core/money.js';
import { loadGsm8k, loadMmlu, loadOverruling, resolveDatasetsDir } from '../src/bench/replay/datasets.js';
import {
  type GuardedRequest,
  type GuardrailReplay,
  type PhaseStats,
  replayGuardrail,
} from '../src/bench/replay/guardrail-replay.js';
import { compareStructured } from '../src/quality/agreement.js';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
function num(name: string): number | undefined {
  const v = arg(name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n)) {
    console.error(`quality: --${name} must be a number, got ${JSON.stringify(v)}`);
    process.exit(2);
  }
  return n;
}

const root = resolveDatasetsDir(arg('datasets'));
if (!root) {
  console.log('quality: datasets folder not found (set PENNY_DATASETS or --datasets); nothing to replay');
  process.exit(0);
}
const seed = num('seed') ?? 0;
const shadow: Record<string, number> = {};
if (num('sample-rate') !== undefined) shadow.sampleRate = num('sample-rate')!;
const quality = {
  shadow,
  ...(num('floor') !== undefined ? { floor: num('floor') } : {}),
  ...(num('min-samples') !== undefined ? { minSamples: num('min-samples') } : {}),
  ...(num('window') !== undefined ? { window: num('window') } : {}),
};

const sets: { name: string; pair: string; data: GuardedRequest[] }[] = [];
const gsm = loadGsm8k(root);
sets.push({
  name: 'GSM8K',
  pair: 'Mixtral-8x7B → GPT-4',
  data: gsm.records.map((r) => ({
    costCheap: r.costW,
    costStrong: r.costS,
    qCheap: r.w,
    qStrong: r.s,
    verdict: compareStructured(r.weakResponse ?? '', r.strongResponse ?? '', 'number').verdict,
  })),
});
const mmlu = loadMmlu(root);
sets.push({
  name: 'MMLU',
  pair: 'Mixtral-8x7B → GPT-4',
  data: mmlu.records.map((r) => ({
    costCheap: r.costW,
    costStrong: r.costS,
    qCheap: r.w,
    qStrong: r.s,
    verdict: r.w && r.s ? 'agree' : r.w || r.s ? 'disagree' : 'none',
  })),
});
const ov = loadOverruling(root);
const total = (m: string) => ov.records.reduce((a, r) => a + (r.cost[m] ?? 0n), 0n);
const cheap = [...ov.models].sort((a, b) => (total(a) < total(b) ? -1 : total(a) > total(b) ? 1 : 0))[0]!;
const strong = ov.models.includes('gpt-4') ? 'gpt-4' : ov.models[ov.models.length - 1]!;
sets.push({
  name: 'OVERRULING',
  pair: `${cheap} → ${strong}`,
  data: ov.records.map((r) => ({
    costCheap: r.cost[cheap]!,
    costStrong: r.cost[strong]!,
    qCheap: r.correct[cheap] ? 1 : 0,
    qStrong: r.correct[strong] ? 1 : 0,
    verdict: compareStructured(r.answers[cheap] ?? '', r.answers[strong] ?? '', 'auto').verdict,
  })),
});

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
const ratio = (a: Money, b: Money) =>
  b === 0n ? '—' : `${(Number((a * 100000n) / b) / 100000).toFixed(3)}×`;
const q = (p: PhaseStats) =>
  p.requests ? `${pct(p.quality / p.requests)} (GPT-4 ${pct(p.strongQuality / p.requests)})` : '—';
const c = (p: PhaseStats) => (p.requests ? `${ratio(p.cost + p.shadowCost, p.baselineCost)}` : '—');

const results: { name: string; pair: string; res: GuardrailReplay; agree: number; verdicts: number }[] = [];
for (const s of sets) {
  const res = replayGuardrail(s.data, { seed, quality });
  const agree = s.data.filter((d) => d.verdict === 'agree').length;
  const verdicts = s.data.filter((d) => d.verdict !== 'none').length;
  results.push({ name: s.name, pair: s.pair, res, agree, verdicts });
}
const cfg = results[0]!.res.cfg;
const lines = [
  `Guardrail replay, tactic "always the cheap model", seed ${seed}, sampleRate ${cfg.shadow.sampleRate}, floor ${cfg.floor}, minSamples ${cfg.minSamples}, window ${cfg.window}`,
  '',
  '| dataset | cheap → strong | requests | whole-set agreement | trips after (evaluated / verdicts / request #) | lower bound at trip | quality before | cost before (served + shadow, vs all-strong) | quality after | cost after | switches |',
  '|---|---|---|---|---|---|---|---|---|---|---|',
];
for (const { name, pair, res, agree, verdicts } of results) {
  const t = res.trip;
  lines.push(
    `| ${name} | ${pair} | ${res.requests} | ${pct(agree / verdicts)} (${agree}/${verdicts}) | ${t ? `${res.evaluatedAtTrip} / ${res.trippedAtVerdicts} / ${res.trippedAtRequest}` : 'never'} | ${t ? `${t.lower.toFixed(3)} (${t.agree}/${t.n})` : '—'} | ${q(res.before)} | ${c(res.before)} | ${q(res.after)} | ${c(res.after)} | ${res.switches.map((s) => s.mode).join(' → ') || '—'} |`,
  );
}
lines.push('');
for (const { name, res } of results)
  lines.push(
    `${name}: evaluated ${res.evaluated} (no verdict ${res.noVerdict}); before: ${res.before.requests} requests, ${res.before.cheapServed} cheap, ${formatUsd(res.before.cost)} served + ${formatUsd(res.before.shadowCost)} shadow vs ${formatUsd(res.before.baselineCost)}; after: ${res.after.requests} requests, ${res.after.tacticRuns} tactic runs, ${formatUsd(res.after.cost)} served + ${formatUsd(res.after.shadowCost)} shadow vs ${formatUsd(res.after.baselineCost)}`,
  );
console.log(lines.join('\n'));
