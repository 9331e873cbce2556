/**
 * Builtin prices: the data bundled in the npm package `@pydantic/genai-prices`, converted into exact
 * `PriceEntry` rows. Only the package's data is used — its float arithmetic is not, and its network update
 * function is never called. The non-obvious part: its prices are USD per 1M tokens as JS numbers, so each one
 * is turned back into its shortest decimal text (`String(n)`) before the exact conversion to picodollars.
 * Date-conditional prices are resolved once, at an injectable `now`; time-of-day prices (DeepSeek off-peak)
 * cannot be fixed at load time, so the highest alternative is kept and a note says so.
 * Batch prices are not in this data: for openai, anthropic and google they are derived as 0.5× input/output
 * (each provider's published Batch API discount), and `fieldSources` records the derivation. Max output
 * (absent from this data) comes from gpt-tokenizer for OpenAI and from `known-limits.ts` for the main others.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { ConditionalPrice, ModelInfo, ModelPrice, TieredPrices } from '@pydantic/genai-prices';
import * as gptTokenizerModels from 'gpt-tokenizer/models';
import { type Money, perMillionToPerToken } from '../core/money.js';
import { halfRate } from './cost.js';
import { applyKnownLimits } from './known-limits.js';
import type { ModelCapabilities, PriceEntry, PriceField, PriceTier } from './price.js';

/** Providers taken from the bundled data by default (first-party APIs and the common OpenAI-compatible hosts). */
export const DEFAULT_GENAI_PROVIDERS = [
  'openai',
  'anthropic',
  'google',
  'groq',
  'together',
  'deepseek',
  'mistral',
  'x-ai',
  'cerebras',
  'cohere',
  'fireworks',
  'moonshotai',
  'perplexity',
] as const;

/** Providers whose Batch APIs bill 50% of the standard rates; batch prices are derived for these. */
const HALF_PRICE_BATCH_PROVIDERS = new Set(['openai', 'anthropic', 'google']);

/** genai-prices price keys that map onto PriceEntry fields; everything else is listed in `notes`. */
const KEY_MAP = {
  input_mtok: 'input',
  output_mtok: 'output',
  cache_read_mtok: 'cacheRead',
  cache_write_mtok: 'cacheWrite5m',
  cache_write_1h_mtok: 'cacheWrite1h',
  output_reasoning_mtok: 'reasoning',
} as const;
type MappedKey = keyof typeof KEY_MAP;
type TierField = 'input' | 'output' | 'cacheRead' | 'cacheWrite5m' | 'cacheWrite1h';

const GPT_TOKENIZER_SOURCE = 'gpt-tokenizer 4.0.0';

let cachedVersion: string | undefined;

type GenaiModule = typeof import('@pydantic/genai-prices');
let genai: GenaiModule | undefined;

/**
 * The package is loaded on first use (its CommonJS build, synchronously): its bundled dataset is large, and a
 * gateway loads it in a short-lived worker (load-builtin-isolated.ts) so the main heap never holds it.
 */
function genaiModule(): GenaiModule {
  genai ??= createRequire(import.meta.url)('@pydantic/genai-prices') as GenaiModule;
  return genai;
}

/** The installed package's version, read from its package.json (not hard-coded). */
export function genaiPricesVersion(): string {
  if (cachedVersion) return cachedVersion;
  const require = createRequire(import.meta.url);
  const entry = require.resolve('@pydantic/genai-prices');
  const pkg = JSON.parse(readFileSync(join(dirname(entry), '..', 'package.json'), 'utf8')) as {
    version?: string;
  };
  cachedVersion = pkg.version ?? 'unknown';
  return cachedVersion;
}

/** The `source` label of builtin entries, e.g. "@pydantic/genai-prices 0.1.8". */
export function genaiPricesSource(): string {
  return `@pydantic/genai-prices ${genaiPricesVersion()}`;
}

export interface GenaiImportOptions {
  /** The moment whose prices apply (date-conditional prices). Default: now. */
  now?: Date;
  /** Provider ids to take from the data. Default: DEFAULT_GENAI_PROVIDERS. */
  providers?: readonly string[];
}

/** Loads the bundled genai-prices data as PriceEntry rows (synchronous, no network). */
export function loadGenaiPrices(opts: GenaiImportOptions = {}): PriceEntry[] {
  const now = opts.now ?? new Date();
  const source = genaiPricesSource();
  const out: PriceEntry[] = [];
  for (const providerId of opts.providers ?? DEFAULT_GENAI_PROVIDERS) {
    const provider = genaiModule().findProvider({ providerId });
    if (!provider || provider.id !== providerId) continue;
    for (const model of provider.models) {
      const entry = convertGenaiModel(provider.id, model, { now, source });
      if (entry) out.push(entry);
    }
  }
  return out;
}

