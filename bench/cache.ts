/**
 * Caching benchmark.
 * (a) A replayed workload in ledger shape made for this project (FAQ support questions with paraphrases,
 *     multi-turn assistant chats and document summaries behind long shared system prompts, fan-out
 *     duplicates sent concurrently) through the REAL gateway against the fake upstream, once with caching
 *     off and once on: cost, upstream calls and savings by tactic from the two ledgers. Between the gateway
 *     and the fake upstream sits a small provider prompt-cache emulator (Anthropic: reads and writes from
 *     the request's `cache_control` breakpoints; OpenAI: automatic caching of a repeated ≥1,024-token prefix
 *     in 128-token steps, the same in both runs), so prompt-cache usage follows the providers' rules.
 * (b) Exact-cache lookup latency with 100k entries (key + store read + validation; memory, SQLite, Redis)
 *     and the gateway's added latency on a hit and a miss against direct calls to the fake upstream.
 * Run: npm run bench:cache   → prints markdown and writes bench/results/cache.md
 * Options: --quick (smaller workload and fewer latency samples).
 */
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Agent, request } from 'undici';
import { startPenny } from '../src/app.js';
import type { LedgerEntry } from '../src/core/ledger-entry.js';
import { type Money, formatUsd } from '../src/core/money.js';
import { silentLogger } from '../src/observability/logger.js';
import { exactKey } from '../src/pipeline/cache/cache-key.js';
import { decodeAnswer, encodeAnswer } from '../src/pipeline/cache/entry-codec.js';
import type { CacheStore } from '../src/pipeline/cache/store/cache-store.js';
import { MemoryStore } from '../src/pipeline/cache/store/memory-store.js';
import { RedisStore } from '../src/pipeline/cache/store/redis-store.js';
import { SqliteStore } from '../src/pipeline/cache/store/sqlite-store.js';
import { CODECS } from '../src/providers/codecs.js';
import { countText } from '../src/tokens/count-text.js';
import { startFakeUpstream } from '../test/fake-upstream/index.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const quick = process.argv.includes('--quick');
const out: string[] = [];
const say = (s = '') => {
  out.push(s);
  console.log(s);
};
const pct = (part: Money, whole: Money) =>
  whole === 0n ? '–' : `${(Number((part * 10000n) / whole) / 100).toFixed(2)}%`;

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

// ------------------------------------------------------------------------------------------ workload
interface WorkItem {
  /** Seconds from the start of the recorded window. */
  t: number;
  feature: string;
  user: string;
  dialect: 'openai' | 'anthropic';
  stream: boolean;
  /** Items with the same group are sent concurrently. */
  group?: number;
  /** Support questions: the questions whose answer is a right answer (the pair's two phrasings). */
  accept?: string[];
  body: Record<string, unknown>;
}

const policy = (name: string, sentences: number) =>
  Array.from(
    { length: sentences },
    (_, i) =>
      `${name} rule ${i + 1}: answer only from the ${name.toLowerCase()} handbook, quote the section number, keep a friendly tone and never promise refunds outside the policy window.`,
  ).join(' ');
const SUPPORT_SYSTEM = `You are the support assistant of Example Corp. ${policy('Support', 48)}`;
const ASSISTANT_SYSTEM = `You are the in-app writing assistant of Example Corp. ${policy('Writing', 36)}`;
const SUMMARY_SYSTEM = `You summarise customer documents for account managers. ${policy('Summary', 30)}`;
const CLASSIFY_SYSTEM =
  'Classify the ticket into one of: billing, shipping, account, product, other. Answer with the label only.';

/**
 * The generator's parameters, in one place: the workload is built from these and the summary describes
 * the workload from what was actually generated (counts, shares, token sizes), never from restated numbers.
 * `below` values are cumulative cut points of one uniform draw per item.
 */
const GEN = {
  seed: 20250901,
  users: 200,
  faqPairs: 60,
  support: { below: 0.4, firstPhrasing: 0.65, streamed: 0.3, model: 'claude-sonnet-4-5', temperature: 0 },
  assistant: { below: 0.65, maxTurns: 4, continueOpen: 0.6, model: 'claude-sonnet-4-5', temperature: 0.7 },
  summarize: { below: 0.85, minDocsBeforeRepeat: 5, resubmit: 0.15, model: 'gpt-4o-mini', temperature: 0 },
  classify: { tickets: 400, minCopies: 2, extraCopies: 4, model: 'gpt-4.1-mini', temperature: 0 },
} as const;

