/**
 * Semantic cache benchmark: quality on the labelled pairs (test/fixtures/semantic/pairs.jsonl) with the
 * local embedder, a threshold sweep, the threshold rule applied to the development half, and lookup
 * latency with 100k entries in one scope (exact scan vs the IVF index, same run, same queries).
 * Run: node --import tsx bench/semantic.ts   → prints markdown and writes bench/results/semantic/summary.md
 * Options: --entries N (default 100000), --queries N (default 500), --quick (10k entries, 200 queries).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type {
  LabelledPair,
  PairMetrics,
  PairScore,
  PoolResult,
} from '../src/pipeline/cache/semantic/evaluate.js';
import {
  metricsAt,
  parsePairs,
  poolEvaluate,
  scorePairs,
  splitOf,
} from '../src/pipeline/cache/semantic/evaluate.js';
import type { GuardKind } from '../src/pipeline/cache/semantic/guards.js';
import { analyzeText, compareFeatures } from '../src/pipeline/cache/semantic/guards.js';
import { LocalEmbedder } from '../src/pipeline/cache/semantic/local-embedder.js';
import { DEFAULT_SEMANTIC_THRESHOLD, SemanticCache } from '../src/pipeline/cache/semantic/semantic-cache.js';
import type { SemanticScope } from '../src/pipeline/cache/semantic/scope.js';
import { scopeKey } from '../src/pipeline/cache/semantic/scope.js';
import { VectorIndex } from '../src/pipeline/cache/semantic/vector-index.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const argNum = (name: string, dflt: number) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const ENTRIES = argNum('--entries', quick ? 10_000 : 100_000);
const QUERIES = argNum('--queries', quick ? 200 : 500);
/** Threshold grid of the sweep. */
const GRID = [0.25, 0.275, 0.3, 0.325, 0.35, 0.375, 0.4, 0.45, 0.5, 0.55, 0.6, 0.7];
/** The rule: the highest threshold whose dev recall still meets the target with zero dev false hits. */
const TARGET_RECALL = 0.6;

const out: string[] = [];
const say = (s = '') => {
  out.push(s);
  console.log(s);
};
const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
const ms = (x: number) => `${x.toFixed(3)} ms`;

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
}

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// ---------------------------------------------------------------- quality
const embedder = new LocalEmbedder();
const pairs = parsePairs(readFileSync(join(root, 'test/fixtures/semantic/pairs.jsonl'), 'utf8'));
const dev = pairs.filter((p) => splitOf(p) === 'dev');
const test = pairs.filter((p) => splitOf(p) === 'test');
const count = (ps: LabelledPair[], label: 'hit' | 'miss') => ps.filter((p) => p.label === label).length;

const scoresAll = await scorePairs(embedder, pairs);
const scoresOf = (ps: LabelledPair[]) => {
  const set = new Set(ps);
  return scoresAll.filter((s) => set.has(s.pair));
};
const devScores = scoresOf(dev);
const testScores = scoresOf(test);

say('# Semantic cache benchmark');
say();
say(`Node ${process.version}, ${cpus()[0]?.model ?? 'unknown CPU'}, embedder \`${embedder.id}\`.`);
say(
  `Labelled set: ${pairs.length} pairs (${count(pairs, 'hit')} paraphrases that should hit, ${count(pairs, 'miss')} near-misses that must not). ` +
    `Split by a hash of each pair: development half ${dev.length} (${count(dev, 'hit')} / ${count(dev, 'miss')}), ` +
    `test half ${test.length} (${count(test, 'hit')} / ${count(test, 'miss')}).`,
);
say();
say('Two views of quality:');
say('- **pairwise** (the labelled target): store `a`, look up `b` with nothing else in the cache.');
say(
  '- **pooled** (stricter, closer to real traffic): every distinct `a` of the half in one scope, every `b` looked up against all of them through `SemanticCache`; a paraphrase answered by another entry and a near-miss answered by any entry are both wrong answers.',
);
say();

