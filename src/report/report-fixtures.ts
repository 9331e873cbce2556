/**
 * A realistic ledger for report tests: three UTC days of twelve features over four users and three
 * keys, with prompt caching on support chat, routing on email drafts (requested gpt-4o, served
 * gpt-4o-mini), FAQ shortcuts that never call a model, a self-hosted unpriced model, and errors.
 * Costs are computed exactly from the per-token prices below, so tests can state totals by hand:
 * known spend is $2.62463, and doc-summarize, support-chat and code-review make 89% of it.
 */
import type { LedgerEntry } from '../core/ledger-entry.js';
import type { Money } from '../core/money.js';
import { makeEntry } from '../ledger/entry-fixtures.js';

export const FIXTURE_DAY0 = Date.UTC(2025, 8, 1);
const DAY = 86_400_000;

/** Picodollars per token (2025 list prices). */
const PRICES: Record<string, { input: Money; cacheRead: Money; output: Money }> = {
  'gpt-4o': { input: 2_500_000n, cacheRead: 1_250_000n, output: 10_000_000n },
  'gpt-4o-mini': { input: 150_000n, cacheRead: 75_000n, output: 600_000n },
  'claude-sonnet-4-5': { input: 3_000_000n, cacheRead: 300_000n, output: 15_000_000n },
  'claude-haiku-4-5': { input: 1_000_000n, cacheRead: 100_000n, output: 5_000_000n },
};

interface Spec {
  feature: string;
  requested: string;
  /** Served model when routing changed it; null when no model was called (shortcut). */
  served?: string | null;
  provider: string | null;
  count: number;
  input: number;
  cacheRead?: number;
  output: number;
  user?: string | null;
  key: string;
  /** Tactic credited with baseline − cost. */
  tactic?: string;
}

const SPECS: Spec[] = [
  {
    feature: 'support-chat',
    requested: 'claude-sonnet-4-5',
    provider: 'anthropic',
    count: 60,
    input: 1500,
    cacheRead: 6000,
    output: 450,
    key: 'key_web',
    tactic: 'cache.prompt',
  },
  {
    feature: 'doc-summarize',
    requested: 'gpt-4o',
    provider: 'openai',
    count: 25,
    input: 12_000,
    output: 600,
    key: 'key_batch',
  },
  {
    feature: 'code-review',
    requested: 'claude-sonnet-4-5',
    provider: 'anthropic',
    count: 15,
    input: 9000,
    output: 1200,
    key: 'key_ide',
  },
  {
    feature: 'sql-assist',
    requested: 'gpt-4o',
    provider: 'openai',
    count: 12,
    input: 2500,
    output: 400,
    key: 'key_ide',
  },
  {
    feature: 'onboarding-bot',
    requested: 'claude-haiku-4-5',
    provider: 'anthropic',
    count: 20,
    input: 1200,
    output: 250,
    key: 'key_web',
  },
  {
    feature: 'search-rerank',
    requested: 'gpt-4o-mini',
    provider: 'openai',
    count: 80,
    input: 3000,
    output: 20,
    key: 'key_web',
  },
  {
    feature: 'classify-ticket',
    requested: 'claude-haiku-4-5',
    provider: 'anthropic',
    count: 50,
    input: 600,
    output: 10,
    key: 'key_batch',
  },
  {
    feature: 'email-draft',
    requested: 'gpt-4o',
    served: 'gpt-4o-mini',
    provider: 'openai',
    count: 40,
    input: 800,
    output: 300,
    key: 'key_web',
    tactic: 'route',
  },
  {
    feature: 'translate',
    requested: 'gpt-4o-mini',
    provider: 'openai',
    count: 30,
    input: 500,
    output: 500,
    key: 'key_web',
  },
  {
    feature: 'moderation',
    requested: 'gpt-4o-mini',
    provider: 'openai',
    count: 40,
    input: 300,
    output: 5,
    key: 'key_batch',
  },
  {
    feature: 'faq',
    requested: 'gpt-4o-mini',
    served: null,
    provider: null,
    count: 30,
    input: 400,
    output: 100,
    key: 'key_web',
    tactic: 'shortcut',
  },
  {
    feature: 'autocomplete',
    requested: 'llama-3.1-8b',
    provider: 'vllm',
    count: 100,
    input: 700,
    output: 30,
    user: null,
    key: 'key_ide',
  },
];

const USERS = ['u_alice', 'u_bob', 'u_chen', 'u_dana'];

function price(model: string, input: number, cacheRead: number, output: number): Money | null {
  const p = PRICES[model];
  if (!p) return null;
  return BigInt(input) * p.input + BigInt(cacheRead) * p.cacheRead + BigInt(output) * p.output;
}

export function reportFixture(): LedgerEntry[] {
  const out: LedgerEntry[] = [];
  let n = 0;
  for (const s of SPECS) {
    for (let i = 0; i < s.count; i++) {
      n += 1;
      const served = s.served === undefined ? s.requested : s.served;
      const cacheRead = s.cacheRead ?? 0;
      const baseline = price(s.requested, s.input + cacheRead, 0, s.output);
      const cost = served === null ? 0n : price(served, s.input, cacheRead, s.output);
      const savings: Record<string, Money> = {};
      if (s.tactic && cost !== null && baseline !== null) savings[s.tactic] = baseline - cost;
      out.push(
        makeEntry({
          id: `fx_${n}`,
          ts: FIXTURE_DAY0 + (i % 3) * DAY + 8 * 3_600_000 + n * 37_000,
          feature: s.feature,
          user: s.user === undefined ? (USERS[i % USERS.length] ?? null) : s.user,
          keyId: s.key,
          dialect: s.provider === 'anthropic' ? 'anthropic' : 'openai',
          provider: s.provider,
          requestedModel: s.requested,
          servedModel: served,
          inputUncached: served === null ? 0 : s.input,
          cacheRead: served === null ? 0 : cacheRead,
          outputText: served === null ? 0 : s.output,
          cost,
          baselineCost: baseline,
          savings,
          flags: cost === null ? ['unpriced_model'] : served === null ? ['shortcut'] : [],
          latencyMs: served === null ? 2 : 400 + (n % 7) * 130,
        }),
      );
    }
  }
  // Failures: upstream rate limits on support chat and a timeout on a summary. Nothing billed.
  for (const [k, spec] of [
    [
      1,
      {
        feature: 'support-chat',
        model: 'claude-sonnet-4-5',
        provider: 'anthropic',
        http: 429,
        code: 'upstream_rate_limited',
      },
    ],
    [
      2,
      {
        feature: 'support-chat',
        model: 'claude-sonnet-4-5',
        provider: 'anthropic',
        http: 429,
        code: 'upstream_rate_limited',
      },
    ],
    [
      3,
      { feature: 'doc-summarize', model: 'gpt-4o', provider: 'openai', http: 504, code: 'upstream_timeout' },
    ],
  ] as const) {
    out.push(
      makeEntry({
        id: `fx_err_${k}`,
        ts: FIXTURE_DAY0 + (k - 1) * DAY + 20 * 3_600_000,
        feature: spec.feature,
        user: 'u_bob',
        keyId: 'key_web',
        provider: spec.provider,
        requestedModel: spec.model,
        servedModel: spec.model,
        inputUncached: 0,
        outputText: 0,
        cost: 0n,
        baselineCost: 0n,
        status: 'error',
        httpStatus: spec.http,
        errorClass: spec.code,
        latencyMs: 30_000,
      }),
    );
  }
  return out;
}
