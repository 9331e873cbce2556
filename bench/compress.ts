/**
 * Compression, shaping and shortcut benchmark on the fixture workload (test/fixtures/workload/):
 * - token reduction of each compression transform, counted exactly with the OpenAI tokenizer on the whole
 *   request, per kind of request (long chat histories, retrieval prompts, verbose system prompts), against
 *   the same requests uncompressed in the same run; whether the passage that answers each retrieval
 *   question survives trimming;
 * - what the prompt lint's proposed rewrite would save on the verbose system prompts;
 * - FAQ matching precision and recall on the near-miss set (negations, other numbers, other entities,
 *   unrelated questions), with a threshold sweep.
 * Run: npm run bench:compress   → prints markdown (the section of BENCHMARKS.md)
 */
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import type { CanonicalRequest } from '../src/core/request.js';
import { lintPrompt } from '../src/lint/lint-prompt.js';
import { type Transform, TRANSFORMS, compressRequest } from '../src/pipeline/compress/compress-request.js';
import { compressFeatureSchema } from '../src/pipeline/compress/config.js';
import { parseFaq } from '../src/pipeline/shortcut/faq-file.js';
import { FaqIndex } from '../src/pipeline/shortcut/faq-index.js';
import { CODECS } from '../src/providers/codecs.js';
import { countRequestTokens } from '../src/tokens/index.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dir = join(root, 'test/fixtures/workload');
const say = (s = '') => console.log(s);
const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

interface Item {
  kind: 'chat-history' | 'retrieval' | 'verbose-system';
  id: string;
  needle?: string;
  body: unknown;
}
const items = readFileSync(join(dir, 'requests.jsonl'), 'utf8')
  .split('\n')
  .filter((l) => l.trim())
  .map((l) => JSON.parse(l) as Item);
const parse = (it: Item): CanonicalRequest => CODECS.openai.parseRequest(it.body);

const POLICIES: Record<string, { kind: Item['kind']; policy: unknown }> = {
  'lossless only (chat histories)': { kind: 'chat-history', policy: {} },
  'history window 1500 tokens + lossless (chat histories)': {
    kind: 'chat-history',
    policy: { history: { maxTokens: 1500 } },
  },
  'lossless only (retrieval)': { kind: 'retrieval', policy: {} },
  'context trim 150 tokens, BM25 (retrieval)': { kind: 'retrieval', policy: { context: { maxTokens: 150 } } },
  'context trim 150 tokens, local embedder (retrieval)': {
    kind: 'retrieval',
    policy: { context: { maxTokens: 150, method: 'embedding' } },
  },
  'lossless only (verbose system prompts)': { kind: 'verbose-system', policy: {} },
};

say('# Compression, shaping and shortcuts benchmark');
say();
say(
  `Node ${process.version}, ${cpus()[0]?.model ?? 'unknown CPU'}. Workload: \`test/fixtures/workload/\` (${items.length} requests).`,
);
say(
  'Tokens are exact counts of the whole request (messages, chat overheads, tools) with the OpenAI tokenizer of the',
);
say(
  'request model (gpt-4o / gpt-4o-mini: o200k_base); "before" is the same request uncompressed, in the same run.',
);
say();
say('## Compression');
say();
say(`| policy | requests | tokens before | tokens after | reduction | ${TRANSFORMS.join(' | ')} |`);
say(`|---|---:|---:|---:|---:|${TRANSFORMS.map(() => '---:').join('|')}|`);
const needles: string[] = [];
for (const [name, { kind, policy }] of Object.entries(POLICIES)) {
  const p = compressFeatureSchema.parse(policy);
  let before = 0;
  let after = 0;
  const saved: Record<Transform, number> = { history: 0, context: 0, dedupe: 0, json: 0, whitespace: 0 };
  let kept = 0;
  let withNeedle = 0;
  const subset = items.filter((i) => i.kind === kind);
  for (const it of subset) {
    const req = parse(it);
    const r = await compressRequest(req, p, { model: req.model });
    // An unchanged request is not counted by compressRequest: count it here (before = after).
    const counted = countRequestTokens(req, req.model).tokens;
    if (r.tokensBefore !== null && r.tokensBefore !== counted) throw new Error('count mismatch');
    before += r.tokensBefore ?? counted;
    after += r.tokensAfter ?? counted;
    for (const [t, n] of Object.entries(r.saved)) saved[t as Transform] += n;
    if (it.needle) {
      withNeedle++;
      if (JSON.stringify(r.request.messages).includes(it.needle)) kept++;
    }
  }
  if (withNeedle) needles.push(`${name}: the answering passage survived in ${kept} of ${withNeedle} prompts`);
  say(
    `| ${name} | ${subset.length} | ${before} | ${after} | ${pct((before - after) / before)} | ${TRANSFORMS.map((t) => (saved[t] ? `${saved[t]} (${pct(saved[t] / before)})` : '–')).join(' | ')} |`,
  );
}
say();
for (const n of needles) say(`- ${n}`);
say();