function buildWorkload(size: number): WorkItem[] {
  const r = rng(GEN.seed);
  const pairs = readFileSync(join(root, 'test/fixtures/semantic/pairs.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as { a: string; b: string; label: string })
    .filter((p) => p.label === 'hit')
    .slice(0, GEN.faqPairs);
  const zipf = (n: number) => Math.min(n - 1, Math.floor(n ** r() - 1));
  const items: WorkItem[] = [];
  let t = 0;
  let group = 0;
  const conversations: Array<{ user: string; turns: Array<{ role: string; content: string }> }> = [];
  const docs: string[] = [];
  while (items.length < size) {
    t += 0.5 + r() * 2;
    const user = `u${Math.floor(r() * GEN.users)}`;
    const x = r();
    if (x < GEN.support.below) {
      const p = pairs[zipf(pairs.length)]!;
      const q = r() < GEN.support.firstPhrasing ? p.a : p.b;
      const stream = r() < GEN.support.streamed;
      items.push({
        t,
        accept: [p.a, p.b],
        feature: 'support',
        user,
        dialect: 'anthropic',
        stream,
        body: {
          model: GEN.support.model,
          max_tokens: 400,
          temperature: GEN.support.temperature,
          system: SUPPORT_SYSTEM,
          // No directive in the question: the last user turn is exactly what a user typed.
          messages: [{ role: 'user', content: q }],
          ...(stream ? { stream: true } : {}),
        },
      });
    } else if (x < GEN.assistant.below) {
      // Multi-turn chats: continue an open conversation or start one (at most maxTurns user turns each).
      let conv = conversations.find(
        (c) => c.turns.length < 2 * GEN.assistant.maxTurns - 1 && r() < GEN.assistant.continueOpen,
      );
      if (!conv) {
        conv = { user, turns: [] };
        conversations.push(conv);
      }
      const n = conv.turns.length / 2 + 1;
      conv.turns.push({
        role: 'user',
        content: `Draft ${conversations.indexOf(conv)} step ${n}: please improve paragraph ${n} of my announcement, keeping it short and clear.`,
      });
      items.push({
        t,
        feature: 'assistant',
        user: conv.user,
        dialect: 'anthropic',
        stream: true,
        body: {
          model: GEN.assistant.model,
          max_tokens: 600,
          temperature: GEN.assistant.temperature,
          stream: true,
          system: ASSISTANT_SYSTEM,
          messages: conv.turns.map((m) => ({
            ...m,
            content: `${m.content}${m.role === 'user' ? ' #fake:words=120' : ''}`,
          })),
        },
      });
      conv.turns.push({ role: 'assistant', content: `Here is paragraph ${n}, improved and shorter.` });
    } else if (x < GEN.summarize.below) {
      const again = docs.length > GEN.summarize.minDocsBeforeRepeat && r() < GEN.summarize.resubmit;
      const doc = again
        ? docs[Math.floor(r() * docs.length)]!
        : `Document ${docs.length}: ${'Quarterly account notes with renewal dates, usage figures and open issues. '.repeat(20)}`;
      if (!again) docs.push(doc);
      items.push({
        t,
        feature: 'summarize',
        user,
        dialect: 'openai',
        stream: false,
        body: {
          model: GEN.summarize.model,
          temperature: GEN.summarize.temperature,
          messages: [
            { role: 'system', content: SUMMARY_SYSTEM },
            { role: 'user', content: `${doc} #fake:words=150` },
          ],
        },
      });
    } else {
      // A ticket classified by several services at once (fan-out duplicates), sometimes again later.
      const ticket = `Ticket ${Math.floor(r() * GEN.classify.tickets)}: my parcel arrived damaged and I was charged twice. #fake:words=2 #fake:delay=40`;
      const copies = GEN.classify.minCopies + Math.floor(r() * GEN.classify.extraCopies);
      group++;
      for (let i = 0; i < copies && items.length < size; i++) {
        const stream = i % 2 === 1;
        items.push({
          t,
          feature: 'classify',
          user: `svc${i}`,
          dialect: 'openai',
          stream,
          group,
          body: {
            model: GEN.classify.model,
            temperature: GEN.classify.temperature,
            messages: [
              { role: 'system', content: CLASSIFY_SYSTEM },
              { role: 'user', content: ticket },
            ],
            ...(stream ? { stream: true } : {}),
          },
        });
      }
    }
  }
  return items;
}

// ------------------------------------------------------------------ provider prompt-cache emulator
/** Sits between the gateway and the fake upstream and rewrites usage the way the providers' caches would. */
async function startEmulator(
  upstream: string,
): Promise<{ url: string; calls: number; close(): Promise<void>; reset(): void }> {
  const cache = new Map<string, number>();
  const agent = new Agent({ connections: 64 });
  const state = { calls: 0 };
  const now = () => Date.now();
  const hash = (s: string) => createHash('sha256').update(s).digest('hex');
  const blockChars = (b: unknown): number => JSON.stringify(b).length;
  const strip = (b: Record<string, unknown>) => {
    const { cache_control: _c, ...rest } = b;
    return rest;
  };

  /** Anthropic: read the longest cached breakpoint prefix, write up to the last breakpoint. */
  function anthropicUsage(body: Record<string, unknown>, total: number) {
    const blocks: Array<{ b: Record<string, unknown>; marked?: { ttl?: string } }> = [];
    for (const t of (body.tools as Array<Record<string, unknown>> | undefined) ?? [])
      blocks.push({ b: strip(t), marked: t.cache_control as { ttl?: string } | undefined });
    const sys = body.system;
    if (typeof sys === 'string') blocks.push({ b: { type: 'text', text: sys } });
    else
      for (const s of (sys as Array<Record<string, unknown>> | undefined) ?? [])
        blocks.push({ b: strip(s), marked: s.cache_control as { ttl?: string } });
    for (const m of body.messages as Array<{ role: string; content: unknown }>) {
      if (typeof m.content === 'string') blocks.push({ b: { role: m.role, type: 'text', text: m.content } });
      else
        for (const c of m.content as Array<Record<string, unknown>>)
          blocks.push({ b: { role: m.role, ...strip(c) }, marked: c.cache_control as { ttl?: string } });
    }
    let chars = 0;
    let running = '';
    const points: Array<{ h: string; tokens: number; ttlMs: number }> = [];
    for (const x of blocks) {
      chars += blockChars(x.b);
      running = hash(running + JSON.stringify(x.b));
      if (x.marked)
        points.push({
          h: running,
          tokens: Math.ceil(chars / 4),
          ttlMs: x.marked.ttl === '1h' ? 3_600_000 : 300_000,
        });
    }
    let read = 0;
    for (const p of points)
      if ((cache.get(p.h) ?? 0) > now() && p.tokens >= 1024) read = Math.max(read, p.tokens);
    let write5 = 0;
    let write1 = 0;
    const last = points[points.length - 1];
    if (last && last.tokens >= 1024 && last.tokens > read) {
      if (last.ttlMs > 300_000) write1 = last.tokens - read;
      else write5 = last.tokens - read;
    }
    for (const p of points) if (p.tokens >= 1024) cache.set(p.h, now() + p.ttlMs);
    read = Math.min(read, total);
    write5 = Math.min(write5, total - read);
    write1 = Math.min(write1, total - read - write5);
    return { read, write5, write1 };
  }

  /** OpenAI: a repeated prefix (tools + system) of ≥ 1,024 tokens is read in 128-token steps. */
  function openaiCached(body: Record<string, unknown>, total: number): number {
    const msgs = body.messages as Array<{ role: string; content: unknown }>;
    const prefix = JSON.stringify([
      body.tools ?? null,
      msgs.filter((m) => m.role === 'system' || m.role === 'developer'),
    ]);
    const tokens = Math.ceil(prefix.length / 4);
    if (tokens < 1024 || total < 1024) return 0;
    const h = hash(prefix);
    const hit = (cache.get(h) ?? 0) > now();
    cache.set(h, now() + 600_000);
    return hit ? Math.min(total, Math.floor(tokens / 128) * 128) : 0;
  }

  function rewrite(path: string, body: Record<string, unknown>, text: string, sse: boolean): string {
    const anthropic = path.endsWith('/messages');
    // Decided once per response, then written into every usage object of it (stream start and end).
    let decided: ((usage: Record<string, unknown>) => void) | undefined;
    const fix = (usage: Record<string, unknown>) => {
      if (!decided) {
        if (anthropic) {
          const total = Number(usage.input_tokens ?? 0);
          const u = anthropicUsage(body, total);
          decided = (x) => {
            x.input_tokens = total - u.read - u.write5 - u.write1;
            x.cache_read_input_tokens = u.read;
            x.cache_creation_input_tokens = u.write5 + u.write1;
            x.cache_creation = { ephemeral_5m_input_tokens: u.write5, ephemeral_1h_input_tokens: u.write1 };
          };
        } else {
          const cached = openaiCached(body, Number(usage.prompt_tokens ?? 0));
          decided = (x) => {
            x.prompt_tokens_details = { ...(x.prompt_tokens_details as object), cached_tokens: cached };
          };
        }
      }
      decided(usage);
    };
    if (!sse) {
      const j = JSON.parse(text) as { usage?: Record<string, unknown> };
      if (j.usage) fix(j.usage);
      return JSON.stringify(j);
    }
    return text
      .split('\n\n')
      .map((ev) => {
        const line = ev.split('\n').find((l) => l.startsWith('data: '));
        if (!line || line === 'data: [DONE]') return ev;
        const j = JSON.parse(line.slice(6)) as {
          type?: string;
          message?: { usage?: Record<string, unknown> };
          usage?: Record<string, unknown> | null;
        };
        if (anthropic && j.type === 'message_start' && j.message?.usage) fix(j.message.usage);
        else if (anthropic && j.type === 'message_delta' && j.usage && 'input_tokens' in j.usage)
          fix(j.usage);
        else if (!anthropic && j.usage) fix(j.usage);
        else return ev;
        return ev.replace(line, `data: ${JSON.stringify(j)}`);
      })
      .join('\n\n');
  }

  const server: Server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    state.calls++;
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers))
      if (typeof v === 'string' && k !== 'host' && k !== 'content-length') headers[k] = v;
    const up = await request(`${upstream}${req.url}`, {
      method: req.method as 'POST',
      headers,
      body: raw,
      dispatcher: agent,
    });
    const text = await up.body.text();
    const ctype = String(up.headers['content-type'] ?? '');
    let outText = text;
    if (up.statusCode === 200 && req.method === 'POST' && raw) {
      outText = rewrite(
        req.url ?? '',
        JSON.parse(raw) as Record<string, unknown>,
        text,
        ctype.includes('event-stream'),
      );
    }
    res.writeHead(up.statusCode, { 'content-type': ctype, 'content-length': Buffer.byteLength(outText) });
    res.end(outText);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    get calls() {
      return state.calls;
    },
    reset() {
      cache.clear();
      state.calls = 0;
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      await agent.close();
    },
  };
}

