/**
 * Importer for LiteLLM's `model_prices_and_context_window.json`, the de-facto interchange format for model
 * prices. Its prices are USD per single token as JSON floats (2.5e-06 = $2.50 per 1M); each is converted
 * exactly from its shortest decimal text, never multiplied as a float. Only text-generation modes are taken
 * (chat, completion and the Responses-only models). Keys such as "gemini/gemini-2.5-pro" become provider
 * "google" + model "gemini-2.5-pro", with the full key kept as an alias. A tier whose prices are all 0 while the
 * base price is not (seen in the 2025-09 copy) is a data error and is dropped with a note.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { messageOf } from '../core/errors.js';
import { type Money, perTokenToPico } from '../core/money.js';
import { normalizeProviderId } from './model-name.js';
import type { ModelCapabilities, PriceEntry, PriceTier } from './price.js';

export interface LiteLLMImportResult {
  entries: PriceEntry[];
  skipped: { key: string; reason: string }[];
}

const TEXT_MODES = new Set(['chat', 'completion', 'responses']);

/** Long-context tier suffixes and the prompt size above which each applies. */
const TIER_SUFFIXES: [string, number][] = [
  ['128k', 128_000],
  ['200k', 200_000],
  ['272k', 272_000],
];

const CAPABILITY_FIELDS: [string, keyof ModelCapabilities][] = [
  ['supports_function_calling', 'tools'],
  ['supports_vision', 'vision'],
  ['supports_response_schema', 'jsonMode'],
  ['supports_reasoning', 'reasoning'],
  ['supports_prompt_caching', 'promptCaching'],
];

/** Maps a LiteLLM `litellm_provider` value to a Penny provider id ("vertex_ai-language-models" → "vertex_ai"). */
export function normalizeLiteLLMProvider(provider: string): string {
  return normalizeProviderId(provider);
}

/** Reads and imports one LiteLLM JSON file; entries get source "litellm:<file name>". */
export function readLiteLLMFile(path: string): LiteLLMImportResult {
  const data: unknown = JSON.parse(readFileSync(path, 'utf8'));
  return importLiteLLM(data, { source: `litellm:${basename(path)}` });
}

/** Converts parsed LiteLLM JSON into PriceEntry rows. Throws only when the top level is not an object. */
export function importLiteLLM(data: unknown, opts: { source: string }): LiteLLMImportResult {
  if (!isRecord(data)) throw new TypeError('LiteLLM price data must be a JSON object keyed by model');
  const entries: PriceEntry[] = [];
  const skipped: LiteLLMImportResult['skipped'] = [];
  for (const [key, raw] of Object.entries(data)) {
    if (key === 'sample_spec') continue;
    if (!isRecord(raw)) {
      skipped.push({ key, reason: 'not an object' });
      continue;
    }
    const mode = typeof raw.mode === 'string' ? raw.mode : undefined;
    if (!mode || !TEXT_MODES.has(mode)) {
      skipped.push({ key, reason: `mode ${mode ?? '(none)'}` });
      continue;
    }
    try {
      const entry = convertLiteLLMEntry(key, raw, opts.source);
      if (entry) entries.push(entry);
      else skipped.push({ key, reason: 'no per-token input/output price' });
    } catch (err) {
      skipped.push({ key, reason: messageOf(err) });
    }
  }
  return { entries, skipped };
}

