/**
 * What holding a cascade's cheap answer costs a streaming client (`npm run bench:cascade-hold`). Against the
 * fake upstream, streamed requests are sent (1) straight through (no cascade: the client sees the first
 * token as soon as the model produces it), (2) through a cascade whose cheap answer passes, and (3) through
 * one that escalates. The cascade calls its models non-streamed and replays the accepted answer, so the
 * client's time to first token becomes the cheap model's whole generation time (plus the strong model's
 * when it escalates). The modelled model has a first-token latency and a per-word decoding time; the fake
 * paces only streams (`delay` + `chunk_delay` per word), so a non-streamed call is given
 * `delay = first-token latency + words × per-word time`, which is when a real model would finish.
 * Results: stdout and bench/results/cascade-hold.md.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { startPenny } from '../src/app.js';
import { createLogger } from '../src/observability/logger.js';
import { startFakeUpstream } from '../test/fake-upstream/index.js';

const N = Number(process.env.BENCH_N ?? 15);
const LENGTHS = (process.env.BENCH_WORDS ?? '50,250').split(',').map(Number);
const FIRST_TOKEN_MS = Number(process.env.BENCH_FIRST_TOKEN_MS ?? 150);
const PER_WORD_MS = Number(process.env.BENCH_PER_WORD_MS ?? 10);

const fake = await startFakeUpstream({ record: false });
const dir = mkdtempSync(join(tmpdir(), 'penny-hold-'));
const app = await startPenny({
  object: {
    server: { port: 0 },
    ledger: { path: join(dir, 'ledger.db') },
    providers: {
      openai: { type: 'openai', baseUrl: `${fake.url}/v1`, apiKey: 'sk-bench-0123456789abcdef' },
    },
    features: {
      held: { cascade: { models: ['gpt-4o-mini', 'gpt-4o'] } },
      escalated: {
        cascade: {
          models: [{ model: 'gpt-4o-mini', checks: [{ type: 'regex', pattern: '^never$' }] }, 'gpt-4o'],
        },
      },
    },
  },
  env: {},
  logger: createLogger('silent'),
});
const client = new OpenAI({ apiKey: 'penny', baseURL: `${app.url}/v1`, maxRetries: 0 });

async function once(feature: string | null, words: number): Promise<{ ttft: number; total: number }> {
  // Straight through the call is streamed (paced per word); in a cascade it is not (answered when done).
  const pace =
    feature === null
      ? `#fake:delay=${FIRST_TOKEN_MS} #fake:chunk_delay=${PER_WORD_MS}`
      : `#fake:delay=${FIRST_TOKEN_MS + words * PER_WORD_MS}`;
  const t0 = performance.now();
  const stream = await client.chat.completions.create(
    {
      model: 'gpt-4o',
      stream: true,
      messages: [{ role: 'user', content: `Tell me a story. #fake:words=${words} ${pace}` }],
    },
    feature ? { headers: { 'x-penny-feature': feature } } : {},
  );
  let ttft = -1;
  for await (const chunk of stream) {
    if (ttft < 0 && chunk.choices[0]?.delta.content) ttft = performance.now() - t0;
  }
  return { ttft, total: performance.now() - t0 };
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))]!;
};

const rows: Array<{
  words: number;
  name: string;
  ttft50: number;
  ttft90: number;
  added: number | null;
  total50: number;
}> = [];
for (const words of LENGTHS) {
  let base = 0;
  for (const [name, feature] of [
    ['streamed straight through (no cascade)', null],
    ['cascade, cheap answer passes (held)', 'held'],
    ['cascade, escalates to the strong model (held)', 'escalated'],
  ] as const) {
    await once(feature, words); // warm-up
    const ttft: number[] = [];
    const total: number[] = [];
    for (let i = 0; i < N; i++) {
      const r = await once(feature, words);
      ttft.push(r.ttft);
      total.push(r.total);
    }
    const ttft50 = pct(ttft, 0.5);
    if (feature === null) base = ttft50;
    rows.push({
      words,
      name,
      ttft50,
      ttft90: pct(ttft, 0.9),
      added: feature === null ? null : ttft50 - base,
      total50: pct(total, 0.5),
    });
  }
}
await app.close();
await fake.close();
rmSync(dir, { recursive: true, force: true });

const ms = (x: number) => `${x.toFixed(0)} ms`;
const table = [
  `Streaming hold of a cascade (\`npm run bench:cascade-hold\`, ${new Date().toISOString().slice(0, 10)}, Node ${process.version}): ${N} sequential streamed requests per row through the OpenAI SDK; modelled model: first token after ${FIRST_TOKEN_MS} ms, then ${PER_WORD_MS} ms per word, same pace for the cheap and the strong model.`,
  '',
  '| answer | path | TTFT p50 | TTFT p90 | added TTFT (p50) | total p50 |',
  '|---|---|---|---|---|---|',
  ...rows.map(
    (r) =>
      `| ${r.words} words | ${r.name} | ${ms(r.ttft50)} | ${ms(r.ttft90)} | ${r.added === null ? '—' : `+${ms(r.added)}`} | ${ms(r.total50)} |`,
  ),
].join('\n');
console.log(table);
mkdirSync('bench/results', { recursive: true });
writeFileSync('bench/results/cascade-hold.md', `${table}\n`);