// ------------------------------------------------------------------------------------ replay runs
/** The text of an Anthropic answer, non-streamed or streamed. */
function answerText(body: string, stream: boolean): string {
  if (!stream)
    return ((JSON.parse(body) as { content: Array<{ text?: string }> }).content[0]?.text ?? '').trim();
  let text = '';
  for (const line of body.split('\n')) {
    if (!line.startsWith('data: ')) continue;
    const ev = JSON.parse(line.slice(6)) as { type?: string; delta?: { text?: string } };
    if (ev.type === 'content_block_delta' && ev.delta?.text) text += ev.delta.text;
  }
  return text.trim();
}

interface RunResult {
  /** Support questions answered with the answer to another labelled question: "asked → served". */
  wrong: string[];
  entries: LedgerEntry[];
  upstreamCalls: number;
  seconds: number;
}

async function replay(
  items: WorkItem[],
  upstream: string,
  config: Record<string, unknown>,
): Promise<RunResult> {
  const dir = mkdtempSync(join(tmpdir(), 'penny-bench-cache-'));
  const app = await startPenny({
    object: {
      server: { port: 0 },
      ledger: { path: join(dir, 'ledger.db') },
      providers: {
        openai: { type: 'openai', baseUrl: `${upstream}/v1`, apiKey: 'sk-bench-openai-0123456789' },
        anthropic: { type: 'anthropic', baseUrl: upstream, apiKey: 'sk-ant-bench-0123456789' },
      },
      ...config,
    },
    env: {},
    logger: silentLogger,
  });
  const agent = new Agent({ connections: 64 });
  const wrong: string[] = [];
  const send = async (it: WorkItem) => {
    const anthropic = it.dialect === 'anthropic';
    const res = await request(`${app.url}${anthropic ? '/v1/messages' : '/v1/chat/completions'}`, {
      method: 'POST',
      dispatcher: agent,
      headers: {
        'content-type': 'application/json',
        'x-penny-feature': it.feature,
        'x-penny-user': it.user,
        ...(anthropic
          ? { 'anthropic-version': '2023-06-01', 'x-api-key': 'penny' }
          : { authorization: 'Bearer penny' }),
      },
      body: JSON.stringify(it.body),
    });
    const text = await res.body.text();
    if (res.statusCode !== 200) throw new Error(`bench request failed: HTTP ${res.statusCode}`);
    if (it.accept) {
      // The fake upstream answers "echo: <question>": the answer says which question it was for.
      const answer = answerText(text, it.stream);
      if (!it.accept.some((q) => answer.startsWith(`echo: ${q.split(' ').slice(0, 6).join(' ')}`)))
        wrong.push(
          `${JSON.stringify(String((it.body.messages as Array<{ content: string }>)[0]!.content))} → served ${JSON.stringify(answer.replace(/^echo: /, '').replace(/( lorem| ipsum| dolor| sit| amet| consectetur| adipiscing| elit)+$/, ''))}`,
        );
    }
  };
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < items.length; ) {
    const it = items[i]!;
    if (it.group === undefined) {
      await send(it);
      i++;
      continue;
    }
    const batch = items.slice(i).filter((x, k) => x.group === it.group && k < 8);
    await Promise.all(batch.map(send));
    i += batch.length;
  }
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  await app.gateway.drain();
  await app.ledger.flush();
  const entries = await app.ledger.query({});
  await app.close();
  await agent.close();
  rmSync(dir, { recursive: true, force: true });
  return { entries, upstreamCalls: 0, seconds, wrong };
}

