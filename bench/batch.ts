/**
 * Batching benchmark: 1,000 short classification items behind one shared ~800-token system prompt, sent
 * through the REAL gateway to the fake upstream at a steady concurrency, once with micro-batching off and
 * once on (same run, same items, same arrival): cost from the two ledgers, upstream calls, split
 * correctness (every item gets exactly the answer it gets alone), and the latency micro-batching adds
 * (p50/p99, bound: maxWaitMs + one call). Then the same items' cost at the catalog's batch rates (the price
 * the Batch API path pays for traffic nobody waits for).
 * Run: npm run bench:batch   → prints markdown and writes bench/results/batch.md
 * Options: --items N (default 1000), --concurrency N (default 50).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Agent, request } from 'undici';
import { startPenny } from '../src/app.js';
import type { LedgerEntry } from '../src/core/ledger-entry.js';
import { type Money, formatUsd } from '../src/core/money.js';
import { silentLogger } from '../src/observability/logger.js';
import { computeCost } from '../src/pricing/cost.js';
import { countText } from '../src/tokens/count-text.js';
import { itemAnswer } from '../test/fake-upstream/answer.js';
import { startFakeUpstream } from '../test/fake-upstream/index.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const arg = (name: string, d: number) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : d;
};
const N = arg('--items', 1000);
const CONCURRENCY = arg('--concurrency', 50);
const MODEL = 'gpt-4o-mini';
const BATCH = { maxItems: 20, maxWaitMs: 50, maxPromptTokens: 16_000 };
const out: string[] = [];
const say = (s = '') => {
  out.push(s);
  console.log(s);
};

// ~800-token shared system prompt.
let SYSTEM =
  'You classify customer support tickets into exactly one label: billing, bug, account, feature or other. Answer with the label only.';
for (let i = 1; countText(SYSTEM, MODEL).tokens < 800; i++)
  SYSTEM += ` Rule ${i}: tickets about refunds, invoices, card charges or plan prices are billing; crashes, error messages and broken pages are bug; logins, passwords and profile changes are account; requests for new abilities are feature.`;
const SUBJECTS = [
  'refund',
  'crash on save',
  'password reset',
  'dark mode',
  'invoice copy',
  'login loop',
  'export to csv',
  'double charge',
];
const ITEMS = Array.from(
  { length: N },
  (_, i) => `Ticket ${i}: ${SUBJECTS[i % SUBJECTS.length]} for order ${1000 + i}`,
);

interface Run {
  latencies: number[];
  answers: string[];
  entries: LedgerEntry[];
  calls: number;
  seconds: number;
}

async function run(upstream: { url: string; count: number }, batch: boolean): Promise<Run> {
  const dir = mkdtempSync(join(tmpdir(), 'penny-bench-batch-'));
  const app = await startPenny({
    object: {
      server: { port: 0 },
      ledger: { path: join(dir, 'ledger.db') },
      circuitBreaker: { enabled: false },
      providers: {
        openai: { type: 'openai', baseUrl: `${upstream.url}/v1`, apiKey: 'sk-bench-openai-0123456789' },
      },
      features: { classify: batch ? { batch: BATCH } : {} },
    },
    env: {},
    logger: silentLogger,
  });
  const agent = new Agent({ connections: CONCURRENCY + 8 });
  const before = upstream.count;
  const latencies: number[] = new Array(N);
  const answers: string[] = new Array(N);
  let next = 0;
  const t0 = process.hrtime.bigint();
  const worker = async () => {
    while (next < N) {
      const i = next++;
      const s = process.hrtime.bigint();
      const res = await request(`${app.url}/v1/chat/completions`, {
        method: 'POST',
        dispatcher: agent,
        headers: {
          'content-type': 'application/json',
          'x-penny-feature': 'classify',
          authorization: 'Bearer penny',
        },
        body: JSON.stringify({
          model: MODEL,
          max_tokens: 40,
          messages: [
            { role: 'system', content: SYSTEM },
            { role: 'user', content: ITEMS[i] },
          ],
        }),
      });
      const body = (await res.body.json()) as { choices?: Array<{ message: { content: string } }> };
      latencies[i] = Number(process.hrtime.bigint() - s) / 1e6;
      if (res.statusCode !== 200) throw new Error(`bench request failed: HTTP ${res.statusCode}`);
      answers[i] = body.choices?.[0]?.message.content ?? '';
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  await app.gateway.drain();
  await app.ledger.flush();
  const entries = await app.ledger.query({});
  const calls = upstream.count - before;
  await app.close();
  await agent.close();
  rmSync(dir, { recursive: true, force: true });
  return { latencies, answers, entries, calls, seconds };
}

const pctl = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};
const total = (es: LedgerEntry[], k: 'cost' | 'baselineCost') => es.reduce((s, e) => s + (e[k] ?? 0n), 0n);
const ratio = (a: Money, b: Money) => (Number((a * 10000n) / b) / 10000).toFixed(3);

/** The deferral path: every item sent with x-penny-defer: batch, answered through the provider's Batch API. */
async function deferRun(upstream: {
  url: string;
}): Promise<{ entries: LedgerEntry[]; answers: Map<string, string>; jobs: string[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'penny-bench-defer-'));
  const app = await startPenny({
    object: {
      server: { port: 0 },
      ledger: { path: join(dir, 'ledger.db') },
      providers: {
        openai: { type: 'openai', baseUrl: `${upstream.url}/v1`, apiKey: 'sk-bench-openai-0123456789' },
      },
      batchJobs: { submitEveryMs: 200, pollEveryMs: 100 },
    },
    env: {},
    logger: silentLogger,
  });
  const agent = new Agent({ connections: CONCURRENCY + 8 });
  const jobs: string[] = new Array(N);
  let next = 0;
  const worker = async () => {
    while (next < N) {
      const i = next++;
      const res = await request(`${app.url}/v1/chat/completions`, {
        method: 'POST',
        dispatcher: agent,
        headers: {
          'content-type': 'application/json',
          'x-penny-defer': 'batch',
          authorization: 'Bearer sk-bench-client-0123456789',
        },
        body: JSON.stringify({
          model: MODEL,
          max_tokens: 40,
          messages: [
            { role: 'system', content: SYSTEM },
            { role: 'user', content: ITEMS[i] },
          ],
        }),
      });
      const body = (await res.body.json()) as { id: string };
      if (res.statusCode !== 202) throw new Error(`deferral failed: HTTP ${res.statusCode}`);
      jobs[i] = body.id;
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const answers = new Map<string, string>();
  for (let tries = 0; tries < 600 && answers.size < N; tries++) {
    await new Promise((r) => setTimeout(r, 100));
    for (const id of jobs) {
      if (answers.has(id)) continue;
      const res = await request(`${app.url}/v1/penny/jobs/${id}`, {
        dispatcher: agent,
        headers: { authorization: 'Bearer sk-bench-client-0123456789' },
      });
      const j = (await res.body.json()) as {
        status: string;
        response?: { choices: Array<{ message: { content: string } }> };
      };
      if (j.status === 'completed') answers.set(id, j.response?.choices[0]?.message.content ?? '');
      else if (j.status === 'failed') answers.set(id, '(failed)');
      else break;
    }
  }
  await app.gateway.drain();
  await app.ledger.flush();
  const entries = (await app.ledger.query({})).filter((e) => e.id.startsWith('job_'));
  await app.close();
  await agent.close();
  rmSync(dir, { recursive: true, force: true });
  return { entries, answers, jobs };
}

const fake = await startFakeUpstream({ record: false });
// Warm-up (JIT, connection pools), not measured.
await run(fake, false);
const off = await run(fake, false);
const on = await run(fake, true);
const viaBatchApi = await deferRun(fake);
await fake.close();

const expected = ITEMS.map(itemAnswer);
const wrongOff = off.answers.filter((a, i) => a !== expected[i]).length;
const wrongOn = on.answers.filter((a, i) => a !== expected[i]).length;
const costOff = total(off.entries, 'cost');
const costOn = total(on.entries, 'cost');
const statuses = new Map<string, number>();
for (const e of on.entries) {
  const s = (e.meta?.batch as { status?: string } | undefined)?.status ?? 'none';
  statuses.set(s, (statuses.get(s) ?? 0) + 1);
}
// The Batch API path: the same calls (off run's usage, one per item) at the catalog's batch rates.
const { loadCatalog } = await import('../src/pricing/catalog.js');
const catalog = loadCatalog({});
let deferred = 0n;
for (const e of off.entries) {
  const c = computeCost(
    {
      inputUncached: e.inputUncached,
      cacheRead: e.cacheRead,
      cacheWrite5m: e.cacheWrite5m,
      cacheWrite1h: e.cacheWrite1h,
      outputText: e.outputText,
      reasoning: e.reasoning,
    },
    catalog.lookup(MODEL),
    { batch: true },
  ).cost;
  deferred += c ?? 0n;
}

say(
  `### Micro-batching: ${N} classification items, ~${countText(SYSTEM, MODEL).tokens}-token shared system prompt (${MODEL})`,
);
say();
say(
  `Concurrency ${CONCURRENCY}; batch policy \`${JSON.stringify(BATCH)}\`; fake upstream (full answers, no added delay).`,
);
say();
say('| | off | on | on / off |');
say('|---|---:|---:|---:|');
say(`| cost (ledger Σ) | ${formatUsd(costOff, 6)} | ${formatUsd(costOn, 6)} | ${ratio(costOn, costOff)} |`);
say(`| upstream calls | ${off.calls} | ${on.calls} | ${(on.calls / off.calls).toFixed(3)} |`);
say(`| items answered with their own answer | ${N - wrongOff}/${N} | ${N - wrongOn}/${N} | |`);
say(
  `| latency p50, ms | ${pctl(off.latencies, 50).toFixed(1)} | ${pctl(on.latencies, 50).toFixed(1)} | +${(pctl(on.latencies, 50) - pctl(off.latencies, 50)).toFixed(1)} ms |`,
);
say(
  `| latency p99, ms | ${pctl(off.latencies, 99).toFixed(1)} | ${pctl(on.latencies, 99).toFixed(1)} | +${(pctl(on.latencies, 99) - pctl(off.latencies, 99)).toFixed(1)} ms |`,
);
say(`| wall time, s | ${off.seconds.toFixed(2)} | ${on.seconds.toFixed(2)} | |`);
say();
say(
  `Items by \`meta.batch.status\` (on): ${[...statuses].map(([k, v]) => `${k} ${v}`).join(', ')}. Σ \`batch\` saving: ${formatUsd(
    on.entries.reduce((s, e) => s + (e.savings.batch ?? 0n), 0n),
    6,
  )}; Σ baseline (each item alone) ${formatUsd(total(on.entries, 'baselineCost'), 6)}.`,
);
say();
const deferCost = total(viaBatchApi.entries, 'cost');
const deferRight = viaBatchApi.jobs.filter((id, i) => viaBatchApi.answers.get(id) === expected[i]).length;
say(
  `Deferral (\`x-penny-defer: batch\`, through the fake OpenAI Batch API): ${viaBatchApi.entries.length} jobs settled, ${deferRight}/${N} with their own answer, ledger Σ cost ${formatUsd(deferCost, 6)} = ${ratio(deferCost, costOff)} × off (the off run's usage at batch rates: ${formatUsd(deferred, 6)}).`,
);
say();
say('Command: `npm run bench:batch`');
mkdirSync(join(root, 'bench/results'), { recursive: true });
writeFileSync(join(root, 'bench/results/batch.md'), `${out.join('\n')}\n`);
if (wrongOn > 0 || wrongOff > 0) process.exitCode = 1;