/**
 * Picks the price set in effect at `now`: the latest start_date that has begun, else the unconstrained one.
 * Time-of-day alternatives are all "in effect" on any day, so the one with the highest input price is kept.
 */
export function selectConditionalPrice(
  prices: ConditionalPrice[] | ModelPrice,
  now: Date,
): { prices: ModelPrice; timeOfDay: boolean; startDate?: string } {
  if (!Array.isArray(prices)) return { prices, timeOfDay: false };
  const candidates: ModelPrice[] = [];
  let timeOfDay = false;
  for (let i = prices.length - 1; i >= 0; i--) {
    const c = prices[i]!;
    const k = c.constraint;
    if (k === undefined) {
      candidates.push(c.prices);
      break;
    }
    if (k.type === 'start_date') {
      if (candidates.length === 0 && now.getTime() >= Date.parse(`${k.start_date}T00:00:00Z`)) {
        return { prices: c.prices, timeOfDay: false, startDate: k.start_date };
      }
      continue;
    }
    timeOfDay = true;
    candidates.push(c.prices);
  }
  if (candidates.length === 0) return { prices: prices[0]!.prices, timeOfDay };
  let best = candidates[0]!;
  for (const c of candidates) if (baseNumber(c.input_mtok) > baseNumber(best.input_mtok)) best = c;
  return { prices: best, timeOfDay };
}

/** Converts one genai-prices model into a PriceEntry; undefined when it has no input or output token price. */
export function convertGenaiModel(
  providerId: string,
  model: ModelInfo,
  ctx: { now: Date; source: string },
): PriceEntry | undefined {
  const picked = selectConditionalPrice(model.prices, ctx.now);
  const p = picked.prices;
  // Embedding models bill input only: the source lists no output price, and they produce no output tokens.
  const embedding = p.output_mtok === undefined && /embed/i.test(model.id);
  if (p.input_mtok === undefined || (p.output_mtok === undefined && !embedding)) return undefined;

  const entry: PriceEntry = {
    model: model.id,
    provider: providerId,
    source: ctx.source,
    input: mtok(baseNumber(p.input_mtok)),
    output: p.output_mtok === undefined ? 0n : mtok(baseNumber(p.output_mtok)),
  };
  const fieldSources: Partial<Record<PriceField, string>> = {};
  const notes: string[] = [];
  if (embedding) notes.push('embedding model: input tokens only (no output price in the source)');

  for (const key of [
    'cache_read_mtok',
    'cache_write_mtok',
    'cache_write_1h_mtok',
    'output_reasoning_mtok',
  ] as const) {
    const v = p[key];
    if (v !== undefined) entry[KEY_MAP[key]] = mtok(baseNumber(v));
  }

  const tiers = buildTiers(p);
  if (tiers.length) entry.tiers = tiers;

  const unmodelled = Object.keys(p).filter((k) => !(k in KEY_MAP) && p[k] !== undefined);
  if (unmodelled.length) notes.push(`not modelled from the source: ${unmodelled.sort().join(', ')}`);
  if (picked.timeOfDay) notes.push('time-of-day prices in the source; the highest alternative is used');
  if (picked.startDate)
    notes.push(`date-conditional prices in the source; those in effect since ${picked.startDate} are used`);
  if (model.deprecated) notes.push('deprecated in the source data');

  if (HALF_PRICE_BATCH_PROVIDERS.has(providerId)) {
    entry.batchInput = halfRate(entry.input);
    entry.batchOutput = halfRate(entry.output);
    fieldSources.batchInput = 'derived: 0.5 × input (provider Batch API discount)';
    fieldSources.batchOutput = 'derived: 0.5 × output (provider Batch API discount)';
  }

  const names = matchNames(model);
  const aliases = names.equals.filter((n) => n !== model.id.toLowerCase());
  const prefixes = names.prefixes;
  if (aliases.length) entry.aliases = aliases;
  if (prefixes.length) entry.prefixes = prefixes;

  if (model.context_window !== undefined) entry.contextWindow = model.context_window;
  if (providerId === 'openai') supplementFromGptTokenizer(entry, [model.id, ...aliases], fieldSources);

  if (Object.keys(fieldSources).length) entry.fieldSources = fieldSources;
  applyKnownLimits(entry);
  if (notes.length) entry.notes = notes;
  return entry;
}