function sum(entries: LedgerEntry[], f: (e: LedgerEntry) => Money | null): Money {
  let s = 0n;
  for (const e of entries) s += f(e) ?? 0n;
  return s;
}

// --------------------------------------------------------------------------------- latency helpers
function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
}
const ms = (x: number) => `${x.toFixed(3)} ms`;

async function lookupLatency(
  store: CacheStore,
  n: number,
  samples: number,
): Promise<{ p50: number; p99: number; fill: number }> {
  const r = rng(7);
  const req = (i: number) =>
    CODECS.openai.parseRequest({
      model: 'gpt-4o-mini',
      temperature: 0,
      messages: [
        { role: 'system', content: 'You are a helpful support assistant for Example Corp.' },
        {
          role: 'user',
          content: `Question number ${i}: how do I change the delivery address of order ${i * 7}?`,
        },
      ],
    });
  const usage = {
    inputUncached: 40,
    cacheRead: 0,
    cacheWrite5m: 0,
    cacheWrite1h: 0,
    outputText: 120,
    reasoning: 0,
  };
  const text = 'word '.repeat(120);
  const t0 = process.hrtime.bigint();
  const BATCH = 1000;
  for (let i = 0; i < n; i += BATCH) {
    const writes: Promise<void>[] = [];
    for (let j = i; j < Math.min(n, i + BATCH); j++) {
      const key = exactKey(req(j), 'ns');
      writes.push(
        store.set(
          key,
          encodeAnswer({
            key,
            storedAt: Date.now(),
            expiresAt: Date.now() + 3_600_000,
            provider: 'openai',
            servedModel: 'gpt-4o-mini',
            simulated: false,
            response: {
              id: `r${j}`,
              model: 'gpt-4o-mini',
              created: 0,
              usage,
              choices: [
                { index: 0, content: [{ type: 'text', text }], finish: { unified: 'stop', raw: 'stop' } },
              ],
            },
          }),
          3_600_000,
        ),
      );
    }
    await Promise.all(writes);
  }
  const fill = Number(process.hrtime.bigint() - t0) / 1e9;
  const lat: number[] = [];
  for (let i = 0; i < samples; i++) {
    const j = Math.floor(r() * n);
    const request = req(j);
    const s = process.hrtime.bigint();
    const key = exactKey(request, 'ns');
    const v = await store.get(key);
    const d = v === null ? null : decodeAnswer(v, key, Date.now());
    lat.push(Number(process.hrtime.bigint() - s) / 1e6);
    if (!d?.ok) throw new Error('lookup missed an entry that was stored');
  }
  return { p50: quantile(lat, 0.5), p99: quantile(lat, 0.99), fill };
}