// ---------------------------------------------------------------- lint
say('## Prompt lint (proposed rewrite, not applied automatically)');
say();
say('| system prompt | tokens | rewrite | reduction | findings |');
say('|---|---:|---:|---:|---|');
const seen = new Set<string>();
for (const it of items.filter((i) => i.kind === 'verbose-system')) {
  const sys = parse(it)
    .system.map((p) => p.text)
    .join('');
  if (seen.has(sys)) continue;
  seen.add(sys);
  const r = lintPrompt(sys, { model: 'gpt-4o' });
  const kinds = new Map<string, number>();
  for (const f of r.findings) kinds.set(f.rule, (kinds.get(f.rule) ?? 0) + 1);
  say(
    `| ${it.id.replace(/-\d+$/, '')} | ${r.tokens} | ${r.rewriteTokens} | ${pct((r.tokens - r.rewriteTokens) / r.tokens)} | ${[...kinds].map(([k, n]) => `${k} ×${n}`).join(', ')} |`,
  );
}
say();

// ---------------------------------------------------------------- FAQ
interface Query {
  q: string;
  expect: string | null;
  kind: string;
}
const faq = parseFaq(YAML.parse(readFileSync(join(dir, 'faq.yaml'), 'utf8')));
const queries = readFileSync(join(dir, 'faq-queries.jsonl'), 'utf8')
  .split('\n')
  .filter((l) => l.trim())
  .map((l) => JSON.parse(l) as Query);
const DEFAULT = 0.6;
const evaluate = (threshold: number) => {
  const index = new FaqIndex(faq, { threshold });
  let answered = 0;
  let correct = 0;
  let positives = 0;
  let found = 0;
  const wrongByKind = new Map<string, number>();
  const wrong: string[] = [];
  for (const q of queries) {
    const m = index.lookup(q.q).match;
    if (q.expect !== null) positives++;
    if (!m) continue;
    answered++;
    if (m.entry.id === q.expect) {
      correct++;
      found++;
    } else {
      wrongByKind.set(q.kind, (wrongByKind.get(q.kind) ?? 0) + 1);
      wrong.push(`"${q.q}" → ${m.entry.id} (${q.kind})`);
    }
  }
  return {
    answered,
    correct,
    precision: answered ? correct / answered : 1,
    recall: found / positives,
    wrongByKind,
    wrong,
    positives,
  };
};
const byKind = new Map<string, number>();
for (const q of queries) byKind.set(q.kind, (byKind.get(q.kind) ?? 0) + 1);
say('## FAQ shortcut matching (near-miss set)');
say();
say(
  `${faq.length} FAQ entries (${faq.reduce((a, e) => a + e.questions.length, 0)} question variants); ${queries.length} questions: ${[...byKind].map(([k, n]) => `${n} ${k}`).join(', ')}. ` +
    'Matching: exact after folding case and punctuation, else the local embedder above the threshold AND the semantic cache’s guards (negation, numbers, dates, entities …). ' +
    'Precision = right answers / answers given; recall = paraphrases answered with the right entry / paraphrases.',
);
say();
say('| threshold | answered | precision | recall | wrong answers by kind |');
say('|---:|---:|---:|---:|---|');
for (const t of [0.4, 0.5, DEFAULT, 0.7, 0.8]) {
  const r = evaluate(t);
  say(
    `| ${t}${t === DEFAULT ? ' (default)' : ''} | ${r.answered} | ${r.precision.toFixed(3)} | ${r.recall.toFixed(3)} | ${r.wrongByKind.size ? [...r.wrongByKind].map(([k, n]) => `${k} ${n}`).join(', ') : 'none'} |`,
  );
}
const d = evaluate(DEFAULT);
say();
say(
  `At the default threshold: precision ${d.precision.toFixed(3)} (target ≥ 0.99), ${d.wrongByKind.get('negation') ?? 0} false answers on negations, recall ${d.recall.toFixed(3)} (${d.correct} of ${d.positives} paraphrases).`,
);
if (d.wrong.length) for (const w of d.wrong) say(`- wrong: ${w}`);
say();
say('Run: `npm run bench:compress`.');
