/**
 * The reference baselines of `baselines.py`, recomputed here on the full (decontaminated) datasets so
 * the TypeScript metrics can be checked number for number against `BASELINES.md`: per-model accuracy
 * and cost, the oracles, the random router (Python's `random.Random(0)`, reproduced bit for bit), the
 * prompt-length router, and the replayed gpt-3.5-turbo → gpt-4 cascades.
 */
import { type Money, moneyToNumber } from '../../core/money.js';
import type { OverrulingDataset, TwoModelDataset } from './datasets.js';
import { type ApgrCpt, apgrCpt, routedCurve } from './metrics.js';
import { pyFixed } from './py-format.js';
import { PyRandom } from './py-random.js';

function minMoney(xs: readonly Money[]): Money {
  let m = xs[0]!;
  for (const x of xs) if (x < m) m = x;
  return m;
}

export interface TwoModelBaselines {
  n: number;
  wacc: number;
  sacc: number;
  /** Oracle quality (binary: weak + needed; scores: mean of max). */
  oracleQuality: number;
  /** Fraction of queries where strong beats weak. */
  needFraction: number;
  random: ApgrCpt;
  oracle: ApgrCpt;
  length: ApgrCpt;
  costWPerQuery: number;
  costSPerQuery: number;
  /** Mean estimated tokens (chars / 4) of prompt, weak output, strong output. */
  tokens: { prompt: number; weakOut: number; strongOut: number };
  bothWrong: number;
  weakOnly: number;
}

const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const meanMoney = (xs: readonly Money[]) => moneyToNumber(xs.reduce((a, b) => a + b, 0n)) / xs.length;

export function twoModelBaselines(ds: TwoModelDataset): TwoModelBaselines {
  const items = ds.records;
  const n = items.length;
  const wacc = mean(items.map((r) => r.w));
  const sacc = mean(items.map((r) => r.s));
  const rnd = new PyRandom(0);
  const rs = items.map(() => rnd.random());
  const eval_ = (scores: number[]) => apgrCpt(routedCurve(items, scores), wacc, sacc);
  const oracleScores = ds.binary
    ? items.map((r, i) => (r.s > r.w ? 1 : 0) + 1e-9 * rs[i]!)
    : items.map((r, i) => r.s - r.w + 1e-9 * rs[i]!);
  return {
    n,
    wacc,
    sacc,
    oracleQuality: mean(items.map((r) => Math.max(r.w, r.s))),
    needFraction: items.filter((r) => r.s > r.w).length / n,
    random: eval_(rs),
    oracle: eval_(oracleScores),
    length: eval_(items.map((r, i) => r.prompt.length + 1e-9 * rs[i]!)),
    costWPerQuery: meanMoney(items.map((r) => r.costW)),
    costSPerQuery: meanMoney(items.map((r) => r.costS)),
    tokens: {
      prompt: mean(items.map((r) => r.prompt.length / 4)),
      weakOut: mean(items.map((r) => (r.weakResponse === undefined ? 1 : r.weakResponse.length / 4))),
      strongOut: mean(items.map((r) => (r.strongResponse === undefined ? 1 : r.strongResponse.length / 4))),
    },
    bothWrong: items.filter((r) => !r.w && !r.s).length / n,
    weakOnly: items.filter((r) => r.w && !r.s).length / n,
  };
}

export interface ModelStat {
  model: string;
  accuracy: number;
  costPerQuery: number;
  totalCost: number;
}

export interface CascadeStat {
  label: string;
  accuracy: number;
  costPerQuery: number;
  escalation: number;
}

export interface OverrulingBaselines {
  n: number;
  models: ModelStat[];
  oracle: { accuracy: number; costPerQuery: number };
  cascades: CascadeStat[];
}