function mtok(n: number): Money {
  return perMillionToPerToken(String(n));
}

function isTiered(v: number | TieredPrices | undefined): v is TieredPrices {
  return typeof v === 'object' && v !== null;
}

function baseNumber(v: number | TieredPrices | undefined): number {
  if (v === undefined) return 0;
  return isTiered(v) ? v.base : v;
}

/** The price in effect for prompts larger than `start` tokens. */
function priceAbove(v: number | TieredPrices, start: number): number {
  if (!isTiered(v)) return v;
  let price = v.base;
  let best = -1;
  for (const t of v.tiers) {
    if (t.start <= start && t.start > best) {
      best = t.start;
      price = t.price;
    }
  }
  return price;
}

function buildTiers(p: ModelPrice): PriceTier[] {
  const starts = new Set<number>();
  for (const key of Object.keys(KEY_MAP) as MappedKey[]) {
    const v = p[key];
    if (isTiered(v)) for (const t of v.tiers) starts.add(t.start);
  }
  const tierFields: [MappedKey, TierField][] = [
    ['cache_read_mtok', 'cacheRead'],
    ['cache_write_mtok', 'cacheWrite5m'],
    ['cache_write_1h_mtok', 'cacheWrite1h'],
  ];
  return [...starts]
    .sort((a, b) => a - b)
    .map((start) => {
      const tier: PriceTier = {
        aboveInputTokens: start,
        input: mtok(priceAbove(p.input_mtok as number | TieredPrices, start)),
        output: mtok(priceAbove(p.output_mtok as number | TieredPrices, start)),
      };
      for (const [key, field] of tierFields) {
        const v = p[key];
        if (v !== undefined) tier[field] = mtok(priceAbove(v, start));
      }
      return tier;
    });
}

type MatchLogic = ModelInfo['match'];

/** Exact names (`equals`) and name prefixes (`starts_with`) from a model's match rule, lower-cased. */
export function matchNames(model: ModelInfo): { equals: string[]; prefixes: string[] } {
  const equals = new Set<string>();
  const prefixes = new Set<string>();
  const walk = (m: MatchLogic): void => {
    if ('or' in m) m.or.forEach(walk);
    else if ('and' in m) {
      // An `and` narrows a prefix with a regex exclusion; keep its prefix part, which is the useful name.
      for (const part of m.and) if ('starts_with' in part) prefixes.add(part.starts_with.toLowerCase());
    } else if ('equals' in m) equals.add(m.equals.toLowerCase());
    else if ('starts_with' in m) prefixes.add(m.starts_with.toLowerCase());
  };
  walk(model.match);
  // A prefix that is itself a complete name (e.g. "claude-sonnet-4-5") also works as an exact alias.
  for (const pfx of prefixes) if (/[a-z0-9]$/.test(pfx)) equals.add(pfx);
  const id = model.id.toLowerCase();
  return { equals: [...equals].filter((n) => n !== id), prefixes: [...prefixes] };
}

interface GptTokenizerSpec {
  context_window?: number;
  max_output_tokens?: number;
  supported_features?: readonly string[];
  reasoning_tokens?: boolean;
}

/** OpenAI max output (and context when missing) and capabilities from gpt-tokenizer's model data. */
function supplementFromGptTokenizer(
  entry: PriceEntry,
  names: string[],
  fieldSources: Partial<Record<PriceField, string>>,
): void {
  const specs = gptTokenizerModels as unknown as Record<string, GptTokenizerSpec | undefined>;
  let spec: GptTokenizerSpec | undefined;
  for (const n of names) {
    spec = specs[n];
    if (spec) break;
  }
  if (!spec) return;
  if (entry.contextWindow === undefined && spec.context_window !== undefined) {
    entry.contextWindow = spec.context_window;
    fieldSources.contextWindow = GPT_TOKENIZER_SOURCE;
  }
  if (spec.max_output_tokens !== undefined) {
    entry.maxOutput = spec.max_output_tokens;
    fieldSources.maxOutput = GPT_TOKENIZER_SOURCE;
  }
  const features = new Set(spec.supported_features ?? []);
  const caps: ModelCapabilities = {
    tools: features.has('function_calling'),
    vision: features.has('image_input'),
    jsonMode: features.has('structured_outputs'),
    reasoning: spec.reasoning_tokens === true,
  };
  entry.capabilities = caps;
  fieldSources.capabilities = GPT_TOKENIZER_SOURCE;
}
