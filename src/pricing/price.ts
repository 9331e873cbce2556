/**
 * A model's price entry. All prices are exact picodollars per token (see core/money.ts);
 * `perMillionToPerToken("2.5")` gives 2_500_000n. Optional fields are absent when the source lists no price
 * for that kind of token — the cost engine then reports the cost as unknown rather than guessing.
 */
import type { Money } from '../core/money.js';

export interface PriceTier {
  /** The tier applies when the request's TOTAL prompt (incl. cached tokens) is above this many tokens. */
  aboveInputTokens: number;
  input: Money;
  output: Money;
  cacheRead?: Money;
  cacheWrite5m?: Money;
  cacheWrite1h?: Money;
}

export interface ModelCapabilities {
  tools?: boolean;
  vision?: boolean;
  jsonMode?: boolean;
  reasoning?: boolean;
  promptCaching?: boolean;
}

export interface PriceEntry {
  /** Canonical model id, e.g. "gpt-4o", "claude-sonnet-4-5". */
  model: string;
  /** Provider id: "openai", "anthropic", "google", "groq", "together" … */
  provider: string;
  /** Where the numbers came from, e.g. "@pydantic/genai-prices 0.1.8", "litellm:<file>", "config". */
  source: string;
  input: Money;
  output: Money;
  cacheRead?: Money;
  cacheWrite5m?: Money;
  cacheWrite1h?: Money;
  /** Reasoning tokens, when priced differently from output. */
  reasoning?: Money;
  batchInput?: Money;
  batchOutput?: Money;
  /** Long-context tiers, ascending by threshold; the highest matching tier re-prices the whole request. */
  tiers?: PriceTier[];
  contextWindow?: number;
  maxOutput?: number;
  /** Minimum prompt tokens for provider prompt caching to take effect. */
  promptCacheMinTokens?: number;
  capabilities?: ModelCapabilities;
  /** Other names that resolve to this entry (dated snapshots, provider prefixes). */
  aliases?: string[];
  /** Name prefixes that resolve to this entry when no exact name or alias matches (sources that match by prefix). */
  prefixes?: string[];
  /** Where a field came from when it is not `source` (e.g. batchInput: "derived: 0.5 x input"). */
  fieldSources?: Partial<Record<PriceField, string>>;
  /** Caveats about the data: price kinds the source lists but Penny does not model, dropped tiers, … */
  notes?: string[];
}

/** The per-entry fields whose origin can differ from the entry's `source`. */
export type PriceField =
  | 'input'
  | 'output'
  | 'cacheRead'
  | 'cacheWrite5m'
  | 'cacheWrite1h'
  | 'reasoning'
  | 'batchInput'
  | 'batchOutput'
  | 'tiers'
  | 'contextWindow'
  | 'maxOutput'
  | 'promptCacheMinTokens'
  | 'capabilities';