export function overrulingBaselines(ds: OverrulingDataset): OverrulingBaselines {
  const rows = ds.records;
  const n = rows.length;
  const models = ds.models
    .map((m): ModelStat => {
      const total = rows.reduce((a, r) => a + r.cost[m]!, 0n);
      return {
        model: m,
        accuracy: rows.filter((r) => r.correct[m]).length / n,
        costPerQuery: moneyToNumber(total) / n,
        totalCost: moneyToNumber(total),
      };
    })
    .sort((a, b) => a.costPerQuery - b.costPerQuery);
  let oAcc = 0;
  let oCost = 0n;
  for (const r of rows) {
    const ok = ds.models.filter((m) => r.correct[m]).map((m) => r.cost[m]!);
    const pool = ok.length > 0 ? ok : ds.models.map((m) => r.cost[m]!);
    if (ok.length > 0) oAcc++;
    oCost += minMoney(pool);
  }
  const cheap = 'gpt-3.5-turbo';
  const exp = 'gpt-4';
  const cascade = (
    label: string,
    accept: (r: (typeof rows)[number]) => boolean,
    extra: Money = 0n,
  ): CascadeStat => {
    let acc = 0;
    let cost = 0n;
    let esc = 0;
    for (const r of rows) {
      cost += r.cost[cheap]!;
      if (accept(r)) acc += r.correct[cheap] ? 1 : 0;
      else {
        esc++;
        cost += r.cost[exp]!;
        acc += r.correct[exp] ? 1 : 0;
      }
    }
    return { label, accuracy: acc / n, costPerQuery: moneyToNumber(cost + extra) / n, escalation: esc / n };
  };
  const cascades: CascadeStat[] = [cascade('perfect checker (oracle)', (r) => r.correct[cheap]!)];
  for (const eps of [0.1, 0.2, 0.3]) {
    const rnd = new PyRandom(0);
    cascades.push(
      cascade(
        `noisy checker, error rate ${eps} (RouterBench-style, seed 0)`,
        (r) => r.correct[cheap]! !== rnd.random() < eps,
      ),
    );
  }
  for (const judge of ['j1-large', 'gptneox_20B', 'text-curie-001']) {
    if (!ds.models.includes(judge)) continue;
    const judgeCost = rows.reduce((a, r) => a + r.cost[judge]!, 0n);
    cascades.push(
      cascade(
        `accept if ${cheap} agrees with ${judge} (real, replayable signal)`,
        (r) => r.answers[cheap]!.trim() === r.answers[judge]!.trim(),
        judgeCost,
      ),
    );
  }
  return { n, models, oracle: { accuracy: oAcc / n, costPerQuery: moneyToNumber(oCost) / n }, cascades };
}

// ---------------------------------------------------------------------------------------------------
// The same text as baselines.py prints, so the two can be compared line for line.

const fx = pyFixed;

export function overrulingBaselinesMarkdown(b: OverrulingBaselines): string[] {
  const L: string[] = [];
  L.push(`## FrugalGPT OVERRULING (n=${b.n} queries, ${b.models.length} models)`, '');
  L.push('| model | accuracy | avg $/query | total $ |', '|---|---|---|---|');
  for (const m of b.models)
    L.push(`| ${m.model} | ${fx(m.accuracy, 4)} | ${fx(m.costPerQuery, 6)} | ${fx(m.totalCost, 3)} |`);
  const best = [...b.models].sort((x, y) => y.accuracy - x.accuracy || x.costPerQuery - y.costPerQuery)[0]!;
  L.push(
    '',
    `Oracle (cheapest correct model per query, cheapest model if none correct): accuracy=${fx(b.oracle.accuracy, 4)}, avg $/query=${fx(b.oracle.costPerQuery, 6)} (${fx(100 * (1 - b.oracle.costPerQuery / best.costPerQuery), 1)}% cheaper than best single model ${best.model} acc=${fx(best.accuracy, 4)} @ ${fx(best.costPerQuery, 6)})`,
  );
  L.push(
    '',
    'Replayed 2-stage cascades gpt-3.5-turbo -> gpt-4 (cost = cheap always + expensive when escalated):',
    '',
  );
  L.push('| quality check | accuracy | avg $/query | escalation rate |', '|---|---|---|---|');
  for (const c of b.cascades)
    L.push(`| ${c.label} | ${fx(c.accuracy, 4)} | ${fx(c.costPerQuery, 6)} | ${fx(c.escalation, 3)} |`);
  const s35 = b.models.find((m) => m.model === 'gpt-3.5-turbo');
  const s4 = b.models.find((m) => m.model === 'gpt-4');
  if (s35)
    L.push(
      `| never escalate (gpt-3.5-turbo only) | ${fx(s35.accuracy, 4)} | ${fx(s35.costPerQuery, 6)} | 0 |`,
    );
  if (s4) L.push(`| always gpt-4 | ${fx(s4.accuracy, 4)} | ${fx(s4.costPerQuery, 6)} | 1 |`);
  L.push('');
  return L;
}