const pools = new Map<string, PoolResult>();
async function pool(name: 'dev' | 'test' | 'all', t: number): Promise<PoolResult> {
  const key = `${name}@${t}`;
  let r = pools.get(key);
  if (!r) {
    r = await poolEvaluate(embedder, name === 'dev' ? dev : name === 'test' ? test : pairs, t);
    pools.set(key, r);
  }
  return r;
}
const poolWrong = (r: PoolResult) => r.wrongEntry + r.falseHits;
const poolQueries = (r: PoolResult) => r.paraphrases + r.nearMisses;

say('## Threshold sweep');
say();
say(
  '| threshold | dev recall | dev near-miss hits | dev pooled wrong answers | test recall | test near-miss hits | test pooled wrong answers |',
);
say('|---:|---:|---:|---:|---:|---:|---:|');
const devAt = new Map<number, PairMetrics>();
for (const t of GRID) {
  const d = metricsAt(devScores, t);
  const te = metricsAt(testScores, t);
  devAt.set(t, d);
  const pd = await pool('dev', t);
  const pt = await pool('test', t);
  say(
    `| ${t} | ${pct(d.recall)} | ${d.falseHits} | ${poolWrong(pd)} / ${poolQueries(pd)} | ${pct(te.recall)} | ${te.falseHits} | ${poolWrong(pt)} / ${poolQueries(pt)} |`,
  );
}
say();

const eligible = GRID.filter((t) => {
  const m = devAt.get(t)!;
  return m.recall >= TARGET_RECALL && GRID.filter((u) => u >= t).every((u) => devAt.get(u)!.falseHits === 0);
});
const chosen = eligible.length > 0 ? Math.max(...eligible) : null;
say('## Default threshold');
say();
say(
  `Rule, applied to the **development half only**: the highest threshold on the grid whose recall is still >= ${pct(TARGET_RECALL)} with zero near-miss hits at it and at every higher threshold. ` +
    `Result: **${chosen ?? 'none'}**; \`DEFAULT_SEMANTIC_THRESHOLD\` in the code is **${DEFAULT_SEMANTIC_THRESHOLD}**${chosen === DEFAULT_SEMANTIC_THRESHOLD ? ' (they agree)' : ' (THEY DIFFER: update the constant)'}.`,
);
say();