async function gatewayLatency(samples: number) {
  const fake = await startFakeUpstream({ fast: true, record: false });
  const dir = mkdtempSync(join(tmpdir(), 'penny-bench-cache-lat-'));
  const app = await startPenny({
    object: {
      server: { port: 0 },
      ledger: { path: join(dir, 'ledger.db') },
      providers: {
        openai: { type: 'openai', baseUrl: `${fake.url}/v1`, apiKey: 'sk-bench-openai-0123456789' },
      },
      cache: { store: 'memory' },
      features: { cached: { cache: { enabled: true } } },
    },
    env: {},
    logger: silentLogger,
  });
  const agent = new Agent({ connections: 4 });
  const post = async (url: string, content: string, feature?: string) => {
    const s = process.hrtime.bigint();
    const res = await request(url, {
      method: 'POST',
      dispatcher: agent,
      headers: {
        'content-type': 'application/json',
        authorization: 'Bearer sk-bench-openai-0123456789',
        ...(feature ? { 'x-penny-feature': feature } : {}),
      },
      body: JSON.stringify({ model: 'gpt-4o-mini', temperature: 0, messages: [{ role: 'user', content }] }),
    });
    await res.body.text();
    return Number(process.hrtime.bigint() - s) / 1e6;
  };
  const direct: number[] = [];
  const off: number[] = [];
  const miss: number[] = [];
  const hit: number[] = [];
  const gw = `${app.url}/v1/chat/completions`;
  await post(gw, 'warm up', 'cached');
  for (let i = 0; i < 200; i++) await post(`${fake.url}/v1/chat/completions`, 'warm');
  for (let i = 0; i < samples; i++) {
    direct.push(await post(`${fake.url}/v1/chat/completions`, `hello ${i}`));
    off.push(await post(gw, `hello ${i}`));
    miss.push(await post(gw, `question ${i}`, 'cached'));
    hit.push(await post(gw, `question ${i}`, 'cached'));
  }
  await app.close();
  await fake.close();
  await agent.close();
  rmSync(dir, { recursive: true, force: true });
  return { direct, off, miss, hit };
}

