/**
 * A realistic, deterministic ledger for the dashboard's tests and screenshots: several features, users,
 * models and days, savings by tactic (response cache, routing, compression, provider prompt cache), a
 * cascade with escalations, failures, and one self-hosted model with no price. Not used at run time.
 * Timestamps are relative to `now`, so "last 24 h" and "last 7 days" hold different slices.
 */
import type { LedgerEntry } from '../core/ledger-entry.js';
import type { Money } from '../core/money.js';

const DAY = 86_400_000;

/** Picodollars per token: [input, cached input, output]. */
const PRICES: Record<string, [Money, Money, Money] | null> = {
  'gpt-4o': [2_500_000n, 1_250_000n, 10_000_000n],
  'gpt-4o-mini': [150_000n, 75_000n, 600_000n],
  'claude-sonnet-4-5': [3_000_000n, 300_000n, 15_000_000n],
  'llama-3.1-70b-local': null,
};

interface FeatureSpec {
  name: string | null;
  model: string;
  perDay: number;
  input: number;
  output: number;
}

const FEATURES: FeatureSpec[] = [
  { name: 'support-chat', model: 'gpt-4o', perDay: 14, input: 3200, output: 420 },
  { name: 'summarize', model: 'claude-sonnet-4-5', perDay: 8, input: 9000, output: 600 },
  { name: 'classify', model: 'gpt-4o-mini', perDay: 20, input: 700, output: 12 },
  { name: 'search-rerank', model: 'llama-3.1-70b-local', perDay: 6, input: 1500, output: 80 },
  { name: null, model: 'gpt-4o-mini', perDay: 3, input: 400, output: 150 },
];
const USERS = ['u_ana', 'u_ben', 'u_chen', 'u_dia', 'u_eli', 'u_fay'];

export interface DemoOptions {
  now: number;
  /** Days of history (default 21). */
  days?: number;
}

export function demoEntries(o: DemoOptions): LedgerEntry[] {
  let seed = 42;
  const rand = () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
    return seed / 2_147_483_648;
  };
  const out: LedgerEntry[] = [];
  const days = o.days ?? 21;
  let n = 0;
  for (let d = days - 1; d >= 0; d--) {
    for (const f of FEATURES) {
      // Traffic grows towards today, so the spend chart has a shape.
      const count = Math.max(1, Math.round(f.perDay * (0.6 + (0.8 * (days - d)) / days)));
      for (let i = 0; i < count; i++) {
        n += 1;
        const ts = o.now - d * DAY - Math.floor(rand() * (DAY - 60_000)) - 60_000;
        out.push(makeDemo(f, ts, n, rand));
      }
    }
  }
  return out.sort((a, b) => a.ts - b.ts);
}

function makeDemo(f: FeatureSpec, ts: number, n: number, rand: () => number): LedgerEntry {
  const price = PRICES[f.model] ?? null;
  const input = Math.round(f.input * (0.5 + rand()));
  const output = Math.max(1, Math.round(f.output * (0.4 + rand() * 1.2)));
  const user = USERS[Math.floor(rand() * USERS.length)]!;
  const e: LedgerEntry = {
    id: `req_demo${String(n).padStart(5, '0')}`,
    ts,
    feature: f.name,
    user,
    keyId: 'team-a',
    dialect: f.model.startsWith('claude') ? 'anthropic' : 'openai',
    provider: f.model.startsWith('claude') ? 'anthropic' : f.model.startsWith('llama') ? 'vllm' : 'openai',
    requestedModel: f.model,
    servedModel: f.model,
    stream: rand() < 0.5,
    simulated: false,
    inputUncached: input,
    cacheRead: 0,
    cacheWrite5m: 0,
    cacheWrite1h: 0,
    outputText: output,
    reasoning: 0,
    usageEstimated: false,
    cost: null,
    baselineCost: null,
    savings: {},
    flags: [],
    latencyMs: Math.round(300 + rand() * 2500),
    ttftMs: null,
    status: 'ok',
    httpStatus: 200,
    errorClass: null,
  };
  if (e.stream) e.ttftMs = Math.round(120 + rand() * 500);
  if (!price) {
    e.flags.push('unpriced_model');
    return e;
  }
  const [inP, cachedP, outP] = price;
  const full = BigInt(input) * inP + BigInt(output) * outP;
  e.cost = full;
  e.baselineCost = full;
  const r = rand();
  if (f.name === 'support-chat' && r < 0.25) {
    // Answered from the exact response cache: no model ran.
    e.cost = 0n;
    e.savings = { 'cache.exact': full };
    e.inputUncached = 0;
    e.outputText = 0;
    e.meta = { cache: { status: 'hit', kind: 'exact' } };
  } else if (f.name === 'summarize') {
    // Provider prompt caching of a long shared prefix.
    const cached = Math.floor(input * 0.6);
    e.inputUncached = input - cached;
    e.cacheRead = cached;
    e.cost = BigInt(input - cached) * inP + BigInt(cached) * cachedP + BigInt(output) * outP;
    e.savings = { 'cache.prompt': full - e.cost };
  } else if (f.name === 'classify') {
    const escalated = r < 0.15;
    e.meta = { cascade: { escalated, steps: escalated ? 2 : 1 } };
    // Routed to the small model; the baseline is what gpt-4o would have cost.
    const [bigIn, , bigOut] = PRICES['gpt-4o']!;
    e.baselineCost = BigInt(input) * bigIn + BigInt(output) * bigOut;
    e.savings = { route: e.baselineCost - full };
  } else if (r < 0.4) {
    const trimmed = Math.floor(input * 0.08);
    e.baselineCost = full + BigInt(trimmed) * inP;
    e.savings = { 'compress.whitespace': BigInt(trimmed) * inP };
  }
  if (rand() < 0.03) {
    e.status = 'error';
    e.httpStatus = 429;
    e.errorClass = 'upstream_rate_limited';
    delete e.meta;
    e.cost = 0n;
    e.baselineCost = 0n;
    e.savings = {};
    e.inputUncached = 0;
    e.cacheRead = 0;
    e.outputText = 0;
  }
  return e;
}
