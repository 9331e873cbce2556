/**
 * Hand-made price entries for the audit's and break-even's tests (USD per 1M tokens as listed in
 * reference/price-table.md), so expected amounts can be worked out by hand. Not used at run time.
 */
import { perMillionToPerToken as pm } from '../core/money.js';
import type { PriceEntry } from '../pricing/price.js';
import { pricingFromEntries } from './base-cost.js';
import { DEFAULT_THRESHOLDS, type Scaler, type TacticContext, type Thresholds } from './tactics/tactic.js';
import type { AuditPricing, AuditRecord, PromptText } from './types.js';

export const TEST_PRICES: PriceEntry[] = [
  {
    model: 'gpt-4o',
    provider: 'openai',
    source: 'test',
    input: pm('2.5'),
    output: pm('10'),
    cacheRead: pm('1.25'),
    aliases: ['gpt-4o-2024-08-06'],
  },
  {
    model: 'gpt-4o-mini',
    provider: 'openai',
    source: 'test',
    input: pm('0.15'),
    output: pm('0.6'),
    cacheRead: pm('0.075'),
    batchInput: pm('0.075'),
    batchOutput: pm('0.3'),
  },
  { model: 'gpt-4', provider: 'openai', source: 'test', input: pm('30'), output: pm('60') },
  { model: 'gpt-3.5-turbo', provider: 'openai', source: 'test', input: pm('0.5'), output: pm('1.5') },
  {
    model: 'claude-sonnet-4-5',
    provider: 'anthropic',
    source: 'test',
    input: pm('3'),
    output: pm('15'),
    cacheRead: pm('0.3'),
    cacheWrite5m: pm('3.75'),
    cacheWrite1h: pm('6'),
    aliases: ['claude-sonnet-4-5-20250929'],
  },
  {
    model: 'claude-3-5-haiku-latest',
    provider: 'anthropic',
    source: 'test',
    input: pm('0.8'),
    output: pm('4'),
    cacheRead: pm('0.08'),
    cacheWrite5m: pm('1'),
    cacheWrite1h: pm('1.6'),
  },
];

export function testPricing(): AuditPricing {
  return pricingFromEntries(TEST_PRICES);
}

let lineCounter = 0;

/** An audit record with defaults (a gpt-4o request, 1000 in / 100 out, no prompt); override what a test is about. */
export function makeRecord(overrides: Partial<AuditRecord> = {}): AuditRecord {
  lineCounter++;
  return {
    line: lineCounter,
    format: 'openai',
    ts: null,
    feature: 'chat',
    user: 'u1',
    provider: 'openai',
    model: 'gpt-4o',
    usage: {
      inputUncached: 1000,
      cacheRead: 0,
      cacheWrite5m: 0,
      cacheWrite1h: 0,
      outputText: 100,
      reasoning: 0,
    },
    maxTokens: null,
    truncated: false,
    batch: false,
    deferrable: false,
    promptKey: null,
    prompt: null,
    ...overrides,
  };
}

/** Prompt text for a record: one system text (the prefix) and one user text. */
export function makePrompt(system: string, user: string, prefixKey = 1): PromptText {
  return { prefixKey, prefixChars: system.length, lastUser: user, texts: [system, user], prefixTexts: 1 };
}

/** A scaler that assumes the log covers 30 days (monthly = observed). */
export const FLAT_SCALE: Scaler = {
  span: { from: null, to: null, days: 30, assumed: true },
  monthly: (m) => m,
};

export function testContext(thresholds: Partial<Thresholds> = {}): TacticContext {
  const pricing = testPricing();
  return {
    pricing,
    priceOf: (model) => pricing.lookup(model),
    thresholds: { ...DEFAULT_THRESHOLDS, ...thresholds },
    maxKeys: 1000,
  };
}