// ------------------------------------------------------------------------------------------- main
const SIZE = quick ? 300 : 1000;
const items = buildWorkload(SIZE);
mkdirSync(join(root, 'bench/results/cache'), { recursive: true });
{
  // Ledger shape, compact: the long system prompts once in the first line, referenced by name after it.
  const SYSTEMS: Record<string, string> = {
    support: SUPPORT_SYSTEM,
    assistant: ASSISTANT_SYSTEM,
    summarize: SUMMARY_SYSTEM,
    classify: CLASSIFY_SYSTEM,
  };
  const byText = new Map(Object.entries(SYSTEMS).map(([k, v]) => [v, `@system:${k}`]));
  const compact = (v: unknown): unknown =>
    typeof v === 'string'
      ? (byText.get(v) ?? v)
      : Array.isArray(v)
        ? v.map(compact)
        : v && typeof v === 'object'
          ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, compact(x)]))
          : v;
  writeFileSync(
    join(root, 'bench/results/cache/workload.jsonl'),
    `${JSON.stringify({ systemPrompts: SYSTEMS })}\n${items.map((it) => JSON.stringify(compact(it))).join('\n')}\n`,
  );
}

const fake = await startFakeUpstream({ record: false });
const emu = await startEmulator(fake.url);
const onConfig = (semantic: Record<string, unknown>) => ({
  cache: { store: 'sqlite' },
  features: {
    support: { cache: { enabled: true, ttlSeconds: 86_400, semantic } },
    classify: { cache: { enabled: true, ttlSeconds: 86_400 } },
    summarize: { cache: { enabled: true, ttlSeconds: 86_400 } },
  },
});
const RUNS: Array<[string, Record<string, unknown>]> = [
  ['off', { cache: { prompt: { enabled: false } } }],
  ['on, semantic in shadow mode (the default)', onConfig({ enabled: true })],
  ['on, semantic serving (default threshold)', onConfig({ enabled: true, shadow: false })],
];
const runs: Array<RunResult & { name: string }> = [];
for (const [name, config] of RUNS) {
  emu.reset();
  const r = await replay(items, emu.url, config);
  r.upstreamCalls = emu.calls;
  runs.push({ ...r, name });
}
await emu.close();
await fake.close();

const byFeature = (run: RunResult) => {
  const m = new Map<string, Money>();
  for (const e of run.entries) m.set(e.feature ?? '', (m.get(e.feature ?? '') ?? 0n) + (e.cost ?? 0n));
  return m;
};
const costOf = (run: RunResult) => sum(run.entries, (e) => e.cost);