function qualityRow(name: string, s: PairScore[], p: PoolResult): string {
  const m = metricsAt(s, DEFAULT_SEMANTIC_THRESHOLD);
  const pooledPrecision = p.correct + poolWrong(p) === 0 ? 1 : p.correct / (p.correct + poolWrong(p));
  return `| ${name} | ${m.paraphrases} / ${m.nearMisses} | ${pct(m.recall)} | ${pct(m.precision)} | ${m.falseHits} | ${m.stoppedByGuards} | ${pct(p.correct / p.paraphrases)} | ${pct(pooledPrecision)} | ${p.wrongEntry} + ${p.falseHits} |`;
}
say(`## Quality at the default threshold (${DEFAULT_SEMANTIC_THRESHOLD})`);
say();
say(
  '| half | paraphrases / near-misses | recall | precision | near-miss hits | near-misses above the threshold stopped by guards | pooled recall | pooled precision | pooled wrong answers (paraphrase to another entry + near-miss) |',
);
say('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
say(qualityRow('development', devScores, await pool('dev', DEFAULT_SEMANTIC_THRESHOLD)));
say(qualityRow('test (held out)', testScores, await pool('test', DEFAULT_SEMANTIC_THRESHOLD)));
say(qualityRow('all', scoresAll, await pool('all', DEFAULT_SEMANTIC_THRESHOLD)));
say();

const mAll = metricsAt(scoresAll, DEFAULT_SEMANTIC_THRESHOLD);
say('Near-miss kinds (all pairs): how many reached the threshold, and how many were served.');
say();
say('| kind | pairs | similarity >= threshold | served |');
say('|---|---:|---:|---:|');
for (const kind of ['negation', 'number', 'date', 'entity', 'instruction', 'antonym'] as const) {
  const ks = scoresAll.filter((s) => s.pair.kind === kind);
  const above = ks.filter((s) => s.score >= DEFAULT_SEMANTIC_THRESHOLD).length;
  say(`| ${kind} | ${ks.length} | ${above} | ${mAll.falseHitsByKind[kind] ?? 0} |`);
}
say();

// guard ablation: what each guard stops and what it costs, all pairs above the threshold
const kinds: GuardKind[] = [
  'negation',
  'date',
  'number',
  'entity',
  'literal',
  'instruction',
  'antonym',
  'order',
  'question',
  'substitution',
  'coverage',
];
const feats = new Map<string, ReturnType<typeof analyzeText>>();
const feat = (t: string) => {
  let f = feats.get(t);
  if (!f) {
    f = analyzeText(t);
    feats.set(t, f);
  }
  return f;
};
const above = scoresAll.filter((s) => s.score >= DEFAULT_SEMANTIC_THRESHOLD);
say(
  'Guard ablation (all pairs above the threshold): near-misses that would be served if that one guard were switched off, and paraphrases it rejects that no other guard would.',
);
say();
say('| guard | near-misses it alone stops | paraphrases only it rejects |');
say('|---|---:|---:|');
for (const k of kinds) {
  const only = above.filter(
    (s) =>
      !compareFeatures(feat(s.pair.b), feat(s.pair.a)).ok &&
      compareFeatures(feat(s.pair.b), feat(s.pair.a), { skip: [k] }).ok,
  );
  say(
    `| ${k} | ${only.filter((s) => s.pair.label === 'miss').length} | ${only.filter((s) => s.pair.label === 'hit').length} |`,
  );
}
say();

const wrongAll = (await pool('all', DEFAULT_SEMANTIC_THRESHOLD)).wrong;
say(`Pooled wrong answers, all pairs (first 12 of ${wrongAll.length}):`);
say();
for (const w of wrongAll.slice(0, 12))
  say(`- ${w.score.toFixed(3)} (${w.kind}) "${w.query}" → served "${w.served}"`);
say();

// ---------------------------------------------------------------- embedder throughput
const VOCAB = {
  open: [
    'how do i',
    'how can i',
    'is it possible to',
    'what is the best way to',
    'can i',
    'i need to',
    'where do i',
    'why can i not',
    'help me',
    'i want to',
  ],
  verb: [
    'cancel',
    'change',
    'update',
    'delete',
    'export',
    'import',
    'reset',
    'connect',
    'install',
    'upgrade',
    'downgrade',
    'share',
    'archive',
    'restore',
    'rename',
    'move',
    'copy',
    'sync',
    'verify',
    'track',
    'return',
    'refund',
    'pay for',
    'schedule',
    'print',
    'download',
    'upload',
    'convert',
    'sort',
    'filter',
    'merge',
    'split',
    'reverse',
    'parse',
    'format',
    'encrypt',
    'compress',
    'test',
    'deploy',
    'debug',
  ],
  obj: [
    'my subscription',
    'my password',
    'the invoice',
    'my order',
    'a report',
    'the dashboard',
    'my profile',
    'a workspace',
    'the api key',
    'a webhook',
    'my team',
    'the billing address',
    'a csv file',
    'a json string',
    'a python list',
    'a dictionary',
    'a docker container',
    'the database',
    'a git branch',
    'my calendar',
    'the mobile app',
    'a shared folder',
    'my email address',
    'the payment method',
    'a support ticket',
    'the shipping label',
    'a pdf',
    'the logs',
    'a spreadsheet',
    'my contacts',
    'a pull request',
    'the settings',
    'my photos',
    'a playlist',
    'the firmware',
    'a coupon',
    'the font size',
    'a template',
    'a backup',
    'the router',
  ],
  tail: [
    '',
    '',
    '',
    'on android',
    'on the web',
    'in python',
    'in javascript',
    'for my company',
    'without losing data',
    'after the trial',
    'before friday',
    'for 3 users',
    'in bulk',
    'automatically',
    'from my phone',
    'on windows',
    'on mac',
    'every month',
    'for a customer',
    'again',
    'in the new version',
    'using the cli',
    'with sso',
    'in french',
    'for free',
  ],
};
function syntheticText(next: () => number): string {
  const pick = (xs: string[]) => xs[Math.floor(next() * xs.length)]!;
  return `${pick(VOCAB.open)} ${pick(VOCAB.verb)} ${pick(VOCAB.obj)} ${pick(VOCAB.tail)} ${Math.floor(next() * 500)}`
    .replace(/\s+/g, ' ')
    .trim();
}
const next = rng(42);
const texts = Array.from({ length: ENTRIES }, () => syntheticText(next));
for (let i = 0; i < 2000; i++) embedder.embedOne(texts[i]!);
const t0 = performance.now();
let checksum = 0;
for (const t of texts) checksum += embedder.embedOne(t)[0]!;
const embedSecs = (performance.now() - t0) / 1000;
if (Number.isNaN(checksum)) throw new Error('embedder produced NaN');

say('## Local embedder throughput');
say();
say(
  `${ENTRIES.toLocaleString('en-US')} short texts embedded in ${embedSecs.toFixed(2)} s: **${Math.round(ENTRIES / embedSecs).toLocaleString('en-US')} texts/s** (${embedder.dims} dims).`,
);
say();

// ---------------------------------------------------------------- lookup latency
const scope: SemanticScope = {
  modelFamily: 'bench',
  systemHash: 's',
  toolsHash: 't',
  prefixHash: 'p',
  namespace: 'bench',
};
const key = scopeKey(scope);
const cache = new SemanticCache({
  embedder,
  index: new VectorIndex({ dims: embedder.dims, maxEntries: ENTRIES }),
});
const index = cache.index;
const t1 = performance.now();
for (let i = 0; i < ENTRIES; i++) await cache.store({ scope, text: texts[i]!, id: `e${i}` });
const buildSecs = (performance.now() - t1) / 1000;

const qnext = rng(7);
const queryTexts: string[] = [];
for (let i = 0; i < QUERIES; i++) {
  if (i % 2 === 0) {
    // a near-duplicate of a stored text: one word dropped
    const words = texts[Math.floor(qnext() * ENTRIES)]!.split(' ');
    words.splice(Math.floor(qnext() * words.length), 1);
    queryTexts.push(words.join(' '));
  } else {
    queryTexts.push(syntheticText(qnext));
  }
}
const queryVecs = queryTexts.map((t) => embedder.embedOne(t));
const K = 5;

interface Timed {
  /** Wall-clock ms per query. */
  times: number[];
  /** CPU ms per query (user + system of this process): what the search costs, without waiting for a CPU. */
  cpu: number[];
  results: Array<Array<{ id: string; score: number }>>;
}
function timeSearch(fn: (v: Float32Array) => Array<{ id: string; score: number }>): Timed {
  for (let i = 0; i < Math.min(30, queryVecs.length); i++) fn(queryVecs[i]!);
  const times: number[] = [];
  const cpu: number[] = [];
  const results = queryVecs.map((v) => {
    const c0 = process.cpuUsage();
    const s = performance.now();
    const r = fn(v);
    times.push(performance.now() - s);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
    return r;
  });
  return { times, cpu, results };
}
const exact = timeSearch((v) => index.searchExact(key, v, K, 0));

function recallOf(approx: Timed) {
  let top1 = 0;
  let aboveN = 0;
  let aboveFound = 0;
  for (let i = 0; i < QUERIES; i++) {
    const ex = exact.results[i]!;
    const ap = approx.results[i]!;
    if (ex[0] && ap[0] && ex[0].id === ap[0].id) top1++;
    const best = ex[0];
    if (best && best.score >= DEFAULT_SEMANTIC_THRESHOLD) {
      aboveN++;
      if (ap.some((h) => h.id === best.id)) aboveFound++;
    }
  }
  return { top1: top1 / QUERIES, above: aboveN === 0 ? 1 : aboveFound / aboveN, aboveN };
}

const lookupTimes: number[] = [];
const lookupCpu: number[] = [];
for (let i = 0; i < queryTexts.length; i++) {
  const c0 = process.cpuUsage();
  const s = performance.now();
  await cache.lookup({ scope, text: queryTexts[i]! });
  lookupTimes.push(performance.now() - s);
  const c = process.cpuUsage(c0);
  lookupCpu.push((c.user + c.system) / 1000);
}

const [load1] = loadavg();
say(
  `## Lookup latency, ${ENTRIES.toLocaleString('en-US')} entries in ONE scope (worst case), ${QUERIES} queries, top-${K}`,
);
say();
say(
  `${ENTRIES.toLocaleString('en-US')} stores through \`SemanticCache.store\` (embed + guard features + index add with list splits, no training pause): ${buildSecs.toFixed(1)} s, ` +
    `${index.listCount(key)} inverted lists. Queries: half near-duplicates of stored texts (one word dropped), half fresh texts. ` +
    `Machine: ${cpus().length} CPUs, 1-minute load average ${load1!.toFixed(1)} at the end of the run (shared machine: tail latencies include time spent waiting for a CPU).`,
);
say();
say(
  '| search | p50 | p99 | max | CPU p50 | CPU p99 | top-1 = exact | finds the exact best match when it reaches the threshold |',
);
say('|---|---:|---:|---:|---:|---:|---:|---:|');
const cpuCols = (t: Timed) => `${ms(quantile(t.cpu, 0.5))} | ${ms(quantile(t.cpu, 0.99))}`;
say(
  `| exact scan (float32, all entries) | ${ms(quantile(exact.times, 0.5))} | ${ms(quantile(exact.times, 0.99))} | ${ms(Math.max(...exact.times))} | ${cpuCols(exact)} | 100% | 100% |`,
);
for (const nprobe of [8, 16, 24, 32]) {
  const approx = timeSearch((v) => index.search(key, v, K, 0, nprobe));
  const r = recallOf(approx);
  say(
    `| IVF, nprobe ${nprobe}${nprobe === 24 ? ' (default)' : ''} | ${ms(quantile(approx.times, 0.5))} | ${ms(quantile(approx.times, 0.99))} | ${ms(Math.max(...approx.times))} | ${cpuCols(approx)} | ${pct(r.top1)} | ${pct(r.above)} of ${r.aboveN} |`,
  );
}
say(
  `| full \`SemanticCache.lookup\` (embed + IVF + guards) | ${ms(quantile(lookupTimes, 0.5))} | ${ms(quantile(lookupTimes, 0.99))} | ${ms(Math.max(...lookupTimes))} | ${ms(quantile(lookupCpu, 0.5))} | ${ms(quantile(lookupCpu, 0.99))} | | |`,
);
say();

/** The stricter threshold the notes suggest for crowded scopes; its pooled error rate is measured below. */
const RAISED_THRESHOLD = 0.5;
const raisedPool = await pool('all', RAISED_THRESHOLD);
const defaultPool = await pool('all', DEFAULT_SEMANTIC_THRESHOLD);

say('## How these numbers were made (read before quoting them)');
say();
say(
  '- The pairs, the synonym map (`lexicon.ts`) and the guard word lists (`guard-words/*.json`) were all written for this project by the same people. ' +
    'The lexicons were written first, then extended while looking only at failures of the **development** half; the test half was looked at once, at the end. ' +
    'That look found a near-miss served ("I can log in" / "I cannot log in"): a bug ("cannot" was expanded only in texts with an apostrophe), fixed afterwards, so the test half is not perfectly untouched for that case.',
);
say(
  '- Pooled wrong answers are counted mechanically: an answer counts as wrong whenever it comes from another pair, even when a person would accept it ("speak with a human agent" answered by "How do I contact customer support?"). ' +
    'They still show the limit of a bag-of-words embedder: in a crowded scope, two different questions that share their key words look alike. ' +
    `Run a scope in shadow mode first, raise the threshold there (${RAISED_THRESHOLD} gives ${pct(poolWrong(raisedPool) / poolQueries(raisedPool))} pooled wrong answers on all pairs in this run, against ${pct(poolWrong(defaultPool) / poolQueries(defaultPool))} at ${DEFAULT_SEMANTIC_THRESHOLD}), or use a remote embedder.`,
);
say(
  '- Latency was measured on a shared machine while other jobs ran; the CPU columns (user + system time of this process per query) show the cost without the wait for a CPU.',
);
say();

const resultsDir = join(root, 'bench/results/semantic');
mkdirSync(resultsDir, { recursive: true });
writeFileSync(join(resultsDir, 'summary.md'), `${out.join('\n')}\n`);
console.error(`\nwritten: ${join('bench/results/semantic', 'summary.md')}`);