function apgrLine(label: string, r: ApgrCpt): string {
  return `- ${label}: APGR=${fx(r.apgr, 3)}, CPT(50%)=${fx(r.cpt50, 1)}%, CPT(80%)=${fx(r.cpt80, 1)}%`;
}

export function twoModelBaselinesMarkdown(
  title: string,
  ds: TwoModelDataset,
  b: TwoModelBaselines,
): string[] {
  const L: string[] = [];
  if (!ds.binary) {
    L.push(`### MT Bench (n=${b.n} questions x 2 turns after decontamination, GPT-4 judge 1-10)`, '');
    L.push(
      `- weak score ${fx(b.wacc, 3)}, strong score ${fx(b.sacc, 3)}, oracle (max per question) ${fx(b.oracleQuality, 3)} with ${fx(100 * b.needFraction, 1)}% strong calls`,
    );
    L.push(apgrLine('random router (seed 0)', b.random), apgrLine('oracle router', b.oracle));
    L.push(apgrLine('prompt-length heuristic', b.length), '');
    return L;
  }
  L.push(`### ${title} (n=${b.n} after RouteLLM decontamination)`, '');
  L.push(`- weak (Mixtral-8x7B) score: ${fx(b.wacc, 4)}; strong (GPT-4-1106) score: ${fx(b.sacc, 4)}`);
  L.push(
    `- oracle router score: ${fx(b.wacc + b.needFraction, 4)} using ${fx(100 * b.needFraction, 1)}% strong calls (weak wrong & strong right ${fx(100 * b.needFraction, 1)}%, both wrong ${fx(100 * b.bothWrong, 1)}%, weak right & strong wrong ${fx(100 * b.weakOnly, 1)}%)`,
  );
  L.push(
    `- est. tokens (chars/4): prompt ${fx(b.tokens.prompt, 0)}, weak output ${fx(b.tokens.weakOut, 0)}, strong output ${fx(b.tokens.strongOut, 0)}; est. $/query weak ${fx(b.costWPerQuery, 6)}, strong ${fx(b.costSPerQuery, 6)} (blended $0.24/M vs $24.7/M as in the RouteLLM paper)`,
  );
  L.push(apgrLine('random router (seed 0)', b.random), apgrLine('oracle router', b.oracle));
  L.push(
    `- prompt-length heuristic (longer -> strong): APGR=${fx(b.length.apgr, 3)}, CPT(50%)=${fx(b.length.cpt50, 1)}%, CPT(80%)=${fx(b.length.cpt80, 1)}%`,
    '',
  );
  return L;
}

/** The whole of baselines.py's output, from the four datasets. */
export function baselinesMarkdown(
  overruling: OverrulingDataset,
  gsm8k: TwoModelDataset,
  mmlu: TwoModelDataset,
  mtBench: TwoModelDataset,
): string {
  const L = ['# Baseline statistics (generated by baselines.py)', ''];
  L.push(...overrulingBaselinesMarkdown(overrulingBaselines(overruling)));
  L.push('## RouteLLM eval data (weak=Mixtral-8x7B-Instruct-v0.1, strong=gpt-4-1106-preview)', '');
  L.push(...twoModelBaselinesMarkdown('GSM8K', gsm8k, twoModelBaselines(gsm8k)));
  L.push(...twoModelBaselinesMarkdown('MMLU (57 subjects)', mmlu, twoModelBaselines(mmlu)));
  L.push(...twoModelBaselinesMarkdown('MT Bench', mtBench, twoModelBaselines(mtBench)));
  return `${L.join('\n')}\n`;
}