/** What the generator actually produced, measured from the items (the summary quotes only these). */
function describeWorkload(all: WorkItem[]) {
  const of = (feature: string) => all.filter((it) => it.feature === feature);
  const share = (feature: string, pred: (it: WorkItem) => boolean) => {
    const xs = of(feature);
    return xs.length === 0 ? '–' : `${Math.round((100 * xs.filter(pred).length) / xs.length)}%`;
  };
  const tokens = (text: string, model: string) => {
    const c = countText(text, model);
    return `${c.exact ? '' : '~'}${c.tokens.toLocaleString('en-US')}-token`;
  };
  const docTexts = of('summarize').map((it) => JSON.stringify(it.body.messages));
  const resubmitted = docTexts.length - new Set(docTexts).size;
  const groups = new Map<number, number>();
  for (const it of of('classify'))
    if (it.group !== undefined) groups.set(it.group, (groups.get(it.group) ?? 0) + 1);
  const sizes = [...groups.values()];
  const maxUserTurns = Math.max(
    0,
    ...of('assistant').map(
      (it) => (it.body.messages as Array<{ role: string }>).filter((m) => m.role === 'user').length,
    ),
  );
  return {
    share,
    tokens,
    resubmitted: `${resubmitted} of ${docTexts.length}`,
    copies: { min: sizes.length ? Math.min(...sizes) : 0, max: sizes.length ? Math.max(...sizes) : 0 },
    maxUserTurns,
  };
}
const [offRun] = runs as [RunResult & { name: string }];
const offCost = costOf(offRun);

say('# Caching benchmark');
say();
say(
  `Node ${process.version}, ${cpus()[0]?.model ?? 'unknown CPU'}; \`npm run bench:cache\`${quick ? ' -- --quick' : ''}.`,
);
say();
say('## (a) Replayed workload: caching off vs on');
say();
const counts = new Map<string, number>();
for (const it of items) counts.set(it.feature, (counts.get(it.feature) ?? 0) + 1);
const w = describeWorkload(items);
say(
  `${items.length} requests (${[...counts].map(([f, n]) => `${f} ${n}`).join(', ')}), written to \`bench/results/cache/workload.jsonl\`: ` +
    `FAQ questions from the labelled paraphrase set behind a ${w.tokens(SUPPORT_SYSTEM, GEN.support.model)} support policy (${GEN.support.model}, temperature ${GEN.support.temperature}, ${w.share('support', (it) => it.stream)} streamed); ` +
    `multi-turn writing chats of up to ${w.maxUserTurns} user turns behind a ${w.tokens(ASSISTANT_SYSTEM, GEN.assistant.model)} system prompt (${GEN.assistant.model}, temperature ${GEN.assistant.temperature}, ${w.share('assistant', (it) => it.stream)} streamed); ` +
    `document summaries behind a ${w.tokens(SUMMARY_SYSTEM, GEN.summarize.model)} system prompt, ${w.resubmitted} of them resubmitted documents (${GEN.summarize.model}); ` +
    `tickets classified by ${w.copies.min}–${w.copies.max} services at once, ${w.share('classify', (it) => it.stream)} of them streaming (${GEN.classify.model}). ` +
    'Caching on = exact cache + in-flight de-duplication for support, classify and summarize, semantic cache for support, provider prompt caching for all. ' +
    'Same gateway build, same fake upstream, same provider-cache emulator, one run each.',
);
say();
say(`| feature | requests | ${runs.map((r) => `cost, caching ${r.name}`).join(' | ')} |`);
say(`|---|---:|${runs.map(() => '---:|').join('')}`);
const perFeature = runs.map(byFeature);
for (const f of [...counts.keys()].sort()) {
  const off = perFeature[0]!.get(f) ?? 0n;
  const cells = perFeature.map((m, k) => {
    const c = m.get(f) ?? 0n;
    return k === 0 ? formatUsd(c) : `${formatUsd(c)} (−${pct(off - c, off)})`;
  });
  say(`| ${f} | ${counts.get(f)} | ${cells.join(' | ')} |`);
}
say(
  `| **all** | ${items.length} | ${runs.map((r, k) => (k === 0 ? `**${formatUsd(offCost)}**` : `**${formatUsd(costOf(r))} (−${pct(offCost - costOf(r), offCost)})**`)).join(' | ')} |`,
);
say(`| upstream calls | | ${runs.map((r) => String(r.upstreamCalls)).join(' | ')} |`);
say();
const supportN = items.filter((it) => it.accept).length;
say(
  'Support questions answered with the stored answer of a DIFFERENT labelled question (neither the one asked nor its labelled paraphrase): ' +
    runs.map((r) => `**${r.wrong.length} of ${supportN}** (${r.name})`).join(', ') +
    '. The labelled set has several pairs per intent, so some of these may be the same question in other words — the list, to judge:',
);
say();
for (const w of runs[2]!.wrong) say(`- ${w}`);
say();
for (const run of runs.slice(1)) {
  const tactics = new Map<string, Money>();
  for (const e of run.entries)
    for (const [k, v] of Object.entries(e.savings)) tactics.set(k, (tactics.get(k) ?? 0n) + v);
  const totalSaved = [...tactics.values()].reduce((a, b) => a + b, 0n);
  const mismatched = run.entries.filter(
    (e) =>
      e.cost !== null &&
      e.baselineCost !== null &&
      e.baselineCost - e.cost !== Object.values(e.savings).reduce((a, b) => a + b, 0n),
  ).length;
  const statuses = [
    ...run.entries.reduce((m, e) => {
      const c = e.meta?.cache as { status?: string; kind?: string } | undefined;
      const k = c ? `${c.status}${c.kind ? `/${c.kind}` : ''}` : 'no response cache';
      return m.set(k, (m.get(k) ?? 0) + 1);
    }, new Map<string, number>()),
  ]
    .sort((a, b) => b[1] - a[1])
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');
  say(`Savings by tactic, caching ${run.name} (from its ledger):`);
  say();
  say('| tactic | saved | share |');
  say('|---|---:|---:|');
  for (const [k, v] of [...tactics].sort((a, b) => (a[1] > b[1] ? -1 : 1)))
    say(`| ${k} | ${formatUsd(v)} | ${pct(v, totalSaved)} |`);
  say(`| **total** | **${formatUsd(totalSaved)}** | |`);
  say();
  say(
    `Ledger baseline ${formatUsd(sum(run.entries, (e) => e.baselineCost))} (the caching-off run measured ${formatUsd(offCost)}; ` +
      "a hit's baseline is what its stored answer cost, prompt-cache reads included); " +
      `entries where baseline − cost ≠ Σ savings: ${mismatched}. Response-cache outcomes: ${statuses}. Replay ${run.seconds.toFixed(1)} s (off: ${offRun.seconds.toFixed(1)} s).`,
  );
  say();
}

