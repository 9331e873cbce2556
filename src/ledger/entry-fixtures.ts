/**
 * Builders of realistic ledger entries for tests (contract suite, report tests). Not used at run time.
 * Defaults describe a plain, priced, non-streamed OpenAI request; override what a test is about.
 */
import type { LedgerEntry } from '../core/ledger-entry.js';

let counter = 0;

/** A complete entry with sensible defaults; `id` is unique per call unless given. */
export function makeEntry(overrides: Partial<LedgerEntry> = {}): LedgerEntry {
  counter += 1;
  return {
    id: `req_${counter.toString().padStart(6, '0')}`,
    ts: Date.UTC(2025, 8, 1, 12, 0, 0),
    feature: 'chat',
    user: 'u_alice',
    keyId: 'key_default',
    dialect: 'openai',
    provider: 'openai',
    requestedModel: 'gpt-4o',
    servedModel: 'gpt-4o',
    stream: false,
    simulated: false,
    inputUncached: 1000,
    cacheRead: 0,
    cacheWrite5m: 0,
    cacheWrite1h: 0,
    outputText: 200,
    reasoning: 0,
    usageEstimated: false,
    cost: 4_500_000_000n, // 1000 × $2.50/M + 200 × $10/M = $0.0045
    baselineCost: 4_500_000_000n,
    savings: {},
    flags: [],
    latencyMs: 850,
    ttftMs: null,
    status: 'ok',
    httpStatus: 200,
    errorClass: null,
    ...overrides,
  };
}

/** An entry with every optional part filled: cache split, reasoning, savings, flags, meta, streaming. */
export function makeRichEntry(overrides: Partial<LedgerEntry> = {}): LedgerEntry {
  return makeEntry({
    dialect: 'anthropic',
    provider: 'anthropic',
    requestedModel: 'claude-sonnet-4-5',
    servedModel: 'claude-haiku-4-5',
    stream: true,
    inputUncached: 1234,
    cacheRead: 50_000,
    cacheWrite5m: 2048,
    cacheWrite1h: 4096,
    outputText: 321,
    reasoning: 77,
    usageEstimated: true,
    cost: 7_275_000_000n,
    baselineCost: 123_456_789_012_345n,
    savings: { route: 100_000_000_000_000n, 'cache.prompt': 23_449_514_012_345n, compress: -1n },
    flags: ['usage_estimated', 'client_aborted'],
    latencyMs: 1234.5,
    ttftMs: 210,
    meta: { route: { rule: 'short-chat', from: 'claude-sonnet-4-5' }, cache: 'miss', scores: [0.25, 1] },
    ...overrides,
  });
}