/** Converts one LiteLLM row; undefined when it has no per-token input or output price. */
export function convertLiteLLMEntry(
  key: string,
  raw: Record<string, unknown>,
  source: string,
): PriceEntry | undefined {
  const input = price(raw, 'input_cost_per_token');
  const output = price(raw, 'output_cost_per_token');
  if (input === undefined || output === undefined) return undefined;

  const rawProvider = typeof raw.litellm_provider === 'string' ? raw.litellm_provider : undefined;
  const { provider, model } = splitKey(key, rawProvider);
  const entry: PriceEntry = { model, provider, source, input, output };
  const notes: string[] = [];

  setIf(
    entry,
    'cacheRead',
    price(raw, 'cache_read_input_token_cost') ?? price(raw, 'input_cost_per_token_cache_hit'),
  );
  setIf(entry, 'cacheWrite5m', price(raw, 'cache_creation_input_token_cost'));
  setIf(entry, 'cacheWrite1h', price(raw, 'cache_creation_input_token_cost_above_1hr'));
  setIf(entry, 'reasoning', price(raw, 'output_cost_per_reasoning_token'));
  setIf(entry, 'batchInput', price(raw, 'input_cost_per_token_batches'));
  setIf(entry, 'batchOutput', price(raw, 'output_cost_per_token_batches'));

  const tiers: PriceTier[] = [];
  for (const [suffix, above] of TIER_SUFFIXES) {
    const tIn = price(raw, `input_cost_per_token_above_${suffix}_tokens`);
    const tOut = price(raw, `output_cost_per_token_above_${suffix}_tokens`);
    if (tIn === undefined && tOut === undefined) continue;
    if ((tIn ?? 0n) === 0n && (tOut ?? 0n) === 0n && (input > 0n || output > 0n)) {
      notes.push(`dropped a zero-priced tier above ${above} tokens (data error in the source)`);
      continue;
    }
    const tier: PriceTier = { aboveInputTokens: above, input: tIn ?? input, output: tOut ?? output };
    setIf(tier, 'cacheRead', price(raw, `cache_read_input_token_cost_above_${suffix}_tokens`));
    setIf(tier, 'cacheWrite5m', price(raw, `cache_creation_input_token_cost_above_${suffix}_tokens`));
    setIf(
      tier,
      'cacheWrite1h',
      price(raw, `cache_creation_input_token_cost_above_1hr_above_${suffix}_tokens`),
    );
    tiers.push(tier);
  }
  if (tiers.length) entry.tiers = tiers;

  const maxIn = count(raw, 'max_input_tokens');
  const maxOut = count(raw, 'max_output_tokens');
  const minCache = count(raw, 'prompt_cache_min_tokens');
  if (maxIn !== undefined) entry.contextWindow = maxIn;
  if (maxOut !== undefined) entry.maxOutput = maxOut;
  if (minCache !== undefined) entry.promptCacheMinTokens = minCache;

  const caps: ModelCapabilities = {};
  for (const [field, cap] of CAPABILITY_FIELDS) if (typeof raw[field] === 'boolean') caps[cap] = raw[field];
  if (Object.keys(caps).length) entry.capabilities = caps;

  if (model !== key) entry.aliases = [key.toLowerCase()];
  if (typeof raw.deprecation_date === 'string') notes.push(`deprecation date ${raw.deprecation_date}`);
  if (notes.length) entry.notes = notes;
  return entry;
}

/** "gemini/gemini-2.5-pro" with provider "gemini" → { provider: "google", model: "gemini-2.5-pro" }. */
function splitKey(key: string, rawProvider: string | undefined): { provider: string; model: string } {
  const slash = key.indexOf('/');
  const provider = rawProvider
    ? normalizeLiteLLMProvider(rawProvider)
    : slash > 0
      ? key.slice(0, slash)
      : 'unknown';
  if (slash > 0) {
    const prefix = key.slice(0, slash).toLowerCase();
    const rawLower = rawProvider?.toLowerCase();
    const rawBase = rawLower?.split('-')[0];
    if (
      prefix === rawLower ||
      prefix === rawBase ||
      prefix === provider ||
      normalizeLiteLLMProvider(prefix) === provider
    ) {
      return { provider, model: key.slice(slash + 1) };
    }
  }
  return { provider, model: key };
}

function setIf<T extends object, K extends keyof T>(target: T, field: K, value: T[K] | undefined): void {
  if (value !== undefined) target[field] = value;
}

function price(raw: Record<string, unknown>, field: string): Money | undefined {
  const v = raw[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0)
    throw new RangeError(`${field} is not a price: ${String(v)}`);
  return perTokenToPico(v);
}

function count(raw: Record<string, unknown>, field: string): number | undefined {
  const v = raw[field];
  return typeof v === 'number' && Number.isSafeInteger(v) && v > 0 ? v : undefined;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