// ------------------------------------------------------------------------------------------ (b)
say('## (b) Latency');
say();
const N = quick ? 20_000 : 100_000;
const SAMPLES = quick ? 2000 : 10_000;
say(
  `Exact lookup = key (sha256 over the canonical request) + store read + checksum and shape validation, ${N.toLocaleString('en-US')} entries stored, ${SAMPLES.toLocaleString('en-US')} random hits:`,
);
say();
say('| store | p50 | p99 | fill time |');
say('|---|---:|---:|---:|');
const tmp = mkdtempSync(join(tmpdir(), 'penny-bench-store-'));
const stores: Array<[string, () => Promise<CacheStore | null>]> = [
  ['memory (LRU)', async () => new MemoryStore({ maxEntries: N })],
  ['SQLite (WAL)', async () => new SqliteStore(join(tmp, 'cache.db'), { maxEntries: N })],
  [
    'Redis 127.0.0.1:6379',
    async () => {
      const s = new RedisStore({ url: 'redis://127.0.0.1:6379', keyPrefix: `penny:bench:${process.pid}:` });
      try {
        await s.ready(1000);
        return s;
      } catch {
        await s.close();
        return null;
      }
    },
  ],
];
for (const [name, open] of stores) {
  const s = await open();
  if (!s) {
    say(`| ${name} | not reachable | | |`);
    continue;
  }
  const r = await lookupLatency(s, N, SAMPLES);
  say(`| ${name} | ${ms(r.p50)} | ${ms(r.p99)} | ${r.fill.toFixed(1)} s |`);
  await s.clear();
  await s.close();
}
rmSync(tmp, { recursive: true, force: true });
say();
say(
  'Semantic lookup latency is measured by the semantic benchmark (`npm run bench:semantic`, results in `bench/results/semantic/summary.md`), not in this run.',
);
say();
const LAT = quick ? 300 : 2000;
const g = await gatewayLatency(LAT);
say(`Gateway latency, one client, sequential, ${LAT} requests each, fake upstream in fast mode (same run):`);
say();
say('| path | p50 | p99 | added vs direct (p50) |');
say('|---|---:|---:|---:|');
const d50 = quantile(g.direct, 0.5);
for (const [name, xs] of [
  ['direct to the fake upstream', g.direct],
  ['gateway, caching off for the feature', g.off],
  ['gateway, cache miss (lookup + store)', g.miss],
  ['gateway, cache hit (no upstream call)', g.hit],
] as const) {
  say(`| ${name} | ${ms(quantile(xs, 0.5))} | ${ms(quantile(xs, 0.99))} | ${ms(quantile(xs, 0.5) - d50)} |`);
}
say();
writeFileSync(join(root, 'bench/results/cache.md'), `${out.join('\n')}\n`);
